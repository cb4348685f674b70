"""Command line of reminders (DESIGN.md contract): ``digest [--officer USERNAME] [--send]``, and the
supervisors' weekly summary per street: ``digest --weekly [--street NAME] [--send]``."""
from __future__ import annotations

import click

from .. import clitext
from ..domain.rules import Message
from . import service as reminders
from . import weekly as weekly_service


@click.command("digest")
@click.option("--officer", "username", help="Only this officer's digest.")
@click.option("--weekly", "weekly", is_flag=True, help="The supervisors' weekly summary per street instead.")
@click.option("--street", "street_name", help="With --weekly: only this street (its full or short name).")
@click.option("--send", is_flag=True, help="E-mail the digests (SMTP_URL) instead of printing them.")
def digest_command(username: str | None, weekly: bool, street_name: str | None, send: bool) -> None:
    """The daily digest of each active officer: overdue follow-ups and organisations assigned since yesterday.
    With --weekly, each street's weekly summary, e-mailed to the supervisors whose scope holds it."""
    try:
        if weekly or street_name:
            if username or not weekly:
                raise reminders.ReminderError(Message("--street 只能与 --weekly 同用，--weekly 不能与 --officer 同用"))
            _weekly(street_name, send)
            return
        digests = [reminders.digest_for(officer) for officer in reminders.officers(username)]
        if not send:
            for d in digests:
                click.echo(d.text())
            return
        skipped = reminders.send(digests)
    except reminders.ReminderError as error:
        raise clitext.refusal(error.message, 2) from None
    sent = [d for d in digests if not d.empty and d.officer.username not in skipped]
    clitext.say(Message("已发送每日提醒 %(sent)d 份；无事项 %(empty)d 份；没有电子邮箱：%(skipped)s", sent=len(sent),
                        empty=sum(d.empty for d in digests), skipped="、".join(skipped) or "-"))


def _weekly(street_name: str | None, send: bool) -> None:
    """Print or e-mail the weekly summaries."""
    weeks = weekly_service.weekly(street_name)
    if not send:
        for week in weeks:
            click.echo(week.text())
        return
    sent, skipped = weekly_service.send_weekly(weeks)
    clitext.say(Message("已发送每周汇总 %(sent)d 份（%(streets)d 个街道）；没有电子邮箱：%(skipped)s", sent=sent,
                        streets=len(weeks), skipped="、".join(skipped) or "-"))
