"""The dashboard (everyone's home): KPI cards as of a date, the per-street table, the charts, the
report paragraph, overdue follow-ups, and for officers their own work; plus the per-street exports."""
from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, flash, render_template, request
from flask_babel import gettext as _
from flask_login import current_user, login_required

from .. import policy
from ..campaign import followups as followup_service
from ..campaign.actions import local_today
from ..districts import service as districts
from ..figcache import cache as figcache
from ..i18n import translate_message
from ..progress import credit as progress_credit
from ..progress import figures as progress
from ..progress import queries as progress_queries
from ..progress import report
from ..quality.grading import quality_figures
from ..web import params
from ..reconcile import service as reconcile_service
from ..reminders import service as reminders
from . import charts
from .orgs import visible_streets

bp = Blueprint("dashboard", __name__, url_prefix="/dashboard")

SORT_KEYS = (
    "street", "surveyed", "party_orgs", "party_no_league", "visited", "visit_coverage_pct",
    "established", "new_branch_pct", "onboarded", "onboarding_pct",
)


def requested_as_of() -> date | None:
    """The ``as_of`` of the query string (YYYY-MM-DD), None when absent or unreadable."""
    return params.parse_date(request.args.get("as_of"))


def requested_progress(overdue_limit: int = 0) -> tuple[dict, list, int]:
    """The progress object for the year, as-of date, district and street asked for in the query
    string (404: not mine), the `overdue_limit` most overdue follow-ups today and their number. An
    as-of date outside the year gives way to the year's default, with a message."""
    year = params.parse_int(request.args.get("year"), 2000, 2100)
    as_of = requested_as_of()
    try:
        scope = progress.scope_for(current_user, street_id=params.parse_int(request.args.get("street")),
                                   district=params.parse_int(request.args.get("district")))
    except progress.ScopeError:
        abort(404)
    try:
        return progress.compute_with_overdue(scope, year, overdue_limit=overdue_limit, as_of=as_of)
    except progress.AsOfError as error:
        flash(translate_message(error.message) + _("，已改为该年度的默认截至日期"), "warning")
        return progress.compute_with_overdue(scope, year, overdue_limit=overdue_limit)


def sorted_streets(rows: list[dict], key: str, descending: bool) -> list[dict]:
    """The per-street rows sorted by one column; rows without a value (no target) always last."""
    if key == "street":
        return sorted(rows, key=lambda r: r["street_id"], reverse=descending)
    present = [r for r in rows if r.get(key) is not None]
    missing = [r for r in rows if r.get(key) is None]
    return sorted(present, key=lambda r: r[key], reverse=descending) + missing


@bp.get("/")
@login_required
def index():
    """The dashboard for the current user's scope (the page cached under the data version)."""
    return figcache.cached_page("dashboard", render_index)


def render_index() -> str:
    """Render the dashboard."""
    data, overdue, overdue_total = requested_progress(overdue_limit=20)
    sort = request.args.get("sort", "street")
    key = sort.lstrip("-") if sort.lstrip("-") in SORT_KEYS else "street"
    descending = sort.startswith("-")
    mine = None
    if current_user.role == "officer":
        mine = {
            "work": progress_queries.my_work(current_user, data["year"], date.fromisoformat(data["as_of"])),
            "followups": followup_service.followups(current_user, limit=20),
            "week": reminders.week_agenda(current_user),
        }
    paragraph = "".join(translate_message(m) for m in report.report_clauses(data))
    scope = progress.scope_for(current_user, street_id=params.parse_int(request.args.get("street")),
                               district=params.parse_int(request.args.get("district")))  # checked by requested_progress
    credit = progress_credit.credit(scope, data["year"], date.fromisoformat(data["as_of"]))
    quality = quality_figures(scope, data["year"], date.fromisoformat(data["as_of"])) \
        if policy.can_read_quality(current_user) else None
    return render_template(
        "dashboard/index.html",
        p=data,
        streets=visible_streets(),
        street_id=params.parse_int(request.args.get("street")),
        districts=districts.visible_districts(current_user),
        district_id=params.parse_int(request.args.get("district")),
        rows=sorted_streets(data["by_street"], key, descending),
        sort_key=key,
        descending=descending,
        monthly_svg=charts.monthly_chart(data["monthly"]),
        funnel_svg=charts.funnel_chart(data["funnel"]),
        streets_svg=charts.street_chart(data["by_street"]),
        paragraph=paragraph,
        overdue=overdue,
        overdue_total=overdue_total,
        mine=mine,
        credit=credit,
        today=local_today(),
        can_set_targets=policy.can_set_targets(current_user),
        quality=quality,
        last_reconcile=(reconcile_service.latest_runs(current_user, limit=1) or [None])[0]
        if policy.can_import(current_user) else None,
    )
