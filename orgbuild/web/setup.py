"""Binds the extensions to an app: database (with SQLite pragmas), migrations, sign-in, CSRF,
Bootstrap served locally, Babel (zh_CN first), the rate limiter, and the template helpers.
"""
from __future__ import annotations

import sqlite3
import time
from datetime import date

import flask_babel
from flask import Flask, abort, current_app, has_request_context, request, session
from flask_babel import get_locale, gettext
from flask_login import current_user
from sqlalchemy import event, exc
from sqlalchemy.engine import Engine
from werkzeug.middleware.proxy_fix import ProxyFix

from .. import policy
from ..figcache import cache as figcache
from ..figcache import version as figcache_version
from ..config import PROJECT_ROOT
from ..domain import rules, workflow
from ..extensions import babel, bootstrap, csrf, db, limiter, login_manager, migrate
from ..i18n import translate_message
from ..models import User
from . import params
from .uploads import AppRequest


def init_app(app: Flask) -> None:
    """Bind every extension and hook to `app`."""
    app.url_map.converters["int"] = params.BoundedIntConverter  # before any route is added
    app.request_class = AppRequest  # import uploads stream to the uploads folder (web/uploads.py)
    app.before_request(refuse_unreadable_args)
    db.init_app(app)
    with app.app_context():
        ping_idle_connections(db.engine, float(app.config.get("DB_PING_IDLE_SECONDS", 5)))
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    bootstrap.init_app(app)
    babel.init_app(
        app,
        locale_selector=select_locale,
        default_translation_directories=str(PROJECT_ROOT / "orgbuild" / "translations"),
    )
    # Choose the locale afresh for every request, even when an app context outlives one (tests, CLI).
    app.before_request(flask_babel.refresh)
    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config.get("REDIS_URL") or "memory://")
    app.config.setdefault("RATELIMIT_ENABLED", True)  # the limiter object would keep a previous app's value
    limiter.init_app(app)
    figcache.init_app(app)
    proxies = int(app.config.get("TRUSTED_PROXIES") or 0)
    if proxies:  # the client address (for the rate limits) and scheme come from the proxy's headers
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)
    init_login(app)
    app.jinja_env.globals.update(
        get_locale=get_locale,
        STATUSES=workflow.STATUSES,
        EVENTS=workflow.EVENTS,
        VISIT_OUTCOMES=workflow.VISIT_OUTCOMES,
        BRANCH_TYPES=rules.BRANCH_TYPES,
    )
    app.jinja_env.filters["tmsg"] = translate_message
    app.jinja_env.filters["industry"] = lambda code: rules.industry_label(code, flask_babel.gettext) or "—"
    app.jinja_env.filters["isodate"] = date.fromisoformat  # "2022-12-31" (a progress object's as_of) → date


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record) -> None:  # noqa: ARG001
    """WAL journal, foreign keys on, and a busy timeout, on every SQLite connection."""
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def ping_idle_connections(engine: Engine, idle_seconds: float) -> None:
    """Ping a pooled connection before use when it has been idle for `idle_seconds` or more: a
    connection the server dropped meanwhile (a restart, a firewall's idle timeout) is replaced
    before the request uses it (SQLAlchemy retries the checkout on ``DisconnectionError``). A
    connection used within the last seconds is taken as it is; should the server restart in that
    instant, the request fails once and SQLAlchemy discards the pool's older connections."""
    if engine.dialect.name == "sqlite" or getattr(engine.pool, "_orgbuild_ping", False):
        return
    engine.pool._orgbuild_ping = True

    @event.listens_for(engine, "checkin")
    def _used(dbapi_connection, record) -> None:  # noqa: ARG001
        record.info["last_used"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _ping(dbapi_connection, record, proxy) -> None:  # noqa: ARG001
        last = record.info.get("last_used")
        if last is not None and time.monotonic() - last < idle_seconds:
            return
        try:
            if not engine.dialect.do_ping(dbapi_connection):
                raise exc.DisconnectionError("the database did not answer the ping")
        except engine.dialect.loaded_dbapi.Error as error:
            raise exc.DisconnectionError(str(error)) from error


def refuse_unreadable_args() -> None:
    """400 for a page asked with a number it cannot read (web/params.py); the API answers its own 400
    problem (views/api.py), and a URL that matches no page keeps its 404 or 405."""
    if request.url_rule is None or request.blueprint == "api":  # no such page (404/405 first), or the API
        return
    if params.unreadable_arg(request.args):
        abort(400)


def select_locale() -> str:
    """The user's chosen language, else the one chosen this session, else zh_CN; outside a request
    (a command, a background job) the command line's language (``ORGBUILD_LANG``)."""
    if not has_request_context():
        return current_app.config.get("CLI_LANGUAGE") or "zh_CN"
    languages = ["zh_CN", "en"]
    if current_user and current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    if session.get("locale") in languages:
        return session["locale"]
    return "zh_CN"


def init_login(app: Flask) -> None:
    """Flask-Login: load users by id, sign out deactivated users or rotated sessions."""
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = rules.N_("请先登录")
    login_manager.localize_callback = gettext
    login_manager.login_message_category = "warning"

    @login_manager.user_loader
    def load_user(user_id: str) -> User | None:
        """The signed-in user, unless deactivated or their session token has been rotated.

        ``user_id`` is ``id:token`` (sessions and remember-me cookies made at sign-in) or a bare id.
        """
        raw_id, _, token = user_id.partition(":")
        number = params.parse_int(raw_id)
        # one query: the user and the data version the cached pages of this request are keyed by
        user = figcache_version.get_with_version(User, number) if number is not None else None
        if not policy.can_sign_in(user):
            return None
        if token and token != user.session_token:
            return None
        if session.get("_token") not in (None, user.session_token):
            return None
        return user

    @app.after_request
    def security_headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; "
            "frame-ancestors 'none'; form-action 'self'; base-uri 'self'",
        )
        if request.path.startswith("/static/"):
            return response
        response.headers.setdefault("Cache-Control", "no-store")
        return response
