"""The monthly series of a year's progress: at the end of each month (at `as_of` for its own month),
the branches founded in the year so far and the 已建党已建团 organisations onboarded so far.

Each point equals the figure ``progress`` gives as of that day: the same records count (survey
date, founding and onboarding dates, closing date). Two GROUP BY queries bucket the records by the
month of each of their dates; the points are then added up from the buckets (12 × a few dozen).
"""
from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import case, extract, func, or_, select

from ..extensions import db
from ..models import Branch, Onboarding, Organization
from .queries import party_and_league, year_bounds

#: The bucket of a closing date after `as_of` (or none): never closed within the series.
NOT_CLOSED = 13


def _month(day_column, start: date):
    """The month (1–12) of a date within the year; 0 for a date before the year."""
    return case((day_column < start, 0), else_=extract("month", day_column))


def _closed_month(as_of: date, start: date):
    """The month an organisation was closed in, 0 before the year, NOT_CLOSED when not closed by `as_of`."""
    closed = Organization.closed_on
    return case(
        (or_(closed.is_(None), closed > as_of), NOT_CLOSED),
        (closed < start, 0),
        else_=extract("month", closed),
    )


def _buckets(scope, first_day, as_of: date, start: date, *where) -> list[tuple[int, int, int, int]]:
    """(month of the record, month closed, month surveyed, organisations) for the organisations whose
    first qualifying record (`first_day`: a subquery of organisation_id, day) is dated by `as_of`."""
    org = Organization
    record, closed, surveyed = _month(first_day.c.day, start), _closed_month(as_of, start), _month(org.surveyed_on, start)
    query = (
        select(record, closed, surveyed, func.count())
        .select_from(first_day)
        .join(org, org.id == first_day.c.organization_id)
        .where(org.surveyed_on <= as_of, or_(org.closed_on.is_(None), org.closed_on >= start), *where)
        .group_by(record, closed, surveyed)
    )
    return [(int(r), int(c), int(s), int(n)) for r, c, s, n in db.session.execute(scope.apply(query))]


def _count_at(buckets: list[tuple[int, int, int, int]], month: int) -> int:
    """The organisations counted at the end of `month`: recorded and surveyed by then, not closed by then."""
    return sum(n for record, closed, surveyed, n in buckets if record <= month and surveyed <= month and closed > month)


def monthly(scope, year: int, as_of: date, new_branch_target: int | None,
            onboarding_target: int | None) -> list[dict[str, Any]]:
    """Twelve points: cumulative branches founded in `year` and 已建党已建团 organisations onboarded
    (earlier years included) at each month's end, with the year's targets; the months after `as_of`
    have ``None``."""
    start, _end = year_bounds(year)
    founded = (
        select(Branch.organization_id, func.min(Branch.founded_on).label("day"))
        .where(Branch.reverted.is_(False), Branch.founded_on >= start, Branch.founded_on <= as_of)
        .group_by(Branch.organization_id)
        .subquery()
    )
    onboarded = (
        select(Onboarding.organization_id, func.min(Onboarding.onboarded_on).label("day"))
        .where(Onboarding.reverted.is_(False), Onboarding.onboarded_on <= as_of)
        .group_by(Onboarding.organization_id)
        .subquery()
    )
    founded_buckets = _buckets(scope, founded, as_of, start)
    onboarded_buckets = _buckets(scope, onboarded, as_of, start, party_and_league())
    series = []
    for month in range(1, 13):
        future = year > as_of.year or (year == as_of.year and month > as_of.month)
        series.append({
            "month": f"{year}-{month:02d}",
            "founded": None if future else _count_at(founded_buckets, month),
            "onboarded": None if future else _count_at(onboarded_buckets, month),
            "new_branch_target": new_branch_target,
            "onboarding_target": onboarding_target,
        })
    return series
