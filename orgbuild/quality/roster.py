"""The founded branches as of a date, in SQL: which organisations count as a branch, since when,
with how many members, and the warning flags (DOMAIN.md "After founding"), all from dated records.

A branch is an organisation with a founding record in force (成立日期 on or before the date), or one
that already had a league organisation when surveyed and was onboarded onto 智慧团建 by the date;
organisations closed by the date are left out.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from flask import current_app
from sqlalchemy import Select, and_, case, func, literal, or_, select, union_all

from ..domain import quality as rules
from ..domain.rules import N_
from ..extensions import db
from ..models import Branch, BranchActivity, Grading, MembershipChange, Onboarding, Organization, Street
from ..progress.scope import Scope

WARNINGS = ("no_activity", "few_members", "no_secretary", "weak_grade")
WARNING_LABELS = {
    "no_activity": N_("长期未开展组织生活"),
    "few_members": N_("团员不足3人"),
    "no_secretary": N_("未配备团组织书记"),
    "weak_grade": N_("定级为后进或软弱涣散"),
}


def idle_days() -> int:
    """Days without organisational life after which a branch is warned (ORGBUILD_IDLE_DAYS, 90)."""
    return int(current_app.config.get("QUALITY_IDLE_DAYS") or rules.DEFAULT_IDLE_DAYS)


def branch_sources():
    """(organization_id, since, base_members, secretary, branch_type) of every branch ever founded:
    founding records in force, and onboardings of organisations that had a league organisation."""
    founded = select(
        Branch.organization_id.label("org_id"), Branch.founded_on.label("since"),
        Branch.member_count.label("base_members"), Branch.secretary.label("secretary"),
        Branch.branch_type.label("branch_type"),
    ).where(Branch.reverted.is_(False))
    already = select(
        Onboarding.organization_id, Onboarding.onboarded_on,
        func.coalesce(Organization.league_members, 0), func.coalesce(Organization.league_contact, ""),
        literal("branch"),
    ).join(Organization, Organization.id == Onboarding.organization_id).where(
        Onboarding.reverted.is_(False), Organization.has_league_org.is_(True),
        ~select(Branch.id).where(Branch.organization_id == Onboarding.organization_id,
                                 Branch.reverted.is_(False)).exists(),
    )
    return union_all(founded, already).subquery("branch_src")


def roster(scope: Scope, as_of: date, days: int | None = None) -> Select:
    """One row per branch of the scope as of `as_of`: organisation, street, since, members, last
    activity, latest confirmed level and one 0/1 column per warning (see WARNINGS).

    The last activity, the net membership change and the latest confirmed level are correlated
    subqueries, each one index probe per branch (ix_activity_org_date, ix_membership_org_date, the
    gradings' (organization_id, year) key): the cost follows the branches of the scope, not every
    activity, change and grading ever recorded (benchmarks/bench_dashboard.py)."""
    days = idle_days() if days is None else days
    src = branch_sources()
    last_on = (select(func.max(BranchActivity.held_on))
               .where(BranchActivity.organization_id == src.c.org_id, BranchActivity.held_on <= as_of)
               .correlate(src).scalar_subquery())
    net = (select(func.coalesce(func.sum(MembershipChange.delta), 0))
           .where(MembershipChange.organization_id == src.c.org_id, MembershipChange.changed_on <= as_of)
           .correlate(src).scalar_subquery())
    level = (select(Grading.level)
             .where(Grading.organization_id == src.c.org_id, Grading.state == "confirmed", Grading.confirmed_on <= as_of)
             .order_by(Grading.year.desc()).limit(1).correlate(src).scalar_subquery())
    members = src.c.base_members + net
    quiet_since = as_of - timedelta(days=days)
    flag = lambda cond: case((cond, 1), else_=0)  # noqa: E731 - a one-line helper
    query = (
        select(
            Organization.id.label("org_id"), Organization.name, Organization.street_id, Street.name.label("street"),
            src.c.since, src.c.branch_type, members.label("members"), last_on.label("last_on"), level.label("level"),
            # "no activity since" is one probe: is there an activity in the window (quiet_since, as_of]?
            flag(and_(src.c.since <= quiet_since, ~select(BranchActivity.id).where(
                BranchActivity.organization_id == src.c.org_id, BranchActivity.held_on > quiet_since,
                BranchActivity.held_on <= as_of).correlate(src).exists())).label("no_activity"),
            flag(members < rules.MIN_MEMBERS).label("few_members"),
            flag(func.trim(src.c.secretary) == "").label("no_secretary"),
            flag(level.in_(rules.WEAK_LEVELS)).label("weak_grade"),
        )
        .select_from(src)
        .join(Organization, Organization.id == src.c.org_id)
        .join(Street, Street.id == Organization.street_id)
        .where(src.c.since <= as_of, or_(Organization.closed_on.is_(None), Organization.closed_on > as_of))
    )
    return scope.apply(query)


@dataclass
class BranchState:
    """A branch as of a date: members, last activity, latest confirmed level and warnings raised."""

    org_id: int
    name: str
    street: str
    since: date
    branch_type: str
    members: int
    last_on: date | None
    level: str | None
    warnings: list[str]


def _state(row) -> BranchState:
    return BranchState(row.org_id, row.name, row.street, row.since, row.branch_type, int(row.members), row.last_on, row.level,
                       [w for w in WARNINGS if getattr(row, w)])


def branch_state(org: Organization, as_of: date, days: int | None = None) -> BranchState | None:
    """The state of one organisation's branch as of `as_of`; None when it had no branch then."""
    row = db.session.execute(roster(Scope(), as_of, days).where(Organization.id == org.id)).first()
    return _state(row) if row else None


def warned_branches(scope: Scope, as_of: date, warning: str | None = None, days: int | None = None) -> list[BranchState]:
    """The branches of the scope with a warning (one named, else any) as of `as_of`, by street, name."""
    rows = roster(scope, as_of, days).subquery("r")
    cond = rows.c[warning] == 1 if warning else or_(*(rows.c[w] == 1 for w in WARNINGS))
    query = select(rows).where(cond).order_by(rows.c.street, rows.c.name)
    return [_state(r) for r in db.session.execute(query)]


def warning_counts(scope: Scope, as_of: date, days: int | None = None) -> dict:
    """Branches and warnings of the scope as of `as_of`, in total and per street (one GROUP BY)."""
    rows = roster(scope, as_of, days).subquery("r")
    any_warning = func.max(rows.c.no_activity, rows.c.few_members, rows.c.no_secretary, rows.c.weak_grade) \
        if db.engine.dialect.name == "sqlite" else func.greatest(rows.c.no_activity, rows.c.few_members,
                                                                 rows.c.no_secretary, rows.c.weak_grade)
    query = (select(rows.c.street, func.count().label("branches"), func.sum(any_warning).label("warned"),
                    *(func.sum(rows.c[w]).label(w) for w in WARNINGS))
             .group_by(rows.c.street).order_by(rows.c.street))
    by_street = [{"street": r.street, "branches": r.branches, "warned": int(r.warned or 0),
                  "warnings": {w: int(getattr(r, w) or 0) for w in WARNINGS}} for r in db.session.execute(query)]
    return {
        "branches": sum(s["branches"] for s in by_street),
        "warned": sum(s["warned"] for s in by_street),
        "warnings": {w: sum(s["warnings"][w] for s in by_street) for w in WARNINGS},
        "by_street": by_street,
    }
