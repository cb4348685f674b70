"""Record a branch's organisational life and membership changes: checked by the pure rules
(domain/quality.py), written with their audit row in one transaction; refusals raise ServiceError
and write nothing."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask import current_app
from sqlalchemy import select

from .. import audit, policy
from ..attachments import service as attachments
from ..attachments.files import Refused, check_upload
from ..campaign.actions import ServiceError, local_today
from ..domain import quality as rules
from ..domain.rules import Message
from ..extensions import db
from ..models import Attachment, BranchActivity, MembershipChange, Organization, User
from .roster import BranchState, branch_state


@dataclass
class ActivityData:
    kind: str
    held_on: date | None
    attendance: int | None
    note: str = ""


@dataclass
class MembershipData:
    kind: str
    changed_on: date | None
    count: int | None
    note: str = ""


def current_branch(org: Organization) -> BranchState:
    """The organisation's branch today; refuses when it has none (not founded, or closed)."""
    state = branch_state(org, local_today())
    if state is None:
        raise ServiceError([(None, Message("该组织尚未建立团组织（或已注销），不能记录组织生活"))])
    return state


def _check_actor(actor: User, org: Organization) -> None:
    if not policy.can_log_branch_life(actor, org):
        raise ServiceError([(None, Message("您无权为该组织记录组织生活"))])


def log_activity(org: Organization, data: ActivityData, actor: User,
                 evidence: tuple[bytes, str] | None = None) -> BranchActivity:
    """Record one meeting or activity of the organisation's branch (with its audit row), or refuse;
    `evidence` (bytes, file name): a photo or PDF stored with it in the same commit, or nothing is."""
    _check_actor(actor, org)
    branch = current_branch(org)
    errors = rules.activity_errors(data.kind, data.held_on, data.attendance, local_today(), branch.since)
    if evidence is not None:
        try:
            check_upload(evidence[0], evidence[1], current_app.config["ATTACHMENT_MAX_BYTES"])
        except Refused as refused:
            errors.append(("evidence", refused.args[0]))
    if errors:
        raise ServiceError(errors)
    activity = BranchActivity(organization_id=org.id, kind=data.kind, held_on=data.held_on,
                              attendance=data.attendance, note=(data.note or "").strip(), created_by_id=actor.id)
    db.session.add(activity)
    db.session.flush()
    audit.record(actor, "create", "branch_activity", activity.id, organization_id=org.id,
                 summary=f"{rules.ACTIVITY_KINDS[data.kind]} {data.held_on.isoformat()}",
                 changes={"kind": (None, data.kind), "held_on": (None, data.held_on),
                          "attendance": (None, data.attendance)})
    if evidence is not None:
        attachments.attach(org, "activity", activity, evidence[0], evidence[1], actor)  # commits both
    else:
        db.session.commit()
    return activity


def activity_of(org: Organization, activity_id: int) -> BranchActivity | None:
    """The activity `activity_id` of the organisation's branch, or None."""
    activity = db.session.get(BranchActivity, activity_id)
    return activity if activity is not None and activity.organization_id == org.id else None


def add_evidence(org: Organization, activity: BranchActivity, data: bytes, filename: str, actor: User):
    """One more evidence file for a logged activity (checked and stored by attachments/)."""
    _check_actor(actor, org)
    return attachments.attach(org, "activity", activity, data, filename, actor)


def evidence_of(org: Organization) -> dict[int, list[Attachment]]:
    """The organisation's activity evidence, by activity id."""
    found: dict[int, list[Attachment]] = {}
    for row in db.session.scalars(select(Attachment).where(Attachment.organization_id == org.id,
                                                           Attachment.activity_id.is_not(None)).order_by(Attachment.id)):
        found.setdefault(row.activity_id, []).append(row)
    return found


def activity_evidence(org: Organization, attachment_id: int) -> Attachment | None:
    """An evidence file of one of the organisation's activities, or None (other files are not served here)."""
    row = db.session.get(Attachment, attachment_id)
    return row if row is not None and row.organization_id == org.id and row.activity_id is not None else None


def members_on(org: Organization, day: date) -> int:
    """The branch's members on `day` (its founding count plus the changes dated up to that day)."""
    state = branch_state(org, day)
    return state.members if state else 0


def log_membership(org: Organization, data: MembershipData, actor: User) -> MembershipChange:
    """Record members recruited, transferred in or out (with its audit row), or refuse; a transfer out
    may not take out more members than the branch had on its date, nor more than it has today."""
    _check_actor(actor, org)
    branch = current_branch(org)
    before = members_on(org, data.changed_on) if data.changed_on else 0
    errors = rules.membership_errors(data.kind, data.changed_on, data.count, local_today(), branch.since, before)
    if not errors and data.kind == "transferred_out" and data.count > branch.members:
        errors.append(("count", Message("转出人数（%(count)d）多于现有团员人数（%(members)d）",
                                        count=data.count, members=branch.members)))
    if errors:
        raise ServiceError(errors)
    sign = rules.MEMBERSHIP_KINDS[data.kind][1]
    change = MembershipChange(organization_id=org.id, kind=data.kind, changed_on=data.changed_on, count=data.count,
                              delta=sign * data.count, note=(data.note or "").strip(), created_by_id=actor.id)
    db.session.add(change)
    db.session.flush()
    audit.record(actor, "create", "membership_change", change.id, organization_id=org.id,
                 summary=f"{rules.MEMBERSHIP_KINDS[data.kind][0]} {data.count} {data.changed_on.isoformat()}",
                 changes={"kind": (None, data.kind), "changed_on": (None, data.changed_on), "count": (None, data.count)})
    db.session.commit()
    return change


def life_log(org: Organization) -> tuple[list[BranchActivity], list[MembershipChange]]:
    """The organisation's activities and membership changes, newest first."""
    activities = list(db.session.scalars(select(BranchActivity).where(BranchActivity.organization_id == org.id)
                                         .order_by(BranchActivity.held_on.desc(), BranchActivity.id.desc())))
    changes = list(db.session.scalars(select(MembershipChange).where(MembershipChange.organization_id == org.id)
                                      .order_by(MembershipChange.changed_on.desc(), MembershipChange.id.desc())))
    return activities, changes
