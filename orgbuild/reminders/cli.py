"""Command line of reminders (DESIGN.md contract): ``digest [--officer USERNAME] [--send]``."""
from __future__ import annotations

import click

from . import service as reminders


@click.command("digest")
@click.option("--officer", "username", help="Only this officer's digest.")
@click.option("--send", is_flag=True, help="E-mail the digests (SMTP_URL) instead of printing them.")
def digest_command(username: str | None, send: bool) -> None:
    """The daily digest of each active officer: overdue follow-ups and organisations assigned since yesterday."""
    try:
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
