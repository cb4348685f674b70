"""Production configuration: a real secret is required, cookies are Secure/HttpOnly/SameSite, no
debug pages, one JSON log line per request, X-Forwarded-* trusted only from configured proxies,
/healthz answers 503 when the database does not, and gunicorn's settings follow the environment."""
from __future__ import annotations

import io
import json
import logging
import runpy

import pytest

from orgbuild import create_app
from orgbuild.config import DEFAULT_SECRET, PROJECT_ROOT, ConfigError
from orgbuild.extensions import db
from orgbuild.web.serving import REQUEST_LOGGER
from tests.conftest import PASSWORD
from tests.deploy.conftest import TEST_CONFIG

GOOD_SECRET = "a-long-random-production-secret-0123456789"


@pytest.fixture
def production_env(monkeypatch, tmp_path):
    """The environment of a production host (instance folder and SQLite file in tmp_path)."""
    monkeypatch.setenv("ORGBUILD_ENV", "production")
    monkeypatch.setenv("ORGBUILD_INSTANCE", str(tmp_path))
    monkeypatch.setenv("SECRET_KEY", GOOD_SECRET)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("FLASK_DEBUG", raising=False)
    return monkeypatch


@pytest.mark.parametrize("secret", [None, "", DEFAULT_SECRET, "short-secret"])
def test_production_refuses_missing_default_or_short_secret(production_env, secret):
    if secret is None:
        production_env.delenv("SECRET_KEY")
    else:
        production_env.setenv("SECRET_KEY", secret)
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        create_app()


def test_production_starts_with_a_real_secret_and_refuses_debug(production_env):
    app = create_app()
    assert app.config["ENV_NAME"] == "production" and not app.debug
    assert app.config["REQUEST_LOG"] is True
    production_env.setenv("FLASK_DEBUG", "1")
    assert create_app().debug is False  # the environment cannot switch debug pages on
    with pytest.raises(ConfigError, match="[Dd]ebug"):
        create_app({"DEBUG": True})


