"""``quality [--json] [--year Y] [--as-of D] [--street NAME]`` — branch quality after founding
(DESIGN.md): branches, eligible, graded, levels, warnings and rectifications, per street, as of a date."""
from __future__ import annotations

import json

import click

from ..campaign.actions import local_today
from ..progress import figures as progress
from ..progress.cli import DATE, YEAR, as_date
from .grading import quality_figures


def format_table(q: dict) -> str:
    """The quality object as plain text."""
    lines = [f"Quality {q['year']}, as of {q['as_of']} (graded: founded by {q['cutoff']})",
             f"  branches {q['branches']}, eligible {q['eligible']}, graded {q['graded']}",
             "  levels " + ", ".join(f"{k} {v}" for k, v in q["levels"].items()),
             "  warnings " + ", ".join(f"{k} {v}" for k, v in q["warnings"].items())]
    lines.append(f"  rectifications open {q['rectifications_open']}, overdue {q['rectifications_overdue']}")
    if q["five_star_over_cap"]:
        lines.append(f"  five-star share {q['five_star_pct']} % is above the cap of {q['five_star_cap_pct']} %")
    for s in q["by_street"]:
        lines.append(f"  {s['street']}: branches {s['branches']}, eligible {s['eligible']}, graded {s['graded']}, "
                     f"warned " + ", ".join(f"{k} {v}" for k, v in s["warnings"].items()))
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
        raise click.BadParameter(str(error.message), param_hint="'--street'") from None
    data = quality_figures(scope, year, day)
    click.echo(json.dumps(data, ensure_ascii=False, indent=2) if as_json else format_table(data))
