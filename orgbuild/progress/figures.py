"""Service: campaign progress as of a date — counts against targets for the district, per street,
per officer and per month, the funnel and the overdue follow-ups (DESIGN.md's "Progress object").

Every figure is an SQL aggregate (GROUP BY with conditional sums); the number of queries is small
and fixed, whatever the number of organisations. Figures count only records dated on or before the
as-of date (by default the earlier of today and 31 December of the year); organisations closed by
then are left out of every count. The scope is either a user (through ``policy.scope_orgs``) or,
for the command line, a set of street ids (None: the whole city), possibly those of one district
(``progress.rollup`` adds the district dimension: whole districts, their targets, the city's
per-district rows).
"""
from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import func, select

from .. import policy
from ..figcache import cache as figcache
from ..campaign.actions import local_today
from ..domain import rules
from ..domain.rules import Message
from ..extensions import db
from ..districts import service as districts
from ..models import Branch, Street, Target, User, street_order
from . import queries, rollup
from .monthly import monthly
from .queries import COUNT_KEYS, by_officer, funnel, grouped_counts, overdue, pct, roll_up
from .scope import Scope


class AsOfError(ValueError):
    """The as-of date does not fit the year asked for; ``message`` says why."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def resolve_year(year: int | None, as_of: date | None, today: date | None = None) -> tuple[int, date]:
    """The year and as-of date of a request: the year of `as_of` when no year is given, else the
    latest year with data; `as_of` defaults to the earlier of today and 31 December of the year.

    Raises :class:`AsOfError` when `as_of` falls outside the year.
    """
    if year is None:
        year = as_of.year if as_of is not None else default_year(today)
    if as_of is None:
        return year, rules.default_as_of(year, today or local_today())
    problem = rules.as_of_error(year, as_of)
    if problem:
        raise AsOfError(problem)
    return year, as_of


class ScopeError(Exception):
    """The requested street is unknown or outside the viewer's scope; ``message`` says which."""

    def __init__(self, message: str, outside: bool = False):
        super().__init__(message)
        self.message = message
        self.outside = outside  # True: the street exists but is not the viewer's


def default_year(today: date | None = None) -> int:
    """The latest year that has a target or a founded branch, else the current year."""
    latest_target = db.session.scalar(select(func.max(Target.year)))
    latest_branch = db.session.scalar(select(func.max(Branch.founded_on)).where(Branch.reverted.is_(False)))
    years = [y for y in (latest_target, latest_branch.year if latest_branch else None) if y]
    return max(years) if years else (today or local_today()).year


def find_street(name: str) -> Street | None:
    """A street by any form of its name (翠竹, 翠竹街道, full-width …), via ``rules.street_key``."""
    key = rules.street_key(name)
    for street in db.session.scalars(select(Street)):
        if key in (rules.street_key(street.name), rules.street_key(street.short_name), street.code):
            return street
    return None


def scope_for(user: User | None, street_name: str | None = None, street_id: int | None = None,
              district: str | int | None = None) -> Scope:
    """The scope for `user` (None: the whole city), narrowed to one district (its id, code or name)
    or one street when asked.

    Raises :class:`ScopeError` for an unknown street or district, or one outside the user's scope.
    """
    within = district_scope(user, district) if district is not None and district != "" else None
    if within is not None and not (street_name or street_id is not None):
        return within
    street = None
    if street_name:
        street = find_street(street_name)
        if street is None:
            raise ScopeError(Message("没有名为“%(name)s”的街道", name=street_name))
    elif street_id is not None:
        street = db.session.get(Street, street_id)
        if street is None:
            raise ScopeError(Message("街道不存在"))
    if street is not None and within is not None and street.id not in within.street_ids:
        raise ScopeError(Message("该街道不属于所选的区"))
    if street is not None and user is not None:
        allowed = policy.street_ids(user)
        if allowed is not None and street.id not in allowed:
            raise ScopeError(Message("您不负责该街道"), outside=True)
    return Scope(user=user, street_ids=frozenset({street.id}) if street else None)


def district_scope(user: User | None, text: str | int) -> Scope:
    """The scope of one whole district for `user` (the part of it they may see)."""
    found = districts.find_district(text)
    if found is None:
        raise ScopeError(districts.unknown_district(text))
    if user is not None and not policy.can_see_district(user, found.id):
        raise ScopeError(Message("您不负责该区"), outside=True)
    return Scope(user=user, street_ids=frozenset(s.id for s in found.streets), district_id=found.id)


