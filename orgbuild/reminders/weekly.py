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
from ..assignment.service import DONE_STATUSES, street_officers
from ..board.service import OPEN_COLUMNS, stale_days
from ..domain.rules import Message, street_key
from ..domain.workflow import STATUSES
from ..extensions import db
from ..i18n import translate_message
from ..models import Branch, Onboarding, Organization, Street, User, Visit, local_date, street_order
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
    """The street's summary for the seven days ending `today` (default: the district's today).

    Six queries whatever the street's size: one GROUP BY (status, officer, stale) over the street's
    organisations gives the status counts, the open work per officer and unassigned, and the stale
    cards; one GROUP BY officer the overdue follow-ups, one the week's visits; then the week's
    foundings, onboardings and the street's officers. The street total and the per-officer figures
    are sums of the same groups, so they always agree."""
    today = today or local_date()
    start = today - timedelta(days=6)
    week = StreetWeek(street=street, start=start, day=today, stale_after=stale_days())
    in_street = Organization.street_id == street.id
    since = func.coalesce(Organization.stage_since, Organization.surveyed_on)
    rows = select(Organization.status, Organization.officer_id,
                  case((since < today - timedelta(days=week.stale_after), 1), else_=0).label("stale")
                  ).where(in_street).subquery()  # grouped by its columns (PostgreSQL: not by a bound expression)
    week.statuses = dict.fromkeys(STATUSES, 0)
    open_by: dict[int | None, int] = {}
    for status, officer_id, is_stale, n in db.session.execute(
            select(rows.c.status, rows.c.officer_id, rows.c.stale, func.count())
            .group_by(rows.c.status, rows.c.officer_id, rows.c.stale)):
        week.statuses[status] = week.statuses.get(status, 0) + n
        if status not in DONE_STATUSES:
            open_by[officer_id] = open_by.get(officer_id, 0) + n
        if status in OPEN_COLUMNS and is_stale:
            week.stale += n
    week.unassigned = open_by.get(None, 0)
    overdue_by = dict(db.session.execute(
        select(Organization.officer_id, func.count()).where(
            in_street, Organization.has_party_org.is_(True), Organization.status.in_(OPEN_STATUSES),
            latest_follow_up() < today).group_by(Organization.officer_id)).all())
    week.overdue = sum(overdue_by.values())
    visits_by = dict(db.session.execute(
        select(Visit.officer_id, func.count()).join(Organization, Organization.id == Visit.organization_id)
        .where(in_street, Visit.visit_date >= start, Visit.visit_date <= today).group_by(Visit.officer_id)).all())
    week.visits = sum(visits_by.values())
    week.established = db.session.scalar(
        select(func.count(Branch.id)).join(Organization, Organization.id == Branch.organization_id).where(
            in_street, Branch.reverted.is_(False), Branch.founded_on >= start, Branch.founded_on <= today)) or 0
    week.onboarded = db.session.scalar(
        select(func.count(Onboarding.id)).join(Organization, Organization.id == Onboarding.organization_id).where(
            in_street, Onboarding.reverted.is_(False), Onboarding.onboarded_on >= start,
            Onboarding.onboarded_on <= today)) or 0
    week.officers = [OfficerWeek(officer=u, open_work=open_by.get(u.id, 0), overdue=overdue_by.get(u.id, 0),
                                 visits=visits_by.get(u.id, 0)) for u in street_officers(street.id)]
    return week


def weekly(street_name: str | None = None, today: date | None = None) -> list[StreetWeek]:
    """The summaries of the street named, or of every street holding organisations."""
    streets = [find_street(street_name)] if street_name else streets_with_orgs()
    return [street_week(s, today) for s in streets]


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
        return [street_week(street, today)]
    return [street_week(s, today) for s in streets_with_orgs() if scope is None or s.id in scope]


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
