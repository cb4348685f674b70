"""A plausible year of branch life for the demo district: dated activities, a few membership
changes and the year's grading (self-assessed and confirmed) for the branches founded by the
cut-off; about one branch in seven stays hollow (no organisational life after its first months).
Then a few rectification tasks (整顿) of warned and weak branches (open, overdue, one closed after
the branch resumed its life) and the organisational life its demo secretary logged for one branch.
Written inside the demo's transaction (no commit), from their own seeded generators so that the
demo's other figures do not move."""
from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import insert, or_, select

from .. import audit
from ..domain import quality as rules
from ..extensions import db
from ..models import BranchActivity, Grading, MembershipChange, Organization, RectificationTask, User
from ..progress.scope import Scope
from . import roster
from .grading import cutoff, grading_day

KIND_WEIGHTS = {"general_meeting": 3, "committee_meeting": 4, "group_meeting": 3, "league_lecture": 3,
                "theme_day": 4, "member_review": 1, "party_recommendation": 1}


def write_branch_life(seed: int, street_ids: list[int], year: int, end: date, officer_of: dict[int, int]) -> dict:
    """Insert the activities, membership changes and gradings of the branches of `street_ids` as of
    `end`; return how many of each were written."""
    rng = random.Random(seed)
    # in organisation order, so that the generator draws the same on every database
    branches = list(db.session.execute(roster.roster(Scope(street_ids=frozenset(street_ids)), end, days=90)
                                       .order_by(Organization.id)))
    kinds, weights = list(KIND_WEIGHTS), list(KIND_WEIGHTS.values())
    activities, changes, gradings = [], [], []
    last_day = cutoff(year)
    confirm_on = min(grading_day(year), end)
    for row in branches:
        officer = officer_of.get(row.street_id)
        hollow = rng.random() < 0.15
        stop = min(end, row.since + timedelta(days=rng.randint(20, 60))) if hollow else end
        day = row.since + timedelta(days=rng.randint(7, 30))
        held = 0
        while day <= stop:
            activities.append({"organization_id": row.org_id, "kind": rng.choices(kinds, weights)[0], "held_on": day,
                               "attendance": max(1, int(row.members * rng.uniform(0.6, 1.0))), "note": "",
                               "created_by_id": officer, "created_at": _stamp(day)})
            held += 1
            day += timedelta(days=rng.randint(18, 50))
        members = int(row.members)
        if rng.random() < 0.35:
            n = rng.randint(1, 3)
            changes.append(_change(row.org_id, "recruited", n, row.since, end, rng, officer))
            members += n
        if rng.random() < 0.12 and members > 1:
            changes.append(_change(row.org_id, "transferred_out", rng.randint(1, min(2, members - 1)), row.since, end,
                                   rng, officer))
        if row.since <= last_day and confirm_on >= row.since and row.branch_type not in rules.UNGRADED_TYPES:
            gradings.append(_grading(row.org_id, year, hollow, held, confirm_on, rng))
    for model, rows in ((BranchActivity, activities), (MembershipChange, changes), (Grading, gradings)):
        if rows:
            db.session.execute(insert(model.__table__), rows)
    return {"activities": len(activities), "membership_changes": len(changes), "gradings": len(gradings)}


def _stamp(day: date) -> datetime:
    return datetime.combine(day, time(12, 0), tzinfo=timezone.utc)


def _change(org_id: int, kind: str, count: int, since: date, end: date, rng: random.Random, officer) -> dict:
    day = since + timedelta(days=rng.randint(1, max(1, (end - since).days)))
    sign = rules.MEMBERSHIP_KINDS[kind][1]
    return {"organization_id": org_id, "kind": kind, "changed_on": min(day, end), "count": count, "delta": sign * count,
            "note": "", "created_by_id": officer, "created_at": _stamp(min(day, end))}


