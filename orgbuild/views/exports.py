"""Downloads: the per-street progress table and the filtered organisation list, as CSV or XLSX."""
from __future__ import annotations

from flask import Blueprint, Response, abort, request
from flask_babel import gettext
from flask_login import current_user, login_required
from sqlalchemy import exists
from sqlalchemy.orm import joinedload, selectinload

from .. import policy
from ..campaign import league
from ..campaign import listing as orglist
from ..extensions import db
from ..models import Branch, Organization
from ..progress import exports
from .dashboard import requested_progress

bp = Blueprint("exports", __name__, url_prefix="/exports")

MIMETYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def download(header, rows, fmt: str, basename: str, title: str) -> Response:
    """The table as a file download in `fmt` (csv or xlsx)."""
    if fmt == "csv":
        body = exports.csv_bytes(header, rows)
    else:
        body = exports.xlsx_bytes(header, rows, title=title)
    response = Response(body, mimetype=MIMETYPES[fmt])
    response.headers["Content-Disposition"] = f"attachment; filename={basename}.{fmt}"
    return response


def check_format(fmt: str) -> None:
    """Only csv and xlsx exist; the user must be allowed to export."""
    if fmt not in MIMETYPES:
        abort(404)
    if not policy.can_export(current_user):
        abort(403)


@bp.get("/streets.<fmt>")
@login_required
def streets(fmt: str):
    """The dashboard's per-street table (same year and street filter as the dashboard)."""
    check_format(fmt)
    data, *_overdue = requested_progress()
    header, rows = exports.street_table(data, gettext)
    return download(header, rows, fmt, f"progress-{data['year']}-as-of-{data['as_of']}", gettext("各街道进度"))


@bp.get("/orgs.<fmt>")
@login_required
def orgs(fmt: str):
    """The organisation list with the list page's filters and sort (always within the user's scope)."""
    check_format(fmt)
    f = orglist.OrgFilter.from_args(request.args)
    query = orglist.org_query(current_user, f).options(
        joinedload(Organization.street), joinedload(Organization.community), joinedload(Organization.officer)
    )
    header, rows = exports.org_table(db.session.scalars(query), gettext, states_of=league.states, state_labels=league.STATES)
    return download(header, rows, fmt, "organizations", gettext("组织列表"))


@bp.get("/branches.<fmt>")
@login_required
def branches(fmt: str):
    """The league organisations founded in the listed organisations (the list page's filters and sort)."""
    check_format(fmt)
    f = orglist.OrgFilter.from_args(request.args)
    founded = exists().where(Branch.organization_id == Organization.id, Branch.reverted.is_(False))
    query = orglist.org_query(current_user, f).where(founded).options(
        joinedload(Organization.street), selectinload(Organization.branches), selectinload(Organization.onboardings)
    )
    header, rows = exports.branch_table(db.session.scalars(query), gettext)
    return download(header, rows, fmt, "branches", gettext("团组织列表"))
