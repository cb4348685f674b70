"""SQL building blocks of the progress figures as of a date, and the secondary figures: per
officer, the funnel and the overdue follow-ups (the monthly series is ``progress.monthly``).

Each function runs a fixed number of GROUP BY queries over the organisations of a scope (any object
with ``apply(select) -> select`` that limits a select involving ``Organization``, see
``progress.Scope``). The as-of rule (DESIGN.md, DOMAIN.md "Campaign years"): a figure as of a date
counts only records dated on or before it — the survey date, visit dates, founding and onboarding
dates, the effective dates of the ineligibility steps — and leaves out the organisations closed by
then (``counted_on``).
"""
from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import and_, case, exists, func, or_, select
from sqlalchemy.orm import aliased, selectinload

from .. import policy
from ..campaign.actions import local_today
from ..domain.rules import pct
from ..extensions import db
from ..models import Branch, Onboarding, Organization, StatusEvent, User, Visit

__all__ = ["pct", "grouped_counts", "roll_up", "by_officer", "my_work", "funnel", "overdue", "counted_on"]

OPEN_STATUSES = ("surveyed", "visited")
FUNNEL_STAGES = ("surveyed", "party_orgs", "visited", "established", "onboarded")
#: The counts kept per (street, officer) group; the first five come from the scan of organisations.
SCAN_KEYS = ("surveyed", "party_orgs", "party_and_league", "party_no_league", "visited")
COUNT_KEYS = SCAN_KEYS + ("ineligible", "established", "onboarded", "established_onboarded")


def year_bounds(year: int) -> tuple[date, date]:
    """The first day of `year` and of the year after."""
    return date(year, 1, 1), date(year + 1, 1, 1)


def count_if(condition) -> Any:
    """SUM(CASE WHEN condition THEN 1 ELSE 0 END), zero on no rows."""
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def party_no_league():
    """The condition "has a party organisation but no league organisation" (已建党未建团)."""
    return and_(Organization.has_party_org.is_(True), Organization.has_league_org.is_(False))


def party_and_league():
    """The condition "has a party organisation and a league organisation" (已建党已建团)."""
    return and_(Organization.has_party_org.is_(True), Organization.has_league_org.is_(True))


def visited_by(as_of: date):
    """The condition "visited at least once on or before `as_of`": the earliest visit's date, kept on
    the organisation (``models._date_first_visit``), so that the scan reads it from its index."""
    return Organization.first_visited_on <= as_of


def counted_on(as_of: date):
    """The organisations that figures as of `as_of` count: surveyed by then and not closed by then."""
    org = Organization
    return and_(org.surveyed_on <= as_of, or_(org.closed_on.is_(None), org.closed_on > as_of))


def not_closed():
    """Organisations not closed now (the operational lists and the targets page's derived values)."""
    return Organization.closed_on.is_(None)


def ineligible_on(as_of: date):
    """The "marked ineligible" StatusEvents in force on `as_of`: not undone by a revert, effective by
    then, and not followed by a reopening effective by then (closing is ``counted_on``'s business)."""
    event, later = StatusEvent, aliased(StatusEvent)
    reopened = exists().where(
        later.organization_id == event.organization_id,
        later.transition == "reopen",
        later.undone.is_(False),
        later.effective_on <= as_of,
        or_(later.effective_on > event.effective_on, and_(later.effective_on == event.effective_on, later.id > event.id)),
    )
    return and_(event.transition == "mark_ineligible", event.undone.is_(False), event.effective_on <= as_of, ~reopened)


def onboarded_by(as_of: date):
    """The condition "onboarded (not reverted) on or before `as_of`" for the organisation in the query."""
    return exists().where(Onboarding.organization_id == Organization.id, Onboarding.reverted.is_(False),
                          Onboarding.onboarded_on <= as_of)