def visible_street_ids(scope: Scope) -> set[int] | None:
    """The ids of the streets the scope covers (None: every street)."""
    ids: set[int] | None = None
    if scope.user is not None:
        ids = policy.street_ids(scope.user)
        if not (scope.user.is_authenticated and scope.user.active):
            ids = set()
    if scope.street_ids is not None:
        ids = set(scope.street_ids) if ids is None else ids & set(scope.street_ids)
    return ids


def scope_streets(scope: Scope) -> list[Street]:
    """The streets the scope covers, in code order."""
    query = select(Street).order_by(*street_order())
    ids = visible_street_ids(scope)
    if ids is not None:
        query = query.where(Street.id.in_(ids))
    return list(db.session.scalars(query))


def street_counts(scope: Scope, year: int, as_of: date) -> dict[int, dict[str, int]]:
    """Every count of the progress object per street as of `as_of` (from the (street, officer) groups)."""
    return roll_up(grouped_counts(scope, year, as_of), 0)


def load_targets(year: int, covered: list | None = None, streets: list[Street] | None = None,
                 whole_city: bool = True) -> dict[tuple[str, int | None], int]:
    """The targets of `year`: {(metric, street_id): value}, and {(metric, None): value} for the whole
    districts `covered` (default: every district, the whole city); see ``rollup.TargetBook``."""
    streets = list(db.session.scalars(select(Street))) if streets is None else streets
    covered = rollup.whole_districts(Scope(), streets) if covered is None else covered
    return rollup.TargetBook.load(year).for_scope(covered, streets, whole_city)


def resolve_target(targets: dict, metric: str, street_ids: list[int], whole_district: bool) -> int | None:
    """The target of `metric` for a set of streets.

    The whole district uses the district target, else the sum of the street targets when every
    street has one; a part of the district uses the sum of its streets' targets, and only when each
    of them has one (a partial sum would make the percentage mean nothing).
    """
    if whole_district and (metric, None) in targets:
        return targets[(metric, None)]
    values = [targets.get((metric, sid)) for sid in street_ids]
    if not values or any(v is None for v in values):
        return None
    return sum(values)


def figures(counts: dict[str, int], targets: dict, street_ids: list[int], whole_district: bool) -> dict[str, Any]:
    """The counts with their targets and percentages, in the key order of DESIGN.md."""
    new_branch_target = resolve_target(targets, "new_branches", street_ids, whole_district)
    explicit_onboarding = resolve_target(targets, "onboarded", street_ids, whole_district)
    onboarding_target = explicit_onboarding if explicit_onboarding is not None else counts["party_and_league"]
    visit_target = resolve_target(targets, "visited", street_ids, whole_district)
    baseline = resolve_target(targets, "new_branches:baseline", street_ids, whole_district)
    stretch = resolve_target(targets, "new_branches:stretch", street_ids, whole_district)
    return {
        "surveyed": counts["surveyed"],
        "party_orgs": counts["party_orgs"],
        "party_and_league": counts["party_and_league"],
        "party_no_league": counts["party_no_league"],
        "visited": counts["visited"],
        "visit_coverage_pct": pct(counts["visited"], counts["party_no_league"]),
        "established": counts["established"],
        "new_branch_target": new_branch_target,
        "new_branch_pct": pct(counts["established"], new_branch_target),
        "onboarded": counts["onboarded"],
        "onboarding_target": onboarding_target,
        "onboarding_pct": pct(counts["onboarded"], onboarding_target),
        "onboarding_target_derived": explicit_onboarding is None,
        "ineligible": counts["ineligible"],
        "visit_target": visit_target,
        "visit_pct": pct(counts["visited"], visit_target),
        "new_branch_baseline": baseline,
        "new_branch_baseline_pct": pct(counts["established"], baseline),
        "new_branch_stretch": stretch,
        "new_branch_stretch_pct": pct(counts["established"], stretch),
    }


def street_target_sum(targets: dict, street_ids: list[int], metric: str = "new_branches") -> int | None:
    """The sum of the street targets of `metric` that are set (None when no street has one): the
    roll-up that should equal the district's target (任务分解)."""
    values = [targets[(metric, sid)] for sid in street_ids if (metric, sid) in targets]
    return sum(values) if values else None


def _sum_counts(rows: list[dict[str, int]]) -> dict[str, int]:
    """Add up per-street counts (at most one row per street)."""
    return {key: sum(row[key] for row in rows) for key in COUNT_KEYS}


def scope_label(scope: Scope, streets: list[Street], covered: list) -> str:
    """"district" for one whole district, "city" for several, else the street names joined by "、"."""
    if covered:
        return "district" if len(covered) == 1 else "city"
    return "、".join(s.name for s in streets)


