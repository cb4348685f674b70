"""Rectification (整顿) of a weak (软弱涣散) or warned branch: a task with items, a responsible
officer and a deadline, opened by a supervisor and closed with a note of what was done; every
change with its audit row in one transaction. Overdue tasks appear in the follow-ups."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from .. import audit, policy
from ..campaign.actions import ServiceError, local_today
from ..domain import quality as rules
from ..domain.rules import Message
from ..extensions import db
from ..models import Organization, RectificationTask, User
from . import roster


@dataclass
class TaskData:
    """A rectification task as a supervisor opens it (items: one a line)."""

    items: str
    officer_id: int | None
    deadline: date | None


def item_lines(text: str) -> list[str]:
    """The items of a task, one a line, blank lines dropped."""
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def reasons_for(org: Organization, today: date | None = None) -> list[str]:
    """Why the branch needs rectification today: its warnings (the weak grade among them); empty
    when it has none (then no task may be opened)."""
    state = roster.branch_state(org, today or local_today())
    if state is None:
        return []
    reasons = [str(roster.WARNING_LABELS[w]) for w in state.warnings]
    if state.level == "weak" and "weak_grade" not in state.warnings:
        reasons.append(str(rules.LEVEL_LABELS["weak"]))
    return reasons


def officer_choices(org: Organization) -> list[User]:
    """Who may answer for a rectification: the active officers who see the organisation's street."""
    officers = db.session.scalars(select(User).where(User.active.is_(True), User.role == "officer")
                                  .order_by(User.username))
    return [u for u in officers if policy.can_see_org(u, org)]


def open_task_of(org: Organization) -> RectificationTask | None:
    """The organisation's rectification task still open, if any."""
    return db.session.scalar(select(RectificationTask).where(RectificationTask.organization_id == org.id,
                                                             RectificationTask.closed_on.is_(None)))


def tasks_of(org: Organization) -> list[RectificationTask]:
    """Every rectification task of the organisation, the latest first."""
    return list(db.session.scalars(select(RectificationTask).where(RectificationTask.organization_id == org.id)
                                   .order_by(RectificationTask.opened_on.desc(), RectificationTask.id.desc())))


def open_task(org: Organization, data: TaskData, actor: User, today: date | None = None) -> RectificationTask:
    """Open a rectification task for a weak or warned branch; refusals raise ServiceError, write nothing."""
    today = today or local_today()
    if not policy.can_open_rectification(actor, org):
        raise ServiceError([(None, Message("只有团区委可以下达整顿任务"))])
    reasons = reasons_for(org, today)
    if roster.branch_state(org, today) is None:
        raise ServiceError([(None, Message("该组织尚未建立团组织（或已注销），不能整顿"))])
    if not reasons:
        raise ServiceError([(None, Message("该支部没有预警，也未定级为软弱涣散，无需整顿"))])
    if open_task_of(org) is not None:
        raise ServiceError([(None, Message("该支部已有未完成的整顿任务，请先完成或在其中补充事项"))])
    items = item_lines(data.items)
    officer = next((u for u in officer_choices(org) if u.id == data.officer_id), None)
    errors = rules.rectification_errors(items, data.deadline, today, officer is not None)
    if errors:
        raise ServiceError(errors)
    task = RectificationTask(organization_id=org.id, reason="; ".join(reasons), items="\n".join(items),
                             officer_id=officer.id, deadline=data.deadline, opened_on=today, opened_by_id=actor.id,
                             close_note="")
    db.session.add(task)
    db.session.flush()
    audit.record(actor, "create", "rectification", task.id, organization_id=org.id,
                 summary=f"rectification: {len(items)} items by {data.deadline.isoformat()}, {officer.username}",
                 changes={"items": (None, items), "officer": (None, officer.username),
                          "deadline": (None, data.deadline)})
    db.session.commit()
    return task


def close_task(task: RectificationTask, note: str, actor: User, today: date | None = None) -> RectificationTask:
    """Close a task with a note of what was done; refusals raise ServiceError, write nothing."""
    if not policy.can_close_rectification(actor, task):
        raise ServiceError([(None, Message("只有负责的团干或团区委可以完成该整顿任务"))])
    if task.closed_on is not None:
        raise ServiceError([(None, Message("该整顿任务已于%(day)s完成", day=task.closed_on.isoformat()))])
    errors = rules.close_errors(note)
    if errors:
        raise ServiceError(errors)
    task.closed_on = today or local_today()
    task.closed_by_id = actor.id
    task.close_note = note.strip()
    db.session.flush()
    audit.record(actor, "update", "rectification", task.id, organization_id=task.organization_id,
                 summary=f"rectification closed {task.closed_on.isoformat()}",
                 changes={"closed_on": (None, task.closed_on), "close_note": ("", task.close_note)})
    db.session.commit()
    return task


def overdue_tasks(user: User, today: date | None = None, limit: int = 200) -> list[RectificationTask]:
    """Open tasks past their deadline that `user` follows up: an officer the ones they answer for,
    a supervisor or admin every one in their scope; the longest overdue first."""
    today = today or local_today()
    query = (select(RectificationTask).join(Organization, Organization.id == RectificationTask.organization_id)
             .where(RectificationTask.closed_on.is_(None), RectificationTask.deadline < today)
             .order_by(RectificationTask.deadline, RectificationTask.id))
    if not policy.is_supervisor(user):
        query = query.where(RectificationTask.officer_id == user.id)
    return list(db.session.scalars(policy.scope_orgs(user, query).limit(limit)))


def open_tasks(user: User, limit: int = 500) -> list[RectificationTask]:
    """Every open task of the user's scope (supervisors), the nearest deadline first."""
    query = (select(RectificationTask).join(Organization, Organization.id == RectificationTask.organization_id)
             .where(RectificationTask.closed_on.is_(None))
             .order_by(RectificationTask.deadline, RectificationTask.id))
    if not policy.is_supervisor(user):
        query = query.where(RectificationTask.officer_id == user.id)
    return list(db.session.scalars(policy.scope_orgs(user, query).limit(limit)))
