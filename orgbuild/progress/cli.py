"""Command line of the campaign figures (DESIGN.md contracts):

- ``progress [--json] [--year Y] [--as-of YYYY-MM-DD] [--district CODE] [--street NAME]``: the
  dashboard's figures for the whole city (no user), one district or one street as of a date, as a
  table or as the API's JSON object;
- ``snapshot create --year Y [--as-of D] [--title T]`` / ``snapshot list [--json]`` / ``snapshot show ID [--json]``;
- ``bulletin --year Y [--as-of D | --snapshot ID] --format {docx,html,json} -o FILE``.
"""
from __future__ import annotations

import json
import unicodedata
from datetime import date

import click

from .. import clitext
from ..campaign.actions import ServiceError, local_today
from ..districts import service as districts
from . import bulletins, documents, snapshots
from . import figures as progress
from ..domain.rules import Message


def _cell(value) -> str:
    """A table cell: '-' for "no target" (None)."""
    return "-" if value is None else str(value)


def pad(text: str, width: int) -> str:
    """`text` padded to `width` terminal columns (CJK characters take two)."""
    used = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
    return text + " " * max(width - used, 0)


def scope_text(p: dict) -> object:
    """Whose figures these are, for people: the whole city, a district's name, or the streets' names."""
    if p["scope"] == "city":
        return Message("全市")
    if p["scope"] == "district":
        found = districts.find_district(p.get("district"))
        return found.name if found is not None else Message("全区")
    return p["scope"]


def format_table(p: dict) -> str:
    """The progress object as plain text: the headline figures, then one line per street."""
    t = clitext.text
    lines = [
        t(Message("%(year)s 年进度（%(scope)s），截至 %(as_of)s", year=p["year"], scope=scope_text(p), as_of=p["as_of"])),
        t(Message("  摸排 %(surveyed)d 家，有党组织 %(party)d 家（已有团组织 %(league)d 家，未建团 %(no_league)d 家），"
                  "不符合建团条件 %(ineligible)d 家", surveyed=p["surveyed"], party=p["party_orgs"],
                  league=p["party_and_league"], no_league=p["party_no_league"], ineligible=p["ineligible"])),
        t(Message("  走访 %(visited)d / %(base)d = %(pct)s %%", visited=p["visited"], base=p["party_no_league"],
                  pct=_cell(p["visit_coverage_pct"]))),
        t(Message("  建团 %(n)d / 目标 %(target)s = %(pct)s %%", n=p["established"], target=_cell(p["new_branch_target"]),
                  pct=_cell(p["new_branch_pct"]))),
        t(Message("  入驻 %(n)d / 目标 %(target)s%(derived)s = %(pct)s %%", n=p["onboarded"],
                  target=_cell(p["onboarding_target"]),
                  derived=Message("（推算）") if p["onboarding_target_derived"] else "", pct=_cell(p["onboarding_pct"]))),
        t(Message("  今日逾期未跟进 %(n)s 家", n=_cell(p.get("overdue_followups")))),
        "",
    ]
    columns = [("street", 12), ("surveyed", 8), ("party_orgs", 10), ("visited", 8), ("visit_coverage_pct", 8),
               ("established", 11), ("new_branch_target", 7), ("new_branch_pct", 8), ("onboarded", 9),
               ("onboarding_pct", 8)]
    titles = [t(m) for m in (Message("街道"), Message("摸排"), Message("党组织"), Message("走访"), Message("走访%"),
                             Message("建团"), Message("目标"), Message("建团%"), Message("入驻"), Message("入驻%"))]
    header = "  ".join(pad(title, w) for title, (_, w) in zip(titles, columns)).rstrip()
    if len(p.get("by_district", [])) > 1:  # a city: one line per district first
        lines.append("  ".join(pad(t(Message("区")) if i == 0 else title, w)
                               for i, (title, (_, w)) in enumerate(zip(titles, columns))).rstrip())
        for row in p["by_district"]:
            lines.append("  ".join(pad(_cell(row["district_name"] if k == "street" else row[k]), w) for k, w in columns).rstrip())
        lines.append("")
    lines.append(header)
    for row in p["by_street"]:
        lines.append("  ".join(pad(_cell(row[k]), w) for k, w in columns).rstrip())
    return "\n".join(lines)


#: ``--as-of`` and the other date options: YYYY-MM-DD.
DATE = click.DateTime(formats=["%Y-%m-%d"])
YEAR = click.IntRange(2000, 2100)


def as_date(value) -> date | None:
    """The date of a ``click.DateTime`` value (None stays None)."""
    return value.date() if value is not None else None


@click.command("progress")
@click.option("--json", "as_json", is_flag=True, help="Print the progress object as JSON.")
@click.option("--year", type=YEAR, help="Campaign year (default: the year of --as-of, else the latest with data).")
@click.option("--as-of", "as_of", type=DATE, help="Count records dated up to this day (default: the earlier of "
              "today and 31 December of the year).")
