"""Service: the daily digest of an officer, its text, and sending it by e-mail.

The digest lists the officer's organisations that are still open work (已摸排 / 已走访 with a party
organisation) whose latest visit named a follow-up date before today, and those assigned to the
officer since yesterday (``Organization.assigned_on``). Sending uses Flask-Mail with the settings
read from ``SMTP_URL`` (``smtp://[user:password@]host[:port]``, ``smtps://`` for TLS from the start,
``?starttls=1`` to upgrade) and the sender ``ORGBUILD_MAIL_FROM``.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from urllib.parse import parse_qs, unquote, urlsplit

from flask import current_app
from flask_mail import Mail
from flask_mail import Message as MailMessage
from sqlalchemy import Select, func, select

from ..domain.rules import Message
from ..extensions import db
from ..i18n import translate_message
from ..models import Organization, User, local_date
from ..progress.queries import OPEN_STATUSES, latest_follow_up


class ReminderError(ValueError):
    """A digest could not be sent; the message says why."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass
class Digest:
    officer: User
    day: date
    overdue: list[tuple[Organization, date]] = field(default_factory=list)
    assigned: list[Organization] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.overdue and not self.assigned

    def text(self) -> str:
        """The digest as plain text (in the language of the moment: the command line's, or the page's)."""
        lines = [translate_message(Message("%(name)s 的每日提醒（%(day)s）", name=self.officer.label, day=self.day.isoformat()))]
        lines.append(translate_message(Message("逾期未跟进：%(n)d 家", n=len(self.overdue))))
        for org, due in self.overdue:
            lines.append(translate_message(Message("  %(name)s（%(street)s）应于 %(due)s 跟进，已逾期 %(days)d 天", name=org.name,
                                     street=org.street.short_name, due=due.isoformat(), days=(self.day - due).days)))
        lines.append(translate_message(Message("新分配给您：%(n)d 家", n=len(self.assigned))))
        for org in self.assigned:
            lines.append(f"  {org.name}（{org.street.short_name}）")
        return "\n".join(lines) + "\n"


def officers(username: str | None = None) -> list[User]:
    """The active officers (or the one named) a digest goes to, by username."""
    query = select(User).where(User.active.is_(True), User.role == "officer").order_by(User.username)
    if username:
        query = select(User).where(User.username == username.strip())
    found = list(db.session.scalars(query))
    if username and not found:
        raise ReminderError(Message("用户 %(name)s 不存在", name=username))
    return found


def _follow_ups(officer: User, before: date | None = None, start: date | None = None,
                end: date | None = None) -> tuple[Select, Select]:
    """(rows, count) selects of the officer's open work (已建党, 已摸排 / 已走访) whose latest visit
    named a follow-up date before `before`, or from `start` to `end` inclusive; soonest first."""
    due = latest_follow_up()
    where = [Organization.officer_id == officer.id, Organization.has_party_org.is_(True),
             Organization.status.in_(OPEN_STATUSES)]
    if before is not None:
        where.append(due < before)
    if start is not None:
        where += [due >= start, due <= end]
    rows = select(Organization, due.label("due")).where(*where).order_by(due, Organization.name, Organization.id)
    return rows, select(func.count()).select_from(Organization).where(*where)


@dataclass
class WeekAgenda:
    """An officer's home: follow-ups overdue (before today) and due this week (today to Sunday),
    each counted in full and listed up to a limit."""

    today: date
    week_end: date
    overdue_count: int
    overdue: list[tuple[Organization, date]]
    due_count: int
    due: list[tuple[Organization, date]]


def week_agenda(officer: User, today: date | None = None, limit: int = 20) -> WeekAgenda:
    """What is overdue and what is due this week for `officer` (default today: the district's)."""
    today = today or local_date()
    week_end = today + timedelta(days=6 - today.weekday())
    overdue_rows, overdue_count = _follow_ups(officer, before=today)
    due_rows, due_count = _follow_ups(officer, start=today, end=week_end)
    return WeekAgenda(
        today=today, week_end=week_end,
        overdue_count=db.session.scalar(overdue_count) or 0,
        overdue=[(o, d) for o, d in db.session.execute(overdue_rows.limit(limit))],
        due_count=db.session.scalar(due_count) or 0,
        due=[(o, d) for o, d in db.session.execute(due_rows.limit(limit))],
    )


def digest_for(officer: User, today: date | None = None) -> Digest:
    """The officer's digest for `today` (default: the district's today)."""
    today = today or local_date()
    overdue = db.session.execute(_follow_ups(officer, before=today)[0]).all()
    assigned = db.session.scalars(
        select(Organization).where(Organization.officer_id == officer.id,
                                   Organization.assigned_on >= today - timedelta(days=1))
        .order_by(Organization.name, Organization.id)).all()
    return Digest(officer=officer, day=today, overdue=[(o, d) for o, d in overdue], assigned=list(assigned))


def mail_settings(url: str, sender: str) -> dict:
    """Flask-Mail settings from an SMTP URL; raises ReminderError for one it cannot read."""
    parts = urlsplit(url or "")
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise ReminderError(Message("SMTP_URL 应形如 smtp://用户:密码@主机:端口（现为 %(url)s）", url=url))
    query = parse_qs(parts.query)
    return {
        "MAIL_SERVER": parts.hostname,
        "MAIL_PORT": parts.port or (465 if parts.scheme == "smtps" else 25),
        "MAIL_USERNAME": unquote(parts.username) if parts.username else None,
        "MAIL_PASSWORD": unquote(parts.password) if parts.password else None,
        "MAIL_USE_SSL": parts.scheme == "smtps",
        "MAIL_USE_TLS": query.get("starttls", ["0"])[0] in ("1", "true", "yes"),
        "MAIL_DEFAULT_SENDER": sender,
        "MAIL_SUPPRESS_SEND": False,
    }


def send_mails(mails: list[tuple[str, str, str]]) -> None:
    """E-mail each (address, subject, body) over one connection. Raises ReminderError when SMTP_URL
    is missing or the server cannot be reached."""
    url = current_app.config.get("SMTP_URL")
    if not url:
        raise ReminderError(Message("未设置 SMTP_URL，无法发送邮件"))
    state = Mail().init_mail(mail_settings(url, current_app.config["MAIL_FROM"]))
    current_app.extensions["mail"] = state  # Flask-Mail's connection reads the app's mail state
    if not mails:
        return
    try:
        with state.connect() as connection:
            for address, subject, body in mails:
                connection.send(MailMessage(subject=subject, recipients=[address], body=body,
                                            sender=state.default_sender))
    except OSError as error:
        raise ReminderError(Message("无法连接邮件服务器：%(error)s", error=str(error))) from error


def send(digests: list[Digest]) -> list[str]:
    """E-mail each non-empty digest to its officer over one connection; returns the usernames
    skipped for want of an address. Raises ReminderError when SMTP_URL is missing or unreachable."""
    skipped = [d.officer.username for d in digests if not d.empty and not d.officer.email]
    send_mails([(d.officer.email,
                 translate_message(Message("每日提醒：逾期 %(overdue)d 家，新分配 %(assigned)d 家",
                             overdue=len(d.overdue), assigned=len(d.assigned))),
                 d.text()) for d in digests if not d.empty and d.officer.email])
    return skipped
