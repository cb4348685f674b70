"""Services that change organisations: create and edit survey data, and apply a transition of the
status machine together with its records (visit, founding, onboarding), its StatusEvent and its
audit row, all in one transaction.

Refusals come back as :class:`ServiceError` carrying (field, message) pairs that the view puts back
on its form (or the CLI prints); nothing is written when one is raised.
"""
from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field, fields
from datetime import date
from typing import Any, Callable

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from .. import audit, policy
from ..domain import rules, workflow
from ..domain.rules import Message
from ..extensions import db
from ..models import Branch, Community, Onboarding, Organization, StatusEvent, Street, Submission, User, Visit, utcnow
from . import league


class ServiceError(Exception):
    """A request was refused; ``errors`` are (field or None, message) pairs."""

    def __init__(self, errors: list[tuple[str | None, str]]):
        super().__init__("；".join(m for _, m in errors))
        self.errors = errors

    @property
    def messages(self) -> list[str]:
        return [m for _, m in self.errors]


class Conflict(ServiceError):
    """Someone else changed the organisation after the form was opened.

    ``fields``: the survey fields both changed, to different values (empty when unknown: the form
    did not say what it was opened with, or a transition came in between)."""

    def __init__(self, org: Organization, fields: list[str] | None = None):
        super().__init__([(None, Message("该组织刚被其他人修改过，请查看最新内容后再保存"))])
        self.org = org
        self.fields = fields or []


# --- survey data ----------------------------------------------------------------------------

@dataclass
class SurveyData:
    """The survey fields of an organisation, as a form or an import row supplies them."""

    credit_code: str = ""
    name: str = ""
    street_id: int | None = None
    community_id: int | None = None
    industry: str | None = None
    org_type: str | None = None
    employees: int | None = None
    youth_count: int | None = None
    league_members: int | None = None
    party_members: int | None = None
    has_party_org: bool = False
    party_secretary: str | None = None
    has_league_org: bool = False
    league_contact: str | None = None
    contact_person: str | None = None
    contact_phone: str | None = None
    address: str | None = None
    officer_id: int | None = None
    surveyed_on: date | None = None  # 摸排日期; None: the day of creation (or, on an edit, unchanged)


SURVEY_FIELDS = tuple(f.name for f in fields(SurveyData))


def survey_errors(data: SurveyData) -> list[tuple[str, str]]:
    """Check the survey data's own consistency (no database): credit code, counts, required fields."""
    errors: list[tuple[str, str]] = []
    data.credit_code = rules.normalize_credit_code(data.credit_code)
    problem = rules.credit_code_error(data.credit_code)
    if problem:
        errors.append(("credit_code", problem))
    if not (data.name or "").strip():
        errors.append(("name", Message("请填写单位名称")))
    if data.street_id is None:
        errors.append(("street_id", Message("请选择所属街道")))
    for name in ("employees", "youth_count", "league_members", "party_members"):
        value = getattr(data, name)
        if value is not None and value < 0:
            errors.append((name, Message("不能为负数")))
        elif value is not None and rules.count_too_large(value):
            errors.append((name, rules.count_too_large(value)))
    if data.surveyed_on is not None:
        try:
            rules.parse_date(data.surveyed_on, today=local_today())
        except ValueError as problem:
            errors.append(("surveyed_on", problem.args[0]))
    if data.employees is not None:
        if data.league_members is not None and data.league_members > data.employees:
            errors.append(("league_members", Message("团员数不能多于从业人员数")))
        if data.youth_count is not None and data.youth_count > data.employees:
            errors.append(("youth_count", Message("35岁以下青年数不能多于从业人员数")))
    return errors


