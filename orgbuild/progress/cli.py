"""``flask --app orgbuild progress [--json] [--year Y] [--district CODE] [--street NAME]``: the
dashboard's figures for the whole city (no user), one district or one street, as a table or as the
JSON object of the API."""
from __future__ import annotations

import json
import unicodedata

import click

from . import figures as progress


def _cell(value) -> str:
    """A table cell: '-' for "no target" (None)."""
    return "-" if value is None else str(value)


def pad(text: str, width: int) -> str:
    """`text` padded to `width` terminal columns (CJK characters take two)."""
    used = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
    return text + " " * max(width - used, 0)


def format_table(p: dict) -> str:
    """The progress object as plain text: the headline figures, then one line per street."""
    lines = [
        f"Progress {p['year']} ({p['scope']})",
        f"  surveyed {p['surveyed']}, party orgs {p['party_orgs']} "
        f"(with league {p['party_and_league']}, without {p['party_no_league']}), ineligible {p['ineligible']}",
        f"  visited {p['visited']} / {p['party_no_league']} = {_cell(p['visit_coverage_pct'])} %",
        f"  established {p['established']} / target {_cell(p['new_branch_target'])} = {_cell(p['new_branch_pct'])} %",
        f"  onboarded {p['onboarded']} / target {_cell(p['onboarding_target'])}"
        f"{' (derived)' if p['onboarding_target_derived'] else ''} = {_cell(p['onboarding_pct'])} %",
        f"  overdue follow-ups {p['overdue_followups']}",
        "",
    ]
    columns = [("street", 12), ("surveyed", 8), ("party_orgs", 10), ("visited", 8), ("visit_coverage_pct", 8),
               ("established", 11), ("new_branch_target", 7), ("new_branch_pct", 8), ("onboarded", 9),
               ("onboarding_pct", 8)]
    titles = ["street", "surveyed", "party", "visited", "visit%", "established", "target", "branch%", "onboarded",
              "onboard%"]
    header = "  ".join(pad(t, w) for t, (_, w) in zip(titles, columns)).rstrip()
    if len(p.get("by_district", [])) > 1:  # a city: one line per district first
        lines.append(header.replace("street  ", "district", 1))
        for row in p["by_district"]:
            lines.append("  ".join(pad(_cell(row["district_name"] if k == "street" else row[k]), w) for k, w in columns).rstrip())
        lines.append("")
    lines.append(header)
    for row in p["by_street"]:
        lines.append("  ".join(pad(_cell(row[k]), w) for k, w in columns).rstrip())
    return "\n".join(lines)


@click.command("progress")
@click.option("--json", "as_json", is_flag=True, help="Print the progress object as JSON.")
@click.option("--year", type=click.IntRange(2000, 2100), help="Campaign year (default: latest with data).")
@click.option("--district", metavar="CODE", help="One district, by its code or name (default: every district).")
@click.option("--street", help="One street, by its short or full name (default: the whole district).")
def progress_command(as_json: bool, year: int | None, district: str | None, street: str | None) -> None:
    """Print the campaign's progress against its targets (the dashboard's figures)."""
    try:
        data = progress.progress_for(None, year=year, street=street, district=district)
    except progress.ScopeError as error:
        raise click.BadParameter(str(error.message), param_hint="'--street'" if street else "'--district'") from None
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        click.echo(format_table(data))
