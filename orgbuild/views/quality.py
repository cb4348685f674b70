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
from ..attachments import service as attachment_files
from ..extensions import db
from ..models import Organization, RectificationTask
from ..quality import grading as grading_service
from ..quality import rectification, roster, service
from ..quality.forms import (ActivityForm, CloseTaskForm, EvidenceForm, GradingForm, MembershipForm, RectificationForm,
                             RoundForm)
from ..i18n import translate_message
from ..web import params
from .helpers import org_or_404, put_errors_on_form, requested_date

bp = Blueprint("quality", __name__, url_prefix="/quality")


def _life_page(org, activity_form, membership_form, status=200):
    activities, changes = service.life_log(org)
    return render_template(
        "quality/life.html", org=org, state=roster.branch_state(org, local_today()), activities=activities,
        changes=changes, form=activity_form, change_form=membership_form, idle_days=roster.idle_days(),
        evidence=service.evidence_of(org), evidence_form=EvidenceForm(formdata=None),
        can_open_org=policy.can_see_org(current_user, org),
        open_task=rectification.open_task_of(org) if policy.can_see_org(current_user, org) else None,
    ), status


def _branch_org_or_404(org_id: int) -> Organization:
    """The organisation if the current user may log its branch's life (a secretary: their own); 404
    otherwise, like an unknown id."""
    org = db.session.get(Organization, org_id)
    if org is None or not policy.can_log_branch_life(current_user, org):
        abort(404)
    return org


def _org_with_branch(org_id: int):
    org = _branch_org_or_404(org_id)
    if roster.branch_state(org, local_today()) is None:
        flash(_("该组织尚未建立团组织（或已注销），不能记录组织生活"), "warning")
        if not policy.can_see_org(current_user, org):
            abort(404)
        return org, redirect(url_for("orgs.detail", org_id=org.id))
    return org, None


def _upload(field) -> tuple[bytes, str] | None:
    """(bytes, file name) of an uploaded file, or None when none was chosen."""
    upload = field.data
    if upload is None or not getattr(upload, "filename", ""):
        return None
    return upload.read(), upload.filename


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
                                     current_user, evidence=_upload(form.evidence))
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
                if event == "confirm":
                    _warn_over_cap(year)
                return redirect(url_for("quality.grading", org_id=org.id, year=year))
        status = 400
    state = record.state if record else "draft"
    return render_template(
        "quality/grading.html", org=org, year=year, form=form, record=record, state=state,
        events=[e for e in gradings.available_events(state) if policy.can_grade(current_user, org, e)], states=gradings.STATES, event_labels=gradings.EVENTS,
        refusal=grading_service.eligibility(org, year), cutoff=grading_service.cutoff(year),
        can_open_org=policy.can_see_org(current_user, org), can_open_task=policy.can_open_rectification(current_user, org),
    ), status


def _warn_over_cap(year: int) -> None:
    """After a confirmation: warn when the five-star share of the user's scope exceeds the cap."""
    figures = grading_service.quality_figures(Scope(user=current_user), year)
    if figures["five_star_over_cap"]:
        flash(_("五星级占比%(pct)s%%，超过%(cap)d%%的上限", pct=figures["five_star_pct"],
                cap=figures["five_star_cap_pct"]), "warning")


# --- evidence of activities --------------------------------------------------------------------

@bp.post("/orgs/<int:org_id>/activities/<int:activity_id>/evidence")
@login_required
def evidence_upload(org_id: int, activity_id: int):
    """Attach one more photo or PDF to an activity of the branch."""
    org = _branch_org_or_404(org_id)
    activity = service.activity_of(org, activity_id)
    if activity is None:
        abort(404)
    form = EvidenceForm()
    upload = _upload(form.file) if form.validate_on_submit() else None
    if upload is None:
        flash(_("未上传：%(reason)s", reason=_("请选择要上传的文件")), "danger")
    else:
        try:
            service.add_evidence(org, activity, upload[0], upload[1], current_user)
        except ServiceError as error:
            for _field, message in error.errors:
                flash(_("未上传：%(reason)s", reason=translate_message(message)), "danger")
        else:
            flash(_("已上传：%(name)s", name=upload[1]), "success")
    return redirect(url_for("quality.life", org_id=org.id))


def _send(row, thumbnail: bool = False):
    response = attachment_files.response(row, thumbnail=thumbnail)
    if response is None:
        abort(404)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, max-age=3600"
    return response


@bp.get("/orgs/<int:org_id>/evidence/<int:attachment_id>")
@login_required
def evidence(org_id: int, attachment_id: int):
    """An activity's evidence file, for whoever may log the branch's life (its secretary too)."""
    org = _branch_org_or_404(org_id)
    row = service.activity_evidence(org, attachment_id)
    if row is None:
        abort(404)
    return _send(row)