def test_production_cookies_are_secure_httponly_samesite(production_env, app, make_user):
    make_user("officer1", streets=["翠竹"])
    prod = create_app({"SQLALCHEMY_DATABASE_URI": str(db.engine.url.render_as_string(hide_password=False)),
                       "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False, "REQUEST_LOG": False})
    client = prod.test_client()
    response = client.post("/login", data={"username": "officer1", "password": PASSWORD, "remember": "y"},
                           base_url="https://orgbuild.example")
    assert response.status_code == 302
    cookies = {c.split("=", 1)[0]: c for c in response.headers.getlist("Set-Cookie")}
    for name in ("session", "remember_token"):
        attributes = cookies[name]
        assert "Secure" in attributes and "HttpOnly" in attributes and "SameSite=Lax" in attributes, attributes


def test_production_serves_no_debug_page(production_env, app):
    prod = create_app({"SQLALCHEMY_DATABASE_URI": str(db.engine.url.render_as_string(hide_password=False)),
                       "REQUEST_LOG": False})

    @prod.get("/boom")
    def boom():
        raise RuntimeError("secret internals")

    response = prod.test_client().get("/boom")
    body = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "secret internals" not in body and "Traceback" not in body and "Debugger" not in body


@pytest.fixture
def request_lines():
    """Collect the request log's lines."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(message)s"))
    logger = logging.getLogger(REQUEST_LOGGER)
    logger.addHandler(handler)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    logger.removeHandler(handler)


def test_request_log_is_one_json_line_per_request(app, make_user, request_lines):
    make_user("officer1", streets=["翠竹"])
    logged = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": db.engine.url.render_as_string(hide_password=False),
                         "REQUEST_LOG": True})
    client = logged.test_client()
    first = client.get("/healthz", headers={"X-Request-ID": "lb-42.abc"})
    client.post("/login", data={"username": "officer1", "password": PASSWORD})
    client.get("/orgs/", headers={"X-Request-ID": "bad id with spaces"})
    lines = request_lines()
    assert [(r["method"], r["path"], r["status"]) for r in lines] == [
        ("GET", "/healthz", 200), ("POST", "/login", 302), ("GET", "/orgs/", 200)]
    assert first.headers["X-Request-ID"] == "lb-42.abc" and lines[0]["request_id"] == "lb-42.abc"
    assert len(lines[2]["request_id"]) == 32 and lines[2]["request_id"] != "bad id with spaces"
    assert lines[2]["user_id"] is not None and lines[0]["user_id"] is None
    for record in lines:
        assert set(record) >= {"ts", "request_id", "method", "path", "status", "duration_ms", "remote_addr"}
        assert isinstance(record["duration_ms"], float) and record["duration_ms"] >= 0


def _client_view(app):
    """A route answering what the app believes about the client."""

    @app.get("/whoami")
    def whoami():
        from flask import request, url_for

        return {"addr": request.remote_addr, "scheme": request.scheme, "url": url_for("health.healthz", _external=True)}

    return app.test_client()


def test_proxy_headers_trusted_only_from_configured_proxies(app):
    url = db.engine.url.render_as_string(hide_password=False)
    headers = {"X-Forwarded-For": "198.51.100.7, 203.0.113.9", "X-Forwarded-Proto": "https",
               "X-Forwarded-Host": "orgbuild.example.cn"}
    direct = _client_view(create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": url}))
    assert direct.get("/whoami", headers=headers).get_json()["addr"] == "127.0.0.1"
    behind = _client_view(create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": url, "TRUSTED_PROXIES": 1}))
    seen = behind.get("/whoami", headers=headers).get_json()
    assert seen == {"addr": "203.0.113.9", "scheme": "https", "url": "https://orgbuild.example.cn/healthz"}
    two = _client_view(create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": url, "TRUSTED_PROXIES": 2}))
    assert two.get("/whoami", headers=headers).get_json()["addr"] == "198.51.100.7"


def test_healthz_ok_then_503_when_the_database_is_gone(client, tmp_path):
    assert client.get("/healthz").get_json() == {"status": "ok"}
    for broken_url in ("sqlite:///" + str(tmp_path / "no" / "such" / "dir.sqlite"),
                       "postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=1"):
        broken = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": broken_url})
        response = broken.test_client().get("/healthz")
        assert response.status_code == 503
        assert response.get_json() == {"status": "error", "database": "unavailable"}


def _gunicorn_settings(monkeypatch, **env) -> dict:
    """The settings gunicorn.conf.py computes under `env`."""
    for name in ("GUNICORN_WORKERS", "GUNICORN_MAX_WORKERS", "GUNICORN_BIND", "GUNICORN_ACCESSLOG"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("ORGBUILD_ENV", "")  # recorded, so the conf file's setdefault is undone afterwards
    monkeypatch.delenv("ORGBUILD_ENV")
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(PROJECT_ROOT / "gunicorn.conf.py"))


def test_gunicorn_settings_follow_the_environment(monkeypatch):
    import os

    settings = _gunicorn_settings(monkeypatch)
    assert settings["bind"] == ["127.0.0.1:8000"] and settings["wsgi_app"] == "orgbuild:create_app()"
    assert settings["workers"] == min(2 * os.cpu_count() + 1, 8)
    assert settings["accesslog"] is None and settings["errorlog"] == "-"
    assert os.environ["ORGBUILD_ENV"] == "production"  # serving under gunicorn implies production
    assert settings["default_workers"](64, 8) == 8 and settings["default_workers"](1, 8) == 3
    custom = _gunicorn_settings(monkeypatch, GUNICORN_WORKERS="3", GUNICORN_BIND="127.0.0.1:9000")
    assert custom["workers"] == 3 and custom["bind"] == ["127.0.0.1:9000"]


def test_redis_url_holds_the_rate_limit_counters(app):
    url = db.engine.url.render_as_string(hide_password=False)
    shared = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": url, "REDIS_URL": "redis://127.0.0.1:6379/15"})
    assert shared.config["RATELIMIT_STORAGE_URI"] == "redis://127.0.0.1:6379/15"
    alone = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": url, "REDIS_URL": None})
    assert alone.config["RATELIMIT_STORAGE_URI"] == "memory://"


def test_gunicorn_settings_leave_the_environment_as_it_was():
    import os

    assert os.environ.get("ORGBUILD_ENV") != "production"  # runs after the gunicorn test in file order
