"""``flask --app orgbuild backup PATH``: an online copy of the SQLite database that opens on its own
with every row; PostgreSQL is refused with a pointer to pg_dump."""
from __future__ import annotations

import sqlite3

from orgbuild import create_app
from orgbuild.extensions import db
from orgbuild.models import Organization
from tests.conftest import credit_code
from tests.deploy.conftest import TEST_CONFIG


def _add_orgs(count: int) -> None:
    """Save `count` organisations on the first street."""
    from orgbuild.models import Street

    street_id = db.session.scalar(db.select(Street.id).order_by(Street.id))
    db.session.add_all(Organization(credit_code=credit_code(), name=f"备份测试{i}", street_id=street_id)
                       for i in range(count))
    db.session.commit()


def test_backup_copies_the_sqlite_database(sqlite_app, tmp_path):
    _add_orgs(25)
    target = tmp_path / "copies" / "orgbuild-backup.sqlite"
    target.parent.mkdir()
    with db.engine.connect():  # a connection stays open: the backup is online
        result = sqlite_app.test_cli_runner().invoke(args=["backup", str(target)])
    assert result.exit_code == 0, result.output
    assert "已将" in result.output and str(target) in result.output
    copy = sqlite3.connect(target)
    try:
        assert copy.execute("SELECT count(*) FROM organizations").fetchone()[0] == 25
        assert copy.execute("SELECT count(*) FROM streets").fetchone()[0] == 10
        assert copy.execute("SELECT version_num FROM alembic_version").fetchone() is not None
        assert copy.execute("PRAGMA journal_mode").fetchone()[0] == "delete"  # one self-contained file
    finally:
        copy.close()
    assert sorted(p.name for p in target.parent.iterdir()) == ["orgbuild-backup.sqlite"]


def test_backup_replaces_an_older_copy(sqlite_app, tmp_path):
    target = tmp_path / "backup.sqlite"
    runner = sqlite_app.test_cli_runner()
    assert runner.invoke(args=["backup", str(target)]).exit_code == 0
    _add_orgs(3)
    assert runner.invoke(args=["backup", str(target)]).exit_code == 0
    with sqlite3.connect(target) as copy:
        assert copy.execute("SELECT count(*) FROM organizations").fetchone()[0] == 3


def test_backup_refuses_a_missing_directory_and_the_database_itself(sqlite_app, tmp_path):
    runner = sqlite_app.test_cli_runner()
    result = runner.invoke(args=["backup", str(tmp_path / "missing" / "b.sqlite")])
    assert result.exit_code == 1 and "不存在" in result.output
    result = runner.invoke(args=["backup", db.engine.url.database])
    assert result.exit_code == 1 and "就是数据库本身" in result.output


def test_backup_of_postgresql_points_to_pg_dump(tmp_path):
    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://orgbuild@127.0.0.1:1/orgbuild"})
    result = app.test_cli_runner().invoke(args=["backup", str(tmp_path / "b.sqlite")])
    assert result.exit_code == 1
    assert "pg_dump" in result.output and "PostgreSQL" in result.output
    assert not (tmp_path / "b.sqlite").exists()
