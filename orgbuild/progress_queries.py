"""SQL building blocks of the progress figures, and the secondary series: per officer, per month,
the funnel and the overdue follow-ups.

Each function runs a fixed number of GROUP BY queries over the organisations of a scope (any object
with ``apply(select) -> select`` that limits a select involving ``Organization``, see
``progress.Scope``). Closed organisations are left out everywhere.
"""
from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Select, and_, case, exists, extract, func, select

from .extensions import db
from .models import Branch, Onboarding, Organization, User, Visit

OPEN_STATUSES = ("surveyed", "visited")
FUNNEL_STAGES = ("surveyed", "party_orgs", "visited", "established", "onboarded")


def year_bounds(year: int) -> tuple[date, date]:
    """The first day of `year` and of the year after."""
    return date(year, 1, 1), date(year + 1, 1, 1)


def count_if(condition) -> Any:
    """SUM(CASE WHEN condition THEN 1 ELSE 0 END), zero on no rows."""
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def established_ids(year: int) -> Select:
    """Ids of organisations with a founding (not reverted) dated in `year`."""
    start, end = year_bounds(year)
    return select(Branch.organization_id).where(
        Branch.reverted.is_(False), Branch.founded_on >= start, Branch.founded_on < end
    )


def onboarded_ids() -> Select:
    """Ids of organisations with an onboarding record in force."""
    return select(Onboarding.organization_id).where(Onboarding.reverted.is_(False))


def party_no_league():
    """The condition "has a party organisation but no league organisation" (已建党未建团)."""
    return and_(Organization.has_party_org.is_(True), Organization.has_league_org.is_not(True))


def ever_visited():
    """The condition "visited at least once" (a correlated EXISTS on the visits index)."""
    return exists().where(Visit.organization_id == Organization.id)


def not_closed():
    """Closed organisations are left out of every count."""
    return Organization.status != "closed"


def by_officer(scope, year: int) -> list[dict[str, Any]]:
    """Per officer: organisations assigned, of them 已建党未建团 and visited; this year's visits,
    organisations visited, foundings and onboardings they recorded."""
    start, end = year_bounds(year)
    org = Organization
    assigned = db.session.execute(
        scope.apply(
            select(
                org.officer_id,
                func.count(org.id),
                count_if(party_no_league()),
                count_if(and_(party_no_league(), ever_visited())),
            )
            .where(not_closed(), org.officer_id.is_not(None))
            .group_by(org.officer_id)
        )
    ).all()
    visits = db.session.execute(
        scope.apply(
            select(Visit.officer_id, func.count(Visit.id), func.count(func.distinct(Visit.organization_id)))
            .join(org, org.id == Visit.organization_id)
            .where(not_closed(), Visit.officer_id.is_not(None), Visit.visit_date >= start, Visit.visit_date < end)
            .group_by(Visit.officer_id)
        )
    ).all()
    founded = db.session.execute(
        scope.apply(
            select(Branch.created_by_id, func.count(func.distinct(Branch.organization_id)))
            .join(org, org.id == Branch.organization_id)
            .where(not_closed(), Branch.reverted.is_(False), Branch.founded_on >= start, Branch.founded_on < end)
            .group_by(Branch.created_by_id)
        )
    ).all()
    onboarded = db.session.execute(
        scope.apply(
            select(Onboarding.created_by_id, func.count(func.distinct(Onboarding.organization_id)))
            .join(org, org.id == Onboarding.organization_id)
            .where(
                not_closed(),
                Onboarding.reverted.is_(False),
                Onboarding.onboarded_on >= start,
                Onboarding.onboarded_on < end,
            )
            .group_by(Onboarding.created_by_id)
        )
    ).all()
    rows: dict[int, dict[str, Any]] = {}

    def row(user_id: int) -> dict[str, Any]:
        return rows.setdefault(
            user_id,
            {"officer_id": user_id, "officer": "", "assigned": 0, "assigned_party_no_league": 0,
             "assigned_visited": 0, "visits": 0, "orgs_visited": 0, "established": 0, "onboarded": 0},
        )

    for user_id, n, pnl, vis in assigned:
        row(user_id).update(assigned=int(n), assigned_party_no_league=int(pnl), assigned_visited=int(vis))
    for user_id, n, distinct_orgs in visits:
        row(user_id).update(visits=int(n), orgs_visited=int(distinct_orgs))
    for user_id, n in founded:
        if user_id is not None:
            row(user_id)["established"] = int(n)
    for user_id, n in onboarded:
        if user_id is not None:
            row(user_id)["onboarded"] = int(n)
    if rows:
        for user in db.session.scalars(select(User).where(User.id.in_(rows))):
            rows[user.id]["officer"] = user.label
    return sorted(rows.values(), key=lambda r: (r["officer"], r["officer_id"]))


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
    today = today or date.today()
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


def overdue_count(scope, today: date | None = None) -> int:
    """How many organisations in scope have an overdue follow-up (date before today)."""
    query = select(func.count(Organization.id)).where(*_overdue_where(today or date.today()))
    return int(db.session.scalar(scope.apply(query)) or 0)


def overdue_list(scope, today: date | None = None, limit: int = 20) -> list[tuple[Organization, date]]:
    """The most overdue follow-ups in scope: (organisation, follow-up date), oldest first."""
    due = latest_follow_up().label("due")
    query = (
        select(Organization, due)
        .where(*_overdue_where(today or date.today()))
        .order_by(due, Organization.name)
        .limit(limit)
    )
    return [tuple(row) for row in db.session.execute(scope.apply(query))]
