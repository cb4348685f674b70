"""The per-test database really is private: on PostgreSQL each test's connections see only its own
schema, so rows written by one test are invisible to every other."""
from __future__ import annotations

import sqlalchemy as sa

from orgbuild.extensions import db
from tests import dbutil


def test_app_fixture_uses_its_own_database(app):
    with db.engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            schema = conn.execute(sa.text("SELECT current_schema()")).scalar()
            assert schema.startswith("t_test_app_fixture_uses_its_own_database_")
            assert conn.execute(sa.text("SHOW search_path")).scalar() == schema
            tables = conn.execute(
                sa.text("SELECT table_name FROM information_schema.tables WHERE table_schema = :s"), {"s": schema}
            ).scalars().all()
            assert "organizations" in tables
        else:
            assert conn.dialect.name == "sqlite"
            assert db.engine.url.database.endswith("test.sqlite")


def test_two_postgresql_schemas_do_not_see_each_other(tmp_path, pg_server_url):
    with dbutil.fresh_database(tmp_path, "a", pg_url=pg_server_url) as url_a, \
            dbutil.fresh_database(tmp_path, "b", pg_url=pg_server_url) as url_b:
        engine_a, engine_b = sa.create_engine(url_a), sa.create_engine(url_b)
        try:
            with engine_a.begin() as conn:
                conn.execute(sa.text("CREATE TABLE marker (n integer)"))
                conn.execute(sa.text("INSERT INTO marker VALUES (1)"))
            with engine_b.begin() as conn:
                conn.execute(sa.text("CREATE TABLE marker (n integer)"))
                assert conn.execute(sa.text("SELECT count(*) FROM marker")).scalar() == 0
            with engine_a.connect() as conn:
                assert conn.execute(sa.text("SELECT count(*) FROM marker")).scalar() == 1
        finally:
            engine_a.dispose()
            engine_b.dispose()
    engine = sa.create_engine(pg_server_url)
    with engine.connect() as conn:
        left = conn.execute(sa.text("SELECT count(*) FROM information_schema.schemata WHERE schema_name IN (:a, :b)"),
                            {"a": url_a.rsplit("%3D", 1)[1], "b": url_b.rsplit("%3D", 1)[1]}).scalar()
    engine.dispose()
    assert left == 0, "the test schemas were not dropped"
