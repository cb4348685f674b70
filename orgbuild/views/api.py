"""JSON API (session login, scoped by the user's streets): ``GET /api/v1/progress?year=&street=&district=``."""
from __future__ import annotations

from flask import Blueprint, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user

from ..i18n import translate_message
from ..progress import figures as progress

bp = Blueprint("api", __name__, url_prefix="/api/v1")


@bp.before_request
def require_login():
    """Anonymous callers get 401 JSON (not the login page)."""
    if not current_user.is_authenticated:
        return jsonify({"error": 401, "message": _("请先登录")}), 401
    return None


@bp.get("/progress")
def progress_json():
    """The progress object of ``flask progress --json`` for the caller's scope.

    ``street`` is a street's name (翠竹 or 翠竹街道) or id, ``district`` a district's code, name or
    id; unknown → 400, not the caller's → 404.
    """
    year = request.args.get("year", "").strip()
    if year and not (year.isdigit() and 2000 <= int(year) <= 2100):
        return jsonify({"error": 400, "message": _("年份无效")}), 400
    street = request.args.get("street", "").strip() or None
    district = request.args.get("district", "").strip() or None
    try:
        if street and street.isdigit():
            scope = progress.scope_for(current_user, street_id=int(street))
        else:
            scope = progress.scope_for(current_user, street_name=street, district=district)
    except progress.ScopeError as error:
        code = 404 if error.outside else 400
        return jsonify({"error": code, "message": translate_message(error.message)}), code
    return jsonify(progress.compute(scope, int(year) if year else progress.default_year()))
