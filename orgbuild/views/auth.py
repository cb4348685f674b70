"""Sign-in (rate-limited per account and per address), sign-out, changing one's own password
and the language switch."""
from __future__ import annotations

import time
from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, g, make_response, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import select

from .. import policy
from ..accounts import service as accounts
from ..accounts.forms import ChangePasswordForm
from ..campaign.forms import LoginForm
from ..extensions import db, limiter
from ..models import User
from .helpers import put_errors_on_form, retry_minutes

bp = Blueprint("auth", __name__)


def _safe_next(target: str | None) -> str | None:
    """Only same-site relative paths are followed after sign-in."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


def start_session(user: User, remember: bool = False) -> None:
    """Sign `user` in on a fresh session bound to their current session token.

    The token travels in the session and in the remember-me cookie (``id:token``), so bumping
    ``User.session_token`` signs the user out everywhere at their next request.
    """
    session.clear()  # rotate the session on sign-in
    login_user(user, remember=remember)
    session["_user_id"] = f"{user.id}:{user.session_token}"
    session["_token"] = user.session_token


def _account_key() -> str:
    """Rate-limit key for the account being tried (empty: the limit is skipped)."""
    name = (request.form.get("username") or "").strip().lower()[:80]
    return f"account:{name}" if name else ""


def _attempt_failed(response) -> bool:  # noqa: ARG001
    """Count only failed attempts (sign-in, password change) against their limits."""
    return bool(g.get("attempt_failed"))


def _signed_in_key() -> str:
    """Rate-limit key for the signed-in account."""
    return f"user:{current_user.get_id()}" if current_user.is_authenticated else ""


def _login_breached(request_limit):
    """The sign-in page with a clear "try again in N minutes" message (HTTP 429)."""
    minutes = retry_minutes(request_limit.reset_at)
    form = LoginForm(formdata=None)
    message = _("登录失败次数过多，请 %(n)d 分钟后再试", n=minutes)
    response = make_response(render_template("auth/login.html", form=form, blocked_message=message), 429)
    response.headers["Retry-After"] = str(max(1, int(request_limit.reset_at - time.time())))
    return response


def _limit(config_key: str, default: str):
    """A limit string read from the configuration when the request is checked."""
    return lambda: current_app.config.get(config_key, default)


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(
    _limit("LOGIN_LIMIT_PER_ACCOUNT", "5 per 15 minutes"), key_func=_account_key, methods=["POST"],
    deduct_when=_attempt_failed, on_breach=_login_breached, scope="account",
)
@limiter.limit(
    _limit("LOGIN_LIMIT_PER_ADDRESS", "20 per 15 minutes"), key_func=get_remote_address, methods=["POST"],
    deduct_when=_attempt_failed, on_breach=_login_breached, scope="address",
)
def login():
    """Sign in with user name and password."""
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = LoginForm()
    g.attempt_failed = request.method == "POST"  # until proven otherwise
    if form.validate_on_submit():
        user = db.session.scalar(select(User).where(User.username == form.username.data.strip()))
        if user is None or not user.check_password(form.password.data):
            flash(_("用户名或密码错误"), "danger")
        elif not policy.can_sign_in(user):
            flash(_("该账号已停用，请联系管理员"), "danger")
        else:
            chosen_locale = session.get("locale")
            g.attempt_failed = False
            start_session(user, remember=form.remember.data)
            if chosen_locale:
                session["locale"] = chosen_locale  # keep the language picked on the sign-in page
            return redirect(_safe_next(request.args.get("next")) or url_for("main.home"))
    return render_template("auth/login.html", form=form)


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
@limiter.limit(
    _limit("PASSWORD_CHANGE_LIMIT", "5 per 15 minutes"), key_func=_signed_in_key, methods=["POST"],
    deduct_when=_attempt_failed, scope="account",
)
def change_password():
    """Change one's own password: other sessions end, this one stays signed in.

    Wrong current passwords are limited like sign-ins, so a borrowed session cannot guess it.
    """
    form = ChangePasswordForm()
    g.attempt_failed = False  # only a wrong current password counts, not a form mistake
    if form.validate_on_submit():
        try:
            accounts.change_password(current_user, form.current_password.data, form.new_password.data)
        except accounts.AccountError as error:
            g.attempt_failed = error.field == "current_password"
            put_errors_on_form(form, [(error.field, error.message)])
        else:
            start_session(current_user._get_current_object())
            flash(_("密码已修改，其他设备上的登录已失效"), "success")
            return redirect(url_for("main.home"))
    return render_template("auth/change_password.html", form=form)


@bp.post("/logout")
@login_required
def logout():
    """Sign out: the session token is rotated, so no saved session or remember-me cookie opens a page again."""
    accounts.end_sessions(current_user._get_current_object())
    logout_user()
    session.clear()
    flash(_("已退出登录"), "info")
    return redirect(url_for("auth.login"))


@bp.post("/language/<code>")
def set_language(code: str):
    """Switch the interface language; remembered on the account when signed in."""
    if current_user.is_authenticated:
        code = accounts.set_locale(current_user, code)
    elif code not in accounts.LANGUAGES:
        code = "zh_CN"
    session["locale"] = code
    return redirect(_safe_next(request.form.get("next")) or url_for("main.home"))
