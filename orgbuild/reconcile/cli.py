"""``flask --app orgbuild reconcile FILE [--json]``: a thin wrapper over :mod:`orgbuild.reconcile.service`.

Exit codes (DESIGN.md): 0 everything matches; 1 differences found; 2 the file was refused. ``--json``
prints one object: file, rows, matched, only_in_platform, only_here, mismatched[{credit_code, name,
field, here, platform}] (and errors, run, run_on).
"""
from __future__ import annotations

import json
import os
import sys

import click

from .. import clitext
from ..domain.rules import Message
from ..imports.reader import ENCODINGS, FileRefused
from . import service

EXIT_OK, EXIT_DIFFERENCES, EXIT_REFUSED = 0, 1, 2


@click.command("reconcile")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of text.")
@click.option("--encoding", type=click.Choice(ENCODINGS), default="auto", show_default=True, help="CSV encoding.")
@click.option("--sheet", default=None, help="XLSX sheet name (default: the first sheet).")
def reconcile_command(file: str, as_json: bool, encoding: str, sheet: str | None) -> None:
    """Compare orgbuild with an organisation list exported from 智慧团建 (CSV or XLSX)."""
    try:
        if not os.path.isfile(file):
            raise FileRefused(Message("找不到文件：%(file)s", file=file))
        run = service.run_reconcile(file, filename=file, encoding=encoding, sheet=sheet)
    except FileRefused as refused:
        if as_json:
            click.echo(json.dumps({"file": file, "rows": 0, "matched": 0, "only_in_platform": [], "only_here": [],
                                   "mismatched": [], "errors": [{"row": None, "column": "", "value": "",
                                                                 "message": str(refused.message)}]}, ensure_ascii=False))
        else:
            clitext.say(Message("文件被拒绝：%(message)s", message=refused.message), err=True)
        sys.exit(EXIT_REFUSED)
    result = run.result
    if as_json:
        click.echo(json.dumps(result, ensure_ascii=False))
    else:
        _print_text(result)
    sys.exit(EXIT_DIFFERENCES if service.has_differences(result) else EXIT_OK)


def _print_text(result: dict) -> None:
    """The human-readable report."""
    say = clitext.say
    say(Message("%(file)s：共 %(rows)d 行，一致 %(matched)d，仅在智慧团建 %(platform)d，仅在本系统 %(here)d，"
                "字段不一致 %(mismatched)d（第 %(run)d 次核对，%(day)s）", file=result["file"], rows=result["rows"],
                matched=result["matched"], platform=len(result["only_in_platform"]), here=len(result["only_here"]),
                mismatched=len(result["mismatched"]), run=result["run"], day=result["run_on"]))
    for item in result["only_in_platform"]:
        say(Message("  仅在智慧团建，第 %(row)s 行：%(name)s（%(category)s）", row=item["row"], name=item["name"],
                    category=item["category"]))
    for item in result["only_here"]:
        say(Message("  仅在本系统：%(code)s %(name)s（%(street)s，%(day)s 入驻）", code=item["credit_code"],
                    name=item["name"], street=item["street"], day=item["onboarded_on"]))
    for item in result["mismatched"]:
        say(Message("  第 %(row)s 行 %(code)s %(name)s：%(field)s 本系统 %(here)r，智慧团建 %(platform)r", row=item["row"],
                    code=item["credit_code"], name=item["name"], field=str(service.FIELD_LABELS.get(item["field"], item["field"])), here=item["here"],
                    platform=item["platform"]))
    for item in result["errors"]:
        say(Message("  第 %(row)s 行，%(column)s = %(value)r：%(message)s", row=item["row"], column=item["column"],
                    value=item["value"], message=item["message"]))
