"""Service: an organisation's league organisation as it stands now, apart from the survey's finding.

The survey records whether a league organisation existed when the unit was surveyed
(``Organization.has_league_org``). What stands now also counts a branch founded since (a live,
not reverted founding record) and a 联合团支部 of another unit that covers it.
"""
from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import and_, exists, or_, select

from ..domain.rules import N_
from ..extensions import db
from ..models import Branch, Organization, branch_covered_orgs

#: The current state of the league organisation, by key.
STATES = {
    "own": N_("已建团（本单位团组织）"),
    "joint": N_("已纳入联合团支部"),
    "survey": N_("已建团（摸排时已有）"),
    "none": N_("未建团"),
}


def _live_joint_covering():
    """(covered organisation id, branch) pairs of the live joint branches."""
    return (
        select(branch_covered_orgs.c.organization_id, Branch)
        .join(Branch, Branch.id == branch_covered_orgs.c.branch_id)
        .where(Branch.reverted.is_(False), Branch.branch_type == "joint_branch")
    )


def covering_branches(org_ids: Iterable[int]) -> dict[int, Branch]:
    """The live joint branch covering each of `org_ids` that one covers (the latest if several)."""
    ids = list(org_ids)
    if not ids:
        return {}
    rows = db.session.execute(
        _live_joint_covering().where(branch_covered_orgs.c.organization_id.in_(ids)).order_by(Branch.id)
    )
    return {org_id: branch for org_id, branch in rows}


def covering_branch(org: Organization) -> Branch | None:
    """The live joint branch of another unit that covers `org`, if any."""
    return covering_branches([org.id]).get(org.id)


def own_branch_ids(org_ids: Iterable[int]) -> set[int]:
    """Which of `org_ids` have a live founding record of their own."""
    ids = list(org_ids)
    if not ids:
        return set()
    return set(db.session.scalars(
        select(Branch.organization_id).where(Branch.organization_id.in_(ids), Branch.reverted.is_(False))
    ))


def state_key(org: Organization, own: bool, covered: bool) -> str:
    """The key in :data:`STATES` of `org`'s league organisation now."""
    if own:
        return "own"
    if covered:
        return "joint"
    return "survey" if org.has_league_org else "none"


def states(orgs: Iterable[Organization]) -> dict[int, str]:
    """The current state key of each organisation, in two queries whatever their number."""
    orgs = list(orgs)
    ids = [o.id for o in orgs]
    own, covered = own_branch_ids(ids), covering_branches(ids)
    return {o.id: state_key(o, o.id in own, o.id in covered) for o in orgs}


def has_league_now():
    """SQL condition: the organisation has a league organisation now (own, joint or from the survey)."""
    own = exists().where(Branch.organization_id == Organization.id, Branch.reverted.is_(False))
    joint = exists().where(
        and_(branch_covered_orgs.c.organization_id == Organization.id,
             Branch.id == branch_covered_orgs.c.branch_id, Branch.reverted.is_(False),
             Branch.branch_type == "joint_branch")
    )
    return or_(Organization.has_league_org.is_(True), own, joint)
