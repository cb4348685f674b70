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
            click.echo(f"Refused: {refused.message}", err=True)
        sys.exit(EXIT_REFUSED)
    result = run.result
    if as_json:
        click.echo(json.dumps(result, ensure_ascii=False))
    else:
        _print_text(result)
    sys.exit(EXIT_DIFFERENCES if service.has_differences(result) else EXIT_OK)


def _print_text(result: dict) -> None:
    """The human-readable report."""
    click.echo(f"{result['file']}: rows {result['rows']}, matched {result['matched']}, "
               f"only in the platform {len(result['only_in_platform'])}, only here {len(result['only_here'])}, "
               f"differing fields {len(result['mismatched'])} (run #{result['run']}, {result['run_on']})")
    for item in result["only_in_platform"]:
        click.echo(f"  only in the platform, row {item['row']}: {item['name']} ({item['category']})")
    for item in result["only_here"]:
        click.echo(f"  only here: {item['credit_code']} {item['name']} ({item['street']}, onboarded {item['onboarded_on']})")
    for item in result["mismatched"]:
        click.echo(f"  row {item['row']} {item['credit_code']} {item['name']}: {item['field']} "
                   f"here {item['here']!r}, platform {item['platform']!r}")
    for item in result["errors"]:
        click.echo(f"  row {item['row']}, {item['column']} = {item['value']!r}: {item['message']}")
