"""The account's API tokens: list, create (the secret is shown once, on the answer itself) and revoke.

A user manages only their own tokens; a token acts with its user's role and streets (accounts/tokens.py).
"""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..accounts import tokens
from ..accounts.forms import TokenForm
from .helpers import put_errors_on_form

bp = Blueprint("tokens", __name__, url_prefix="/account/tokens")


def _page(form: TokenForm, created: tokens.NewToken | None = None, status: int = 200):
    user = current_user._get_current_object()
    rows = [(t, tokens.state(t)) for t in tokens.tokens_of(user)]
    return render_template("auth/tokens.html", form=form, rows=rows, created=created), status


@bp.route("/", methods=["GET", "POST"])
@login_required
def index():
    """The tokens of the signed-in account, and the form for a new one."""
    form = TokenForm()
    if form.validate_on_submit():
        try:
            created = tokens.create_token(current_user._get_current_object(), form.name.data or "",
                                          write=form.access.data == "write", expires_days=int(form.expires_days.data),
                                          actor=current_user._get_current_object())
        except tokens.TokenError as error:
            put_errors_on_form(form, [(None, error.message)])
        else:  # the secret goes out in this answer only (no-store), never through the session
            return _page(TokenForm(formdata=None), created)
    return _page(form)


@bp.post("/<int:token_id>/revoke")
@login_required
def revoke(token_id: int):
    """Revoke one of one's own tokens (another's, or an unknown id: 404)."""
    try:
        changed = tokens.revoke_own_token(current_user._get_current_object(), token_id)
    except tokens.TokenError:
        abort(404)
    flash(_("令牌已撤销，使用它的请求将被拒绝") if changed else _("该令牌已撤销"), "success")
    return redirect(url_for("tokens.index"))
