"""Service: the board's columns (one per status), counted in SQL and paginated per column.

Days in a stage are counted from the effective date of the step that brought the organisation into
its status (``Organization.stage_since``, kept by the transitions; its survey date while it is still in
the status it was surveyed in); a card is stale when that is more than ``STALE_DAYS`` days ago while
the organisation is still open work. A column's page is read in the order of the index
``ix_org_board`` (street, status, stage_since, id): no sort of the column.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from flask import current_app
from sqlalchemy import Select, func, select
from sqlalchemy.orm import joinedload

from .. import policy
from ..domain.workflow import STATUSES
from ..extensions import db
from ..models import Organization, User, local_date
from ..progress.queries import latest_follow_up

#: the columns shown side by side, then those folded away
MAIN_COLUMNS = ("surveyed", "visited", "established", "onboarded")
FOLDED_COLUMNS = ("ineligible", "closed")
#: the step a card of the column opens (the status machine, on the step's page, decides)
NEXT_STEP = {"surveyed": "record_visit", "visited": "establish", "established": "onboard"}
#: columns whose cards can go stale (still open work)
OPEN_COLUMNS = ("surveyed", "visited", "established")


@dataclass
class BoardFilter:
    """What the reader asked to see."""

    street_id: int | None = None
    officer_id: int | None = None
    industry: str | None = None

    @classmethod
    def from_args(cls, args) -> "BoardFilter":
        def as_int(name):
            value = args.get(name, "")
            return int(value) if value.isdigit() else None

        industry = (args.get("industry") or "").strip().upper()
        return cls(street_id=as_int("street"), officer_id=as_int("officer"),
                   industry=industry if len(industry) == 1 and industry.isalpha() else None)


@dataclass
class Card:
    org: Organization
    since: date
    days: int
    follow_up: date | None
    stale: bool
    step: str | None


@dataclass
class Column:
    status: str
    label: str
    count: int
    cards: list[Card] = field(default_factory=list)
    page: int = 1
    pages: int = 1


def stale_days() -> int:
    """Days without moving after which an open card is flagged (setting ORGBUILD_STALE_DAYS)."""
    return int(current_app.config.get("STALE_DAYS", 30))


def _filtered(user: User, f: BoardFilter, query: Select) -> Select:
    """Limit a select involving Organization to the user's scope and the filter."""
    query = policy.scope_orgs(user, query)
    if f.street_id is not None:
        query = query.where(Organization.street_id == f.street_id)
    if f.officer_id is not None:
        query = query.where(Organization.officer_id == f.officer_id)
    if f.industry:
        query = query.where(Organization.industry == f.industry)
    return query


def column_counts(user: User, f: BoardFilter) -> dict[str, int]:
    """{status: organisations} in one GROUP BY (every status present, zero when empty)."""
    counts = dict.fromkeys(STATUSES, 0)
    query = _filtered(user, f, select(Organization.status, func.count()).group_by(Organization.status))
    counts.update({status: int(n) for status, n in db.session.execute(query)})
    return counts


def column_page_query(user: User, f: BoardFilter, status: str, page: int, per_page: int) -> Select:
    """The ids and stage dates of one page of a column, longest in the stage first (index order)."""
    return _filtered(user, f, select(Organization.id, Organization.stage_since)
                     .where(Organization.status == status)
                     .order_by(Organization.stage_since, Organization.id)
                     .limit(per_page).offset((page - 1) * per_page))


def column_cards(user: User, f: BoardFilter, status: str, page: int, per_page: int,
                 today: date | None = None) -> list[Card]:
    """One page of the column's cards, longest in the stage first: one narrow query picks the page
    (ids and stage dates), a second loads those organisations with their next follow-up."""
    today = today or local_date()
    limit_days = stale_days()
    picked = db.session.execute(column_page_query(user, f, status, page, per_page)).all()
    if not picked:
        return []
    loaded = {org.id: (org, follow_up) for org, follow_up in db.session.execute(
        select(Organization, latest_follow_up()).where(Organization.id.in_([i for i, _s in picked]))
        .options(joinedload(Organization.street), joinedload(Organization.officer)))}
    cards = []
    for org_id, entered in picked:
        org, follow_up = loaded[org_id]
        days = (today - entered).days if entered else 0
        step = NEXT_STEP.get(status)
        if step == "record_visit" and not org.has_party_org:
            step = None  # a visit is only for organisations with a party organisation
        cards.append(Card(org=org, since=entered, days=days, follow_up=follow_up, step=step,
                          stale=status in OPEN_COLUMNS and days > limit_days))
    return cards


def board(user: User, f: BoardFilter, column: str | None = None, page: int = 1, per_page: int = 20,
          today: date | None = None) -> list[Column]:
    """The columns (main ones, then the folded ones) with their counts and, for each, the first page
    of cards, or page `page` of `column` alone when one is asked for."""
    counts = column_counts(user, f)
    columns = []
    for status in MAIN_COLUMNS + FOLDED_COLUMNS:
        if column is not None and status != column:
            continue
        pages = max(1, -(-counts[status] // per_page))
        current = min(max(page, 1), pages) if column == status else 1
        columns.append(Column(status=status, label=STATUSES[status], count=counts[status], page=current, pages=pages,
                              cards=column_cards(user, f, status, current, per_page, today)))
    return columns
