"""Login throttling, counted in the database so that every worker shares it (no Redis needed): per
address first (20 failures in 15 minutes block the address), per account a short back-off that grows
(30 s after the 5th failure, then 60 s, 120 s, … at most 15 minutes), after which the right password
signs in; failures only; a clear "N 秒/分钟后再试" page. Password changes: only wrong current passwords
count, with the same back-off."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest

from orgbuild import create_app
from orgbuild.accounts import throttle
from orgbuild.extensions import db
from tests.conftest import PASSWORD

pytestmark = pytest.mark.app_config(LOGIN_THROTTLE=True)


@pytest.fixture
def clock(monkeypatch):
    """Move the throttle's clock: clock.advance(seconds)."""
    base = throttle.now()
    state = {"offset": 0}
    monkeypatch.setattr(throttle, "now", lambda: base + timedelta(seconds=state["offset"]))

    class Clock:
        def advance(self, seconds: int) -> None:
            state["offset"] += seconds

    return Clock()


def attempt(client, username: str, password: str = "wrong-password1", address: str = "10.0.0.1"):
    """One sign-in attempt from `address`."""
    return client.post("/login", data={"username": username, "password": password}, environ_base={"REMOTE_ADDR": address})


def test_five_failures_start_a_short_back_off_with_a_clear_message(client, people, clock):
    """After 5 failed attempts the account waits 30 seconds — the right password too — then signs in."""
    for _ in range(5):
        response = attempt(client, "officer_a")
        assert response.status_code == 200 and "用户名或密码错误" in response.get_data(as_text=True)
    response = attempt(client, "officer_a", PASSWORD)
    assert response.status_code == 429
    page = response.get_data(as_text=True)
    assert "登录失败次数过多，请 30 秒后再试" in page
    assert 'name="username"' in page  # the sign-in page itself, not a bare error
    assert 0 < int(response.headers["Retry-After"]) <= 30
    clock.advance(31)
    assert attempt(client, "officer_a", PASSWORD).status_code == 302  # back-off over: the right password works


def test_the_back_off_grows_and_stays_short(client, people, clock):
    """Each failure after the back-off doubles it (30, 60, 120 s …), never beyond 15 minutes; attempts
    during a back-off are refused without counting."""
    for _ in range(5):
        attempt(client, "officer_a")
    waits = []
    for _ in range(8):
        blocked = attempt(client, "officer_a")
        assert blocked.status_code == 429
        waits.append(int(blocked.headers["Retry-After"]))
        attempt(client, "officer_a")  # refused, not counted
        clock.advance(waits[-1] + 1)
        assert attempt(client, "officer_a").status_code == 200  # a failure again: the next back-off
    assert waits[:5] == [30, 60, 120, 240, 480] and max(waits) == 900
    page = attempt(client, "officer_a").get_data(as_text=True)
    assert "15 分钟后再试" in page
    clock.advance(901)
    assert attempt(client, "officer_a", PASSWORD).status_code == 302


def test_the_account_limit_follows_the_account_not_the_address(client, people, clock):
    """Failures from many addresses still start the back-off; other accounts are unaffected."""
    for n in range(5):
        attempt(client, "officer_a", address=f"10.0.1.{n}")
    assert attempt(client, "officer_a", PASSWORD, address="10.0.2.1").status_code == 429
    assert attempt(client, "officer_b", PASSWORD, address="10.0.2.1").status_code == 302


def test_user_name_case_and_spaces_do_not_dodge_the_limit(client, people, clock):
    for name in ("officer_a", "OFFICER_A", " officer_a ", "Officer_A", "officer_a"):
        attempt(client, name)
    assert attempt(client, "officer_a", PASSWORD).status_code == 429


def test_successful_sign_ins_do_not_count_and_clear_the_failures(client, people, clock):
    for _ in range(8):
        assert attempt(client, "officer_a", PASSWORD).status_code == 302
        client.post("/logout")
    for _ in range(4):
        attempt(client, "officer_a")
    assert attempt(client, "officer_a", PASSWORD).status_code == 302
    client.post("/logout")
    for _ in range(4):
        attempt(client, "officer_a")
    assert attempt(client, "officer_a", PASSWORD).status_code == 302  # the count started again


