"""Fixtures of the API tests: two officers of two streets with an organisation each, and tokens."""
from __future__ import annotations

import pytest

from orgbuild.accounts import tokens


def bearer(secret: str) -> dict[str, str]:
    """The Authorization header of a token."""
    return {"Authorization": f"Bearer {secret}"}


@pytest.fixture
def streets(make_user, make_org):
    """officer_a (翠竹) and officer_b (桂园), an organisation on each street, and a city supervisor."""
    return {
        "officer_a": make_user("officer_a", "officer", ["翠竹"]),
        "officer_b": make_user("officer_b", "officer", ["桂园"]),
        "supervisor": make_user("boss", "supervisor"),
        "org_a": make_org("翠竹", name="翠竹接口测试科技有限公司"),
        "org_b": make_org("桂园", name="桂园接口测试科技有限公司"),
    }


@pytest.fixture
def token_of():
    """token_of(user, write=False, days=30) → the secret of a new token."""

    def make(user, write: bool = False, days: int = 30) -> str:
        return tokens.create_token(user, "tests", write=write, expires_days=days).secret

    return make
