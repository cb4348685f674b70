"""Command line of assignment (DESIGN.md contract):

- ``assign --street NAME --auto [--dry-run] [--json]``: each unassigned organisation of the street to
  the active officer with the least open work at that moment;
- ``assign --officer USERNAME CREDIT_CODE...``: by hand.
"""
from __future__ import annotations

import json

import click

from .. import clitext
from ..accounts import service as accounts
from ..domain.rules import Message
from . import service as assignment


def _refusal(message: str) -> click.ClickException:
    """A refusal that exits 2 with the message and no traceback."""
    return clitext.refusal(message, 2)


@click.command("assign")
@click.option("--street", "street_name", help="The street to auto-assign (its full or short name).")
@click.option("--auto", "auto", is_flag=True, help="Spread the street's unassigned organisations by open work.")
@click.option("--dry-run", is_flag=True, help="Show the plan, write nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.option("--officer", "username", help="The officer to give the organisations to.")
@click.argument("credit_codes", nargs=-1)
def assign_command(street_name: str | None, auto: bool, dry_run: bool, as_json: bool, username: str | None,
                   credit_codes: tuple[str, ...]) -> None:
    """Assign organisations to officers (audited; the actor is the command line)."""
    try:
        if auto:
            if not street_name or credit_codes or username:
                raise _refusal(Message("--auto 需要 --street，且不能同时给出 --officer 或信用代码"))
            street = accounts.find_streets([street_name])[0]
            plan = assignment.auto_assign(street, actor=None, dry_run=dry_run)
            result = plan.as_json(committed=not dry_run)
            if as_json:
                click.echo(json.dumps(result, ensure_ascii=False))
                return
            clitext.say(Message("%(street)s：分配 %(n)d 家组织（试运行，未写入）", street=result["street"], n=len(plan.pairs))
                        if dry_run else Message("%(street)s：分配 %(n)d 家组织", street=result["street"], n=len(plan.pairs)))
            for name, n in result["assigned"].items():
                clitext.say(Message("  %(name)s\t+%(n)d\t分配后在办 %(open)d 家", name=name, n=n,
                                    open=result["open_work_after"][name]))
            return
        if not username or not credit_codes:
            raise _refusal(Message("请给出 --street NAME --auto，或 --officer USERNAME 及信用代码"))
        officer = accounts.find_user(username)
        changed = assignment.assign(assignment.find_orgs(list(credit_codes)), officer, actor=None)
        clitext.say(Message("已将 %(n)d 家组织分配给 %(name)s", n=changed, name=officer.username))
    except (accounts.AccountError, assignment.AssignmentError) as error:
        raise _refusal(error.message) from None
