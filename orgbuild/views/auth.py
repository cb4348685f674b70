"""Sign-in (failures throttled per address, then per account with a short back-off, counted in the
database: accounts/throttle.py), sign-out, changing one's own password and the language switch."""
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
from ..accounts import throttle
from ..accounts.forms import ChangePasswordForm
from ..campaign.forms import LoginForm
from ..extensions import db
from ..models import User
from .helpers import put_errors_on_form

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


def wait_message(seconds: int) -> str:
    """"Try again in N seconds / minutes" for a throttled attempt."""
    if seconds < 60:
        return _("登录失败次数过多，请 %(n)d 秒后再试", n=seconds)
    return _("登录失败次数过多，请 %(n)d 分钟后再试", n=-(-seconds // 60))


def _login_blocked(seconds: int):
    """The sign-in page with a clear "try again in N seconds/minutes" message (HTTP 429)."""
    form = LoginForm(formdata=None)
    response = make_response(render_template("auth/login.html", form=form, blocked_message=wait_message(seconds)), 429)
    response.headers["Retry-After"] = str(seconds)
    return response


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Sign in with user name and password; the address, then the account, must not be in a back-off."""
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = LoginForm()
    if request.method == "POST":
        address = throttle.address_key(get_remote_address())
        account = throttle.account_key(request.form.get("username"))
        wait = throttle.wait_seconds(address, account)
        if wait:
            return _login_blocked(wait)
    if form.validate_on_submit():
        user = db.session.scalar(select(User).where(User.username == form.username.data.strip()))
        if user is None or not user.check_password(form.password.data):
            throttle.failed(address, throttle.address_rule())
            throttle.failed(account, throttle.account_rule())
            flash(_("用户名或密码错误"), "danger")
        elif not policy.can_sign_in(user):
            flash(_("该账号已停用，请联系管理员"), "danger")
        else:
            chosen_locale = session.get("locale")
            throttle.cleared(account)
            start_session(user, remember=form.remember.data)
            if chosen_locale:
                session["locale"] = chosen_locale  # keep the language picked on the sign-in page
            return redirect(_safe_next(request.args.get("next")) or url_for("main.home"))
    elif request.method == "POST":
        throttle.failed(address, throttle.address_rule())  # an incomplete form still costs the address
    return render_template("auth/login.html", form=form)


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    """Change one's own password: other sessions end, this one stays signed in.

    Wrong current passwords (only those, not form mistakes) get the sign-in back-off, so a borrowed
    session cannot guess it.
    """
    form = ChangePasswordForm()
    key = throttle.password_key(current_user.id)
    if request.method == "POST":
        wait = throttle.wait_seconds(key)
        if wait:
            form.current_password.errors = [wait_message(wait)]
            response = make_response(render_template("auth/change_password.html", form=form), 429)
            response.headers["Retry-After"] = str(wait)
            return response
    if form.validate_on_submit():
        try:
            accounts.change_password(current_user, form.current_password.data, form.new_password.data)
        except accounts.AccountError as error:
            if error.field == "current_password":
                throttle.failed(key, throttle.account_rule())
            put_errors_on_form(form, [(error.field, error.message)])
        else:
            throttle.cleared(key)
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