def _check_survey(data: SurveyData, actor: User, org: Organization | None) -> None:
    errors = survey_errors(data)
    if data.street_id is not None:
        if db.session.get(Street, data.street_id) is None:
            errors.append(("street_id", Message("街道不存在")))
        elif not policy.can_create_org_in(actor, data.street_id):
            errors.append(("street_id", Message("您不负责该街道")))
    if data.community_id is not None:
        community = db.session.get(Community, data.community_id)
        if community is None or community.street_id != data.street_id:
            errors.append(("community_id", Message("社区不属于所选街道")))
    if data.officer_id is not None:
        officer = db.session.get(User, data.officer_id)
        if officer is None or not officer.active:
            errors.append(("officer_id", Message("负责人不存在或已停用")))
    if data.credit_code and not any(f == "credit_code" for f, _ in errors):
        clash = db.session.scalar(select(Organization.id).where(Organization.credit_code == data.credit_code))
        if clash is not None and (org is None or clash != org.id):
            if policy.can_see_org(actor, db.session.get(Organization, clash)):
                errors.append(("credit_code", Message("该统一社会信用代码已登记")))
            else:  # do not confirm that an organisation outside the actor's streets exists
                errors.append(("credit_code", Message("无法用该统一社会信用代码登记，请联系团区委核实")))
    if errors:
        raise ServiceError(errors)


def create_organization(data: SurveyData, actor: User, *, commit: bool = True) -> Organization:
    """Record a newly surveyed organisation (status surveyed). With ``commit=False`` the caller's
    service commits it together with its own records (a reconciliation's resolution)."""
    _check_survey(data, actor, None)
    org = Organization(status="surveyed", **{name: getattr(data, name) for name in SURVEY_FIELDS})
    org.surveyed_on = data.surveyed_on or local_today()
    if org.officer_id is not None:
        org.assigned_on = local_today()
    db.session.add(org)
    try:
        db.session.flush()
        audit.record(actor, "create", "organization", org.id, organization_id=org.id, summary=org.name)
        if commit:
            db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return org


def survey_changes(org: Organization, data: SurveyData) -> dict[str, tuple[Any, Any]]:
    """The survey fields that differ: {field: (old, new)}."""
    return {
        name: (getattr(org, name), getattr(data, name))
        for name in SURVEY_FIELDS
        if getattr(org, name) != getattr(data, name)
    }


def _plain(value: Any) -> Any:
    """A survey value as the edit form carries it between requests (JSON): dates as ISO text, "" as None."""
    if isinstance(value, date):
        return value.isoformat()
    return None if value == "" else value


def survey_values(org: Organization) -> dict[str, Any]:
    """The survey fields as an edit form is opened with them (kept in the form, for merging)."""
    return {name: _plain(getattr(org, name)) for name in SURVEY_FIELDS}


def merge_survey(org: Organization, data: SurveyData, opened: dict[str, Any] | None) -> None:
    """Fold an edit made on an older version into the current record, field by field.

    The fields this form changed (from ``opened``, what it was opened with) are kept; every other
    field takes the current value, so that someone else's edit of another field stays. A field
    both changed, to different values, is a real conflict: :class:`Conflict` names those fields.
    Without ``opened`` (an old form) nothing can be told apart: any newer version is a conflict.
    """
    if not isinstance(opened, dict) or any(name not in opened for name in SURVEY_FIELDS):
        raise Conflict(org)
    mine = {name for name in SURVEY_FIELDS if _plain(getattr(data, name)) != opened[name]}
    theirs = {name for name in SURVEY_FIELDS if _plain(getattr(org, name)) != opened[name]}
    clash = [name for name in SURVEY_FIELDS
             if name in mine and name in theirs and _plain(getattr(data, name)) != _plain(getattr(org, name))]
    if clash:
        raise Conflict(org, clash)
    for name in SURVEY_FIELDS:
        if name not in mine:
            setattr(data, name, getattr(org, name))


def update_organization(org: Organization, data: SurveyData, actor: User, expected_version: int | None,
                        opened: dict[str, Any] | None = None) -> dict:
    """Save edited survey data. A form opened at an older version is merged field by field with
    what changed since (``opened``: the values it was opened with); :class:`Conflict` when the same
    field was changed to something else, or when the form cannot say what it was opened with."""
    if not policy.can_edit_org(actor, org):
        raise ServiceError([(None, Message("您无权修改该组织"))])
    if data.surveyed_on is None:
        data.surveyed_on = org.surveyed_on
    if expected_version is not None and expected_version != org.version:
        data.credit_code = rules.normalize_credit_code(data.credit_code)
        merge_survey(org, data, opened)
    _check_survey(data, actor, org)
    changes = survey_changes(org, data)
    if not changes:
        return {}
    for name, (_, new) in changes.items():
        setattr(org, name, new)
    if "officer_id" in changes:  # a new responsible officer from the survey form: dated like an assignment
        org.assigned_on = local_today() if org.officer_id is not None else None
    audit.record(actor, "update", "organization", org.id, organization_id=org.id, summary=org.name, changes=changes)
    _commit_or_conflict(org)
    return changes