def compute(scope: Scope, year: int, today: date | None = None, as_of: date | None = None) -> dict[str, Any]:
    """The full progress object for `scope` and `year` as of `as_of` (DESIGN.md keys, plus
    by_officer, monthly, funnel and overdue_followups)."""
    return compute_with_overdue(scope, year, today, 0, as_of=as_of)[0]


def compute_with_overdue(scope: Scope, year: int, today: date | None = None, overdue_limit: int = 20,
                         as_of: date | None = None) -> tuple[dict[str, Any], list, int]:
    """The progress object as of `as_of` (default: the earlier of today and 31 December), the
    `overdue_limit` most overdue follow-ups today (organisation, date) and how many there are.

    The overdue follow-ups are today's work list, not a figure as of a date: the object's
    ``overdue_followups`` holds their number only when `as_of` is today (null otherwise, so that a
    past date's figures stay what they were)."""
    today = today or local_today()
    year, as_of = resolve_year(year, as_of, today)
    parts = (scope_key(scope), year, as_of, today, overdue_limit)
    result, overdue_total, overdue_ids = figcache.cached(
        "progress", parts, lambda: _compute_with_overdue(scope, year, today, overdue_limit, as_of))
    return result, queries.overdue_rows(overdue_ids), overdue_total


def scope_key(scope: Scope) -> tuple:
    """What the figures of `scope` depend on besides the data (a cache key part): the streets
    counted (None: all, no street filter), the streets asked for, the district, and whether the
    viewer is limited to their own streets (``rollup.whole_districts``)."""
    ids = visible_street_ids(scope)
    limited = scope.user is not None and policy.limited_to_streets(scope.user)
    asked = None if scope.street_ids is None else tuple(sorted(scope.street_ids))
    return (None if ids is None else tuple(sorted(ids)), asked, scope.district_id, limited)


def _compute_with_overdue(scope: Scope, year: int, today: date, overdue_limit: int,
                          as_of: date) -> tuple[dict[str, Any], int, list[tuple[int, date]]]:
    """The uncached work of ``compute_with_overdue``, with the overdue organisations as ids."""
    streets = scope_streets(scope)
    covered = rollup.whole_districts(scope, streets)
    whole_district, whole_city = bool(covered), rollup.is_whole_city(covered)
    groups = grouped_counts(scope, year, as_of)
    per_street = roll_up(groups, 0)
    book = rollup.TargetBook.load(year)
    targets = book.for_scope(covered, streets, whole_city)
    empty = dict.fromkeys(COUNT_KEYS, 0)
    street_ids = [s.id for s in streets]
    totals = _sum_counts([per_street.get(sid, empty) for sid in street_ids])
    result: dict[str, Any] = {"year": year, "as_of": as_of.isoformat(), "scope": scope_label(scope, streets, covered)}
    home = {s.district_id for s in streets}
    result["district"] = covered[0].code if len(covered) == 1 else (streets[0].district.code if len(home) == 1 else None)
    result.update(figures(totals, targets, street_ids, whole_district))
    result["new_branch_street_targets"] = street_target_sum(targets, street_ids)
    result["by_street"] = [
        {"street": s.name, "street_id": s.id, **figures(per_street.get(s.id, empty), targets, [s.id], False)}
        for s in streets
    ]
    result["by_district"] = [
        {"district": d.code, "district_name": d.name, "district_id": d.id,
         **figures(_sum_counts([per_street.get(sid, empty) for sid in ids]),
                   book.for_scope([d], streets, whole_city and len(covered) == 1), ids, True)}
        for d, ids in rollup.district_rows(covered, streets)
    ]
    result["by_officer"] = by_officer(roll_up(groups, 1))
    result["monthly"] = monthly(scope, year, as_of, result["new_branch_target"], result["onboarding_target"])
    result["funnel"] = funnel(totals)
    overdue_total, overdue_rows = (0, []) if as_of != today and not overdue_limit else overdue(scope, today, overdue_limit)
    result["overdue_followups"] = overdue_total if as_of == today else None
    return result, overdue_total, [(org.id, due_on) for org, due_on in overdue_rows]


def progress_for(user: User | None, year: int | None = None, street: str | None = None,
                 street_id: int | None = None, today: date | None = None,
                 district: str | int | None = None, as_of: date | None = None) -> dict[str, Any]:
    """Progress for a user (None: the whole city, as the command line sees it) as of `as_of`.

    Raises :class:`ScopeError` for a street or district not found or not the user's,
    :class:`AsOfError` for an as-of date outside the year.
    """
    scope = scope_for(user, street_name=street, street_id=street_id, district=district)
    return compute(scope, year, today, as_of=as_of)
