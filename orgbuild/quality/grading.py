"""Annual grading (对标定级) records: apply a step of the grading machine (domain/grading.py) to one
branch's grading of a year, with its scores, level and audit row in one transaction; and the quality
figures of a scope for a year as of a date (the ``quality`` command, DESIGN.md)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask import current_app
from sqlalchemy import and_, case, func, or_, select

from .. import audit, policy
from ..campaign.actions import ServiceError, local_today
from ..domain import grading as machine
from ..domain import quality as rules
from ..domain.rules import Message
from ..domain.workflow import Refused
from ..extensions import db
from ..models import Grading, GradingRound, Organization, RectificationTask, Street, User
from ..progress.scope import Scope
from . import roster


def round_of(year: int) -> GradingRound | None:
    """The recorded grading round of `year`, if a supervisor recorded one."""
    return db.session.scalar(select(GradingRound).where(GradingRound.year == year))


def default_grading_day(year: int) -> date:
    """The configured day of a year's grading (ORGBUILD_GRADING_DAY, MM-DD, default 12-01)."""
    month, day = (int(x) for x in str(current_app.config.get("QUALITY_GRADING_DAY") or "12-01").split("-"))
    return date(year, month, day)


def grading_day(year: int) -> date:
    """The day of `year`'s grading round: the recorded round's, else the configured day."""
    found = round_of(year)
    return found.held_on if found is not None else default_grading_day(year)


def reference_day(year: int) -> date:
    """The cut-off `year`'s eligibility counts back from: the recorded round's, else its day."""
    found = round_of(year)
    return found.cutoff_on if found is not None else default_grading_day(year)


def cutoff(year: int) -> date:
    """The latest founding date graded in `year`'s round: six months before its cut-off (1 June
    for 1 December)."""
    return rules.eligibility_cutoff(reference_day(year))


def default_five_star_cap() -> int:
    """The configured share cap of five-star branches, in percent (ORGBUILD_FIVE_STAR_CAP, 20)."""
    return int(current_app.config.get("QUALITY_FIVE_STAR_CAP") or 20)


def five_star_cap(year: int | None = None) -> int:
    """The largest share of five-star branches, in percent, before a warning: the year's round's,
    else the configured one."""
    found = round_of(year) if year is not None else None
    return found.five_star_cap if found is not None else default_five_star_cap()


@dataclass
class RoundData:
    """A grading round as a supervisor records it."""

    held_on: date | None
    cutoff_on: date | None
    five_star_cap: int | None
    note: str = ""


def _check_round_actor(actor: User | None) -> None:
    """Supervisors and admins set grading rounds; None is the command line (trusted, like ``assign``)."""
    if actor is not None and not policy.can_set_grading_rounds(actor):
        raise ServiceError([(None, Message("只有团区委可以设置定级轮次"))])


def closed_refusal(year: int) -> Message | None:
    """Why no grading step of `year` may happen any more (its round was closed), or None."""
    found = round_of(year)
    if found is None or found.closed_on is None:
        return None
    return Message("%(year)d年定级轮次已于%(day)s结束，不能再修改定级", year=year, day=found.closed_on.isoformat())


def set_round(year: int, data: RoundData, actor: User | None, reopen: bool = False) -> GradingRound:
    """Record (or change) `year`'s grading round with its audit row; refusals raise ServiceError.
    A closed round is changed only when `reopen` is asked, which opens it again (same audit row)."""
    _check_round_actor(actor)
    errors = rules.round_errors(year, data.held_on, data.cutoff_on, data.five_star_cap)
    found = round_of(year)
    if found is not None and found.closed_on is not None and not reopen:
        errors.insert(0, (None, Message("%(year)d年定级轮次已于%(day)s结束，不能再修改", year=year,
                                        day=found.closed_on.isoformat())))
    if errors:
        raise ServiceError(errors)
    fields = ("held_on", "cutoff_on", "five_star_cap", "closed_on")
    before = {k: getattr(found, k) if found is not None else None for k in fields}
    if found is None:
        found = GradingRound(year=year, created_by_id=actor.id if actor else None)
        db.session.add(found)
    found.held_on, found.cutoff_on, found.five_star_cap = data.held_on, data.cutoff_on, data.five_star_cap
    found.note = (data.note or "").strip()
    found.closed_on = found.closed_by_id = None
    db.session.flush()
    audit.record(actor, "update", "grading_round", found.id,
                 summary=f"{year} {data.held_on.isoformat()}" + (" reopened" if before["closed_on"] else ""),
                 changes={k: (v, getattr(found, k)) for k, v in before.items() if v != getattr(found, k)})
    db.session.commit()
    return found


