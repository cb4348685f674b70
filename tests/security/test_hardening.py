"""Hardening: error pages that leak nothing, upload size limit, cookie flags, security headers."""
from __future__ import annotations

import re

import pytest
from flask import abort
from sqlalchemy import func, select

from orgbuild import create_app
from orgbuild.config import PROJECT_ROOT, ConfigError, from_environment
from orgbuild.extensions import db, limiter
from orgbuild.models import Organization
from tests.conftest import credit_code, street

LEAKS = ("Traceback", "Werkzeug", "sqlalchemy", "secret-detail", "File \"")


def assert_clean(response, code: int, text: str) -> str:
    """The response has `code`, shows the friendly Chinese `text` and no internals."""
    page = response.get_data(as_text=True)
    assert response.status_code == code
    assert text in page
    for leak in LEAKS:
        assert leak not in page, leak
    return page


def test_404_page(client, people, signed_in):
    """Unknown pages and hidden objects: the same friendly 404."""
    assert_clean(client.get("/no-such-page"), 404, "页面不存在，或您无权查看。")
    assert_clean(signed_in("officer_a").get("/orgs/424242"), 404, "页面不存在，或您无权查看。")


def test_403_page(people, signed_in):
    """An officer on the admin pages."""
    assert_clean(signed_in("officer_a").get("/admin/users"), 403, "您没有权限访问此页面。")


def test_405_page(people, signed_in):
    """A GET on a POST-only route."""
    assert_clean(signed_in("officer_a").get("/logout"), 405, "不支持此操作方式。")


def test_400_pages(app, client):
    """A bad request from a view, and a CSRF failure, both with their own message."""
    app.add_url_rule("/boom-400", "boom_400", lambda: abort(400, "secret-detail"))
    assert_clean(client.get("/boom-400"), 400, "请求无效。请返回上一页重试。")
    app.config["WTF_CSRF_ENABLED"] = True
    assert_clean(client.post("/login", data={"username": "x"}), 400, "表单已过期或来源无效")


@pytest.mark.app_config(MAX_CONTENT_LENGTH=2048)
def test_413_page_for_an_oversized_upload(client):
    """A body over MAX_CONTENT_LENGTH is refused with the friendly 413 page."""
    response = client.post("/login", data={"username": "x", "password": "y" * 5000})
    assert_clean(response, 413, "上传的文件太大。")


def test_upload_limit_comes_from_the_environment(monkeypatch, tmp_path):
    """ORGBUILD_MAX_UPLOAD_MB sets MAX_CONTENT_LENGTH (50 MB by default)."""
    assert from_environment(str(tmp_path))["MAX_CONTENT_LENGTH"] == 50 * 1024 * 1024
    monkeypatch.setenv("ORGBUILD_MAX_UPLOAD_MB", "5")
    assert from_environment(str(tmp_path))["MAX_CONTENT_LENGTH"] == 5 * 1024 * 1024


@pytest.mark.app_config(RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI="memory://")
def test_429_page(app, client):
    """Any rate-limited page answers 429 with "try again in N minutes"."""
    app.add_url_rule("/limited", "limited", limiter.limit("1 per 10 minutes")(lambda: "ok"))
    assert client.get("/limited").status_code == 200
    page = assert_clean(client.get("/limited"), 429, "分钟后再试")
    assert re.search(r"请 (\d+) 分钟后再试", page)
    assert int(re.search(r"请 (\d+) 分钟后再试", page).group(1)) <= 10


def test_500_page_rolls_back_and_leaks_nothing(app, client):
    """An exception in a view: the friendly 500 page, nothing of the error, the session rolled back."""

    def broken():
        db.session.add(Organization(credit_code=credit_code(), name="半截写入", street_id=street("翠竹").id))
        db.session.flush()
        raise RuntimeError("secret-detail: password=hunter2")

    app.add_url_rule("/boom-500", "boom_500", broken)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    page = assert_clean(client.get("/boom-500"), 500, "服务器出错了")
    assert "hunter2" not in page
    db.session.rollback()
    assert db.session.scalar(select(func.count(Organization.id)).where(Organization.name == "半截写入")) == 0


def test_api_errors_are_json(app, client):
    """Under /api/ errors are a small problem object (application/problem+json), not the HTML page."""
    response = client.get("/api/no-such-thing")
    assert response.status_code == 404 and response.content_type == "application/problem+json"
    assert response.get_json() == {"type": "about:blank", "title": "Not Found", "status": 404,
                                   "detail": "没有找到该资源"}


def production_app(monkeypatch, tmp_path):
    """An app configured from a production environment."""
    monkeypatch.setenv("ORGBUILD_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "a-long-random-production-secret-0123")
    monkeypatch.setenv("ORGBUILD_INSTANCE", str(tmp_path))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    return create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "WTF_CSRF_ENABLED": False})


def test_production_cookies_are_secure_httponly_lax(monkeypatch, tmp_path):
    """In production the session cookie is Secure, HttpOnly and SameSite=Lax (remember-me too)."""
    app = production_app(monkeypatch, tmp_path)
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["REMEMBER_COOKIE_SECURE"]
    assert app.config["REMEMBER_COOKIE_HTTPONLY"]
    response = app.test_client().post("/language/en", base_url="https://localhost")
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("session=")
    for flag in ("Secure", "HttpOnly", "SameSite=Lax"):
        assert flag in cookie


def test_development_cookies_are_httponly_lax_but_not_secure(client):
    """Plain-HTTP development still gets HttpOnly and SameSite=Lax."""
    cookie = client.post("/language/en").headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie


def test_production_refuses_the_default_secret(monkeypatch, tmp_path):
    """No production start with the development secret."""
    monkeypatch.setenv("ORGBUILD_ENV", "production")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("ORGBUILD_INSTANCE", str(tmp_path))
    with pytest.raises(ConfigError):
        create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})


def test_security_headers_on_every_page(client, people, signed_in):
    """CSP without inline scripts, frame denial, nosniff, referrer policy; pages not cached."""
    for response in (client.get("/login"), client.get("/nope"), signed_in("admin").get("/audit/")):
        headers = response.headers
        csp = headers["Content-Security-Policy"]
        script_src = re.search(r"script-src ([^;]+)", csp).group(1)
        assert "'unsafe-inline'" not in script_src and "'unsafe-eval'" not in script_src
        assert "frame-ancestors 'none'" in csp
        assert headers["X-Frame-Options"] == "DENY"
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "same-origin"
        assert headers["Cache-Control"] == "no-store"


def test_templates_have_no_inline_scripts_or_handlers():
    """The CSP forbids inline scripts: no <script> without src, no on*= handlers in any template."""
    offenders = []
    for path in (PROJECT_ROOT / "templates").rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        for tag in re.findall(r"<script\b[^>]*>", text):
            if "src=" not in tag:
                offenders.append(f"{path.name}: {tag}")
        offenders += [f"{path.name}: {m}" for m in re.findall(r"<[a-zA-Z][^>]*\son[a-z]+\s*=\s*[\"']", text)]
    assert not offenders, offenders
