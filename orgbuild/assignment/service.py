"""Service: assign organisations to officers, audited, dated (``Organization.assigned_on``).

- :func:`assign` gives organisations to one officer (a selection or a whole filter result);
- :func:`plan_auto` / :func:`auto_assign` spread a street's unassigned organisations over its active
  officers, each to the one with the least open work at that moment;
- :func:`handover` reassigns a departing officer's organisations and open rectification tasks (整顿),
  then deactivates the account, in one transaction (``accounts.set_active`` refuses to deactivate an
  officer who still has either).
"""
from __future__ import annotations

import heapq
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, select

from .. import audit, policy
from ..accounts import service as accounts
from ..domain.rules import Message
from ..extensions import commit_or_rollback, db
from ..models import Organization, RectificationTask, Street, User, local_date, user_streets

#: statuses that are no longer open work (DOMAIN: onboarded, ineligible or closed)
DONE_STATUSES = ("onboarded", "ineligible", "closed")


class AssignmentError(ValueError):
    """An assignment was refused; the message (Chinese, a Message) says why."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def street_officers(street_id: int) -> list[User]:
    """The active officers working on the street, by username."""
    query = (select(User).join(user_streets, user_streets.c.user_id == User.id)
             .where(user_streets.c.street_id == street_id, User.active.is_(True), User.role == "officer")
             .order_by(User.username))
    return list(db.session.scalars(query))


def open_work(officer_ids: list[int]) -> dict[int, int]:
    """{officer id: organisations assigned to them that are not onboarded, ineligible or closed}."""
    counts = {i: 0 for i in officer_ids}
    if not officer_ids:
        return counts
    rows = db.session.execute(
        select(Organization.officer_id, func.count())
        .where(Organization.officer_id.in_(officer_ids), Organization.status.not_in(DONE_STATUSES))
        .group_by(Organization.officer_id)
    )
    counts.update({officer_id: n for officer_id, n in rows})
    return counts


def _check_officer(officer: User, orgs: list[Organization]) -> None:
    """Refuse an inactive account, a non-officer, or organisations outside the officer's streets."""
    if not officer.active or officer.role != "officer":
        raise AssignmentError(Message("%(name)s 不是启用的团干账号", name=officer.label))
    streets = {s.id for s in officer.streets}
    outside = sorted({o.name for o in orgs if o.street_id not in streets})
    if outside:
        raise AssignmentError(Message("%(name)s 不负责这些组织所在的街道：%(orgs)s", name=officer.label,
                                      orgs="、".join(outside[:5]) + ("…" if len(outside) > 5 else "")))


def _give(org: Organization, officer: User | None, actor: User | None, on: date, reason: str) -> bool:
    """Set the organisation's officer and assignment date, audited; False when already theirs."""
    old = org.officer
    if (old.id if old else None) == (officer.id if officer else None):
        return False
    org.officer = officer
    org.assigned_on = on if officer is not None else None
    audit.record(actor, "assign", "organization", org.id, organization_id=org.id,
                 summary=f"{reason} {org.name}",
                 changes={"officer": (old.username if old else None, officer.username if officer else None),
                          "assigned_on": (None, org.assigned_on)})
    return True


def assign(orgs: list[Organization], officer: User, actor: User | None, on: date | None = None) -> int:
    """Give every organisation of `orgs` to `officer` (scope checked against `actor` when given);
    returns how many changed hands. All or nothing."""
    if not orgs:
        raise AssignmentError(Message("没有选择任何组织"))
    if actor is not None and not all(policy.can_see_org(actor, o) for o in orgs):
        raise AssignmentError(Message("所选组织超出您的范围"))
    _check_officer(officer, orgs)
    on = on or local_date()
    changed = sum(_give(o, officer, actor, on, "assign") for o in orgs)
    commit_or_rollback()
    return changed


def find_orgs(credit_codes: list[str]) -> list[Organization]:
    """The organisations with these credit codes; raises AssignmentError naming unknown ones."""
    found = {o.credit_code: o for o in db.session.scalars(
        select(Organization).where(Organization.credit_code.in_(credit_codes)))}
    unknown = [c for c in credit_codes if c not in found]
    if unknown:
        raise AssignmentError(Message("未知信用代码：%(codes)s", codes="、".join(unknown)))
    return [found[c] for c in credit_codes]


