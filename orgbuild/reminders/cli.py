"""Command line of reminders (DESIGN.md contract): ``digest [--officer USERNAME] [--send]``, and the
supervisors' weekly summary per street: ``digest --weekly [--street NAME] [--send]``."""
from __future__ import annotations

import click

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
        failure = click.ClickException(str(error.message))
        failure.exit_code = 2
        raise failure from None
    sent = [d for d in digests if not d.empty and d.officer.username not in skipped]
    click.echo(f"Sent {len(sent)} digests; empty {sum(d.empty for d in digests)}; "
               f"without an e-mail address: {', '.join(skipped) or '-'}")


def _weekly(street_name: str | None, send: bool) -> None:
    """Print or e-mail the weekly summaries."""
    weeks = weekly_service.weekly(street_name)
    if not send:
        for week in weeks:
            click.echo(week.text())
        return
    sent, skipped = weekly_service.send_weekly(weeks)
    click.echo(f"Sent {sent} weekly summaries ({len(weeks)} streets); "
               f"without an e-mail address: {', '.join(skipped) or '-'}")
