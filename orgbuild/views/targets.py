"""Targets page: supervisors set the district's and each street's targets for a year, one district
at a time (``?district=<id>``: a city-wide supervisor chooses; others have their own)."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import func, select

from .. import policy
from ..campaign.actions import ServiceError
from ..districts import service as districts
from ..extensions import db
from ..i18n import translate_message
from ..models import Organization, Street, street_order
from ..progress import figures as progress
from ..progress import targets

bp = Blueprint("targets", __name__, url_prefix="/targets")


def party_and_league_counts(street_ids: list[int]) -> dict[int | None, int]:
    """已建党已建团 organisations (not closed) per street and in total: the derived onboarding target."""
    rows = db.session.execute(
        select(Organization.street_id, func.count(Organization.id))
        .where(
            Organization.street_id.in_(street_ids),
            Organization.status != "closed",
            Organization.has_party_org.is_(True),
            Organization.has_league_org.is_(True),
        )
        .group_by(Organization.street_id)
    ).all()
    counts: dict[int | None, int] = {street_id: int(n) for street_id, n in rows}
    counts[None] = sum(counts.values())
    return counts


@bp.route("/", methods=["GET", "POST"])
@login_required
def index():
    """Show and save the targets of one year (blank = no target)."""
    if not policy.can_set_targets(current_user):
        abort(403)
    year = request.args.get("year", type=int) or progress.default_year()
    if not targets.MIN_YEAR <= year <= targets.MAX_YEAR:
        abort(404)
    choices = districts.visible_districts(current_user)
    district = districts.find_district(request.args.get("district", type=int)) if request.args.get("district") else (
        choices[0] if choices else None)
    if district is None or district not in choices:
        abort(404)
    streets = list(db.session.scalars(select(Street).where(Street.district_id == district.id).order_by(*street_order())))
    errors: dict[str, str] = {}
    values = {targets.field_name(m, s): v for (m, s), v in targets.targets_of(year, district).items()}
    if request.method == "POST":
        values = {k: v for k, v in request.form.items() if "-" in k}
        try:
            parsed = targets.parse_targets(request.form, streets)
            changed = targets.save_targets(year, parsed, current_user, district)
        except ServiceError as error:
            for field, message in error.errors:
                if field:
                    errors[field] = translate_message(message)
                else:
                    flash(translate_message(message), "danger")
            flash(_("目标未保存，请更正标红的格子"), "danger")
        else:
            flash(_("已保存%(year)d年目标（%(n)d项修改）", year=year, n=changed), "success")
            return redirect(url_for("targets.index", year=year, district=district.id))
    return render_template(
        "targets/index.html",
        year=year,
        scopes=[(s.id, s.name) for s in streets],
        metrics=targets.METRICS,
        labels=targets.METRIC_LABELS,
        values=values,
        errors=errors,
        field_name=targets.field_name,
        derived=party_and_league_counts([s.id for s in streets]),
        district=district,
        districts=choices,
    ), (400 if errors else 200)