def grouped_counts(scope, year: int, as_of: date) -> dict[tuple[int, int | None], dict[str, int]]:
    """Every count of the progress object as of `as_of`, per (street, responsible officer) group.

    One scan of the organisations counted on `as_of` (served by the covering index ``ix_org_asof``,
    which holds the survey, closing and first-visit dates) and three small queries: the foundings of
    `year` up to `as_of`, the onboardings up to `as_of`, the ineligibility in force on `as_of`.
    Only dated records count, so work recorded later with a later date never changes these figures.
    Rolled up per street, per officer or in total by the caller.
    """
    org = Organization
    counted = counted_on(as_of)
    groups: dict[tuple[int, int | None], dict[str, int]] = {}

    def group(street_id: int, officer_id: int | None) -> dict[str, int]:
        return groups.setdefault((street_id, officer_id), dict.fromkeys(COUNT_KEYS, 0))

    scan = select(
        org.street_id,
        org.officer_id,
        func.count(),
        count_if(org.has_party_org.is_(True)),
        count_if(party_and_league()),
        count_if(party_no_league()),
        count_if(and_(party_no_league(), visited_by(as_of))),
    ).where(counted).group_by(org.street_id, org.officer_id)
    for street_id, officer_id, *values in db.session.execute(scope.apply(scan)):
        group(street_id, officer_id).update(zip(SCAN_KEYS, (int(v) for v in values)))

    start, _end = year_bounds(year)
    founded = (
        select(
            org.street_id,
            org.officer_id,
            func.count(func.distinct(Branch.organization_id)),
            func.count(func.distinct(case((onboarded_by(as_of), Branch.organization_id)))),
        )
        .join(org, org.id == Branch.organization_id)
        .where(counted, Branch.reverted.is_(False), Branch.founded_on >= start, Branch.founded_on <= as_of)
        .group_by(org.street_id, org.officer_id)
    )
    for street_id, officer_id, n, n_onboarded in db.session.execute(scope.apply(founded)):
        group(street_id, officer_id).update(established=int(n), established_onboarded=int(n_onboarded))

    onboarded = (
        select(org.street_id, org.officer_id, func.count(func.distinct(Onboarding.organization_id)))
        .join(org, org.id == Onboarding.organization_id)
        .where(counted, party_and_league(), Onboarding.reverted.is_(False), Onboarding.onboarded_on <= as_of)
        .group_by(org.street_id, org.officer_id)
    )
    for street_id, officer_id, n in db.session.execute(scope.apply(onboarded)):
        group(street_id, officer_id)["onboarded"] = int(n)

    ineligible = (
        select(org.street_id, org.officer_id, func.count(func.distinct(StatusEvent.organization_id)))
        .join(org, org.id == StatusEvent.organization_id)
        .where(counted, ineligible_on(as_of))
        .group_by(org.street_id, org.officer_id)
    )
    for street_id, officer_id, n in db.session.execute(scope.apply(ineligible)):
        group(street_id, officer_id)["ineligible"] = int(n)
    return groups


def roll_up(groups: dict[tuple, dict[str, int]], position: int) -> dict[Any, dict[str, int]]:
    """Sum the (street, officer) groups by street (position 0) or by officer (position 1)."""
    totals: dict[Any, dict[str, int]] = {}
    for key, counts in groups.items():
        total = totals.setdefault(key[position], dict.fromkeys(COUNT_KEYS, 0))
        for name, value in counts.items():
            total[name] += value
    return totals


def by_officer(per_officer: dict[int | None, dict[str, int]]) -> list[dict[str, Any]]:
    """Per responsible officer (None: not assigned): the counts of their organisations."""
    names = {}
    ids = [i for i in per_officer if i is not None]
    if ids:
        names = {u.id: u.label for u in db.session.scalars(select(User).where(User.id.in_(ids)))}
    rows = [
        {"officer_id": officer_id, "officer": names.get(officer_id, ""), **counts,
         "visit_coverage_pct": pct(counts["visited"], counts["party_no_league"])}
        for officer_id, counts in per_officer.items()
    ]
    return sorted(rows, key=lambda r: (r["officer_id"] is None, r["officer"], r["officer_id"] or 0))


