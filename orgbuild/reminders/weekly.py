"""Service: the supervisors' weekly summary per street — where the street's organisations stand
(one count per status), the open work without an officer, overdue follow-ups and cards that have
not moved for longer than the board's ``ORGBUILD_STALE_DAYS``, what was done in the last seven days
(visits, foundings, onboardings, by their dates), and a line per officer of the street.

Printed by ``digest --weekly [--street NAME]``, e-mailed by ``--send`` to each active supervisor
(with an address) for the streets of their scope (``policy.street_ids``), like the daily digest, and
shown on the page 每周汇总 (``/board/weekly``) for the streets of the reader's scope (``weekly_for``).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import case, func, select

from .. import policy
from ..assignment.service import DONE_STATUSES
from ..board.service import OPEN_COLUMNS, stale_days
from ..domain.rules import Message, street_key
from ..domain.workflow import STATUSES
from ..extensions import db
from ..i18n import translate_message
from ..models import (Branch, Onboarding, Organization, Street, User, Visit, local_date, street_order,
                      user_streets)
from ..progress.queries import OPEN_STATUSES, latest_follow_up
from .service import ReminderError, send_mails


@dataclass
class OfficerWeek:
    """One officer of the street: open work now, overdue follow-ups, visits in the week."""

    officer: User
    open_work: int = 0
    overdue: int = 0
    visits: int = 0


@dataclass
class StreetWeek:
    """The weekly summary of one street, for the seven days `start` to `day`."""

    street: Street
    start: date
    day: date
    statuses: dict[str, int] = field(default_factory=dict)
    unassigned: int = 0
    overdue: int = 0
    stale: int = 0
    stale_after: int = 0
    visits: int = 0
    established: int = 0
    onboarded: int = 0
    officers: list[OfficerWeek] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(self.statuses.values())

    def text(self) -> str:
        """The summary as plain text (in the language of the moment: the command line's, or the page's)."""
        lines = [translate_message(Message("%(street)s 每周汇总（%(start)s 至 %(day)s）", street=self.street.name,
                             start=self.start.isoformat(), day=self.day.isoformat()))]
        lines.append(translate_message(Message("组织 %(n)d 家：", n=self.total)) + "，".join(
            f"{translate_message(Message(label))} {self.statuses.get(status, 0)}" for status, label in STATUSES.items()))
        lines.append(translate_message(Message("本周：走访 %(visits)d 次，建团 %(established)d 个，入驻 %(onboarded)d 家",
                                 visits=self.visits, established=self.established, onboarded=self.onboarded)))
        lines.append(translate_message(Message("逾期未跟进 %(overdue)d 家；超过 %(days)d 天未推进 %(stale)d 家；未分配团干 %(unassigned)d 家",
                                 overdue=self.overdue, days=self.stale_after, stale=self.stale,
                                 unassigned=self.unassigned)))
        for o in self.officers:
            lines.append(translate_message(Message("  %(name)s：在办 %(open)d 家，逾期 %(overdue)d 家，本周走访 %(visits)d 次",
                                     name=o.officer.label, open=o.open_work, overdue=o.overdue, visits=o.visits)))
        if not self.officers:
            lines.append(translate_message(Message("  该街道没有启用的团干")))
        return "\n".join(lines) + "\n"


def find_street(name: str) -> Street:
    """The street by its full or short name; raises ReminderError for an unknown one."""
    for street in db.session.scalars(select(Street)):
        if street_key(street.name) == street_key(name or ""):
            return street
    raise ReminderError(Message("未知街道：%(names)s", names=name))


def streets_with_orgs() -> list[Street]:
    """Every street holding at least one organisation, in the reference order."""
    used = select(Organization.street_id).distinct()
    return list(db.session.scalars(select(Street).where(Street.id.in_(used)).order_by(*street_order())))


def street_week(street: Street, today: date | None = None) -> StreetWeek:
    """The street's summary for the seven days ending `today` (default: the district's today)."""
    return street_weeks([street], today)[0]


def street_weeks(streets: list[Street], today: date | None = None) -> list[StreetWeek]:
    """The summaries of `streets` (in their order) for the seven days ending `today`.

    Six queries whatever the number and size of the streets: one GROUP BY (street, status, officer,
    stale) over their organisations gives the status counts, the open work per officer and
    unassigned, and the stale cards; one GROUP BY (street, officer) the overdue follow-ups, one the
    week's visits; one each the week's foundings and onboardings per street; one the streets'
    officers. A street's total and its officers' figures are sums of the same groups, so they agree."""
    today = today or local_date()
    start = today - timedelta(days=6)
    after = stale_days()
    weeks = {s.id: StreetWeek(street=s, start=start, day=today, stale_after=after,
                              statuses=dict.fromkeys(STATUSES, 0)) for s in streets}
    if not weeks:
        return []
    in_streets = Organization.street_id.in_(list(weeks))
    since = func.coalesce(Organization.stage_since, Organization.surveyed_on)
    rows = select(Organization.street_id, Organization.status, Organization.officer_id,
                  case((since < today - timedelta(days=after), 1), else_=0).label("stale")
                  ).where(in_streets).subquery()  # grouped by its columns (PostgreSQL: not by a bound expression)
    open_by: dict[tuple[int, int | None], int] = {}
    for street_id, status, officer_id, is_stale, n in db.session.execute(
            select(rows.c.street_id, rows.c.status, rows.c.officer_id, rows.c.stale, func.count())
            .group_by(rows.c.street_id, rows.c.status, rows.c.officer_id, rows.c.stale)):
        week = weeks[street_id]
        week.statuses[status] = week.statuses.get(status, 0) + n
        if status not in DONE_STATUSES:
            open_by[street_id, officer_id] = open_by.get((street_id, officer_id), 0) + n
            if officer_id is None:
                week.unassigned += n
        if status in OPEN_COLUMNS and is_stale:
            week.stale += n
    overdue_by: dict[tuple[int, int | None], int] = {}
    for street_id, officer_id, n in db.session.execute(
            select(Organization.street_id, Organization.officer_id, func.count()).where(
                in_streets, Organization.has_party_org.is_(True), Organization.status.in_(OPEN_STATUSES),
                latest_follow_up() < today).group_by(Organization.street_id, Organization.officer_id)):
        overdue_by[street_id, officer_id] = n
        weeks[street_id].overdue += n
    visits_by: dict[tuple[int, int | None], int] = {}
    for street_id, officer_id, n in db.session.execute(
            select(Organization.street_id, Visit.officer_id, func.count())
            .join(Organization, Organization.id == Visit.organization_id)
            .where(in_streets, Visit.visit_date >= start, Visit.visit_date <= today)
            .group_by(Organization.street_id, Visit.officer_id)):
        visits_by[street_id, officer_id] = n
        weeks[street_id].visits += n
    for street_id, n in db.session.execute(
            select(Organization.street_id, func.count(Branch.id))
            .join(Organization, Organization.id == Branch.organization_id)
            .where(in_streets, Branch.reverted.is_(False), Branch.founded_on >= start, Branch.founded_on <= today)
            .group_by(Organization.street_id)):
        weeks[street_id].established = n
    for street_id, n in db.session.execute(
            select(Organization.street_id, func.count(Onboarding.id))
            .join(Organization, Organization.id == Onboarding.organization_id)
            .where(in_streets, Onboarding.reverted.is_(False), Onboarding.onboarded_on >= start,
                   Onboarding.onboarded_on <= today)
            .group_by(Organization.street_id)):
        weeks[street_id].onboarded = n
    for street_id, officer in db.session.execute(
            select(user_streets.c.street_id, User).join(user_streets, user_streets.c.user_id == User.id)
            .where(user_streets.c.street_id.in_(list(weeks)), User.active.is_(True), User.role == "officer")
            .order_by(User.username)):
        key = (street_id, officer.id)
        weeks[street_id].officers.append(OfficerWeek(officer=officer, open_work=open_by.get(key, 0),
                                                     overdue=overdue_by.get(key, 0), visits=visits_by.get(key, 0)))
    return [weeks[s.id] for s in streets]


def weekly(street_name: str | None = None, today: date | None = None) -> list[StreetWeek]:
    """The summaries of the street named, or of every street holding organisations."""
    streets = [find_street(street_name)] if street_name else streets_with_orgs()
    return street_weeks(streets, today)


def weekly_for(user: User, street_id: int | None = None, today: date | None = None) -> list[StreetWeek] | None:
    """The summaries the CLI prints, for the streets of `user`'s scope that hold organisations (a
    street-limited supervisor: theirs; an officer: their own streets), or for the one street asked
    for. None when that street is outside the scope (the page answers 404); an id no street has is
    ignored, like any list filter."""
    scope = policy.street_ids(user)
    street = db.session.get(Street, street_id) if street_id is not None else None
    if street is not None:
        if scope is not None and street.id not in scope:
            return None
        return street_weeks([street], today)
    return street_weeks([s for s in streets_with_orgs() if scope is None or s.id in scope], today)


def supervisors() -> list[User]:
    """The active supervisors a weekly summary goes to, by username."""
    return list(db.session.scalars(select(User).where(User.active.is_(True), User.role == "supervisor")
                                   .order_by(User.username)))


def mails_for(weeks: list[StreetWeek], people: list[User]) -> tuple[list[tuple[str, str, str]], list[str]]:
    """(address, subject, body) for each supervisor with an address whose scope holds one of the
    streets summarised (their streets only), and the usernames skipped for want of an address."""
    mails, skipped = [], []
    for person in people:
        scope = policy.street_ids(person)
        mine = [w for w in weeks if scope is None or w.street.id in scope]
        if not mine:
            continue
        if not person.email:
            skipped.append(person.username)
            continue
        subject = translate_message(Message("每周街道汇总（%(start)s 至 %(day)s）：%(n)d 个街道",
                              start=mine[0].start.isoformat(), day=mine[0].day.isoformat(), n=len(mine)))
        mails.append((person.email, subject, "\n".join(w.text() for w in mine)))
    return mails, skipped


def send_weekly(weeks: list[StreetWeek]) -> tuple[int, list[str]]:
    """E-mail the summaries to the supervisors; returns (mails sent, usernames without an address)."""
    mails, skipped = mails_for(weeks, supervisors())
    send_mails(mails)
    return len(mails), skipped
