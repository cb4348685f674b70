"""Organisations: list, page with timeline, survey create/edit, and one form per workflow step."""
from __future__ import annotations

import json

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from .. import audit, policy
from ..attachments import files as evidence_files
from ..attachments.service import apply_with_evidence, attachments_of
from ..campaign import actions, league
from ..campaign import listing as orglist
from ..campaign.actions import ServiceError, SurveyData, TransitionRequest
from ..campaign.forms import (
    INDUSTRIES,
    ORG_TYPES,
    EstablishForm,
    OnboardForm,
    ReasonForm,
    SurveyForm,
    VisitForm,
    with_evidence,
)
from ..domain import rules, workflow
from ..duplicates import service as duplicate_service
from ..extensions import db
from ..jobs import exports as export_jobs
from ..i18n import translate_message
from ..models import Community, Organization, StatusEvent, Street, User, Visit, street_order
from .attachments import UploadForm
from ..quality.roster import branch_state, idle_days
from ..web import params
from .helpers import form_version, org_or_404, put_errors_on_form

bp = Blueprint("orgs", __name__, url_prefix="/orgs")

STEP_FORMS = {
    "record_visit": VisitForm,
    "establish": EstablishForm,
    "onboard": OnboardForm,
    "mark_ineligible": ReasonForm,
    "reopen": ReasonForm,
    "close": ReasonForm,
    "revert": ReasonForm,
}


def visible_streets() -> list[Street]:
    """Streets the current user works on (all for the district-wide roles)."""
    ids = policy.street_ids(current_user)
    query = select(Street).order_by(*street_order())
    if ids is not None:
        query = query.where(Street.id.in_(ids))
    return list(db.session.scalars(query))


def officers_in_scope() -> list[User]:
    """Active officers working on the current user's streets, for the officer filter and the assignment field."""
    query = select(User).where(User.active.is_(True), User.role == "officer").order_by(User.username)
    return list(db.session.scalars(policy.scope_users(current_user, query)))


@bp.get("/")
@login_required
def index():
    """The organisation list with filters, search, sorting and pagination."""
    f = orglist.OrgFilter.from_args(request.args)
    page = db.paginate(
        orglist.org_query(current_user, f), per_page=params.parse_int(request.args.get("per_page"), 1, 200) or 50, max_per_page=200
    )
    return render_template(
        "orgs/list.html", page=page, f=f, streets=visible_streets(), officers=officers_in_scope(),
        league_states=league.states(page.items), LEAGUE_STATES=league.STATES,
        my_exports=export_jobs.recent(current_user),
    )


@bp.get("/<int:org_id>")
@login_required
def detail(org_id: int):
    """One organisation: survey data, status, timeline of visits and status events, allowed steps."""
    org = org_or_404(org_id)
    visits = list(db.session.scalars(select(Visit).where(Visit.organization_id == org.id)))
    events = list(db.session.scalars(select(StatusEvent).where(StatusEvent.organization_id == org.id)))
    timeline = sorted(
        [("visit", v.created_at, v) for v in visits]
        # a visit is shown by its own entry; its status event (surveyed → visited) would repeat it
        + [("event", e.created_at, e) for e in events if e.transition != "record_visit"],
        key=lambda item: (item[1], 0 if item[0] == "visit" else 1),
        reverse=True,
    )
    covering = league.covering_branch(org)
    return render_template(
        "orgs/detail.html",
        org=org,
        covering=covering,
        league_state=league.STATES[league.state_key(org, org.branch is not None, covering is not None)],
        timeline=timeline,
        allowed=actions.allowed_events(org, current_user),
        can_edit=policy.can_edit_org(current_user, org),
        history=audit.org_history(org.id) if policy.can_read_org_history(current_user, org) else [],
        files=attachments_of(org),
        upload_form=UploadForm(),
        branch_state=branch_state(org, actions.local_today()),
        idle_days=idle_days(),
        can_log_life=policy.can_log_branch_life(current_user, org),
    )