def _commit_or_conflict(org: Organization) -> None:
    try:
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        raise Conflict(org) from None
    except Exception:
        db.session.rollback()
        raise


# --- transitions ----------------------------------------------------------------------------

@dataclass
class TransitionRequest:
    """What the person asked for: the event and the values of its form."""

    event: str
    reason: str = ""
    # record_visit
    visit_date: date | None = None
    met_with: str = ""
    outcome: str | None = None
    notes: str = ""
    next_follow_up: date | None = None
    # establish
    branch: dict[str, Any] = field(default_factory=dict)
    covered_org_ids: list[int] = field(default_factory=list)
    # onboard
    onboarded_on: date | None = None
    platform_code: str = ""
    expected_version: int | None = None
    #: the organisation's status when the form was opened: a visit only conflicts with a change of status
    opened_status: str | None = None
    #: the form's one-time key; a request whose key was applied already answers that first result
    submission_key: str | None = None
    #: set by :func:`apply_transition` when the key had been applied already (nothing was written)
    replayed: bool = False
    #: evidence files sent with the step (checked by the attachments service, which also sets
    #: ``on_recorded`` to store them onto the new record in the same transaction)
    evidence_files: int = 0
    on_recorded: Callable[[Any], None] | None = None


SUBMISSION_KEY = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


def new_submission_key() -> str:
    """A fresh one-time key for a step form."""
    return uuid.uuid4().hex


def same_visit_again(request: TransitionRequest, org: Organization, actor: User) -> StatusEvent | None:
    """The status event of a visit identical to the one requested (same officer, date, outcome, person
    met, notes and follow-up date), if one is recorded: the same form sent again from a page the
    browser fetched afresh (going back re-loads a page that is not cached, with a new key)."""
    if request.event != "record_visit" or not request.submission_key:  # forms only; services say what they mean
        return None
    same = db.session.scalar(
        select(Visit.id).where(
            Visit.organization_id == org.id,
            Visit.officer_id == actor.id,
            Visit.visit_date == request.visit_date,
            Visit.outcome == request.outcome,
            Visit.met_with == (request.met_with or ""),
            Visit.notes == (request.notes or ""),
            Visit.next_follow_up.is_(None) if request.next_follow_up is None
            else Visit.next_follow_up == request.next_follow_up,
        ).limit(1)
    )
    if same is None:
        return None
    return db.session.scalar(
        select(StatusEvent).where(StatusEvent.organization_id == org.id, StatusEvent.transition == "record_visit",
                                  StatusEvent.actor_id == actor.id)
        .order_by(StatusEvent.id.desc()).limit(1)
    )


def earlier_submission(request: TransitionRequest, org: Organization, actor: User) -> StatusEvent | None:
    """The status event a form with this submission key already produced, if any.

    Raises :class:`ServiceError` when the key is malformed or belongs to another person, organisation or step.
    """
    key = request.submission_key
    if not key:
        return None
    if not SUBMISSION_KEY.match(key):
        raise ServiceError([(None, Message("表单的提交编号无效，请重新打开表单再提交"))])
    done = db.session.scalar(select(Submission).where(Submission.key == key))
    if done is None:
        return None
    if (done.user_id, done.organization_id, done.transition) != (actor.id, org.id, request.event):
        raise ServiceError([(None, Message("表单的提交编号无效，请重新打开表单再提交"))])
    return done.status_event


def previous_status(org: Organization) -> str | None:
    """The `from` of the last forward step that led to the current status (what revert goes back to)."""
    step = last_step(org)
    return step.from_status if step is not None else None


def last_step(org: Organization) -> StatusEvent | None:
    """The last forward step (not a revert, not undone) that led to the organisation's current status."""
    return db.session.scalar(
        select(StatusEvent)
        .where(
            StatusEvent.undone.is_(False),
            StatusEvent.organization_id == org.id,
            StatusEvent.to_status == org.status,
            StatusEvent.transition != "revert",
            StatusEvent.from_status != StatusEvent.to_status,
        )
        .order_by(StatusEvent.created_at.desc(), StatusEvent.id.desc())
        .limit(1)
    )


