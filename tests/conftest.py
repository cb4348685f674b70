"""Shared fixtures: a fresh database per test, the client and CLI runner, and small factories.

The database is SQLite in a temporary directory, or PostgreSQL when ``TEST_DATABASE_URL`` is set
(see ``tests/dbutil.py``: each test then gets its own schema).
"""
from __future__ import annotations

import itertools
import os
import tempfile

import pytest
from flask import g

from orgbuild import create_app
from orgbuild.districts.reference import load_reference
from orgbuild.domain.rules import CREDIT_CODE_CHARS, credit_code_check_char, today_in
from orgbuild.extensions import db
from orgbuild.models import District, Organization, Street, User
from tests import dbutil

PASSWORD = "Secret123"


def pytest_configure(config):
    """Register the markers the suite uses; keep every test away from the developer's own instance
    folder and database (an app built without settings would otherwise open instance/orgbuild.sqlite)."""
    os.environ["ORGBUILD_INSTANCE"] = tempfile.mkdtemp(prefix="orgbuild-tests-")
    os.environ.pop("DATABASE_URL", None)
    config.addinivalue_line("markers", "app_config(**settings): extra settings for the app fixture")


def forget_cached_user() -> None:
    """Requests share the fixture's app context (and so ``g``): drop the user a previous request cached."""
    g.pop("_login_user", None)


def marker_config(request) -> dict:
    """Settings from a test's ``@pytest.mark.app_config(KEY=value)`` marker, if any."""
    marker = request.node.get_closest_marker("app_config")
    return dict(marker.kwargs) if marker else {}


@pytest.fixture
def app(tmp_path, request):
    """An app bound to a fresh database holding the Luohu streets."""
    with dbutil.fresh_database(tmp_path, request.node.name) as url:
        app = create_app(
            {
                "TESTING": True,
                "SQLALCHEMY_DATABASE_URI": url,
                "WTF_CSRF_ENABLED": False,
                "SECRET_KEY": "test-secret-key-0123456789",
                "RATELIMIT_ENABLED": False,
                **marker_config(request),
            }
        )
        app.before_request(forget_cached_user)
        with app.app_context():
            db.create_all()
            load_reference()
            yield app
            db.session.remove()
            db.drop_all()
            db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


def street(short_name: str) -> Street:
    """A street of the reference data by its short name (桂园, 翠竹, …)."""
    return db.session.scalar(db.select(Street).where(Street.short_name == short_name))


@pytest.fixture
def make_user(app):
    """make_user("name", role="officer", streets=["翠竹"], district="luohu") → a saved user with
    password PASSWORD (no streets and no district: the whole city)."""

    def make(username: str, role: str = "officer", streets: tuple[str, ...] | list[str] = (),
             district: str | None = None) -> User:
        user = User(username=username, role=role, display_name=username, session_token="t")
        user.set_password(PASSWORD)
        user.streets = [street(s) for s in streets]
        if district:
            user.district = db.session.scalar(db.select(District).where(District.code == district))
        db.session.add(user)
        db.session.commit()
        return user

    return make


_serial = itertools.count(1)


def credit_code(n: int | None = None, prefix: str = "91440303") -> str:
    """A valid credit code, different for each `n` (a fresh one when omitted)."""
    n = next(_serial) if n is None else n
    body = ""
    for _ in range(9):
        body = CREDIT_CODE_CHARS[n % 31] + body
        n //= 31
    first17 = prefix + body
    return first17 + credit_code_check_char(first17)


@pytest.fixture
def make_org(app):
    """make_org(street="翠竹", has_party_org=True, status="surveyed", …) → a saved organisation."""

    def make(street_name: str = "翠竹", **values) -> Organization:
        values.setdefault("credit_code", credit_code())
        values.setdefault("name", f"测试企业{values['credit_code'][-6:]}有限公司")
        values.setdefault("has_party_org", True)
        values.setdefault("employees", 50)
        values.setdefault("league_members", 5)
        values.setdefault("youth_count", 20)
        org = Organization(street_id=street(street_name).id, **values)
        db.session.add(org)
        db.session.commit()
        return org

    return make


def login(client, username: str, password: str = PASSWORD):
    """Sign in through the login form; returns the response after redirects."""
    return client.post("/login", data={"username": username, "password": password}, follow_redirects=True)


#: the district's today (the app's default time zone, as ``models.local_date``): from 16:00 UTC it is
#: already tomorrow in Shanghai, and a date.today() "tomorrow" would be the app's today
TODAY = today_in("Asia/Shanghai")
