"""SQLite done right: WAL journal, foreign keys and a busy timeout on every new connection, so that
several threads and processes writing through the app never meet "database is locked"."""
from __future__ import annotations

import multiprocessing
from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from orgbuild.accounts import service as accounts
from orgbuild.extensions import db
from orgbuild.models import Community, Organization, Street
from tests.conftest import PASSWORD
from tests.deploy.conftest import TEST_CONFIG
from tests.deploy.sqlite_writers import process_writer, write_through_app


def test_pragmas_in_force_on_every_new_connection(sqlite_app):
    db.engine.dispose()  # the next connections are brand new
    with db.engine.connect() as first, db.engine.connect() as second:
        for conn in (first, second):
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 10000
            assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL


def test_foreign_keys_are_enforced(sqlite_app):
    db.session.add(Community(street_id=99_999, name="不存在的街道的社区"))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def _street_id() -> int:
    """The id of 翠竹 street."""
    return db.session.scalar(sa.select(Street.id).where(Street.short_name == "翠竹"))


def test_threads_writing_concurrently_never_lock(sqlite_app):
    accounts.create_user("admin", PASSWORD, "admin")
    street_id = _street_id()
    with ThreadPoolExecutor(max_workers=5) as pool:
        results = list(pool.map(lambda w: write_through_app(sqlite_app, w, 10, street_id), range(5)))
    statuses = [s for worker in results for s in worker]
    assert statuses.count(302) == 5 * 10, statuses  # every create redirected to the new page
    assert set(statuses) == {200, 302}
    assert db.session.scalar(sa.select(sa.func.count(Organization.id))) == 50


def test_processes_writing_concurrently_never_lock(sqlite_app):
    accounts.create_user("admin", PASSWORD, "admin")
    street_id = _street_id()
    url = str(db.engine.url)
    context = multiprocessing.get_context("spawn")
    with context.Pool(2) as pool:
        results = pool.map(process_writer, [(url, TEST_CONFIG, w, 12, street_id) for w in range(2)])
    statuses = [s for worker in results for s in worker]
    assert statuses.count(302) == 24 and set(statuses) == {200, 302}, statuses
    assert db.session.scalar(sa.select(sa.func.count(Organization.id))) == 24