def local_today() -> date:
    """Today in the configured time zone (a visit at 07:00 in Shenzhen is dated that day, not the day before)."""
    return rules.today_in(current_app.config.get("BABEL_DEFAULT_TIMEZONE", "Asia/Shanghai"))


#: The founding's other dates, with the labels a refusal names (N_: translated where shown).
BRANCH_DATE_LABELS = {"application_date": rules.N_("申请日期"), "approval_date": rules.N_("批复日期"),
                      "election_date": rules.N_("选举日期")}


def thresholds() -> rules.BranchThresholds:
    """The configured branch thresholds (DOMAIN.md defaults 3 / 30 / 100)."""
    values = current_app.config.get("BRANCH_THRESHOLDS", (3, 30, 100))
    return rules.BranchThresholds(*values)


def platform_code_rule() -> rules.PlatformCodeRule:
    """The configured check of a 智慧团建 organisation code (settings PLATFORM_CODE_LENGTH / _CHARS)."""
    low, high = current_app.config.get("PLATFORM_CODE_LENGTH", (6, 40))
    return rules.PlatformCodeRule(low, high, current_app.config.get("PLATFORM_CODE_CHARS", "0-9A-Za-z-"))


def platform_code_hint() -> Message:
    """The hint under the code field, saying what the check accepts."""
    rule = platform_code_rule()
    return Message("智慧团建中该组织的组织编码：%(min)d至%(max)d位，字符为 %(chars)s，不含空格；每个组织唯一",
                   min=rule.min_length, max=rule.max_length, chars=rule.chars)


def _platform_code_errors(org: Organization, raw: str) -> list[tuple[str, Message]]:
    """Refusals of an onboarding's code: its shape, and a code another organisation's onboarding holds."""
    code = rules.normalize_platform_code(raw)
    problem = rules.platform_code_error(code, platform_code_rule())
    if problem:
        return [("platform_code", problem)]
    taken = db.session.scalar(
        select(Onboarding.id).where(
            Onboarding.platform_code == code, Onboarding.reverted.is_(False), Onboarding.organization_id != org.id
        ).limit(1)
    )
    return [("platform_code", Message("该智慧团建组织编码已登记在另一个组织，请核对"))] if taken else []


def facts_for(org: Organization, actor: User, request: TransitionRequest | None = None) -> workflow.Facts:
    """Gather what the status machine's guards need about `org`, `actor` and the request."""
    outcomes = list(db.session.scalars(select(Visit.outcome).where(Visit.organization_id == org.id)))
    facts = workflow.Facts(
        has_party_org=bool(org.has_party_org),
        has_league_org=bool(org.has_league_org),
        visit_outcomes=outcomes,
        actor_role=actor.role,
        previous_status=previous_status(org) if org.status != "surveyed" else None,
        thresholds=thresholds(),
        today=local_today(),
        campaign_start=current_app.config.get("CAMPAIGN_START", date(2000, 1, 1)),
        evidence_required=evidence_required(),
    )
    covering = league.covering_branch(org)
    if covering is not None and covering.organization_id != org.id:
        facts.covered_by = covering.name
    if request is not None:
        branch = request.branch
        facts.reason = request.reason or ""
        facts.visit_date = request.visit_date
        facts.visit_outcome = request.outcome
        facts.branch_type = branch.get("branch_type")
        facts.branch_name = branch.get("name") or ""
        facts.founded_on = branch.get("founded_on")
        facts.branch_dates = {label: branch.get(name) for name, label in BRANCH_DATE_LABELS.items()}
        facts.league_members = branch.get("member_count")
        facts.covered_orgs = len(request.covered_org_ids) + (1 if (branch.get("covered_units") or "").strip() else 0)
        facts.onboarded_on = request.onboarded_on
        facts.platform_code = request.platform_code or ""
        facts.evidence_files = request.evidence_files
    return facts


def evidence_required() -> frozenset[str]:
    """The steps that need an evidence file sent with them (setting ``ORGBUILD_EVIDENCE_REQUIRED``)."""
    return frozenset(current_app.config.get("EVIDENCE_REQUIRED", ()))


def allowed_events(org: Organization, actor: User) -> list[str]:
    """The transitions to offer `actor` on `org`: allowed by the machine and by the policy."""
    facts = facts_for(org, actor)
    return [e for e in workflow.available_events(org.status, facts) if policy.can_request(actor, org, e)]


