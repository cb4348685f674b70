"""``quality [--json] [--year Y] [--as-of D] [--street NAME]`` — branch quality after founding
(DESIGN.md): branches, eligible, graded, levels, warnings and rectifications, per street, as of a date."""
from __future__ import annotations

import json

import click

from .. import clitext
from ..campaign.actions import local_today
from ..domain.quality import LEVEL_LABELS
from ..domain.rules import Message
from ..progress import figures as progress
from ..progress.cli import DATE, YEAR, as_date
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


@click.command("quality")
@click.option("--json", "as_json", is_flag=True, help="Print the quality object as JSON.")
@click.option("--year", type=YEAR, help="Grading year (default: the year of --as-of, else this year).")
@click.option("--as-of", "as_of", type=DATE, help="Count records dated up to this day (default: the earlier of "
              "today and 31 December of the year).")
@click.option("--street", help="One street, by its short or full name (default: every street).")
def quality_command(as_json: bool, year: int | None, as_of, street: str | None) -> None:
    """Print the quality of founded branches: grading levels and hollow-branch warnings."""
    day = as_date(as_of)
    year = year or (day.year if day else local_today().year)
    try:
        scope = progress.scope_for(None, street_name=street)
    except progress.ScopeError as error:
        raise clitext.bad_parameter(error.message, "'--street'") from None
    data = quality_figures(scope, year, day)
    click.echo(json.dumps(data, ensure_ascii=False, indent=2) if as_json else format_table(data))
