"""Credit for who did the work, as of a date: per user, the visits they made (Visit.officer) and the
foundings and onboardings they recorded (the actor of the live StatusEvent, by its effective date),
within a scope, in a year up to the as-of date. Beside it the dashboard shows what each officer is
responsible for now (``by_officer`` of the progress object): both, labelled.
"""
from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import func, select

from ..extensions import db
from ..models import Organization, StatusEvent, User, Visit
from .queries import year_bounds
from .scope import Scope

#: the transitions whose actor is credited, and the key they count under
CREDITED_STEPS = {"establish": "established", "onboard": "onboarded"}
KEYS = ("visits", "orgs_visited", "established", "onboarded")


def credit(scope: Scope, year: int, as_of: date) -> list[dict[str, Any]]:
    """One row per user who did work in `year` up to `as_of` on organisations of `scope`:
    ``{"user_id", "user", "visits", "orgs_visited", "established", "onboarded"}``, by name.

    Only dated records count (visit dates, steps' effective dates; undone steps never), so work
    recorded later with a later date never changes the figures of an earlier as-of date.
    """
    start, _end = year_bounds(year)
    rows: dict[int, dict[str, int]] = {}

    def row(user_id: int) -> dict[str, int]:
        return rows.setdefault(user_id, dict.fromkeys(KEYS, 0))

    visits = scope.apply(
        select(Visit.officer_id, func.count(Visit.id), func.count(func.distinct(Visit.organization_id)))
        .join(Organization, Organization.id == Visit.organization_id)
        .where(Visit.officer_id.is_not(None), Visit.visit_date >= start, Visit.visit_date <= as_of)
        .group_by(Visit.officer_id))
    for user_id, n, n_orgs in db.session.execute(visits):
        row(user_id).update(visits=int(n), orgs_visited=int(n_orgs))
    steps = scope.apply(
        select(StatusEvent.actor_id, StatusEvent.transition, func.count(func.distinct(StatusEvent.organization_id)))
        .join(Organization, Organization.id == StatusEvent.organization_id)
        .where(StatusEvent.actor_id.is_not(None), StatusEvent.transition.in_(CREDITED_STEPS),
               StatusEvent.undone.is_(False), StatusEvent.effective_on >= start, StatusEvent.effective_on <= as_of)
        .group_by(StatusEvent.actor_id, StatusEvent.transition))
    for user_id, transition, n in db.session.execute(steps):
        row(user_id)[CREDITED_STEPS[transition]] = int(n)
    names = {u.id: u.label for u in db.session.scalars(select(User).where(User.id.in_(rows)))} if rows else {}
    result = [{"user_id": user_id, "user": names.get(user_id, ""), **counts} for user_id, counts in rows.items()]
    return sorted(result, key=lambda r: (r["user"], r["user_id"]))