@bp.get("/orgs/<int:org_id>/evidence/<int:attachment_id>/thumbnail")
@login_required
def evidence_thumbnail(org_id: int, attachment_id: int):
    """The small JPEG of an activity's photo."""
    org = _branch_org_or_404(org_id)
    row = service.activity_evidence(org, attachment_id)
    if row is None or not row.has_thumbnail:
        abort(404)
    return _send(row, thumbnail=True)


# --- rectification (整顿) -------------------------------------------------------------------------

def _task_form(org) -> RectificationForm:
    form = RectificationForm()
    choices = rectification.officer_choices(org)
    form.officer_id.choices = [(u.id, u.label) for u in choices]
    if not form.is_submitted() and org.officer_id in {u.id for u in choices}:
        form.officer_id.data = org.officer_id
    return form


@bp.route("/orgs/<int:org_id>/rectification", methods=["GET", "POST"])
@login_required
def rectification_page(org_id: int):
    """A branch's rectification tasks, and (supervisors) the form that opens one."""
    org, away = _org_with_branch(org_id)
    if away:
        return away
    if not policy.can_see_org(current_user, org):
        abort(404)
    may_open = policy.can_open_rectification(current_user, org)
    form = _task_form(org) if may_open else None
    status = 200
    if request.method == "POST":
        if not may_open:
            abort(403)
        if form.validate_on_submit():
            try:
                task = rectification.open_task(org, rectification.TaskData(
                    form.items.data or "", form.officer_id.data, form.deadline.data), current_user)
            except ServiceError as error:
                put_errors_on_form(form, error.errors)
            else:
                flash(_("已下达整顿任务，期限%(day)s", day=task.deadline.isoformat()), "success")
                return redirect(url_for("quality.rectification_task", task_id=task.id))
        status = 400
    return render_template(
        "quality/rectification.html", org=org, form=form, tasks=rectification.tasks_of(org),
        reasons=rectification.reasons_for(org), open_task=rectification.open_task_of(org), today=local_today(),
    ), status


def _task_or_404(task_id: int) -> RectificationTask:
    task = db.session.get(RectificationTask, task_id)
    if task is None or not policy.can_see_org(current_user, task.organization):
        abort(404)
    return task


@bp.route("/rectifications/<int:task_id>", methods=["GET", "POST"])
@login_required
def rectification_task(task_id: int):
    """One rectification task; its officer or a supervisor closes it with a note."""
    task = _task_or_404(task_id)
    may_close = task.closed_on is None and policy.can_close_rectification(current_user, task)
    form = CloseTaskForm() if may_close else None
    status = 200
    if request.method == "POST":
        if not may_close:
            abort(403)
        if form.validate_on_submit():
            try:
                rectification.close_task(task, form.note.data or "", current_user)
            except ServiceError as error:
                put_errors_on_form(form, error.errors)
            else:
                flash(_("整顿任务已完成"), "success")
                return redirect(url_for("quality.rectification_task", task_id=task.id))
        status = 400
    return render_template("quality/task.html", task=task, form=form, today=local_today()), status


@bp.get("/rectifications")
@login_required
def rectifications():
    """The open rectification tasks of the user's scope (an officer: those they answer for)."""
    return render_template("quality/tasks.html", tasks=rectification.open_tasks(current_user), today=local_today())


# --- grading rounds ------------------------------------------------------------------------------

@bp.route("/rounds", methods=["GET", "POST"])
@login_required
def rounds():
    """The grading rounds (对标定级): a year's date, cut-off and five-star cap; supervisors set them."""
    if not policy.can_set_grading_rounds(current_user):
        abort(403)
    asked = request.args.get("year")
    year = params.parse_int(asked, 2000, 2100) if asked else local_today().year
    if year is None:
        abort(404)
    form = RoundForm()
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                grading_service.set_round(form.year.data, grading_service.RoundData(
                    form.held_on.data, form.cutoff_on.data, form.five_star_cap.data, form.note.data or ""),
                    current_user)
            except ServiceError as error:
                put_errors_on_form(form, error.errors)
            else:
                flash(_("已保存%(year)d年定级轮次", year=form.year.data), "success")
                return redirect(url_for("quality.rounds", year=form.year.data))
        status = 400
    elif not form.is_submitted():
        form.year.data = year
        form.held_on.data = grading_service.grading_day(year)
        form.cutoff_on.data = grading_service.reference_day(year)
        form.five_star_cap.data = grading_service.five_star_cap(year)
        found = grading_service.round_of(year)
        form.note.data = found.note if found else ""
    figures = grading_service.quality_figures(Scope(user=current_user), year)
    return render_template("quality/rounds.html", form=form, year=year, rounds=grading_service.rounds(),
                           figures=figures, recorded=grading_service.round_of(year)), status
