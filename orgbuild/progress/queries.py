"""SQL building blocks of the progress figures, and the secondary series: per officer, per month,
the funnel and the overdue follow-ups.

Each function runs a fixed number of GROUP BY queries over the organisations of a scope (any object
with ``apply(select) -> select`` that limits a select involving ``Organization``, see
``progress.Scope``). Closed organisations are left out everywhere.
"""
from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import and_, case, exists, extract, func, select
from sqlalchemy.orm import selectinload

from .. import policy
from ..campaign.actions import local_today
from ..extensions import db
from ..models import Branch, Onboarding, Organization, User, Visit

OPEN_STATUSES = ("surveyed", "visited")
FUNNEL_STAGES = ("surveyed", "party_orgs", "visited", "established", "onboarded")
#: The counts kept per (street, officer) group; the first six come from the scan of organisations.
SCAN_KEYS = ("surveyed", "party_orgs", "party_and_league", "party_no_league", "ineligible", "visited")
COUNT_KEYS = SCAN_KEYS + ("established", "onboarded", "established_onboarded")


def pct(count: int, target: int | None) -> float | None:
    """count / target as a percentage with one decimal (half up); None without a (non-zero) target.

    >>> pct(60, 56), pct(36, 36), pct(1, 0), pct(3, None)
    (107.1, 100.0, None, None)
    """
    if not target:
        return None
    return float((Decimal(count) * 100 / Decimal(target)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def year_bounds(year: int) -> tuple[date, date]:
    """The first day of `year` and of the year after."""
    return date(year, 1, 1), date(year + 1, 1, 1)


def count_if(condition) -> Any:
    """SUM(CASE WHEN condition THEN 1 ELSE 0 END), zero on no rows."""
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def party_no_league():
    """The condition "has a party organisation but no league organisation" (已建党未建团)."""
    return and_(Organization.has_party_org.is_(True), Organization.has_league_org.is_(False))


def ever_visited():
    """The condition "visited at least once" (a correlated EXISTS on the visits index)."""
    return exists().where(Visit.organization_id == Organization.id)


def not_closed():
    """Closed organisations are left out of every count."""
    return Organization.status != "closed"


def grouped_counts(scope, year: int) -> dict[tuple[int, int | None], dict[str, int]]:
    """Every count of the progress object per (street, responsible officer) group: one scan of the
    organisations (served by the covering index ``ix_org_progress``; only the 已建党未建团 rows probe
    the visits index) and two small queries over the founding and onboarding records. Rolled up per street, per officer or in total by the caller."""
    org = Organization
    party = org.has_party_org.is_(True)
    league = org.has_league_org.is_(True)
    groups: dict[tuple[int, int | None], dict[str, int]] = {}

    def group(street_id: int, officer_id: int | None) -> dict[str, int]:
        return groups.setdefault((street_id, officer_id), dict.fromkeys(COUNT_KEYS, 0))

    scan = select(
        org.street_id,
        org.officer_id,
        func.count(),
        count_if(party),
        count_if(and_(party, league)),
        count_if(party_no_league()),
        count_if(org.status == "ineligible"),
        count_if(and_(party_no_league(), ever_visited())),  # the EXISTS runs for 已建党未建团 rows only
    ).where(not_closed()).group_by(org.street_id, org.officer_id)
    for street_id, officer_id, *values in db.session.execute(scope.apply(scan)):
        group(street_id, officer_id).update(zip(SCAN_KEYS, (int(v) for v in values)))

    start, end = year_bounds(year)
    live_onboarding = exists().where(Onboarding.organization_id == org.id, Onboarding.reverted.is_(False))
    founded = (
        select(
            org.street_id,
            org.officer_id,
            func.count(func.distinct(Branch.organization_id)),
            func.count(func.distinct(case((live_onboarding, Branch.organization_id)))),
        )
        .join(org, org.id == Branch.organization_id)
        .where(not_closed(), Branch.reverted.is_(False), Branch.founded_on >= start, Branch.founded_on < end)
        .group_by(org.street_id, org.officer_id)
    )
    for street_id, officer_id, n, n_onboarded in db.session.execute(scope.apply(founded)):
        group(street_id, officer_id).update(established=int(n), established_onboarded=int(n_onboarded))

    onboarded = (
        select(org.street_id, org.officer_id, func.count(func.distinct(Onboarding.organization_id)))
        .join(org, org.id == Onboarding.organization_id)
        .where(not_closed(), party, league, Onboarding.reverted.is_(False))
        .group_by(org.street_id, org.officer_id)
    )
    for street_id, officer_id, n in db.session.execute(scope.apply(onboarded)):
        group(street_id, officer_id)["onboarded"] = int(n)
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


def my_work(user: User, year: int) -> dict[str, int]:
    """What `user` recorded in `year` within their scope: visits, organisations visited, foundings
    (not reverted) and onboardings (not reverted)."""
    start, end = year_bounds(year)
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


def monthly(scope, year: int, new_branch_target: int | None, onboarding_target: int | None,
            today: date | None = None) -> list[dict[str, Any]]:
    """Month by month: branches founded in the year so far, and 已建党已建团 organisations onboarded by
    the end of the month (earlier years included), with the year's targets. Months still to come in
    the current year have ``None``."""
    start, end = year_bounds(year)
    org = Organization
    founded_month = extract("month", Branch.founded_on)
    founded = dict(
        db.session.execute(
            scope.apply(
                select(founded_month, func.count(func.distinct(Branch.organization_id)))
                .join(org, org.id == Branch.organization_id)
                .where(not_closed(), Branch.reverted.is_(False), Branch.founded_on >= start, Branch.founded_on < end)
                .group_by(founded_month)
            )
        ).all()
    )
    onboarded_month = case((Onboarding.onboarded_on < start, 0), else_=extract("month", Onboarding.onboarded_on))
    onboarded = dict(
        db.session.execute(
            scope.apply(
                select(onboarded_month, func.count(func.distinct(Onboarding.organization_id)))
                .join(org, org.id == Onboarding.organization_id)
                .where(
                    not_closed(),
                    org.has_party_org.is_(True),
                    org.has_league_org.is_(True),
                    Onboarding.reverted.is_(False),
                    Onboarding.onboarded_on < end,
                )
                .group_by(onboarded_month)
            )
        ).all()
    )
    founded = {int(k): int(v) for k, v in founded.items()}
    onboarded = {int(k): int(v) for k, v in onboarded.items()}
    today = today or local_today()
    series, cum_founded, cum_onboarded = [], 0, onboarded.get(0, 0)
    for month in range(1, 13):
        cum_founded += founded.get(month, 0)
        cum_onboarded += onboarded.get(month, 0)
        future = year > today.year or (year == today.year and month > today.month)
        series.append(
            {
                "month": f"{year}-{month:02d}",
                "founded": None if future else cum_founded,
                "onboarded": None if future else cum_onboarded,
                "new_branch_target": new_branch_target,
                "onboarding_target": onboarding_target,
            }
        )
    return series


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
    shown = select(Organization).where(Organization.id.in_([r[0] for r in rows])).options(selectinload(Organization.street))
    orgs = {o.id: o for o in db.session.scalars(shown)}
    return int(rows[0][2]), [(orgs[org_id], due_on) for org_id, due_on, _ in rows]