def _fill_survey_choices(form: SurveyForm) -> None:
    """The choices of the survey form; communities only of the user's streets, each option naming its
    street (``data-street``) so that static/js/communities.js offers those of the chosen street only.
    The service refuses a community of another street (``社区不属于所选街道``) whatever the browser sends."""
    streets = visible_streets()
    form.street_id.choices = [(None, "—")] + [(s.id, s.name) for s in streets]
    communities = db.session.scalars(
        select(Community).where(Community.street_id.in_([s.id for s in streets]))
        .order_by(Community.street_id, Community.name)
    ).all()
    form.community_id.choices = [(None, "—", {})] + [
        (c.id, f"{c.street.short_name} · {c.name}", {"data-street": str(c.street_id)}) for c in communities
    ]
    form.industry.choices = [("", "—")] + [(code, rules.industry_label(code, _)) for code, _label in INDUSTRIES]
    form.org_type.choices = [("", "—")] + [(t, _(t)) for t in ORG_TYPES]
    form.officer_id.choices = [(None, "—")] + [(u.id, u.label) for u in officers_in_scope()]


def _survey_data(form: SurveyForm) -> SurveyData:
    return SurveyData(
        credit_code=form.credit_code.data or "",
        name=(form.name.data or "").strip(),
        street_id=form.street_id.data,
        community_id=form.community_id.data,
        industry=form.industry.data or None,
        org_type=form.org_type.data or None,
        employees=form.employees.data,
        youth_count=form.youth_count.data,
        league_members=form.league_members.data,
        party_members=form.party_members.data,
        has_party_org=bool(form.has_party_org.data),
        party_secretary=(form.party_secretary.data or "").strip() or None,
        has_league_org=bool(form.has_league_org.data),
        league_contact=(form.league_contact.data or "").strip() or None,
        contact_person=(form.contact_person.data or "").strip() or None,
        contact_phone=(form.contact_phone.data or "").strip() or None,
        address=(form.address.data or "").strip() or None,
        officer_id=form.officer_id.data,
        surveyed_on=form.surveyed_on.data,
    )


@bp.route("/new", methods=["GET", "POST"])
@login_required
def create():
    """Record a newly surveyed organisation."""
    form = SurveyForm()
    _fill_survey_choices(form)
    duplicates = []
    if form.validate_on_submit():
        data = _survey_data(form)
        if not form.confirm_duplicate.data:
            duplicates = duplicate_service.likely_duplicates(current_user, data.credit_code, data.name)[:5]
        if not duplicates:
            try:
                org = actions.create_organization(data, current_user)
            except ServiceError as error:
                put_errors_on_form(form, error.errors)
            else:
                flash(_("已登记 %(name)s", name=org.name), "success")
                return redirect(url_for("orgs.detail", org_id=org.id))
    return render_template("orgs/survey_form.html", form=form, org=None, duplicates=duplicates)


@bp.route("/<int:org_id>/edit", methods=["GET", "POST"])
@login_required
def edit(org_id: int):
    """Edit the survey data; a form opened before someone else's change gets the conflict page."""
    org = org_or_404(org_id)
    if not policy.can_edit_org(current_user, org):
        abort(404)
    form = SurveyForm(obj=org) if request.method == "GET" else SurveyForm()
    if request.method == "GET":
        form.version.data = org.version
        form.opened_values.data = json.dumps(actions.survey_values(org), ensure_ascii=False)
    _fill_survey_choices(form)
    if form.validate_on_submit():
        if form_version(form) is None:  # a form without a version is refused, never saved unchecked
            flash(_("表单缺少版本信息，未保存。请核对后再次提交"), "danger")
            form.version.data = org.version
            return render_template("orgs/survey_form.html", form=form, org=org), 400
        try:
            changes = actions.update_organization(org, _survey_data(form), current_user, form_version(form),
                                                  _opened_values(form))
        except actions.Conflict as conflict:
            db.session.rollback()
            db.session.refresh(org)
            mine = _survey_data(form)
            rows = [
                (name, getattr(mine, name), getattr(org, name))
                for name in (conflict.fields or actions.SURVEY_FIELDS)
                if getattr(mine, name) != getattr(org, name)
            ]
            # re-applying overwrites only what this form changed: it is now opened at the current values
            form.version.data = org.version
            form.opened_values.data = json.dumps(actions.survey_values(org), ensure_ascii=False)
            return render_template("orgs/conflict.html", org=org, form=form, rows=rows), 409
        except ServiceError as error:
            put_errors_on_form(form, error.errors)
        else:
            flash(_("已保存（%(n)d项修改）", n=len(changes)) if changes else _("没有修改"), "success")
            return redirect(url_for("orgs.detail", org_id=org.id))
    return render_template("orgs/survey_form.html", form=form, org=org)


