"""The districts migration on a database that holds data from before it (SQLite and PostgreSQL):
the existing streets, district-wide targets and non-admin accounts become Luohu's; a later init-db
completes Luohu in the same district; downgrading is refused while a street has no code."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import select, text

from orgbuild import policy
from orgbuild.districts.reference import load_districts
from orgbuild.extensions import db
from orgbuild.models import District, Street, Target, User

BEFORE = "b7d1c0a4e2f9"  # the head of main before the districts migration


def _old_rows() -> None:
    """Streets, accounts and targets as the schema before districts held them."""
    now = datetime.now(UTC)
    with db.engine.begin() as conn:
        for code, short in (("440303004", "翠竹"), ("440303006", "笋岗")):
            conn.execute(text("INSERT INTO streets (code, name, short_name) VALUES (:c, :n, :s)"),
                         {"c": code, "n": short + "街道", "s": short})
        for name, role in (("boss", "supervisor"), ("root", "admin"), ("wang", "officer")):
            conn.execute(text("INSERT INTO users (username, display_name, password_hash, role, active, session_token, "
                              "created_at) VALUES (:u, :u, 'x', :r, :t, 't', :now)"),
                         {"u": name, "r": role, "t": True, "now": now})
        cuizhu = conn.execute(text("SELECT id FROM streets WHERE short_name = '翠竹'")).scalar()
        for street_id, value in ((None, 56), (cuizhu, 7)):
            conn.execute(text("INSERT INTO targets (year, metric, street_id, value, updated_at) "
                              "VALUES (2022, 'new_branches', :s, :v, :now)"), {"s": street_id, "v": value, "now": now})


def test_existing_rows_become_luohus(empty_app):
    upgrade(revision=BEFORE)
    _old_rows()
    upgrade()
    luohu = db.session.scalar(select(District).where(District.code == "luohu"))
    assert (luohu.name, luohu.area_code) == ("罗湖区", "440303")
    assert {s.short_name: s.district_id for s in db.session.scalars(select(Street))} == {"翠竹": luohu.id, "笋岗": luohu.id}
    users = {u.username: u.district_id for u in db.session.scalars(select(User))}
    assert users == {"boss": luohu.id, "root": None, "wang": luohu.id}
    targets = {t.street_id is None: t.district_id for t in db.session.scalars(select(Target))}
    assert targets == {True: luohu.id, False: None}

    report = load_districts(["luohu"])[0]
    assert report.added == 28 - 2 - 18 + 8 + 10  # 8 streets and Cuizhu's 10 communities; Sungang's 8 too
    assert db.session.scalar(select(db.func.count(District.id))) == 1
    assert db.session.scalar(select(db.func.count(Street.id)).where(Street.district_id == luohu.id)) == 10
    boss = db.session.scalar(select(User).where(User.username == "boss"))
    assert len(policy.street_ids(boss)) == 10 and policy.district_ids(boss) == {luohu.id}


def test_upgrade_of_an_empty_database_creates_no_district(empty_app):
    upgrade()
    assert db.session.scalar(select(db.func.count(District.id))) == 0


def test_downgrade_is_refused_while_a_street_has_no_code(empty_app):
    upgrade()
    load_districts(["luohu", "futian"])
    db.session.remove()
    with pytest.raises(SystemExit):  # flask-migrate logs the RuntimeError and exits 1
        downgrade(revision=BEFORE)
    db.session.remove()
    assert db.session.scalar(select(db.func.count(District.id))) == 2
