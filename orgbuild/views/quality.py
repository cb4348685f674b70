"""Branch quality: a branch's organisational life (log an activity or a membership change, from a
phone) and the hollow-branch warnings of the supervisor's scope as of a date."""
from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from .. import policy
from ..campaign.actions import ServiceError, local_today
from ..domain import grading as gradings
from ..domain import quality as rules
from ..progress.scope import Scope
from ..quality import grading as grading_service
from ..quality import roster, service
from ..quality.forms import ActivityForm, GradingForm, MembershipForm
from ..web import params
from .helpers import org_or_404, put_errors_on_form

bp = Blueprint("quality", __name__, url_prefix="/quality")


def _life_page(org, activity_form, membership_form, status=200):
    activities, changes = service.life_log(org)
    return render_template(
        "quality/life.html", org=org, state=roster.branch_state(org, local_today()), activities=activities,
        changes=changes, form=activity_form, change_form=membership_form, idle_days=roster.idle_days(),
    ), status


def _org_with_branch(org_id: int):
    org = org_or_404(org_id)
    if not policy.can_log_branch_life(current_user, org):
        abort(404)
    if roster.branch_state(org, local_today()) is None:
        flash(_("该组织尚未建立团组织（或已注销），不能记录组织生活"), "warning")
        return org, redirect(url_for("orgs.detail", org_id=org.id))
    return org, None


@bp.route("/orgs/<int:org_id>/life", methods=["GET", "POST"])
@login_required
def life(org_id: int):
    """The branch's organisational life: state today, the activity and membership forms, the log."""
    org, away = _org_with_branch(org_id)
    if away:
        return away
    form, change_form = ActivityForm(), MembershipForm(formdata=None)
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                service.log_activity(org, service.ActivityData(form.kind.data, form.held_on.data,
                                                                form.attendance.data, form.note.data or ""),
                                     current_user)
            except ServiceError as error:
                put_errors_on_form(form, error.errors)
            else:
                flash(_("已记录：%(kind)s（%(day)s）", kind=_(rules.ACTIVITY_KINDS[form.kind.data]),
                        day=form.held_on.data.isoformat()), "success")
                return redirect(url_for("quality.life", org_id=org.id))
        return _life_page(org, form, change_form, 400)
    return _life_page(org, form, change_form)


@bp.post("/orgs/<int:org_id>/membership")
@login_required
def membership(org_id: int):
    """Record members recruited, transferred in or out."""
    org, away = _org_with_branch(org_id)
    if away:
        return away
    form, change_form = ActivityForm(formdata=None), MembershipForm()
    if change_form.validate_on_submit():
        data = service.MembershipData(change_form.change_kind.data, change_form.changed_on.data,
                                      change_form.count.data, change_form.change_note.data or "")
        try:
            service.log_membership(org, data, current_user)
        except ServiceError as error:
            put_errors_on_form(change_form, [({"kind": "change_kind", "note": "change_note"}.get(f, f), m)
                                             for f, m in error.errors])
        else:
            flash(_("已记录团员变动"), "success")
            return redirect(url_for("quality.life", org_id=org.id))
    return _life_page(org, form, change_form, 400)


def requested_date(name: str) -> date | None:
    """A YYYY-MM-DD date of the query string; None when absent or unreadable (then a message says so)."""
    text = (request.args.get(name) or "").strip()
    if not text:
        return None
    value = params.parse_date(text)  # YYYY-MM-DD in ASCII digits, within the dates arithmetic can hold
    if value is None:
        flash(_("日期“%(text)s”无法识别，请按YYYY-MM-DD填写；已按今天显示", text=text[:20]), "warning")
    return value


@bp.get("/warnings")
@login_required
def warnings():
    """The branches of the supervisor's scope that show a sign of hollowness as of a date."""
    if not policy.can_read_quality(current_user):
        abort(403)
    today = local_today()
    as_of = min(requested_date("as_of") or today, today)
    warning = request.args.get("warning") or None
    if warning not in (None, *roster.WARNINGS):
        warning = None
    scope = Scope(user=current_user)
    return render_template(
        "quality/warnings.html", as_of=as_of, warning=warning, labels=roster.WARNING_LABELS,
        rows=roster.warned_branches(scope, as_of, warning), counts=roster.warning_counts(scope, as_of),
        idle_days=roster.idle_days(), level_labels=rules.LEVEL_LABELS,
    )


@bp.app_context_processor
def quality_names() -> dict:
    """The labels the quality templates (and the organisation page's branch card) show."""
    return {"ACTIVITY_KINDS": rules.ACTIVITY_KINDS, "MEMBERSHIP_KINDS": rules.MEMBERSHIP_KINDS,
            "LEVEL_LABELS": rules.LEVEL_LABELS, "WARNING_LABELS": roster.WARNING_LABELS}


@bp.route("/orgs/<int:org_id>/grading", methods=["GET", "POST"])
@login_required
def grading(org_id: int):
    """A branch's grading of a year: the self-assessment, then the supervisor's confirmation or return."""
    org, away = _org_with_branch(org_id)
    if away:
        return away
    text = request.args.get("year")
    year = local_today().year if text is None or not text.strip() else params.parse_int(text, 2000, 2100)
    if year is None:  # not a year in ASCII digits within the campaign's (², ٢٠٢٦, 99999…)
        abort(404)
    record = grading_service.grading_of(org, year)
    form = GradingForm(obj=record) if request.method == "GET" else GradingForm()
    status = 200
    if request.method == "POST":
        event = request.form.get("event", "")
        if event not in gradings.EVENTS:
            abort(400)
        if form.validate_on_submit():
            scores = rules.Scores(*(getattr(form, name).data for name in rules.AREAS), veto=form.veto.data)
            try:
                grading_service.apply_grading(org, year, grading_service.GradingRequest(
                    event, scores, form.reason.data or ""), current_user)
            except ServiceError as error:
                put_errors_on_form(form, error.errors)
            else:
                flash(_("已完成：%(step)s", step=_(gradings.EVENTS[event])), "success")
                return redirect(url_for("quality.grading", org_id=org.id, year=year))
        status = 400
    state = record.state if record else "draft"
    return render_template(
        "quality/grading.html", org=org, year=year, form=form, record=record, state=state,
        events=[e for e in gradings.available_events(state) if policy.can_grade(current_user, org, e)], states=gradings.STATES, event_labels=gradings.EVENTS,
        refusal=grading_service.eligibility(org, year), cutoff=grading_service.cutoff(year),
    ), status