def _opened_values(form: SurveyForm) -> dict | None:
    """The values the edit form was opened with (None when absent or not readable: then any newer
    version is a conflict, as for an old form)."""
    try:
        values = json.loads(form.opened_values.data or "null")
    except ValueError:
        return None
    return values if isinstance(values, dict) else None


def _transition_request(event: str, form) -> TransitionRequest:
    req = TransitionRequest(
        event=event,
        expected_version=form_version(form),
        opened_status=form.opened_status.data or None,
        submission_key=(form.submission_key.data or "").strip() or None,
    )
    if event == "record_visit":
        req.visit_date = form.visit_date.data
        req.outcome = form.outcome.data
        req.met_with = (form.met_with.data or "").strip()
        req.notes = form.notes.data or ""
        req.next_follow_up = form.next_follow_up.data
    elif event == "establish":
        req.branch = form.branch_values()
        req.covered_org_ids = list(form.covered_org_ids.data or [])
    elif event == "onboard":
        req.onboarded_on = form.onboarded_on.data
        req.platform_code = form.platform_code.data or ""
    else:
        req.reason = form.reason.data or ""
    return req


def _stamp(form, org: Organization) -> None:
    """Put the organisation's current version and status on a step form."""
    form.version.data = org.version
    form.opened_status.data = org.status


def _step_form_class(event: str):
    """The step's form class; with an evidence field when the step needs one (ORGBUILD_EVIDENCE_REQUIRED),
    and an optional one on the visit form (a photo of the visit, also queued offline)."""
    form_class = STEP_FORMS[event]
    if event in actions.evidence_required():  # the step needs an evidence file sent with it
        return with_evidence(form_class, workflow.EVIDENCE[event], evidence_files.ACCEPT)
    if event == "record_visit":
        return with_evidence(form_class, workflow.EVIDENCE[event], evidence_files.ACCEPT, required=False)
    return form_class


def _uploads(form) -> list[tuple[bytes, str]]:
    """The evidence files sent with a step form: (bytes, file name) each."""
    return [(f.read(), f.filename) for f in (getattr(form, "evidence", None) and form.evidence.data or [])
            if getattr(f, "filename", None)]


@bp.route("/<int:org_id>/step/<event>", methods=["GET", "POST"])
@login_required
def step(org_id: int, event: str):
    """The form for one workflow step; the status machine decides whether it applies."""
    org = org_or_404(org_id)
    if event not in STEP_FORMS:
        abort(404)
    form = _step_form_class(event)()
    if request.method == "GET":
        _stamp(form, org)
        form.submission_key.data = actions.new_submission_key()
        if event == "establish":
            form.name.data = f"{org.name}团支部"  # data: a branch's official name is Chinese in every UI language
            form.member_count.data = org.league_members
            form.youth_count.data = org.youth_count
            form.branch_type.data = actions.suggested_branch_type(org.league_members or 0)
            form.parent_org.data = f"{org.street.name}团工委"  # data: the street working committee approves
    if event == "onboard":
        form.platform_code.description = translate_message(actions.platform_code_hint())
    if event == "establish":
        form.covered_org_ids.choices = [
            (o.id, _("%(name)s（%(code)s）", name=o.name, code=o.credit_code))
            for o in db.session.scalars(
                policy.scope_orgs(current_user, select(Organization))
                .where(Organization.street_id == org.street_id, Organization.id != org.id)
                .order_by(Organization.name)
                .limit(500)
            )
        ]
    if form.validate_on_submit():
        if form_version(form) is None or not (form.submission_key.data or "").strip():
            # an old or hand-made form: refused, not applied unchecked; the fresh form keeps what was typed
            flash(_("表单缺少版本信息或提交编号，未保存。请核对后再次提交"), "danger")
            _stamp(form, org)
            form.submission_key.data = actions.new_submission_key()
            return render_template("orgs/step.html", org=org, form=form, event=event), 400
        req = _transition_request(event, form)
        try:
            apply_with_evidence(org, req, current_user, _uploads(form))
        except actions.Conflict:
            db.session.refresh(org)
            opened = req.opened_status
            _stamp(form, org)  # what was typed stays in the form, ready to re-apply to the current state
            latest = db.session.scalar(
                select(StatusEvent).where(StatusEvent.organization_id == org.id)
                .order_by(StatusEvent.created_at.desc(), StatusEvent.id.desc()).limit(1)
            )
            return render_template("orgs/step.html", org=org, form=form, event=event,
                                   conflict={"opened_status": opened, "latest": latest}), 409
        except ServiceError as error:
            put_errors_on_form(form, error.errors)
        else:
            if req.replayed:
                flash(_("该表单已提交过，本次未重复登记"), "info")
            else:
                flash(_("已完成：%(step)s", step=_(workflow.EVENTS[event])), "success")
            return redirect(url_for("orgs.detail", org_id=org.id))
    elif request.method == "GET":
        reasons = actions.refusal_reasons(org, current_user, event)
        if reasons:
            put_errors_on_form(form, [(None, r) for r in reasons])  # no field named: flashed
            return redirect(url_for("orgs.detail", org_id=org.id))
    return render_template("orgs/step.html", org=org, form=form, event=event)


