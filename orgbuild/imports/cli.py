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

from .. import clitext
from ..domain.rules import Message
from . import service as survey_import
from .columns import BY_FIELD
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
            bar = click.progressbar(length=max(total, 1), label=clitext.text(Message("导入中")), file=sys.stderr)
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
        _refused(file, refused.message, as_json)
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)
    if as_json:
        click.echo(json.dumps(report.as_json(), ensure_ascii=False))
    else:
        _print_text(report)
    sys.exit(EXIT_REJECTED if report.rejected else EXIT_OK)


def _refused(file: str, message: str, as_json: bool) -> None:
    """Report a refused file and exit 2 (the JSON carries the message in Chinese, as stored)."""
    if as_json:
        click.echo(json.dumps({
            "file": file, "rows": 0, "created": 0, "updated": 0, "unchanged": 0, "rejected": 0,
            "committed": False, "errors": [{"row": None, "column": "", "value": "", "message": str(message)}],
        }, ensure_ascii=False))
    else:
        clitext.say(Message("文件被拒绝：%(message)s", message=message), err=True)
    sys.exit(EXIT_REFUSED)


def _heading(field: str) -> str:
    """The survey column a field is read from (its heading in the template), for a change line."""
    column = BY_FIELD.get(field)
    return column.header if column is not None else field


def _print_text(report: survey_import.ImportReport) -> None:
    """The human-readable summary: counts, what was written, warnings, errors and field changes."""
    say = clitext.say
    source = (Message("工作表 %(sheet)s", sheet=report.sheet) if report.sheet else
              Message("编码 %(encoding)s，分隔符 %(delimiter)r", encoding=report.encoding, delimiter=report.delimiter))
    click.echo(f"{report.file}（{clitext.text(source)}）")
    for batch in report.previous_batches:
        say(Message("注意：此文件（SHA-256 %(sha)s…）已于 %(when)s 导入过（批次 #%(batch)d）。", sha=report.sha256[:12],
                    when=clitext.local_time(batch.created_at), batch=batch.id), err=True)
    say(Message("共 %(rows)d 行：新增 %(created)d，更新 %(updated)d，未变 %(unchanged)d，拒绝 %(rejected)d",
                rows=report.rows, created=report.created, updated=report.updated, unchanged=report.unchanged,
                rejected=report.rejected))
    if report.dry_run:
        say(Message("试运行：未写入任何数据。"))
    elif report.committed:
        say(Message("已写入（批次 #%(batch)d）。", batch=report.batch_id))
    else:
        say(Message("严格模式下有行被拒绝：未写入任何数据。"))
    if report.ignored_columns:
        say(Message("未识别的列（已忽略）：%(columns)s", columns="、".join(report.ignored_columns)))
    for warning in report.warnings:
        say(Message("  提醒 第 %(row)s 行，%(column)s = %(value)r：%(message)s", row=warning.row, column=warning.column,
                    value=warning.value, message=warning.message))
    for error in report.errors:
        say(Message("  第 %(row)s 行，%(column)s = %(value)r：%(message)s", row=error.row, column=error.column,
                    value=error.value, message=error.message))
    for change in report.changes:
        fields = "；".join(f"{_heading(name)}：{old!r} → {new!r}" for name, (old, new) in change.changes.items())
        say(Message("  更新 第 %(row)s 行 %(code)s：%(fields)s", row=change.row, code=change.credit_code, fields=fields))
    if report.updated > len(report.changes):
        say(Message("  …另有 %(n)d 行更新", n=report.updated - len(report.changes)))