@click.option("--district", metavar="CODE", help="One district, by its code or name (default: every district).")
@click.option("--street", help="One street, by its short or full name (default: the whole district).")
def progress_command(as_json: bool, year: int | None, as_of, district: str | None, street: str | None) -> None:
    """Print the campaign's progress against its targets as of a date (the dashboard's figures)."""
    try:
        data = progress.progress_for(None, year=year, street=street, district=district, as_of=as_date(as_of))
    except progress.ScopeError as error:
        raise clitext.bad_parameter(error.message, "'--street'" if street else "'--district'") from None
    except progress.AsOfError as error:
        raise clitext.bad_parameter(error.message, "'--as-of'") from None
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        click.echo(format_table(data))


def _refusal(error: ServiceError) -> click.ClickException:
    """A service's refusal as a command-line error: a bad date is a usage error (exit 2), the rest exit 1."""
    message = "；".join(clitext.text(m) for m in error.messages)
    if any(field == "as_of" for field, _ in error.errors):
        return clitext.bad_parameter(message, "--as-of")
    return clitext.refusal(message)


@click.group("snapshot")
def snapshot_group() -> None:
    """Frozen progress objects: create, list, show (a snapshot never changes)."""


@snapshot_group.command("create")
@click.option("--year", type=YEAR, required=True, help="Campaign year.")
@click.option("--as-of", "as_of", type=DATE, help="Default: the earlier of today and 31 December of the year.")
@click.option("--title", help="Default: the usual title of a bulletin for the year, as of the date.")
def snapshot_create_command(year: int, as_of, title: str | None) -> None:
    """Freeze the whole district's progress as of a date; print the new snapshot's id."""
    try:
        snapshot = snapshots.create_snapshot(None, year, as_of=as_date(as_of), title=title)
    except ServiceError as error:
        raise _refusal(error) from None
    click.echo(snapshot.id)


@snapshot_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print the list as JSON.")
def snapshot_list_command(as_json: bool) -> None:
    """Every snapshot, newest as-of date first."""
    found = [snapshots.summary(s) for s in snapshots.visible(None)]
    if as_json:
        click.echo(json.dumps(found, ensure_ascii=False, indent=2))
        return
    for s in found:
        click.echo(f"{s['id']}\t{s['year']}\t{s['as_of']}\t{s['scope']}\t{s['title']}")


def _snapshot(snapshot_id: int):
    """The snapshot with this id, or a usage error (exit 2)."""
    snapshot = snapshots.find(None, snapshot_id)
    if snapshot is None:
        raise clitext.bad_parameter(Message("没有编号为 %(id)d 的快照", id=snapshot_id), "'ID'")
    return snapshot


@snapshot_group.command("show")
@click.argument("snapshot_id", metavar="ID", type=int)
@click.option("--json", "as_json", is_flag=True, help="Print the snapshot (with its frozen progress object) as JSON.")
def snapshot_show_command(snapshot_id: int, as_json: bool) -> None:
    """One snapshot: its frozen figures (and, as text, what has been corrected since)."""
    snapshot = _snapshot(snapshot_id)
    if as_json:
        click.echo(json.dumps(snapshots.as_json(snapshot), ensure_ascii=False, indent=2))
        return
    s = snapshots.summary(snapshot)
    clitext.say(Message("快照 %(id)d：%(title)s（%(when)s 由 %(who)s 创建）", id=s["id"], title=s["title"],
                        when=clitext.local_time(s["created_at"]), who=s["created_by"] or Message("命令行")))
    click.echo(format_table(snapshots.figures_of(snapshot)["progress"]))
    for c in snapshots.drift(snapshot):
        clitext.say(Message("  此后更正：%(where)s %(figure)s %(reported)s -> %(now)s", where=c["street"] or Message("全区"),
                            figure=Message(bulletins.FIGURE_NAMES.get(c["figure"], c["figure"])),
                            reported=c["reported"], now=c["now"]))


@click.command("bulletin")
@click.option("--year", type=YEAR, required=True, help="Campaign year.")
@click.option("--as-of", "as_of", type=DATE, help="Build it now as of this day (default: the earlier of today and 31 December).")
@click.option("--snapshot", "snapshot_id", type=int, help="Build it from this snapshot (the same bytes every time).")
@click.option("--format", "fmt", type=click.Choice(sorted(documents.FORMATS)), required=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), required=True, help="File to write.")
def bulletin_command(year: int, as_of, snapshot_id: int | None, fmt: str, output: str) -> None:
    """Write the ranked street bulletin (进度通报) as a Word document, a printable HTML page or JSON."""
    if as_of is not None and snapshot_id is not None:
        raise clitext.refusal(Message("--as-of 与 --snapshot 只能给出其一"), 2)
    if snapshot_id is not None:
        snapshot = _snapshot(snapshot_id)
        if snapshot.year != year:
            raise clitext.bad_parameter(Message("快照 %(id)d 属于 %(year)d 年，不是 %(asked)d 年", id=snapshot_id,
                                                year=snapshot.year, asked=year), "'--year'")
        bulletin = bulletins.for_snapshot(snapshot)
    else:
        try:
            bulletin = bulletins.for_date(None, year, as_date(as_of), local_today())
        except progress.AsOfError as error:
            raise clitext.bad_parameter(error.message, "'--as-of'") from None
    data = documents.render(bulletin, fmt)
    with open(output, "wb") as handle:
        handle.write(data)
    clitext.say(Message("已写入 %(file)s（%(size)d 字节）。", file=output, size=len(data)))
