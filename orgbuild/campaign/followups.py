"""Service: an officer's follow-ups — organisations awaiting a first visit, and those whose next
follow-up date has passed (the latest visit's date decides)."""
from __future__ import annotations

from datetime import date

from sqlalchemy import Select, and_, func, or_, select

from .. import policy
from ..extensions import db
from ..models import Organization, User, Visit
from . import league
from .actions import local_today

OPEN_STATUSES = ("surveyed", "visited")


def latest_follow_up_subquery():
    """Per organisation: the next follow-up date named by its most recent visit."""
    ranked = select(
        Visit.organization_id.label("org_id"),
        Visit.next_follow_up.label("next_follow_up"),
        func.row_number()
        .over(partition_by=Visit.organization_id, order_by=(Visit.visit_date.desc(), Visit.id.desc()))
        .label("rank"),
    ).subquery()
    return select(ranked.c.org_id, ranked.c.next_follow_up).where(ranked.c.rank == 1).subquery()


def followups_query(user: User, today: date | None = None, mine_only: bool = True) -> Select:
    """Organisations in `user`'s scope needing a first visit, or whose follow-up date is today or past.

    For an officer, ``mine_only`` keeps those assigned to them or to nobody.
    """
    today = today or local_today()
    latest = latest_follow_up_subquery()
    query = (
        select(Organization, latest.c.next_follow_up)
        .outerjoin(latest, latest.c.org_id == Organization.id)
        .where(
            Organization.has_party_org.is_(True),
            or_(
                and_(Organization.status == "surveyed", ~league.has_league_now()),
                and_(
                    Organization.status.in_(OPEN_STATUSES),
                    latest.c.next_follow_up.is_not(None),
                    latest.c.next_follow_up <= today,
                ),
            ),
        )
        .order_by(latest.c.next_follow_up.is_(None), latest.c.next_follow_up, Organization.name)
    )
    if mine_only and user.role == "officer":
        query = query.where(or_(Organization.officer_id == user.id, Organization.officer_id.is_(None)))
    return policy.scope_orgs(user, query)


def followups(user: User, today: date | None = None, limit: int = 200) -> list[tuple[Organization, date | None]]:
    """The follow-up list for `user` (at most `limit` rows)."""
    return [tuple(row) for row in db.session.execute(followups_query(user, today).limit(limit))]
