"""Annual grading (对标定级) records: apply a step of the grading machine (domain/grading.py) to one
branch's grading of a year, with its scores, level and audit row in one transaction; and the quality
figures of a scope for a year as of a date (the ``quality`` command, DESIGN.md)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask import current_app
from sqlalchemy import and_, case, func, select

from .. import audit, policy
from ..campaign.actions import ServiceError, local_today
from ..domain import grading as machine
from ..domain import quality as rules
from ..domain.rules import Message
from ..domain.workflow import Refused
from ..extensions import db
from ..models import Grading, Organization, User
from ..progress.scope import Scope
from . import roster


def grading_day(year: int) -> date:
    """The day of `year`'s grading round (ORGBUILD_GRADING_DAY, MM-DD, default 12-01)."""
    month, day = (int(x) for x in str(current_app.config.get("QUALITY_GRADING_DAY") or "12-01").split("-"))
    return date(year, month, day)


def cutoff(year: int) -> date:
    """The latest founding date graded in `year`'s round: six months before its day (1 June for 1 December)."""
    return rules.eligibility_cutoff(grading_day(year))


def five_star_cap() -> int:
    """The largest share of five-star branches, in percent, before a warning (ORGBUILD_FIVE_STAR_CAP, 20)."""
    return int(current_app.config.get("QUALITY_FIVE_STAR_CAP") or 20)


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
    if not policy.can_see_org(actor, org):
        raise ServiceError([(None, Message("您无权为该组织定级"))])
    grading = grading_of(org, year)
    state = grading.state if grading else "draft"
    facts = machine.GradingFacts(scores=request.scores, eligible_refusal=eligibility(org, year),
                                 actor_role=actor.role, reason=request.reason)
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
    return {
        "year": year, "as_of": as_of.isoformat(), "cutoff": last_day.isoformat(),
        "branches": total("branches"), "eligible": total("eligible"), "graded": graded,
        "grading_pct": round(100 * graded / total("eligible"), 1) if total("eligible") else None,
        "levels": levels,
        "five_star_pct": five_pct, "five_star_cap_pct": five_star_cap(),
        "five_star_over_cap": five_pct is not None and five_pct > five_star_cap(),
        "warnings": {w: sum(s["warnings"][w] for s in by_street) for w in roster.WARNINGS},
        "by_street": by_street,
    }