@dataclass
class AutoPlan:
    """Who gets which of a street's unassigned organisations, before anything is written."""

    street: Street
    officers: list[User]
    pairs: list[tuple[Organization, User]] = field(default_factory=list)
    open_before: dict[int, int] = field(default_factory=dict)

    @property
    def assigned(self) -> dict[str, int]:
        counts = {u.username: 0 for u in self.officers}
        for _org, officer in self.pairs:
            counts[officer.username] += 1
        return counts

    @property
    def open_work_after(self) -> dict[str, int]:
        counts = {u.username: self.open_before.get(u.id, 0) for u in self.officers}
        for org, officer in self.pairs:
            if org.status not in DONE_STATUSES:
                counts[officer.username] += 1
        return counts

    def as_json(self, committed: bool) -> dict:
        """The contract of ``assign --auto --json`` (DESIGN.md)."""
        return {"street": self.street.name, "assigned": self.assigned,
                "open_work_after": self.open_work_after, "committed": committed}


def plan_auto(street: Street) -> AutoPlan:
    """Each unassigned open organisation of the street, in credit-code order, goes to the active
    officer with the least open work at that moment (ties: the first by username)."""
    officers = street_officers(street.id)
    if not officers:
        raise AssignmentError(Message("%(street)s 没有启用的团干", street=street.name))
    before = open_work([u.id for u in officers])
    plan = AutoPlan(street=street, officers=officers, open_before=before)
    heap = [(before[u.id], i, u) for i, u in enumerate(officers)]
    heapq.heapify(heap)
    orgs = db.session.scalars(
        select(Organization).where(Organization.street_id == street.id, Organization.officer_id.is_(None),
                                   Organization.status.not_in(DONE_STATUSES))
        .order_by(Organization.credit_code))
    for org in orgs:
        load, i, officer = heapq.heappop(heap)
        plan.pairs.append((org, officer))
        heapq.heappush(heap, (load + 1, i, officer))
    return plan


def auto_assign(street: Street, actor: User | None, dry_run: bool = False, on: date | None = None) -> AutoPlan:
    """Plan and (unless `dry_run`) apply the auto-assignment of the street, audited."""
    if actor is not None and not policy.can_assign_in(actor, street.id):
        raise AssignmentError(Message("%(street)s 不在您的范围内", street=street.name))
    plan = plan_auto(street)
    if dry_run:
        return plan
    on = on or local_date()
    for org, officer in plan.pairs:
        _give(org, officer, actor, on, "auto-assign")
    commit_or_rollback()
    return plan


def assigned_orgs(officer: User) -> list[Organization]:
    """Every organisation the officer is responsible for, by street then name."""
    return list(db.session.scalars(select(Organization).where(Organization.officer_id == officer.id)
                                   .order_by(Organization.street_id, Organization.name)))


def open_tasks_of(officer: User) -> list[RectificationTask]:
    """The open rectification tasks (整顿) the officer answers for, nearest deadline first."""
    return list(db.session.scalars(select(RectificationTask).where(RectificationTask.officer_id == officer.id,
                                                                   RectificationTask.closed_on.is_(None))
                                   .order_by(RectificationTask.deadline, RectificationTask.id)))


def _give_task(task: RectificationTask, officer: User | None, actor: User | None) -> None:
    """Make `officer` (or nobody) answer for an open rectification task, audited."""
    old = task.officer
    task.officer = officer
    audit.record(actor, "update", "rectification", task.id, organization_id=task.organization_id,
                 summary=f"handover rectification {task.organization.name}",
                 changes={"officer": (old.username if old else None, officer.username if officer else None)})


def handover(officer: User, to: User | None, actor: User | None, unassign: bool = False,
             on: date | None = None) -> int:
    """Give `officer`'s organisations and open rectification tasks to `to` (or, with ``unassign``
    chosen explicitly, leave them without an officer), then deactivate `officer`; one transaction,
    every move audited. Returns how many organisations moved."""
    orgs = assigned_orgs(officer)
    tasks = open_tasks_of(officer)
    if to is None and not unassign and (orgs or tasks):
        raise AssignmentError(Message("请选择接手的团干，或明确选择“暂不分配”"))
    if to is not None and to.id == officer.id:
        raise AssignmentError(Message("接手的团干不能是被停用的本人"))
    on = on or local_date()
    if to is not None:
        _check_officer(to, orgs + [t.organization for t in tasks])
    moved = sum(_give(o, to, actor, on, "handover") for o in orgs)
    for task in tasks:
        _give_task(task, to, actor)
    db.session.flush()
    try:
        accounts.set_active(officer, False, actor=actor)  # commits the moves with the deactivation
    except accounts.AccountError as error:
        db.session.rollback()
        raise AssignmentError(error.message) from error
    return moved
