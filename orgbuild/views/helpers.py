"""Small helpers shared by the views: scoped look-ups, form errors from services, pagination."""
from __future__ import annotations

import math
import time

from flask import abort, flash
from flask_login import current_user
from flask_wtf import FlaskForm

from .. import policy
from ..extensions import db
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
