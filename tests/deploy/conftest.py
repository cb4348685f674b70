"""Fixtures for the deployment tests: an empty database of each kind (SQLite file or PostgreSQL
schema) with an app bound to it, and the PostgreSQL server the PostgreSQL-only tests use."""
from __future__ import annotations

import pytest

from orgbuild import create_app
from orgbuild.extensions import db
from tests import dbutil

TEST_CONFIG = {
    "TESTING": True,
    "WTF_CSRF_ENABLED": False,
    "SECRET_KEY": "test-secret-key-0123456789",
    "RATELIMIT_ENABLED": False,
}


@pytest.fixture(scope="session")
def pg_server_url() -> str:
    """The PostgreSQL server URL, or skip saying where none answered."""
    url = dbutil.postgres_url()
    reason = dbutil.unreachable_reason(url)
    if reason:
        pytest.skip(f"PostgreSQL not reachable at {dbutil._hidden(url)} ({reason}); set TEST_DATABASE_URL")
    return url


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_db_url(request, tmp_path):
    """The URL of an empty database: a new SQLite file, or a new PostgreSQL schema."""
    if request.param == "sqlite":
        yield "sqlite:///" + str(tmp_path / "empty.sqlite")
        return
    pg = request.getfixturevalue("pg_server_url")
    with dbutil.fresh_database(tmp_path, request.node.name, pg_url=pg) as url:
        yield url


@pytest.fixture
def empty_app(empty_db_url):
    """An app bound to an empty database (no tables: the test runs the migrations)."""
    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": empty_db_url})
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def sqlite_app(tmp_path):
    """An app on a fresh SQLite file created by the migrations, whatever TEST_DATABASE_URL says."""
    from flask_migrate import upgrade

    from orgbuild.districts.reference import load_reference

    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": "sqlite:///" + str(tmp_path / "app.sqlite")})
    with app.app_context():
        upgrade()
        load_reference()
        yield app
        db.session.remove()
        db.engine.dispose()