def my_work(user: User, year: int, as_of: date | None = None) -> dict[str, int]:
    """What `user` recorded in `year` (up to `as_of`) within their scope: visits, organisations
    visited, foundings (not reverted) and onboardings (not reverted), by the dates of the records."""
    start, end = year_bounds(year)
    if as_of is not None:
        end = min(end, as_of + timedelta(days=1))
    org = Organization
    visits, orgs_visited = db.session.execute(
        policy.scope_orgs(
            user,
            select(func.count(Visit.id), func.count(func.distinct(Visit.organization_id)))
            .join(org, org.id == Visit.organization_id)
            .where(Visit.officer_id == user.id, Visit.visit_date >= start, Visit.visit_date < end),
        )
    ).one()

    def recorded_by_user(model, day_column) -> int:
        """Organisations for which `user` recorded a live (not reverted) `model` row in the year."""
        return db.session.scalar(
            policy.scope_orgs(
                user,
                select(func.count(func.distinct(model.organization_id)))
                .join(org, org.id == model.organization_id)
                .where(model.created_by_id == user.id, model.reverted.is_(False),
                       day_column >= start, day_column < end),
            )
        ) or 0

    founded = recorded_by_user(Branch, Branch.founded_on)
    onboarded = recorded_by_user(Onboarding, Onboarding.onboarded_on)
    return {"visits": int(visits or 0), "orgs_visited": int(orgs_visited or 0),
            "established": int(founded or 0), "onboarded": int(onboarded or 0)}


def funnel(totals: dict[str, int]) -> list[dict[str, Any]]:
    """surveyed → party organisation → visited → established this year → of those, onboarded."""
    values = {
        "surveyed": totals["surveyed"],
        "party_orgs": totals["party_orgs"],
        "visited": totals["visited"],
        "established": totals["established"],
        "onboarded": totals["established_onboarded"],
    }
    return [{"stage": stage, "count": values[stage]} for stage in FUNNEL_STAGES]


def latest_follow_up():
    """Per organisation (correlated): the next follow-up date named by its most recent visit."""
    return (
        select(Visit.next_follow_up)
        .where(Visit.organization_id == Organization.id)
        .order_by(Visit.visit_date.desc(), Visit.id.desc())
        .limit(1)
        .correlate(Organization)
        .scalar_subquery()
    )


def _overdue_where(today: date):
    """Open 已建党 organisations whose latest visit set a follow-up date that has passed."""
    return (
        Organization.has_party_org.is_(True),
        Organization.status.in_(OPEN_STATUSES),
        latest_follow_up() < today,
    )


def overdue(scope, today: date | None = None, limit: int = 0) -> tuple[int, list[tuple[Organization, date]]]:
    """How many organisations in scope have an overdue follow-up, and the `limit` most overdue
    (organisation, follow-up date), oldest first.

    One narrow query (ids, dates and a window count) finds them; only the `limit` organisations shown
    are then loaded.
    """
    where = _overdue_where(today or local_today())
    if not limit:
        return int(db.session.scalar(scope.apply(select(func.count(Organization.id)).where(*where))) or 0), []
    due = latest_follow_up().label("due")
    query = (
        select(Organization.id, due, func.count().over().label("total"))
        .where(*where)
        .order_by(due, Organization.id)
        .limit(limit)
    )
    rows = db.session.execute(scope.apply(query)).all()
    if not rows:
        return 0, []
    return int(rows[0][2]), overdue_rows([(org_id, due_on) for org_id, due_on, _ in rows])


def overdue_rows(due: list[tuple[int, date]]) -> list[tuple[Organization, date]]:
    """(organisation, follow-up date) for (organisation id, date) pairs, in their order (one query)."""
    if not due:
        return []
    shown = select(Organization).where(Organization.id.in_([org_id for org_id, _ in due])).options(
        selectinload(Organization.street))
    orgs = {o.id: o for o in db.session.scalars(shown)}
    return [(orgs[org_id], due_on) for org_id, due_on in due if org_id in orgs]
