"""Fixtures for the security tests: one user of each role, and signed-in clients."""
from __future__ import annotations

import pytest

from tests.conftest import login


@pytest.fixture
def people(make_user):
    """officer_a (翠竹), officer_b (桂园), a supervisor and an admin."""
    return {
        "officer_a": make_user("officer_a", "officer", ["翠竹"]),
        "officer_b": make_user("officer_b", "officer", ["桂园"]),
        "supervisor": make_user("supervisor", "supervisor"),
        "admin": make_user("admin", "admin"),
    }


@pytest.fixture
def signed_in(app):
    """signed_in("admin") → a new test client signed in as that user."""

    def make(username: str, password: str | None = None, **extra):
        client = app.test_client()
        response = login(client, username, password) if password else login(client, username)
        assert response.status_code == 200
        return client

    return make