def _sync_answer(status: int, message, **extra):
    """The JSON answer to a queued visit: a message the offline queue shows as the item's result."""
    return jsonify(dict(extra, message=translate_message(message) if not isinstance(message, str) else message)), status


@bp.post("/<int:org_id>/visits/sync")
def sync_visit(org_id: int):
    """A visit queued offline (static/js/offline.js), sent when the connection returned; answers JSON.

    The form is the visit form's, with the queue's own submission key: a resend answers the first
    result and records nothing (and keeps no second copy of the photos sent with it: they are stored
    onto the visit in the same transaction). The visit form itself is sent here too while online
    (``direct=1``), so that a request that does not answer in time can be queued with the same key;
    then the answer is also flashed for the organisation's page the form goes to. 401 when the sign-in has expired (the queue waits), 404 when the
    organisation is not (or no longer) in the officer's streets, 409 on a change of status since the
    form was stored, 422 for a refusal; the queue shows each reason and keeps the visit.
    """
    if not current_user.is_authenticated:
        return _sync_answer(401, _("登录已过期：请重新登录后同步"))
    org = db.session.get(Organization, org_id)
    if org is None or not policy.can_see_org(current_user, org):
        return _sync_answer(404, _("未找到该组织，或它已不在您负责的街道（可能已调至其他街道）：本条走访未登记"))
    form = _step_form_class("record_visit")()
    if not form.validate():
        problems = [f"{form[name].label.text}：{message}" for name, messages in form.errors.items()
                    if name in form for message in messages]
        return _sync_answer(422, "；".join(problems) or _("表单内容无效"))
    if form_version(form) is None or not (form.submission_key.data or "").strip():
        return _sync_answer(400, _("表单缺少版本信息或提交编号，未登记"))
    req = _transition_request("record_visit", form)
    try:
        event = apply_with_evidence(org, req, current_user, _uploads(form))
    except actions.Conflict:
        db.session.refresh(org)
        return _sync_answer(409, _("离线保存后该组织的状态已变为“%(status)s”，本条走访未登记；请核对后重新登记",
                                   status=_(workflow.STATUSES.get(org.status, org.status))))
    except ServiceError as error:
        return _sync_answer(422, "；".join(translate_message(m) for m in error.messages))
    message = _("已同步（此前已登记，未重复登记）") if req.replayed else _("已同步：走访已登记")
    if request.form.get("direct") == "1":  # the visit form itself, sent online: its page shows the result
        if req.replayed:
            flash(_("该表单已提交过，本次未重复登记"), "info")
        else:
            flash(_("已完成：%(step)s", step=_(workflow.EVENTS["record_visit"])), "success")
    return _sync_answer(200, message, result="replayed" if req.replayed else "recorded",
                        status_event=event.id, url=url_for("orgs.detail", org_id=org.id))
