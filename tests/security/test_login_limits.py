"""Login rate limits: per account and per address, failures only, a clear "N 分钟后再试" page,
counters in memory by default and in Redis when REDIS_URL is set."""
from __future__ import annotations

import socket
import uuid

import pytest

from orgbuild.extensions import limiter
from tests.conftest import PASSWORD

pytestmark = pytest.mark.app_config(RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI="memory://")


def attempt(client, username: str, password: str = "wrong-password1", address: str = "10.0.0.1"):
    """One sign-in attempt from `address`."""
    return client.post(
        "/login", data={"username": username, "password": password}, environ_base={"REMOTE_ADDR": address}
    )


def test_five_failures_lock_the_account_with_a_clear_message(client, people):
    """After 5 failed attempts the 6th — even with the right password — is refused with 429."""
    for _ in range(5):
        response = attempt(client, "officer_a")
        assert response.status_code == 200
        assert "用户名或密码错误" in response.get_data(as_text=True)
    response = attempt(client, "officer_a", PASSWORD)
    assert response.status_code == 429
    page = response.get_data(as_text=True)
    assert "登录失败次数过多，请 15 分钟后再试" in page
    assert 'name="username"' in page  # the sign-in page itself, not a bare error
    assert 0 < int(response.headers["Retry-After"]) <= 15 * 60


def test_the_account_limit_follows_the_account_not_the_address(client, people):
    """Failures from many addresses still lock the account; other accounts are unaffected."""
    for n in range(5):
        attempt(client, "officer_a", address=f"10.0.1.{n}")
    assert attempt(client, "officer_a", PASSWORD, address="10.0.2.1").status_code == 429
    assert attempt(client, "officer_a", PASSWORD, address="10.0.2.1").status_code == 429
    response = attempt(client, "officer_b", PASSWORD, address="10.0.2.1")
    assert response.status_code == 302


def test_user_name_case_and_spaces_do_not_dodge_the_limit(client, people):
    """' Officer_A ' counts against the same account as 'officer_a'."""
    for name in ("officer_a", "OFFICER_A", " officer_a ", "Officer_A", "officer_a"):
        attempt(client, name)
    assert attempt(client, "officer_a", PASSWORD).status_code == 429


def test_successful_sign_ins_do_not_count(client, people):
    """Signing in correctly many times never locks anyone out."""
    for _ in range(8):
        response = attempt(client, "officer_a", PASSWORD)
        assert response.status_code == 302
        client.post("/logout")


def test_twenty_failures_from_one_address_block_that_address(client, people):
    """Guessing across many accounts from one address is stopped after 20 failures."""
    for n in range(20):
        assert attempt(client, f"nobody{n}", address="10.9.9.9").status_code == 200
    blocked = attempt(client, "officer_b", PASSWORD, address="10.9.9.9")
    assert blocked.status_code == 429
    assert "分钟后再试" in blocked.get_data(as_text=True)
    assert attempt(client, "officer_b", PASSWORD, address="10.9.9.10").status_code == 302


def test_the_sign_in_page_itself_is_never_limited(client, people):
    """GET /login is not counted (only POSTs are)."""
    for _ in range(30):
        assert client.get("/login").status_code == 200


def redis_reachable() -> bool:
    """Whether a Redis server answers at 127.0.0.1:6379."""
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


PREFIX = "orgbuild-test-" + uuid.uuid4().hex[:8]


@pytest.mark.skipif(not redis_reachable(), reason="no Redis server at 127.0.0.1:6379")
@pytest.mark.app_config(
    RATELIMIT_ENABLED=True, REDIS_URL="redis://127.0.0.1:6379/0", RATELIMIT_KEY_PREFIX=PREFIX
)
def test_counters_live_in_redis_when_redis_url_is_set(app, client, people):
    """With REDIS_URL the failures are counted in Redis (shared by every worker)."""
    import redis

    assert app.config["RATELIMIT_STORAGE_URI"] == "redis://127.0.0.1:6379/0"
    server = redis.Redis.from_url("redis://127.0.0.1:6379/0")
    try:
        for _ in range(5):
            attempt(client, "officer_a")
        keys = [k.decode() for k in server.scan_iter(f"*{PREFIX}*")]
        assert any("account:officer_a" in k for k in keys), keys
        assert attempt(client, "officer_a", PASSWORD).status_code == 429
    finally:
        for key in server.scan_iter(f"*{PREFIX}*"):
            server.delete(key)


def test_guessing_the_current_password_is_limited_too(people, signed_in):
    """Five wrong current passwords on the change-password form: the sixth try gets 429."""
    client = signed_in("officer_a")
    for _ in range(5):
        response = client.post("/account/password", data={
            "current_password": "guess-12345", "new_password": "Harbour2026", "confirm": "Harbour2026"})
        assert "当前密码不正确" in response.get_data(as_text=True)
    blocked = client.post("/account/password", data={
        "current_password": PASSWORD, "new_password": "Harbour2026", "confirm": "Harbour2026"})
    assert blocked.status_code == 429
    assert "分钟后再试" in blocked.get_data(as_text=True)


def test_form_mistakes_on_the_change_password_form_do_not_count(people, signed_in):
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


@pytest.mark.app_config(RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI="memory://", TRUSTED_PROXIES=1)
def test_behind_a_trusted_proxy_the_forwarded_address_counts(client, people):
    """With ORGBUILD_TRUSTED_PROXIES=1 the address limit uses X-Forwarded-For, not the proxy's address."""
    for n in range(20):
        client.post("/login", data={"username": f"nobody{n}", "password": "x"},
                    headers={"X-Forwarded-For": "203.0.113.7"})
    blocked = client.post("/login", data={"username": "officer_b", "password": PASSWORD},
                          headers={"X-Forwarded-For": "203.0.113.7"})
    assert blocked.status_code == 429
    other = client.post("/login", data={"username": "officer_b", "password": PASSWORD},
                        headers={"X-Forwarded-For": "203.0.113.8"})
    assert other.status_code == 302