def test_twenty_failures_from_one_address_block_that_address_first(client, people, clock):
    """Guessing across many accounts from one address is stopped after 20 failures; once blocked it
    adds nothing to any account's count (a stranger cannot keep an account locked)."""
    for n in range(20):
        assert attempt(client, f"nobody{n}", address="10.9.9.9").status_code == 200
    blocked = attempt(client, "officer_b", PASSWORD, address="10.9.9.9")
    assert blocked.status_code == 429 and "分钟后再试" in blocked.get_data(as_text=True)
    for _ in range(10):
        attempt(client, "officer_b", address="10.9.9.9")  # refused at the address: not counted on the account
    assert attempt(client, "officer_b", PASSWORD, address="10.9.9.10").status_code == 302
    client.post("/logout")
    clock.advance(15 * 60 + 1)
    assert attempt(client, "nobody0", address="10.9.9.9").status_code == 200  # the window has passed


def test_the_counts_are_shared_by_every_worker(app, people, clock):
    """Two app instances on one database (two gunicorn workers): failures on either count together."""
    other = create_app({**{k: app.config[k] for k in ("SQLALCHEMY_DATABASE_URI", "SECRET_KEY")}, "TESTING": True,
                        "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False, "LOGIN_THROTTLE": True})
    first, second = app.test_client(), other.test_client()
    for n in range(5):
        attempt((first, second)[n % 2], "officer_a")
    assert attempt(second, "officer_a", PASSWORD).status_code == 429
    assert attempt(first, "officer_a", PASSWORD).status_code == 429


def test_the_sign_in_page_itself_is_never_limited(client, people, clock):
    for _ in range(30):
        assert client.get("/login").status_code == 200


def test_guessing_the_current_password_gets_the_back_off(people, signed_in, clock):
    """Five wrong current passwords on the change-password form: the sixth try waits (429)."""
    client = signed_in("officer_a")
    for _ in range(5):
        response = client.post("/account/password", data={
            "current_password": "guess-12345", "new_password": "Harbour2026", "confirm": "Harbour2026"})
        assert "当前密码不正确" in response.get_data(as_text=True)
    blocked = client.post("/account/password", data={
        "current_password": PASSWORD, "new_password": "Harbour2026", "confirm": "Harbour2026"})
    assert blocked.status_code == 429
    assert re.search(r"请 \d+ (秒|分钟)后再试", blocked.get_data(as_text=True))
    clock.advance(31)
    done = client.post("/account/password", data={
        "current_password": PASSWORD, "new_password": "Harbour2026", "confirm": "Harbour2026"})
    assert done.status_code == 302


def test_form_mistakes_on_the_change_password_form_do_not_count(people, signed_in, clock):
    """Mismatched confirmations and weak new passwords are not guesses: after six of them the right
    current password still changes the password."""
    client = signed_in("officer_a")
    for _ in range(3):
        client.post("/account/password", data={
            "current_password": PASSWORD, "new_password": "Harbour2026", "confirm": "Other2026x"})
        client.post("/account/password", data={"current_password": PASSWORD, "new_password": "short", "confirm": "short"})
    done = client.post("/account/password", data={
        "current_password": PASSWORD, "new_password": "Harbour2026", "confirm": "Harbour2026"})
    assert done.status_code == 302


@pytest.mark.app_config(LOGIN_THROTTLE=True, TRUSTED_PROXIES=1)
def test_behind_a_trusted_proxy_the_forwarded_address_counts(client, people, clock):
    """With ORGBUILD_TRUSTED_PROXIES=1 the address limit uses X-Forwarded-For, not the proxy's address."""
    for n in range(20):
        client.post("/login", data={"username": f"nobody{n}", "password": "x"}, headers={"X-Forwarded-For": "203.0.113.7"})
    blocked = client.post("/login", data={"username": "officer_b", "password": PASSWORD},
                          headers={"X-Forwarded-For": "203.0.113.7"})
    assert blocked.status_code == 429
    other = client.post("/login", data={"username": "officer_b", "password": PASSWORD},
                        headers={"X-Forwarded-For": "203.0.113.8"})
    assert other.status_code == 302