def close_round(year: int, actor: User | None, on: date | None = None) -> GradingRound:
    """Close `year`'s recorded round: no grading step of that year after it (until it is opened
    again); with its audit row. Refusals (no round recorded, already closed) raise ServiceError."""
    _check_round_actor(actor)
    found = round_of(year)
    if found is None:
        raise ServiceError([(None, Message("尚未设置%(year)d年定级轮次，不能结束", year=year))])
    if found.closed_on is not None:
        raise ServiceError([(None, Message("%(year)d年定级轮次已于%(day)s结束", year=year,
                                           day=found.closed_on.isoformat()))])
    found.closed_on = on or local_today()
    found.closed_by_id = actor.id if actor else None
    db.session.flush()
    audit.record(actor, "update", "grading_round", found.id, summary=f"{year} closed {found.closed_on.isoformat()}",
                 changes={"closed_on": (None, found.closed_on)})
    db.session.commit()
    return found


def gradings_of(scope: Scope, year: int, state: str | None = None) -> list:
    """The gradings of `year` in the scope (one state, else every one), by street then name: rows
    with credit_code, name, street, state, the five scores, total, veto, level, confirmed_on."""
    query = (select(Organization.credit_code, Organization.name, Street.name.label("street"), Grading.state,
                    *(getattr(Grading, area) for area in rules.AREAS), Grading.total, Grading.veto, Grading.level,
                    Grading.confirmed_on)
             .join(Organization, Organization.id == Grading.organization_id)
             .join(Street, Street.id == Organization.street_id)
             .where(Grading.year == year)
             .order_by(Street.name, Organization.name, Organization.id))
    if state is not None:
        query = query.where(Grading.state == state)
    return list(db.session.execute(scope.apply(query)))


def rounds() -> list[GradingRound]:
    """Every recorded round, the latest year first."""
    return list(db.session.scalars(select(GradingRound).order_by(GradingRound.year.desc())))


@dataclass
class GradingRequest:
    """One step asked of a grading: the event, the scores (self-assessment / confirmation), a reason."""

    event: str
    scores: rules.Scores
    reason: str = ""
    on: date | None = None  # the day of the step (default: today)


def eligibility(org: Organization, year: int) -> str | None:
    """Why the organisation's branch is not graded in `year` (None: it is)."""
    state = roster.branch_state(org, date(year, 12, 31))
    if state is None:
        return Message("该组织在%(year)d年没有团组织，不参加定级", year=year)
    return rules.eligibility_refusal(state.since, state.branch_type, cutoff(year))


def grading_of(org: Organization, year: int) -> Grading | None:
    return db.session.scalar(select(Grading).where(Grading.organization_id == org.id, Grading.year == year))


def apply_grading(org: Organization, year: int, request: GradingRequest, actor: User) -> Grading:
    """Apply one step of the grading machine; refusals raise ServiceError and write nothing."""
    if not policy.can_log_branch_life(actor, org):
        raise ServiceError([(None, Message("您无权为该组织定级"))])
    grading = grading_of(org, year)
    state = grading.state if grading else "draft"
    facts = machine.GradingFacts(scores=request.scores, eligible_refusal=eligibility(org, year),
                                 actor_role=actor.role, reason=request.reason, round_closed=closed_refusal(year))
    try:
        new_state = machine.fire(state, request.event, facts)
    except Refused as refused:
        raise ServiceError([(None, r) for r in refused.reasons]) from None
    if grading is None:
        grading = Grading(organization_id=org.id, year=year, note="")
        db.session.add(grading)
    before = {"state": grading.state, "level": grading.level, "total": grading.total}
    if request.event in ("self_assess", "confirm"):
        for name in rules.AREAS:
            setattr(grading, name, getattr(request.scores, name))
        grading.veto = request.scores.veto
        grading.total = request.scores.total
        grading.level = rules.level_of(request.scores)
    grading.state = new_state
    if request.event == "confirm":
        grading.confirmed_on = request.on or local_today()
        grading.confirmed_by_id = actor.id
    if request.reason:
        grading.note = request.reason.strip()
    db.session.flush()
    audit.record(actor, "update", "grading", grading.id, organization_id=org.id,
                 summary=f"{year} {machine.EVENTS[request.event]}",
                 changes={k: (v, getattr(grading, k)) for k, v in before.items() if v != getattr(grading, k)})
    db.session.commit()
    return grading


