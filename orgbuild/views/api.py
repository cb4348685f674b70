"""JSON API (session login, scoped by the user's streets): ``GET /api/v1/progress?year=&as_of=&street=&district=``,
``GET /api/v1/snapshots`` and ``GET /api/v1/snapshots/<id>``."""
from __future__ import annotations

from flask import Blueprint, abort, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user

from ..i18n import translate_message
from ..progress import figures as progress
from ..progress import snapshots
from ..web import params

bp = Blueprint("api", __name__, url_prefix="/api/v1")


@bp.before_request
def require_login():
    """Anonymous callers get 401 JSON (not the login page)."""
    if not current_user.is_authenticated:
        return jsonify({"error": 401, "message": _("请先登录")}), 401
    return None


@bp.get("/progress")
def progress_json():
    """The progress object of ``flask progress --json`` for the caller's scope, as of ``as_of``.

    ``street`` is a street's name (翠竹 or 翠竹街道) or id, ``district`` a district's code, name or
    id; unknown → 400, not the caller's → 404. ``as_of`` is YYYY-MM-DD within the year (default:
    the earlier of today and 31 December).
    """
    year = request.args.get("year", "").strip()
    if year and params.parse_int(year, 2000, 2100) is None:
        return jsonify({"error": 400, "message": _("年份无效")}), 400
    as_of_text = request.args.get("as_of", "").strip()
    as_of = params.parse_date(as_of_text) if as_of_text else None
    if as_of_text and as_of is None:
        return jsonify({"error": 400, "message": _("截至日期无效，应写成 YYYY-MM-DD")}), 400
    street = request.args.get("street", "").strip() or None
    district = request.args.get("district", "").strip() or None
    try:
        if street and params.parse_int(street) is not None:
            scope = progress.scope_for(current_user, street_id=params.parse_int(street))
        else:
            scope = progress.scope_for(current_user, street_name=street, district=district)
    except progress.ScopeError as error:
        code = 404 if error.outside else 400
        return jsonify({"error": code, "message": translate_message(error.message)}), code
    try:
        return jsonify(progress.compute(scope, int(year) if year else None, as_of=as_of))
    except progress.AsOfError as error:
        return jsonify({"error": 400, "message": translate_message(error.message)}), 400


@bp.get("/snapshots")
def snapshots_json():
    """The snapshots the caller may see, newest first: id, title, year, as_of, scope, who and when."""
    return jsonify({"items": [snapshots.summary(s) for s in snapshots.visible(current_user)]})


@bp.get("/snapshots/<int:snapshot_id>")
def snapshot_json(snapshot_id: int):
    """One snapshot with its frozen progress object (404: unknown or outside the caller's scope)."""
    snapshot = snapshots.find(current_user, snapshot_id)
    if snapshot is None:
        abort(404)
    return jsonify(snapshots.as_json(snapshot))
