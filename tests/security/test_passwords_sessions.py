"""Password policy, changing one's own password, session rotation and signing out everywhere."""
from __future__ import annotations

from datetime import datetime, timezone
from email.utils import parsedate_to_datetime

import pytest
from sqlalchemy import select

from orgbuild.accounts import service as accounts
from orgbuild.extensions import db
from orgbuild.models import AuditEvent, User
from tests.conftest import PASSWORD, login


@pytest.mark.parametrize(
    ("password", "problem"),
    [
        ("Ab1", "密码至少8位"),
        ("abcdefgh", "密码须同时包含字母和数字"),
        ("12345678", "密码须同时包含字母和数字"),
        ("xofficer_a1", "密码不能包含用户名"),
        ("Harbour2026", None),
    ],
)
def test_password_policy(password, problem):
    """At least 8 characters, letters and digits, not containing the user name."""
    assert accounts.password_problem(password, "officer_a") == problem


def change(client, current: str, new: str, confirm: str | None = None):
    """Post the change-password form."""
    return client.post(
        "/account/password",
        data={"current_password": current, "new_password": new, "confirm": confirm if confirm is not None else new},
    )


def test_change_password_refuses_wrong_current_and_weak_new(people, signed_in):
    """Wrong current password, a weak new one, or a mismatch: a message, nothing changes."""
    client = signed_in("officer_a")
    before = people["officer_a"].password_hash
    assert "当前密码不正确" in change(client, "nope-nope1", "Harbour2026").get_data(as_text=True)
    assert "密码须同时包含字母和数字" in change(client, PASSWORD, "harbourharbour").get_data(as_text=True)
    assert "密码至少8位" in change(client, PASSWORD, "Ab1").get_data(as_text=True)
    assert "两次输入的密码不一致" in change(client, PASSWORD, "Harbour2026", "Harbour2027").get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, people["officer_a"].id).password_hash == before


def test_change_password_keeps_this_session_and_ends_the_others(people, signed_in, app):
    """The session that changed the password stays signed in; every other one is signed out."""
    here = signed_in("officer_a")
    elsewhere = signed_in("officer_a")
    response = change(here, PASSWORD, "Harbour2026")
    assert response.status_code == 302
    assert here.get("/followups").status_code == 200
    gone = elsewhere.get("/followups")
    assert gone.status_code == 302 and "/login" in gone.headers["Location"]
    assert login(app.test_client(), "officer_a", "Harbour2026").request.path != "/login"
    assert login(app.test_client(), "officer_a", PASSWORD).request.path == "/login"
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "user").order_by(AuditEvent.id.desc()))
    assert event.summary == "change password officer_a" and event.user_id == people["officer_a"].id
    assert "Harbour2026" not in str(event.changes)


def test_remember_me_cookie_stops_working_after_a_password_change(people, app, signed_in):
    """A remembered browser (no session cookie any more) is signed out when the password changes."""
    remembered = app.test_client()
    remembered.post("/login", data={"username": "officer_a", "password": PASSWORD, "remember": "y"})
    assert remembered.get_cookie("remember_token") is not None
    remembered.delete_cookie("session")  # the browser was closed
    assert remembered.get("/followups").status_code == 200  # remembered
    change(signed_in("officer_a"), PASSWORD, "Harbour2026")
    remembered.delete_cookie("session")
    response = remembered.get("/followups")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_session_is_rotated_on_sign_in(people, app):
    """Whatever the session held before sign-in is dropped (no session fixation)."""
    client = app.test_client()
    with client.session_transaction() as session:
        session["planted"] = "by-someone-else"
    login(client, "officer_a")
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session["_user_id"].startswith(f"{people['officer_a'].id}:")


def test_deactivated_user_is_signed_out_at_the_next_request(people, signed_in):
    """An admin deactivates an officer: the officer's next request goes to the login page."""
    officer = signed_in("officer_a")
    assert officer.get("/followups").status_code == 200
    admin = signed_in("admin")
    assert admin.post(f"/admin/users/{people['officer_a'].id}/deactivate").status_code == 302
    response = officer.get("/followups")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    page = officer.post("/login", data={"username": "officer_a", "password": PASSWORD}).get_data(as_text=True)
    assert "该账号已停用，请联系管理员" in page


def test_reset_password_signs_the_user_out(people, signed_in, app):
    """After an admin resets a password, old sessions end and only the new password works."""
    officer = signed_in("officer_a")
    admin = signed_in("admin")
    response = admin.post(f"/admin/users/{people['officer_a'].id}/password", data={"new_password": "Harbour2026"})
    assert response.status_code == 302
    assert officer.get("/followups").status_code == 302
    assert login(app.test_client(), "officer_a", "Harbour2026").request.path != "/login"


def test_logout_ends_the_saved_session_and_the_remember_me_cookie(people, app):
    """After POST /logout, neither a copy of the session cookie nor the remember-me cookie opens a page."""
    client = app.test_client()
    client.post("/login", data={"username": "officer_a", "password": PASSWORD, "remember": "y"})
    saved_session = client.get_cookie("session").value
    saved_remember = client.get_cookie("remember_token").value
    assert client.get("/dashboard/").status_code == 200
    assert client.post("/logout").status_code == 302
    for cookies in ({"session": saved_session}, {"remember_token": saved_remember}):
        thief = app.test_client()
        for name, value in cookies.items():
            thief.set_cookie(name, value)
        response = thief.get("/dashboard/")
        assert response.status_code == 302 and "/login" in response.headers["Location"], cookies
    assert login(app.test_client(), "officer_a").request.path != "/login"  # signing in again works


def test_remember_me_lasts_14_days(people, app):
    client = app.test_client()
    response = client.post("/login", data={"username": "officer_a", "password": PASSWORD, "remember": "y"})
    cookie = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("remember_token="))
    expires = parsedate_to_datetime(cookie.split("Expires=")[1].split(";")[0])
    days = (expires - datetime.now(timezone.utc)).total_seconds() / 86400
    assert 13.9 < days <= 14