def apply_transition(org: Organization, request: TransitionRequest, actor: User) -> StatusEvent:
    """Apply a transition with its records, StatusEvent and audit row in one transaction.

    Raises :class:`ServiceError` (nothing written) when the policy or the machine refuses, and
    :class:`Conflict` when someone else changed the organisation first.
    """
    if not policy.can_request(actor, org, request.event):
        raise ServiceError([(None, Message("您无权对该组织执行此操作"))])
    earlier = earlier_submission(request, org, actor) or same_visit_again(request, org, actor)
    if earlier is not None:  # checked before the version: the first submission moved it on
        request.replayed = True
        return earlier
    if _stale(org, request):
        raise Conflict(org)
    covered = _covered_orgs(org, request, actor) if request.event == "establish" else []
    facts = facts_for(org, actor, request)
    undone = last_step(org) if request.event == "revert" else None
    old_status = org.status
    try:
        new_status = workflow.fire(old_status, request.event, facts)
    except workflow.Refused as refused:
        raise ServiceError([(None, r) for r in refused.reasons]) from None
    if request.event == "onboard":  # after the machine's own refusals, which come first
        code_errors = _platform_code_errors(org, request.platform_code)
        if code_errors:
            raise ServiceError(code_errors)
        request.platform_code = rules.normalize_platform_code(request.platform_code)

    try:
        record = _write_records(org, request, actor, old_status, new_status, covered)
        effective_on = effective_date(request)
        _date_the_status(org, request.event, old_status, new_status, effective_on, undone)
        if new_status != old_status:
            org.stage_since = effective_on if request.event != "revert" else \
                (_entered_on(org, new_status) or org.surveyed_on)
        org.status = new_status
        org.updated_at = utcnow()  # always an UPDATE, so the version check guards every transition
        event = StatusEvent(
            organization_id=org.id,
            from_status=old_status,
            to_status=new_status,
            transition=request.event,
            actor_id=actor.id,
            reason=request.reason or "",
            effective_on=effective_on,
        )
        db.session.add(event)
        if request.submission_key:
            db.session.add(Submission(key=request.submission_key, user_id=actor.id, organization_id=org.id,
                                      transition=request.event, status_event=event))
        audit.record(
            actor,
            "transition",
            "organization",
            org.id,
            organization_id=org.id,
            summary=request.event,
            changes={"status": (old_status, new_status)},
        )
        db.session.flush()
        if request.on_recorded is not None and record is not None:
            request.on_recorded(record)  # the evidence files, onto the new visit / founding / onboarding
            db.session.flush()
    except StaleDataError:
        db.session.rollback()
        raise Conflict(org) from None
    except IntegrityError:
        db.session.rollback()
        return _replay_after_race(org, request, actor)
    except Exception:
        db.session.rollback()
        raise
    try:
        _commit_or_conflict(org)
    except IntegrityError:
        return _replay_after_race(org, request, actor)
    return event


#: A visit form opened at one of these statuses still applies at the key's: a visit moved it there
#: (the first visit of two logged offline, or a colleague's visit in the meantime).
VISIT_LEADS_FROM = {"visited": ("surveyed",)}


def _stale(org: Organization, request: TransitionRequest) -> bool:
    """Whether the form is older than the record in a way that matters for this step.

    A visit adds to the history: an edit of the survey fields in the meantime does not make it wrong,
    nor another visit (surveyed → visited), only another change of status does. Every other step needs the very version the form was opened at.
    """
    if request.expected_version is None or request.expected_version == org.version:
        return False
    if request.event == "record_visit" and request.opened_status in (org.status, *VISIT_LEADS_FROM.get(org.status, ())):
        return False
    return True


def _replay_after_race(org: Organization, request: TransitionRequest, actor: User) -> StatusEvent:
    """The same form was sent twice at once and the other request stored its key first: answer its result."""
    db.session.rollback()
    earlier = earlier_submission(request, org, actor) if request.submission_key else None
    if earlier is None and request.event == "onboard":
        code_errors = _platform_code_errors(org, request.platform_code)  # the unique index decided a race
        if code_errors:
            raise ServiceError(code_errors)
    if earlier is None:
        raise ServiceError([(None, Message("保存失败：数据与已有记录冲突，请刷新页面后重试"))])
    request.replayed = True
    return earlier


