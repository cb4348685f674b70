"""The admin's user form carries the e-mail address the digests go to: validated, audited, kept
when the form does not send it."""
from __future__ import annotations

from sqlalchemy import select

from orgbuild.extensions import db
from orgbuild.models import AuditEvent, User
from tests.conftest import login, street


def _user(name: str) -> User:
    db.session.expire_all()
    return db.session.scalar(select(User).where(User.username == name))


def test_admin_creates_a_user_with_an_email_address(app, make_user):
    make_user("boss", "admin")
    client = app.test_client()
    login(client, "boss")
    form = client.get("/admin/users/new").get_data(as_text=True)
    assert 'name="email"' in form and "电子邮箱" in form
    data = {"username": "mailer", "role": "officer", "street_ids": [street("翠竹").id], "password": "Harbour2026"}
    bad = client.post("/admin/users/new", data={**data, "email": "not an address"})
    assert bad.status_code == 200 and "邮箱地址格式不正确" in bad.get_data(as_text=True)
    assert _user("mailer") is None
    ok = client.post("/admin/users/new", data={**data, "email": " mailer@example.org "})
    assert ok.status_code == 302
    assert _user("mailer").email == "mailer@example.org"
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.summary == "create mailer"))
    assert event.changes["email"] == [None, "mailer@example.org"]
    assert "mailer@example.org" in client.get("/admin/users").get_data(as_text=True)


def test_admin_changes_clears_or_keeps_the_email_address(app, make_user):
    make_user("boss", "admin")
    target = make_user("target", "officer", ["翠竹"])
    client = app.test_client()
    login(client, "boss")
    url = f"/admin/users/{target.id}"
    base = {"username": "target", "display_name": "target", "role": "officer", "street_ids": [street("翠竹").id]}
    for bad in ("a@b@c", "a@", "@b.org", "a b@c.org", "a@b..org"):
        response = client.post(url, data={**base, "email": bad})
        assert response.status_code == 200 and "邮箱地址格式不正确" in response.get_data(as_text=True), bad
    too_long = client.post(url, data={**base, "email": "x" * 195 + "@a.org"})
    assert too_long.status_code == 200 and "is-invalid" in too_long.get_data(as_text=True)
    assert _user("target").email is None
    assert client.post(url, data={**base, "email": "t@example.org"}).status_code == 302
    assert _user("target").email == "t@example.org"
    assert 'value="t@example.org"' in client.get(url).get_data(as_text=True)
    client.post(url, data=base)  # a form without the field leaves the address alone
    assert _user("target").email == "t@example.org"
    client.post(url, data={**base, "email": ""})
    assert _user("target").email is None
    changes = [e.changes.get("email") for e in db.session.scalars(select(AuditEvent).where(AuditEvent.summary == "update target")
                                                     .order_by(AuditEvent.id))]
    assert changes == [[None, "t@example.org"], ["t@example.org", None]]
