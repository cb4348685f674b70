"""Service: the board's columns (one per status), counted in SQL and paginated per column.

Days in a stage are counted from the effective date of the step that brought the organisation into
its status (``Organization.stage_since``, kept by the transitions; its survey date while it is still in
the status it was surveyed in); a card is stale when that is more than ``STALE_DAYS`` days ago while
the organisation is still open work. A column's page is read in the order of the index
``ix_org_board`` (street, status, stage_since, id): no sort of the column. That index also serves the
column counts (its first two columns are the street and the status); a second index on (street, status)
alone, dropped by migration board_0001, led PostgreSQL without statistics (after a bulk load, before
autovacuum's ANALYZE) to read a whole column and sort it for each page.

A card carries only what it shows (name, street, officer, days, follow-up, the next step), read with
the page in one query: no Organization, Street or User objects are built for the board.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from flask import current_app
from sqlalchemy import Select, func, select, union_all

from .. import policy
from ..domain.workflow import STATUSES
from ..extensions import db
from ..models import Organization, Street, User, local_date
from ..progress.queries import latest_follow_up
from ..web.params import parse_int

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
            return parse_int(args.get(name), 1)

        industry = (args.get("industry") or "").strip().upper()
        return cls(street_id=as_int("street"), officer_id=as_int("officer"),
                   industry=industry if len(industry) == 1 and industry.isalpha() else None)


@dataclass
class Card:
    """One organisation on the board: what its card shows."""

    id: int
    name: str
    street: str
    #: the responsible officer's label (display name, else username); None when unassigned
    officer: str | None
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
    #: counted only (ineligible, closed on the whole board): its cards are on its own page
    folded: bool = False


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
    """The ids, stage dates and status of one page of a column, longest in the stage first (read in
    the order of the index ix_org_board, which covers it)."""
    return _filtered(user, f, select(Organization.id, Organization.stage_since, Organization.status)
                     .where(Organization.status == status)
                     .order_by(Organization.stage_since, Organization.id)
                     .limit(per_page).offset((page - 1) * per_page))


def column_cards(user: User, f: BoardFilter, status: str, page: int, per_page: int,
                 today: date | None = None) -> list[Card]:
    """One page of the column's cards, longest in the stage first."""
    return cards_of_pages(user, f, {status: page}, per_page, today)[status]


def cards_of_pages(user: User, f: BoardFilter, pages: dict[str, int], per_page: int,
                   today: date | None = None) -> dict[str, list[Card]]:
    """{status: its cards} for one page of each column asked for, in one query whatever the number of
    columns: the columns' index-ordered pages (ids and stage dates, joined by UNION ALL) joined to the
    few columns a card shows (name, street, officer) and its next follow-up."""
    today = today or local_date()
    limit_days = stale_days()
    queries = [column_page_query(user, f, status, page, per_page) for status, page in pages.items()]
    picked = (queries[0] if len(queries) == 1 else union_all(*[select(q.subquery()) for q in queries])).subquery()
    rows = db.session.execute(
        select(picked.c.id, picked.c.stage_since, picked.c.status, Organization.name, Organization.has_party_org,
               Street.short_name, User.display_name, User.username, latest_follow_up())
        .select_from(picked)
        .join(Organization, Organization.id == picked.c.id)
        .join(Street, Street.id == Organization.street_id)
        .outerjoin(User, User.id == Organization.officer_id)).all()
    cards: dict[str, list[Card]] = {status: [] for status in pages}
    for (org_id, entered, status, name, has_party_org, street, display_name, username,
         follow_up) in sorted(rows, key=lambda r: (r[2], r[1] or date.min, r[0])):
        days = (today - entered).days if entered else 0
        step = NEXT_STEP.get(status)
        if step == "record_visit" and not has_party_org:
            step = None  # a visit is only for organisations with a party organisation
        cards[status].append(Card(id=org_id, name=name, street=street, officer=display_name or username,
                                  since=entered, days=days, follow_up=follow_up, step=step,
                                  stale=status in OPEN_COLUMNS and days > limit_days))
    return cards


def board(user: User, f: BoardFilter, column: str | None = None, page: int = 1, per_page: int = 20,
          today: date | None = None) -> list[Column]:
    """The columns (main ones, then the folded ones) with their counts and, for each main one, the
    first page of cards (the folded ones are counted only: their cards are a click away), or page
    `page` of `column` alone when one is asked for."""
    counts = column_counts(user, f)
    columns = []
    for status in MAIN_COLUMNS + FOLDED_COLUMNS:
        if column is not None and status != column:
            continue
        pages = max(1, -(-counts[status] // per_page))
        current = min(max(page, 1), pages) if column == status else 1
        columns.append(Column(status=status, label=STATUSES[status], count=counts[status], page=current, pages=pages,
                              folded=column is None and status in FOLDED_COLUMNS))
    wanted = {c.status: c.page for c in columns if not c.folded and c.count}
    if wanted:
        cards = cards_of_pages(user, f, wanted, per_page, today)
        for c in columns:
            c.cards = cards.get(c.status, [])
    return columns
