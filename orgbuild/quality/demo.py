"""A plausible year of branch life for the demo district: dated activities, a few membership
changes and the year's grading (self-assessed and confirmed) for the branches founded by the
cut-off; about one branch in seven stays hollow (no organisational life after its first months).
Written with bulk inserts inside the demo's transaction (no commit), from its own seeded generator
so that the demo's other figures do not move."""
from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import insert, select

from ..domain import quality as rules
from ..extensions import db
from ..models import BranchActivity, Grading, MembershipChange
from ..progress.scope import Scope
from . import roster
from .grading import cutoff, grading_day

KIND_WEIGHTS = {"general_meeting": 3, "committee_meeting": 4, "group_meeting": 3, "league_lecture": 3,
                "theme_day": 4, "member_review": 1, "party_recommendation": 1}


def write_branch_life(seed: int, street_ids: list[int], year: int, end: date, officer_of: dict[int, int]) -> dict:
    """Insert the activities, membership changes and gradings of the branches of `street_ids` as of
    `end`; return how many of each were written."""
    rng = random.Random(seed)
    branches = list(db.session.execute(roster.roster(Scope(street_ids=frozenset(street_ids)), end, days=90)))
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