def default_as_of(year: int) -> date:
    """The earlier of today and 31 December of the year."""
    return min(local_today(), date(year, 12, 31))


def quality_figures(scope: Scope, year: int, as_of: date | None = None) -> dict:
    """The quality object of DESIGN.md for `scope` and `year` as of `as_of`: branches, eligible,
    graded (confirmed by the date), levels, warnings, and the same per street (SQL GROUP BY)."""
    as_of = as_of or default_as_of(year)
    rows = roster.roster(scope, as_of).subquery("r")
    last_day = cutoff(year)
    eligible = and_(rows.c.since <= last_day, rows.c.branch_type.notin_(rules.UNGRADED_TYPES))
    confirmed = (select(Grading.organization_id.label("org_id"), Grading.level.label("level"))
                 .where(Grading.year == year, Grading.state == "confirmed", Grading.confirmed_on <= as_of)
                 .subquery("g"))
    level_codes = [code for code, _, _ in rules.LEVELS]
    query = (
        select(rows.c.street, func.count().label("branches"),
               func.sum(case((eligible, 1), else_=0)).label("eligible"),
               func.count(confirmed.c.org_id).label("graded"),
               *(func.sum(case((confirmed.c.level == code, 1), else_=0)).label(code) for code in level_codes),
               *(func.sum(rows.c[w]).label(w) for w in roster.WARNINGS))
        .select_from(rows).outerjoin(confirmed, confirmed.c.org_id == rows.c.org_id)
        .group_by(rows.c.street).order_by(rows.c.street)
    )
    by_street = []
    for r in db.session.execute(query):
        by_street.append({
            "street": r.street, "branches": r.branches, "eligible": int(r.eligible or 0), "graded": r.graded,
            "levels": {code: int(getattr(r, code) or 0) for code in level_codes},
            "warnings": {w: int(getattr(r, w) or 0) for w in roster.WARNINGS},
        })
    total = lambda key: sum(s[key] for s in by_street)  # noqa: E731
    levels = {code: sum(s["levels"][code] for s in by_street) for code in level_codes}
    graded = total("graded")
    five_pct = round(100 * levels["five_star"] / graded, 1) if graded else None
    found, cap = round_of(year), five_star_cap(year)
    open_tasks, overdue_tasks = rectification_counts(scope, as_of)
    return {
        "year": year, "as_of": as_of.isoformat(), "cutoff": last_day.isoformat(),
        "branches": total("branches"), "eligible": total("eligible"), "graded": graded,
        "grading_pct": round(100 * graded / total("eligible"), 1) if total("eligible") else None,
        "levels": levels,
        "five_star_pct": five_pct, "five_star_cap_pct": cap,
        "five_star_over_cap": five_pct is not None and five_pct > cap,
        "round": {"recorded": found is not None, "held_on": grading_day(year).isoformat(),
                  "cutoff_on": reference_day(year).isoformat(),
                  "closed_on": found.closed_on.isoformat() if found is not None and found.closed_on else None},
        "rectifications_open": open_tasks, "rectifications_overdue": overdue_tasks,
        "warnings": {w: sum(s["warnings"][w] for s in by_street) for w in roster.WARNINGS},
        "by_street": by_street,
    }


def rectification_counts(scope: Scope, as_of: date) -> tuple[int, int]:
    """Rectification tasks of the scope open on `as_of` (opened by then, not closed by then), and
    how many of them were past their deadline that day."""
    still_open = and_(RectificationTask.opened_on <= as_of,
                      or_(RectificationTask.closed_on.is_(None), RectificationTask.closed_on > as_of))
    query = (select(func.count(), func.sum(case((RectificationTask.deadline < as_of, 1), else_=0)))
             .select_from(RectificationTask).join(Organization, Organization.id == RectificationTask.organization_id)
             .where(still_open))
    opened, overdue = db.session.execute(scope.apply(query)).one()
    return int(opened or 0), int(overdue or 0)
