"""``flask --app orgbuild import-survey FILE``: a thin wrapper over :mod:`orgbuild.imports.service`.

Exit codes (DESIGN.md): 0 no row rejected; 1 some rows rejected; 2 the file itself was refused.
``--json`` prints exactly one object: file, rows, created, updated, unchanged, rejected, committed,
errors[{row, column, value, message}]. A progress bar goes to a terminal only, never with --json.
"""
from __future__ import annotations

import json
import os
import sys

import click

from ..domain.rules import Message
from . import service as survey_import
from .reader import ENCODINGS, FileRefused

EXIT_OK, EXIT_REJECTED, EXIT_REFUSED = 0, 1, 2


@click.command("import-survey")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--dry-run", is_flag=True, help="Check and plan only; write nothing.")
@click.option("--strict", is_flag=True, help="Import nothing when any row is rejected.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of text.")
@click.option("--encoding", type=click.Choice(ENCODINGS), default="auto", show_default=True, help="CSV encoding.")
@click.option("--sheet", default=None, help="XLSX sheet name (default: the first sheet).")
def import_survey_command(file: str, dry_run: bool, strict: bool, as_json: bool, encoding: str, sheet: str | None) -> None:
    """Import a survey file (CSV or XLSX), keyed on the unified social credit code."""
    bar = None

    def advance(units: int, total: int) -> None:
        """Move the progress bar (created on the first call, once the total is known)."""
        nonlocal bar
        if bar is None:
            bar = click.progressbar(length=max(total, 1), label="Importing", file=sys.stderr)
            bar.__enter__()
        bar.update(units)

    if not os.path.isfile(file):
        _refused(file, Message("找不到文件：%(file)s", file=file), as_json)
    try:
        report = survey_import.run_import(
            file, filename=file, dry_run=dry_run, strict=strict, encoding=encoding, sheet=sheet,
            progress=advance if not as_json and sys.stderr.isatty() else None,
        )
    except FileRefused as refused:
        _refused(file, str(refused.message), as_json)
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)
    if as_json:
        click.echo(json.dumps(report.as_json(), ensure_ascii=False))
    else:
        _print_text(report)
    sys.exit(EXIT_REJECTED if report.rejected else EXIT_OK)


def _refused(file: str, message: str, as_json: bool) -> None:
    """Report a refused file and exit 2."""
    if as_json:
        click.echo(json.dumps({
            "file": file, "rows": 0, "created": 0, "updated": 0, "unchanged": 0, "rejected": 0,
            "committed": False, "errors": [{"row": None, "column": "", "value": "", "message": message}],
        }, ensure_ascii=False))
    else:
        click.echo(f"Refused: {message}", err=True)
    sys.exit(EXIT_REFUSED)


def _print_text(report: survey_import.ImportReport) -> None:
    """The human-readable summary: counts, what was written, warnings, errors and field changes."""
    source = f"sheet {report.sheet}" if report.sheet else f"encoding {report.encoding}, delimiter {report.delimiter!r}"
    click.echo(f"{report.file} ({source})")
    for batch in report.previous_batches:
        click.echo(f"Warning: this file (SHA-256 {report.sha256[:12]}…) was already imported on "
                   f"{batch.created_at:%Y-%m-%d %H:%M} (batch #{batch.id}).", err=True)
    click.echo(f"rows {report.rows}: created {report.created}, updated {report.updated}, "
               f"unchanged {report.unchanged}, rejected {report.rejected}")
    if report.dry_run:
        click.echo("Dry run: nothing written.")
    elif report.committed:
        click.echo(f"Committed (batch #{report.batch_id}).")
    else:
        click.echo("Strict mode and some rows were rejected: nothing written.")
    if report.ignored_columns:
        click.echo("Ignored columns: " + ", ".join(report.ignored_columns))
    for warning in report.warnings:
        click.echo(f"  warning row {warning.row}, {warning.column} = {warning.value!r}: {warning.message}")
    for error in report.errors:
        click.echo(f"  row {error.row}, {error.column} = {error.value!r}: {error.message}")
    for change in report.changes:
        fields = "; ".join(f"{name}: {old!r} → {new!r}" for name, (old, new) in change.changes.items())
        click.echo(f"  update row {change.row} {change.credit_code}: {fields}")
    if report.updated > len(report.changes):
        click.echo(f"  … and {report.updated - len(report.changes)} more updated rows")
