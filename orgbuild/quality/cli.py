"""``quality [--json] [--year Y] [--as-of D] [--street NAME]`` — branch quality after founding
(DESIGN.md): branches, eligible, graded, levels, warnings and rectifications, per street, as of a date.

Its sub-commands run the year's grading round (对标定级) with the services the rounds page uses:

- ``quality round open --year Y [--held-on D] [--cutoff-on D] [--five-star-cap N] [--note T] [--json]``
  records the round (the values not given: the round's own, else the configured defaults), or opens
  a closed one again;
- ``quality round close --year Y [--on D] [--json]``: no grading step of that year after it;
- ``quality round list [--json]``;
- ``quality gradings --year Y [--street NAME] [--state S] [--json]``: the round's gradings.

Exit 0: done; 2: refused (the reasons in the command line's language, nothing written). The actor is the
command line (audit rows without a user), as for ``assign``.
"""
from __future__ import annotations

import json

import click

from .. import clitext
from ..campaign.actions import ServiceError, local_today
from ..domain import grading as machine
from ..domain.quality import AREAS, LEVEL_LABELS
from ..domain.rules import Message
from ..progress import figures as progress
from ..progress.cli import DATE, YEAR, as_date
from ..progress.scope import Scope
from . import grading as service
from .grading import quality_figures
from .roster import WARNING_LABELS


def format_table(q: dict) -> str:
    """The quality object as plain text."""
    t = clitext.text

    def counts(found: dict, labels: dict) -> str:
        return "，".join(f"{t(Message(labels.get(k, k)))} {v}" for k, v in found.items())

    lines = [t(Message("%(year)s 年团组织质量，截至 %(as_of)s（参加定级：%(cutoff)s 前成立）", year=q["year"],
                       as_of=q["as_of"], cutoff=q["cutoff"])),
             t(Message("  团组织 %(branches)d 个，应参加定级 %(eligible)d 个，已定级 %(graded)d 个", branches=q["branches"],
                       eligible=q["eligible"], graded=q["graded"])),
             t(Message("  定级：%(levels)s", levels=counts(q["levels"], LEVEL_LABELS))),
             t(Message("  预警：%(warnings)s", warnings=counts(q["warnings"], WARNING_LABELS))),
             t(Message("  整改任务：未完成 %(open)d 个，逾期 %(overdue)d 个", open=q["rectifications_open"],
                       overdue=q["rectifications_overdue"]))]
    if q["five_star_over_cap"]:
        lines.append(t(Message("  五星级占比 %(pct)s %% 超过上限 %(cap)s %%", pct=q["five_star_pct"], cap=q["five_star_cap_pct"])))
    for s in q["by_street"]:
        lines.append(t(Message("  %(street)s：团组织 %(branches)d 个，应参加定级 %(eligible)d 个，已定级 %(graded)d 个，预警 %(warnings)s",
                               street=s["street"], branches=s["branches"], eligible=s["eligible"], graded=s["graded"],
                               warnings=counts(s["warnings"], WARNING_LABELS))))
    return "\n".join(lines)


@click.group("quality", invoke_without_command=True)
@click.option("--json", "as_json", is_flag=True, help="Print the quality object as JSON.")
@click.option("--year", type=YEAR, help="Grading year (default: the year of --as-of, else this year).")
@click.option("--as-of", "as_of", type=DATE, help="Count records dated up to this day (default: the earlier of "
              "today and 31 December of the year).")
@click.option("--street", help="One street, by its short or full name (default: every street).")
def quality_command(as_json: bool, year: int | None, as_of, street: str | None) -> None:
    """Print the quality of founded branches: grading levels and hollow-branch warnings.

    The sub-commands open, close and list the grading rounds and list a round's gradings."""
    if click.get_current_context().invoked_subcommand is not None:
        return
    day = as_date(as_of)
    year = year or (day.year if day else local_today().year)
    data = quality_figures(_scope(street), year, day)
    click.echo(json.dumps(data, ensure_ascii=False, indent=2) if as_json else format_table(data))


def _scope(street: str | None) -> Scope:
    try:
        return progress.scope_for(None, street_name=street)
    except progress.ScopeError as error:
        raise clitext.bad_parameter(error.message, "'--street'") from None


def _refusal(error: ServiceError) -> click.ClickException:
    """A refusal that exits 2 with every reason, in the command line's language, and no traceback."""
    return clitext.refusal("；".join(clitext.text(m) for _, m in error.errors), 2)


def round_json(found, year: int) -> dict:
    """A grading round with how far its grading is (the district's figures as of today)."""
    figures = quality_figures(Scope(), year)
    return {
        "year": year, "recorded": found is not None,
        "held_on": service.grading_day(year).isoformat(), "cutoff_on": service.reference_day(year).isoformat(),
        "eligible_founded_by": figures["cutoff"], "five_star_cap": service.five_star_cap(year),
        "note": found.note if found is not None else "",
        "state": "closed" if found is not None and found.closed_on else "open",
        "closed_on": found.closed_on.isoformat() if found is not None and found.closed_on else None,
        "eligible": figures["eligible"], "graded": figures["graded"], "grading_pct": figures["grading_pct"],
        "five_star_pct": figures["five_star_pct"], "five_star_over_cap": figures["five_star_over_cap"],
    }