def effective_date(request: TransitionRequest) -> date:
    """The day a step takes effect: the visit, founding or onboarding date it records; the day it is
    recorded for the others (ineligible, reopen, close, revert)."""
    dated = {
        "record_visit": request.visit_date,
        "establish": request.branch.get("founded_on"),
        "onboard": request.onboarded_on,
    }.get(request.event)
    return dated or local_today()


def _date_the_status(org: Organization, event: str, old_status: str, new_status: str, effective_on: date,
                     undone: StatusEvent | None) -> None:
    """Keep the dates the figures as of a date read: the closing date, and which step a revert undid
    (figures ignore an undone step and its revert, as if neither had happened)."""
    if event == "close":
        org.closed_on = effective_on
    elif event == "revert":
        if old_status == "closed":
            org.closed_on = None
        if undone is not None and undone.from_status == new_status and undone.to_status == old_status:
            undone.undone = True


def _entered_on(org: Organization, status: str) -> date | None:
    """After a revert: the effective date of the latest live step into `status` (None: none, so the
    organisation is back where its survey put it)."""
    return db.session.scalar(
        select(func.max(StatusEvent.effective_on)).where(
            StatusEvent.organization_id == org.id, StatusEvent.to_status == status,
            StatusEvent.from_status != status, StatusEvent.undone.is_(False))
    )


def _covered_orgs(org: Organization, request: TransitionRequest, actor: User) -> list[Organization]:
    """The registered organisations a joint branch covers, limited to what `actor` may see."""
    ids = [i for i in request.covered_org_ids if i != org.id]
    if not ids:
        return []
    found = list(db.session.scalars(policy.scope_orgs(actor, select(Organization).where(Organization.id.in_(ids)))))
    if len(found) != len(set(ids)):
        raise ServiceError([("covered_org_ids", Message("联建单位中有不存在的组织"))])
    own, covering = league.own_branch_ids(ids), league.covering_branches(ids)
    taken = [Message("“%(name)s”已有团组织，不能再纳入联合团支部", name=o.name) for o in found
             if o.id in own or o.id in covering]
    if taken:
        raise ServiceError([("covered_org_ids", m) for m in taken])
    return found


def _write_records(
    org: Organization,
    request: TransitionRequest,
    actor: User,
    old_status: str,
    new_status: str,
    covered: list[Organization],
) -> Visit | Branch | Onboarding | None:
    """Create or revert the records that go with a transition (no commit); the record created, if any."""
    event = request.event
    if event == "record_visit":
        visit = Visit(
            organization_id=org.id,
            officer_id=actor.id,
            visit_date=request.visit_date,
            met_with=request.met_with or "",
            outcome=request.outcome,
            notes=request.notes or "",
            next_follow_up=request.next_follow_up,
        )
        db.session.add(visit)
        return visit
    if event == "establish":
        allowed = {c.key for c in Branch.__table__.columns} - {"id", "organization_id", "reverted", "created_at"}
        values = {k: v for k, v in request.branch.items() if k in allowed}
        branch = Branch(organization_id=org.id, created_by_id=actor.id, **values)
        branch.covered_orgs = covered
        db.session.add(branch)
        return branch
    if event == "onboard":
        onboarding = Onboarding(
            organization_id=org.id,
            onboarded_on=request.onboarded_on,
            platform_code=(request.platform_code or "").strip(),
            created_by_id=actor.id,
        )
        db.session.add(onboarding)
        return onboarding
    if event == "revert":
        if old_status == "established":
            for branch in org.branches:
                branch.reverted = True
        if old_status == "onboarded":
            for onboarding in org.onboardings:
                onboarding.reverted = True
    return None


def refusal_reasons(org: Organization, actor: User, event: str) -> list[str]:
    """Why `actor` may not start `event` on `org` now (before filling its form); empty when they may."""
    if not policy.can_request(actor, org, event):
        return [Message("您无权对该组织执行此操作")]
    return workflow.check(org.status, event, facts_for(org, actor), dry_run=True)


def suggested_branch_type(league_members: int) -> str:
    """The largest kind of league organisation the configured thresholds allow."""
    return rules.suggested_branch_type(league_members, thresholds())
