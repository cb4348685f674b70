"""Personal access tokens: the account page and the ``token`` command line (create prints the secret
once, list never shows it, revoke is immediate), and what is stored (a hash only)."""
from __future__ import annotations

import json
import re

from sqlalchemy import select

from orgbuild.accounts import tokens
from orgbuild.extensions import db
from orgbuild.models import ApiToken, AuditEvent
from tests.api.conftest import bearer
from tests.conftest import login

SECRET = re.compile(r"orgb_[A-Za-z0-9_-]{40}")


def test_account_page_creates_lists_and_revokes_a_token(client, streets):
    login(client, "officer_a")
    assert "还没有令牌" in client.get("/account/tokens/").get_data(as_text=True)
    page = client.post("/account/tokens/", data={"name": "街道台账", "access": "write", "expires_days": "30"})
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "它只显示这一次" in text
    secret = SECRET.search(text).group(0)
    row = db.session.scalar(select(ApiToken))
    assert row.name == "街道台账" and row.can_write and row.token_hash == tokens.hash_secret(secret)
    assert secret not in client.get("/account/tokens/").get_data(as_text=True)  # shown once only
    assert "街道台账" in client.get("/account/tokens/").get_data(as_text=True)
    api = client.application.test_client()
    assert api.get("/api/v1/orgs", headers=bearer(secret)).status_code == 200
    assert client.post(f"/account/tokens/{row.id}/revoke").status_code == 302
    assert api.get("/api/v1/orgs", headers=bearer(secret)).status_code == 401
    assert "已撤销" in client.get("/account/tokens/").get_data(as_text=True)
    actions = [e.summary for e in db.session.scalars(select(AuditEvent).where(AuditEvent.object_type == "api_token"))]
    assert len(actions) == 2 and actions[0].startswith("create token") and actions[1].startswith("revoke token")


def test_nobody_revokes_another_accounts_token(client, streets):
    theirs = tokens.create_token(streets["officer_b"], "b").token
    login(client, "officer_a")
    assert client.post(f"/account/tokens/{theirs.id}/revoke").status_code == 404
    db.session.expire_all()
    assert db.session.get(ApiToken, theirs.id).revoked_at is None
    assert "b" not in [t.name for t in tokens.tokens_of(streets["officer_a"])]


def test_cli_create_list_revoke(runner, client, streets):
    created = runner.invoke(args=["token", "create", "officer_a", "--name", "sync", "--write", "--expires-days", "7"])
    assert created.exit_code == 0, created.output
    secret = SECRET.search(created.stdout).group(0)
    assert created.stdout.strip() == secret  # stdout is the token alone, ready for a script
    listed = runner.invoke(args=["token", "list", "officer_a", "--json"])
    items = json.loads(listed.stdout)["items"]
    assert [(i["name"], i["write"], i["state"]) for i in items] == [("sync", True, "active")]
    assert secret not in listed.output and secret.startswith(items[0]["prefix"])
    plain = runner.invoke(args=["token", "list"])
    assert plain.exit_code == 0 and "officer_a" in plain.output and "读写" in plain.output
    assert client.get("/api/v1/progress", headers=bearer(secret)).status_code == 200
    revoked = runner.invoke(args=["token", "revoke", str(items[0]["id"])])
    assert revoked.exit_code == 0 and "已撤销令牌" in revoked.output
    assert client.get("/api/v1/progress", headers=bearer(secret)).status_code == 401
    assert "原已撤销" in runner.invoke(args=["token", "revoke", str(items[0]["id"])]).output


def test_cli_refusals(runner, streets):
    assert runner.invoke(args=["token", "create", "nobody"]).exit_code == 1
    assert runner.invoke(args=["token", "create", "officer_a", "--expires-days", "0"]).exit_code == 2
    assert runner.invoke(args=["token", "create", "officer_a", "--expires-days", "400"]).exit_code == 2
    assert runner.invoke(args=["token", "revoke", "987654"]).exit_code == 1
    assert runner.invoke(args=["token", "list", "nobody"]).exit_code == 1
    assert db.session.scalar(select(ApiToken)) is None


def test_read_only_by_default_and_expiry(streets):
    new = tokens.create_token(streets["officer_a"])
    assert new.token.can_write is False
    days = (new.token.expires_at - new.token.created_at).days
    assert days == tokens.DEFAULT_DAYS or days == tokens.DEFAULT_DAYS - 1