def _echo_round(data: dict, as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False))
        return
    t = clitext.text
    state = t(Message("已于%(day)s结束", day=data["closed_on"]) if data["closed_on"] else Message("进行中"))
    clitext.say(Message("%(year)d 年定级轮次（%(state)s）：定级日期 %(held)s，截止日期 %(cutoff)s（%(founded)s 前成立的参加），"
                        "五星级上限 %(cap)d %%；应参加定级 %(eligible)d 个，已定级 %(graded)d 个", year=data["year"],
                        state=state, held=data["held_on"], cutoff=data["cutoff_on"],
                        founded=data["eligible_founded_by"], cap=data["five_star_cap"], eligible=data["eligible"],
                        graded=data["graded"]))
    if data["five_star_over_cap"]:
        clitext.say(Message("  五星级占比 %(pct)s %% 超过上限 %(cap)s %%", pct=data["five_star_pct"],
                            cap=data["five_star_cap"]))


@quality_command.group("round")
def round_group() -> None:
    """Open, close or list the grading rounds (对标定级)."""


@round_group.command("open")
@click.option("--year", type=YEAR, required=True, help="The round's year.")
@click.option("--held-on", "held_on", type=DATE, help="The day of the grading (default: the round's, else the "
              "configured day).")
@click.option("--cutoff-on", "cutoff_on", type=DATE, help="The day eligibility counts back from: founded at least "
              "six months before it (default: the round's, else its day).")
@click.option("--five-star-cap", "cap", type=int, help="Largest share of five-star branches, percent.")
@click.option("--note", help="A note on the round (default: the round's).")
@click.option("--json", "as_json", is_flag=True, help="Print the round as JSON.")
def round_open_command(year: int, held_on, cutoff_on, cap: int | None, note: str | None, as_json: bool) -> None:
    """Record the year's grading round, or open a closed one again (audited)."""
    found = service.round_of(year)
    held = as_date(held_on) or service.grading_day(year)
    cutoff = as_date(cutoff_on) or (service.reference_day(year) if found is not None else held)
    data = service.RoundData(held, cutoff,
                             service.five_star_cap(year) if cap is None else cap,
                             (found.note if found is not None else "") if note is None else note)
    try:
        found = service.set_round(year, data, actor=None, reopen=True)
    except ServiceError as error:
        raise _refusal(error) from None
    _echo_round(round_json(found, year), as_json)


@round_group.command("close")
@click.option("--year", type=YEAR, required=True, help="The round's year.")
@click.option("--on", "on", type=DATE, help="The day it closes (default: today).")
@click.option("--json", "as_json", is_flag=True, help="Print the round as JSON.")
def round_close_command(year: int, on, as_json: bool) -> None:
    """Close the year's round: its gradings take no further step (audited)."""
    try:
        found = service.close_round(year, actor=None, on=as_date(on))
    except ServiceError as error:
        raise _refusal(error) from None
    _echo_round(round_json(found, year), as_json)


@round_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print the rounds as a JSON list.")
def round_list_command(as_json: bool) -> None:
    """Print the recorded rounds, the latest year first."""
    rows = [round_json(found, found.year) for found in service.rounds()]
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False))
        return
    if not rows:
        clitext.say(Message("尚未设置定级轮次"))
    for data in rows:
        _echo_round(data, False)


@quality_command.command("gradings")
@click.option("--year", type=YEAR, required=True, help="The round's year.")
@click.option("--street", help="One street, by its short or full name (default: every street).")
@click.option("--state", type=click.Choice(list(machine.STATES)), help="Only the gradings in this state.")
@click.option("--json", "as_json", is_flag=True, help="Print the gradings as JSON.")
def gradings_command(year: int, street: str | None, state: str | None, as_json: bool) -> None:
    """Print the gradings of the year's round, by street and name."""
    rows = service.gradings_of(_scope(street), year, state)
    items = [{"credit_code": r.credit_code, "name": r.name, "street": r.street, "state": r.state,
              "scores": {area: getattr(r, area) for area in AREAS}, "veto": bool(r.veto),
              "total": r.total, "level": r.level,
              "confirmed_on": r.confirmed_on.isoformat() if r.confirmed_on else None} for r in rows]
    found = service.round_of(year)
    if as_json:
        click.echo(json.dumps({"year": year, "state": "closed" if found is not None and found.closed_on else "open",
                               "count": len(items), "gradings": items}, ensure_ascii=False))
        return
    clitext.say(Message("%(year)d 年定级：%(n)d 个", year=year, n=len(items)))
    t = clitext.text
    for item in items:
        click.echo("\t".join(["  " + item["street"], item["name"], t(Message(machine.STATES[item["state"]])),
                              "-" if item["total"] is None else str(item["total"]),
                              t(Message(LEVEL_LABELS[item["level"]])) if item["level"] else "-"]))
