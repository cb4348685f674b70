"""Targets page: supervisors set the district's and each street's targets for a year, one district
at a time (``?district=<id>``: a city-wide supervisor chooses; others have their own) — with the
baseline and stretch of the new-branch target, a split of the district target suggested in
proportion to each street's 已建党未建团 count (任务分解), and the roll-up of the street targets."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from .. import policy
from ..campaign.actions import ServiceError
from ..districts import service as districts
from ..i18n import translate_message
from ..progress import figures as progress
from ..progress import targets
from ..web import params

bp = Blueprint("targets", __name__, url_prefix="/targets")


def shown(values: dict[str, int | None]) -> dict[str, str]:
    """Form values as the inputs show them ("" for no value)."""
    return {k: "" if v is None else str(v) for k, v in values.items()}


@bp.route("/", methods=["GET", "POST"])
@login_required
def index():
    """Show and save the targets of one year (blank = no target); ``?suggest=1`` fills the street
    new-branch targets with the proportional split (nothing is saved until the form is)."""
    if not policy.can_set_targets(current_user):
        abort(403)
    year = params.parse_int(request.args.get("year")) or progress.default_year()
    if not targets.MIN_YEAR <= year <= targets.MAX_YEAR:
        abort(404)
    choices = districts.visible_districts(current_user)
    district = districts.find_district(params.parse_int(request.args.get("district"))) if request.args.get("district") else (
        choices[0] if choices else None)
    if district is None or district not in choices:
        abort(404)
    streets = targets.district_streets(district)
    errors: dict[str, str] = {}
    current = targets.current_values(year, district, streets)
    values, loaded = shown(current), current
    plan = targets.target_plan(year, streets, current[targets.field_name("new_branches", None)])
    if request.method == "GET" and request.args.get("suggest") and plan and plan[0].suggested is not None:
        values.update({targets.field_name("new_branches", p.street_id): str(p.suggested) for p in plan})
        flash(_("已按各街道已建党未建团组织数填入建议的分解目标，请核对后保存"), "info")
    if request.method == "POST":
        values = {k: v for k, v in request.form.items() if "-" in k}
        try:
            parsed = targets.parse_targets(request.form, streets)
            changed = targets.save_targets(year, parsed, current_user, district,
                                           loaded=targets.decode_loaded(request.form.get("loaded"), streets))
        except targets.TargetConflict as conflict:
            for field, message in conflict.errors:
                errors[field] = translate_message(message)
            loaded = conflict.current
            values.update({f: "" if conflict.current.get(f) is None else str(conflict.current[f]) for f in conflict.fields})
            flash(_("有人在您编辑期间修改了部分目标：标红的格子已换成最新的值，其余修改仍在表中，请核对后再保存"), "danger")
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
    street_sum = sum(current[targets.field_name("new_branches", s.id)] or 0 for s in streets)
    unset = sum(1 for s in streets if current[targets.field_name("new_branches", s.id)] is None)
    return render_template(
        "targets/index.html",
        year=year,
        scopes=[(s.id, s.name) for s in streets],
        metrics=targets.METRICS,
        banded=targets.BANDED_METRICS,
        labels=targets.METRIC_LABELS,
        values=values,
        errors=errors,
        field_name=targets.field_name,
        plan={p.street_id: p for p in plan},
        derived={**{p.street_id: p.party_and_league for p in plan}, None: sum(p.party_and_league for p in plan)},
        district_target=current[targets.field_name("new_branches", None)],
        street_sum=street_sum,
        unset=unset,
        loaded=targets.encode_loaded(loaded),
        district=district,
        districts=choices,
    ), (400 if errors else 200)
