"""Small helpers shared by the views: scoped look-ups, form errors from services, pagination."""
from __future__ import annotations

import math
import time

from datetime import date

from flask import abort, flash, request
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm

from .. import policy
from ..extensions import db
from ..domain.rules import N_
from ..i18n import translate_message
from ..models import Organization
from ..web import params


def org_or_404(org_id: int) -> Organization:
    """The organisation if the current user may see it; 404 otherwise (do not confirm it exists)."""
    org = db.session.get(Organization, org_id)
    if org is None or not policy.can_see_org(current_user, org):
        abort(404)
    return org


def put_errors_on_form(form: FlaskForm, errors: list[tuple[str | None, str]]) -> None:
    """Attach a service's (field, message) refusals to the form's fields; the rest are flashed."""
    for field_name, message in errors:
        text = translate_message(message)
        field = getattr(form, field_name, None) if field_name else None
        if field is not None and hasattr(field, "errors"):
            field.errors = list(field.errors) + [text]
        else:
            flash(text, "danger")


def form_version(form: FlaskForm) -> int | None:
    """The organisation version the form was opened at (optimistic locking), if it carries one."""
    value = getattr(form, "version", None)
    data = str(value.data if value is not None and value.data is not None else "").strip()
    if not data:
        return None
    number = params.parse_int(data)
    if number is None:
        abort(400)  # a tampered hidden field
    return number


def retry_minutes(reset_at: float) -> int:
    """Whole minutes until a rate limit resets, at least 1 (the limiter pads reset times by 1 s)."""
    return max(1, math.ceil((reset_at - 1 - time.time()) / 60))


#: What a page does with a date of its query string that it cannot read.
SHOWN_AS_OF_TODAY = N_("日期“%(text)s”无法识别，请按YYYY-MM-DD填写；已按今天显示")
FILTER_IGNORED = N_("日期“%(text)s”无法识别，请按YYYY-MM-DD填写；已忽略这一条件")


def requested_date(name: str, message: str = SHOWN_AS_OF_TODAY) -> date | None:
    """A YYYY-MM-DD date of the query string; None when absent or unreadable (then `message` says so)."""
    text = (request.args.get(name) or "").strip()
    if not text:
        return None
    value = params.parse_date(text)  # YYYY-MM-DD in ASCII digits, within the dates arithmetic can hold
    if value is None:
        flash(_(message, text=text[:20]), "warning")
    return value