def _grading(org_id: int, year: int, hollow: bool, held: int, confirm_on: date, rng: random.Random) -> dict:
    """A confirmed grading whose scores follow how lively the branch was (hollow ones score low)."""
    target = rng.randint(48, 68) if hollow else min(98, 66 + 2 * held + rng.randint(-6, 8))
    areas = list(rules.AREAS)
    parts = [target // 5] * 5
    for i in range(target - sum(parts)):
        parts[i % 5] += 1
    scores = rules.Scores(*parts, veto=not hollow and rng.random() < 0.02)
    return {"organization_id": org_id, "year": year, "state": "confirmed", **dict(zip(areas, parts)),
            "veto": scores.veto, "total": scores.total, "level": rules.level_of(scores), "confirmed_on": confirm_on,
            "confirmed_by_id": None, "note": "", "created_at": _stamp(confirm_on)}


def secretary_branch(street_id: int) -> int | None:
    """The organisation of the demo's branch secretary: the street's earliest founded branch with a
    grading confirmed at three stars or better (ties: the lowest id); None without one."""
    good = [code for code, _, _ in rules.LEVELS if code not in rules.WEAK_LEVELS]
    src = roster.branch_sources()
    query = (select(src.c.org_id).join(Grading, Grading.organization_id == src.c.org_id)
             .join(Organization, Organization.id == src.c.org_id)
             .where(Organization.street_id == street_id, Grading.state == "confirmed",
                    Grading.level.in_(good))
             .order_by(src.c.since, src.c.org_id).limit(1))
    return db.session.scalar(query)


#: What the demo's branch secretary logged, (days before the demo's last day, kind, note).
SECRETARY_LIFE = ((58, "committee_meeting", "研究年度对标定级自评材料"),  # data
                  (31, "theme_day", "“学习二十大 永远跟党走”主题团日"),  # data
                  (9, "member_review", "年度团员教育评议"))  # data


def write_secretary_life(org_id: int, secretary: User, end: date) -> int:
    """The activities the demo secretary logged for their branch (created by them); how many."""
    members = roster.branch_state(db.session.get(Organization, org_id), end, days=90).members
    rows = [{"organization_id": org_id, "kind": kind, "held_on": end - timedelta(days=back),
             "attendance": max(1, members - 1), "note": note, "created_by_id": secretary.id,
             "created_at": _stamp(end - timedelta(days=back))} for back, kind, note in SECRETARY_LIFE]
    db.session.execute(insert(BranchActivity.__table__), rows)
    return len(rows)


#: Rectification tasks of the demo per kind of reason: how many, when opened (days before the
#: last day), the deadline (days after opening), items.
_WARNED_ITEMS = ("每月至少召开一次支部委员会", "三个月内开展一次主题团日", "补齐团员信息并完成组织关系转接")  # data
_WEAK_ITEMS = ("一个月内补选支部委员", "每季度上一次团课", "年底前向团工委报告整顿情况")  # data
_RESUMED = "整顿后恢复组织生活"  # data
_CLOSE_NOTE = "已恢复每月组织生活，支部委员会按月召开"  # data


def write_rectifications(seed: int, street_ids: list[int], year: int, end: date, officer_of: dict[int, int],
                         supervisor: User | None) -> dict:
    """A few rectification tasks (整顿) of branches warned on their opening day (no organisational
    life, too few members, no secretary) and of branches confirmed 软弱涣散 or 后进 in `year`'s
    grading: open, overdue, and one closed after its branch logged a 主题团日. Every task with its
    audit rows. Returns the counts written."""
    rng = random.Random(seed)
    scope = Scope(street_ids=frozenset(street_ids))
    warned_on = end - timedelta(days=75)
    weak_on = min(end, grading_day(year) + timedelta(days=5))
    rows = roster.roster(scope, warned_on, days=90).subquery("r")
    warned = [r.org_id for r in db.session.execute(
        select(rows.c.org_id, rows.c.street_id).where(or_(rows.c.no_activity == 1, rows.c.few_members == 1,
                                                          rows.c.no_secretary == 1)).order_by(rows.c.org_id))]
    rows = roster.roster(scope, weak_on, days=90).subquery("w")
    weak = [r.org_id for r in db.session.execute(select(rows.c.org_id).where(rows.c.weak_grade == 1)
                                                 .order_by(rows.c.org_id))]
    warned = rng.sample(warned, min(3, len(warned)))
    weak = [o for o in weak if o not in warned]
    weak = rng.sample(weak, min(3, len(weak)))
    plans = [(org_id, warned_on, 60, _WARNED_ITEMS) for org_id in warned]
    plans += [(org_id, weak_on, 120, _WEAK_ITEMS) for org_id in weak]
    written = {"rectifications": 0, "rectifications_closed": 0}
    for index, (org_id, opened_on, days, items) in enumerate(plans):
        org = db.session.get(Organization, org_id)
        state = roster.branch_state(org, opened_on, days=90)
        officer = db.session.get(User, officer_of.get(org.street_id))
        reason = "; ".join(str(roster.WARNING_LABELS[w]) for w in state.warnings)
        task = RectificationTask(organization_id=org_id, reason=reason, items="\n".join(items), officer_id=officer.id,
                                 deadline=opened_on + timedelta(days=days), opened_on=opened_on,
                                 opened_by_id=supervisor.id if supervisor else None, close_note="",
                                 created_at=_stamp(opened_on))
        db.session.add(task)
        db.session.flush()
        _audit(audit.record(supervisor, "create", "rectification", task.id, organization_id=org_id,
                            summary=f"rectification: {len(items)} items by {task.deadline.isoformat()}, "
                                    f"{officer.username}",
                            changes={"items": (None, list(items)), "officer": (None, officer.username),
                                     "deadline": (None, task.deadline)}), opened_on)
        written["rectifications"] += 1
        if index == 0 and len(warned) > 1:  # the first warned branch resumed its life and closed its task in
            # time (in a district large enough that the others stay warned)
            held = opened_on + timedelta(days=rng.randint(10, 25))
            db.session.add(BranchActivity(organization_id=org_id, kind="theme_day", held_on=held,
                                          attendance=max(1, state.members), note=_RESUMED,
                                          created_by_id=officer.id, created_at=_stamp(held)))
            task.closed_on, task.closed_by_id = held + timedelta(days=3), officer.id
            task.close_note = _CLOSE_NOTE
            db.session.flush()
            _audit(audit.record(officer, "update", "rectification", task.id, organization_id=org_id,
                                summary=f"rectification closed {task.closed_on.isoformat()}",
                                changes={"closed_on": (None, task.closed_on), "close_note": ("", task.close_note)}),
                   task.closed_on)
            written["rectifications_closed"] += 1
    return written


def _audit(event, day: date) -> None:
    event.created_at = _stamp(day)
