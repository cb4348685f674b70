"""Downloads: the per-street progress table and the filtered organisation and branch lists, as CSV or
XLSX (a list longer than ``EXPORT_SYNC_MAX_ROWS`` is written by a background job: jobs/exports.py)."""
from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, redirect, request, url_for
from flask_babel import gettext
from flask_login import current_user, login_required
from .. import policy
from ..extensions import db
from ..jobs import exports as export_jobs
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
    return list_download("orgs", fmt)


@bp.get("/branches.<fmt>")
@login_required
def branches(fmt: str):
    """The league organisations founded in the listed organisations (the list page's filters and sort)."""
    return list_download("branches", fmt)


def list_download(table: str, fmt: str) -> Response:
    """A list as a file at once, or, longer than ``EXPORT_SYNC_MAX_ROWS``, as a background job whose
    page shows its progress and then offers the file."""
    check_format(fmt)
    query = export_jobs.list_query(current_user, table, request.args)
    if export_jobs.count(query) > current_app.config["EXPORT_SYNC_MAX_ROWS"]:
        job = export_jobs.start_export(current_user, table, fmt, request.args)
        return redirect(url_for("jobs.show", job_id=job.id))
    header, rows = export_jobs.table_rows(table, db.session.scalars(query))
    basename, title = export_jobs.TABLES[table]
    return download(header, rows, fmt, basename, gettext(title))
