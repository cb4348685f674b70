"""Survey import service: parse → normalise → validate → plan → apply.

``run_import`` reads a CSV or XLSX survey file as a stream (``imports.reader``), checks each row
(``imports.rows``), compares it with the organisation on record (keyed on the credit code, looked up
a chunk at a time) and, unless it is a dry run, writes new and changed organisations with Core bulk
statements — all in ONE transaction together with the ImportBatch and its AuditEvent. Any failure
rolls everything back. Status, visits, branches and onboardings are never touched; the officer only
through the optional 负责团干 column (a cell naming an active officer of the row's street, by display
name or username: the organisation is assigned to them, dated and audited like any assignment; a
name that matches nobody is a row warning and the officer stays as it was).

Decisions: required columns are 单位名称, 统一社会信用代码, 所属街道; an optional column absent from the
file leaves that field alone on update, a blank cell in a present column clears it (blank yes/no = 否);
an unknown community is a warning, not an error (the row is imported, the community left as it was);
a supervisor limited to some streets may neither create nor change organisations elsewhere; the
ImportBatch and one AuditEvent (action "import") are written even when every row is unchanged.
"""
from __future__ import annotations

import csv
import hashlib
import operator
import pickle
import re
import tempfile
from types import SimpleNamespace
from dataclasses import dataclass, field
from typing import Callable

from flask import current_app
from sqlalchemy import bindparam, func, insert, literal_column, select, update
from sqlalchemy.exc import IntegrityError

from .. import audit, policy
from ..campaign.actions import SurveyData, local_today
from ..domain import rules
from ..domain.rules import N_, Message
from ..duplicates import matching as duplicates
from ..duplicates.service import spilled_known_names
from ..extensions import db
from ..models import AuditEvent, Community, ImportBatch, Organization, Street, User, user_streets
from .reader import FileRefused, SurveySource, XlsxLimits, open_survey, sha256_of
from .rows import IMPORT_FIELDS, RowChecker, RowError, SurveyRow, is_blank, officer_key, written

__all__ = ["FileRefused", "ImportReport", "run_import", "batches_with_sha", "IMPORT_FIELDS"]

#: what the bulk INSERT of a new organisation writes: the survey fields, the day its stage began and
#: its officer with the day of the assignment (both empty without a 负责团干 cell)
INSERT_FIELDS = IMPORT_FIELDS + ("stage_since", "officer_id", "assigned_on")
CHUNK_SIZE = 1000
MAX_CHANGES_KEPT = 1000  # field changes / warnings kept for the preview (counts are always complete)
DEFAULT_CLI_MAX_BYTES = 512 * 1024 * 1024
#: The audit summary of an applied import (stored in Chinese; the audit page translates it back).
BATCH_SUMMARY = N_("导入 %(file)s：新增 %(created)d，更新 %(updated)d，未变 %(unchanged)d，拒绝 %(rejected)d")
_BATCH_SUMMARY_RE = re.compile(
    re.sub(r"%\\\((\w+)\\\)([sd])", lambda m: f"(?P<{m[1]}>{'.*' if m[2] == 's' else r'[0-9]+'})", re.escape(BATCH_SUMMARY))
)


@dataclass
class RowChange:
    """An updated organisation: its row, credit code, name and {field: (old, new)}."""

    row: int
    credit_code: str
    name: str
    changes: dict[str, tuple[object, object]]


@dataclass
class ImportReport:
    """What an import did (or, in a dry run, would do)."""

    file: str
    sha256: str = ""
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    committed: bool = False
    dry_run: bool = False
    strict: bool = False
    errors: list[RowError] = field(default_factory=list)  # every one, or the first `errors_kept`
    #: how many errors to keep in `errors` (None: all, as the command line prints; a web job keeps
    #: the first MAX_CHANGES_KEPT, the rejected rows' CSV has them all); `error_count` counts them all
    errors_kept: int | None = None
    error_count: int = 0
    warnings: list[RowError] = field(default_factory=list)  # the first MAX_CHANGES_KEPT
    warning_count: int = 0
    changes: list[RowChange] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | None = None
    previous_batches: list[ImportBatch] = field(default_factory=list)
    batch_id: int | None = None
    rejected_csv: bytes | None = None
    #: the streets of the rows (their own, the one on record, the one a rejected row names) and the
    #: number of rejected rows naming no known street: who may read the batch (policy.can_see_batch)
    streets: set[int] = field(default_factory=set)
    unplaced: int = 0

    def add_errors(self, errors: list[RowError]) -> None:
        """Count a rejected row's errors, and keep them while under `errors_kept`."""
        self.error_count += len(errors)
        if self.errors_kept is None or len(self.errors) < self.errors_kept:
            self.errors.extend(errors)

    def as_json(self) -> dict:
        """The object ``import-survey --json`` prints (DESIGN.md: exactly these keys)."""
        return {
            "file": self.file,
            "rows": self.rows,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "rejected": self.rejected,
            "committed": self.committed,
            "errors": [e.as_dict() for e in self.errors],
        }


def batches_with_sha(sha256: str) -> list[ImportBatch]:
    """Applied imports of a file with this SHA-256, newest first (to warn before importing it again)."""
    return list(db.session.scalars(select(ImportBatch).where(ImportBatch.sha256 == sha256).order_by(ImportBatch.id.desc())))


def _lookups(actor: User | None) -> tuple[dict[str, int], dict[tuple[int, str], int], set[int] | None]:
    """Street names → id, (street, community name) → id, and the streets the actor may import into."""
    streets: dict[str, int] = {}
    for street in db.session.scalars(select(Street)):
        streets[rules.street_key(street.name)] = street.id
        streets[rules.street_key(street.short_name)] = street.id
    communities = {(c.street_id, c.name): c.id for c in db.session.scalars(select(Community))}
    allowed = policy.street_ids(actor) if actor is not None else None
    return streets, communities, allowed


def officer_lookup() -> dict[tuple[int, str], int | None]:
    """(street id, officer_key of a display name or username) → the id of the active officer of that
    street answering to it; None where two officers of the street do."""
    found: dict[tuple[int, str], int | None] = {}
    rows = db.session.execute(
        select(user_streets.c.street_id, User.id, User.username, User.display_name)
        .join(User, User.id == user_streets.c.user_id)
        .where(User.active.is_(True), User.role == "officer")
        .order_by(User.id))
    for street_id, user_id, username, display_name in rows:
        for name in {officer_key(username), officer_key(display_name or "")} - {""}:
            key = (street_id, name)
            found[key] = user_id if found.get(key, user_id) == user_id else None
    return found


class _RejectedWriter:
    """The rejected rows as a CSV (row number, the original cells, the errors), spooled to disk."""

    def __init__(self, header_cells: list[str]):
        """Start the CSV with the file's own header between a row-number and an error column."""
        self.buffer = tempfile.SpooledTemporaryFile(max_size=1 << 20, mode="w+", encoding="utf-8", newline="")
        self.writer = csv.writer(self.buffer, lineterminator="\r\n")
        self.writer.writerow(["行号", *map(rules.escape_cell, header_cells), "错误"])  # data: the file's header row, Chinese like the template
        self.width = len(header_cells)
        self.count = 0

    def add(self, number: int, cells: list[object], errors: list[RowError]) -> None:
        """Write one rejected row with its errors joined in the last column."""
        values = [written(c) for c in cells[: self.width]] + [""] * max(0, self.width - len(cells))
        problems = "；".join(f"{e.column}：{e.message}" if e.column else str(e.message) for e in errors)
        self.writer.writerow([number, *map(rules.escape_cell, values), rules.escape_cell(problems)])
        self.count += 1

    def getvalue(self) -> bytes | None:
        """The CSV as UTF-8 with a BOM, or None when no row was rejected."""
        if not self.count:
            self.buffer.close()
            return None
        self.buffer.seek(0)
        data = ("\ufeff" + self.buffer.read()).encode("utf-8")
        self.buffer.close()
        return data


def run_import(
    path: str,
    *,
    filename: str | None = None,
    actor: User | None = None,
    dry_run: bool = False,
    strict: bool = False,
    encoding: str = "auto",
    sheet: str | None = None,
    max_bytes: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    chunk_size: int = CHUNK_SIZE,
    report: ImportReport | None = None,
    plan_path: str | None = None,
    before_commit: Callable[[ImportReport], None] | None = None,
) -> ImportReport:
    """Import (or with `dry_run` only plan) the survey file at `path`.

    Raises :class:`FileRefused` when the file as a whole is refused (nothing read, nothing written).
    `actor` None means the command line (the whole district). `progress(advance, total)` receives progress units.
    `report`: the report to fill (a caller watching its counts); `plan_path`: a dry run also keeps every
    checked row there, for :func:`apply_plan`; `before_commit(report)` runs inside the import's transaction.
    """
    if max_bytes is None:
        max_bytes = current_app.config.get("IMPORT_MAX_BYTES", DEFAULT_CLI_MAX_BYTES)
    if report is None:
        report = ImportReport(file=filename or path)
    report.file, report.dry_run, report.strict = filename or path, dry_run, strict
    source = open_survey(path, encoding=encoding, sheet=sheet, max_bytes=max_bytes,
                         xlsx_limits=XlsxLimits.from_config(current_app.config))
    try:
        report.sha256 = sha256_of(path)
        report.previous_batches = batches_with_sha(report.sha256)
        report.ignored_columns = source.header.ignored
        report.encoding, report.delimiter, report.sheet = source.encoding, source.delimiter, source.sheet
        with _transaction_guard():
            _plan_and_apply(source, report, actor, chunk_size, progress, plan_path, before_commit)
    finally:
        source.close()
    return report


class _transaction_guard:
    """Roll back on any failure; a credit code registered meanwhile refuses the whole import."""

    def __enter__(self):
        return self

    def __exit__(self, kind, error, traceback) -> bool:
        if kind is None:
            return False
        db.session.rollback()
        if issubclass(kind, IntegrityError):
            raise FileRefused(
                Message("导入期间有其他人登记了相同的统一社会信用代码，本次导入没有写入任何数据，请重新导入")
            ) from None
        return False


def reference_fingerprint(actor: User | None) -> str:
    """A hash of what checking a row depends on besides the file: streets, communities, the actor's scope.

    A kept plan is applied only while this is unchanged (organisations themselves are compared again
    on apply, chunk by chunk, as in every import)."""
    digest = hashlib.sha256()
    for street in db.session.scalars(select(Street).order_by(Street.id)):
        digest.update(repr((street.id, street.name, street.short_name)).encode())
    for community in db.session.scalars(select(Community).order_by(Community.id)):
        digest.update(repr((community.id, community.street_id, community.name)).encode())
    allowed = policy.street_ids(actor) if actor is not None else None
    digest.update(repr(sorted(allowed) if allowed is not None else None).encode())
    digest.update(repr(sorted(officer_lookup().items())).encode())
    return digest.hexdigest()


class _PlanWriter:
    """The checked rows of a dry run, in file order, as a stream of pickled records on disk."""

    def __init__(self, path: str, header_cells: list[str], code_label: str, actor: User | None):
        """Open the plan file and write its header (with the reference fingerprint)."""
        self.file = open(path, "wb")
        self.dump({"header_cells": header_cells, "code_label": code_label, "fingerprint": reference_fingerprint(actor)})

    def dump(self, record) -> None:
        """Append one record."""
        pickle.dump(record, self.file, protocol=pickle.HIGHEST_PROTOCOL)

    def close(self, report: ImportReport) -> None:
        """The trailer: what the whole file said besides its rows (warnings, columns, reading)."""
        self.dump(("end", {"warnings": report.warnings, "warning_count": report.warning_count,
                           "ignored_columns": report.ignored_columns, "encoding": report.encoding,
                           "delimiter": report.delimiter, "sheet": report.sheet,
                           "rejected_streets": sorted(report.streets), "unplaced": report.unplaced}))
        self.file.close()


def plan_header(plan_path: str) -> dict:
    """The header of a kept plan (its fingerprint among others)."""
    with open(plan_path, "rb") as file:
        return pickle.load(file)


def apply_plan(
    plan_path: str,
    *,
    filename: str,
    sha256: str,
    actor: User | None,
    strict: bool = False,
    report: ImportReport | None = None,
    progress: Callable[[int], None] | None = None,
    before_commit: Callable[[ImportReport], None] | None = None,
) -> ImportReport:
    """Apply a plan kept by a dry run (``run_import(plan_path=...)``) without reading the file again:
    rows are compared with the organisations on record and written chunk by chunk, as by
    :func:`run_import`, in ONE transaction. `progress(rows)` receives the rows of each chunk."""
    report = report or ImportReport(file=filename)
    report.file, report.sha256, report.strict = filename, sha256, strict
    report.previous_batches = batches_with_sha(sha256)
    with open(plan_path, "rb") as file, _transaction_guard():
        header = pickle.load(file)
        rejected = _RejectedWriter(header["header_cells"])
        checker = SimpleNamespace(allowed_streets=policy.street_ids(actor) if actor is not None else None,
                                  label=lambda _field: header["code_label"])
        writer = _ChunkWriter(report, actor, rejected, dry_run=False)
        while True:
            record = pickle.load(file)
            if record[0] == "end":
                trailer = dict(record[1])
                report.streets.update(trailer.pop("rejected_streets", ()))
                vars(report).update(trailer)
                break
            if record[0] == "rejected":
                _, number, cells, errors = record
                report.rows += 1
                report.rejected += 1
                report.add_errors(errors)
                rejected.add(number, cells, errors)
                if strict:
                    writer.stop_writing()
                continue
            chunk = record[1]
            report.rows += len(chunk)
            writer.plan_chunk(chunk, checker)
            if progress is not None:
                progress(len(chunk))
        writer.close()
        _finish(report, actor, rejected, before_commit)
    return report


def _plan_and_apply(source: SurveySource, report: ImportReport, actor: User | None, chunk_size: int,
                    progress: Callable[[int, int], None] | None, plan_path: str | None = None,
                    before_commit: Callable[[ImportReport], None] | None = None) -> None:
    """Read every row, plan it chunk by chunk and (unless a dry run) write it; commit once at the end."""
    csv_file = source.kind == "csv"
    checker = RowChecker(source.header, *_lookups(actor), text_rows=csv_file,
                         expected_rows=source.total // 200 if csv_file else source.total,
                         officers=officer_lookup() if "officer_id" in source.header.fields else None)
    rejected = _RejectedWriter(source.header_cells)
    writer = _ChunkWriter(report, actor, rejected, dry_run=report.dry_run)
    plan = _PlanWriter(plan_path, source.header_cells, checker.code_label, actor) if plan_path else None
    chunk: list[SurveyRow] = []
    last_position = 0
    for number, cells in source.rows:
        if is_blank(cells):
            continue
        report.rows += 1
        row, errors, warnings = checker.check(number, cells)
        if warnings:
            report.warning_count += len(warnings)
            if len(report.warnings) < MAX_CHANGES_KEPT:
                report.warnings.extend(warnings)
        if row is None:
            report.rejected += 1
            _place(report, checker.street_of(cells))
            report.add_errors(errors)
            rejected.add(number, cells, errors)
            if plan is not None:
                plan.dump(("rejected", number, cells, errors))
            if report.strict:
                writer.stop_writing()
        else:
            chunk.append(row)
        if len(chunk) >= chunk_size:
            writer.plan_chunk(chunk, checker)
            if plan is not None:
                plan.dump(("rows", chunk))
            chunk = []
            if progress is not None:
                position = source.position()
                progress(position - last_position, source.total)
                last_position = position
    if chunk:
        writer.plan_chunk(chunk, checker)
        if plan is not None:
            plan.dump(("rows", chunk))
    if plan is not None:
        plan.close(report)
    if progress is not None:
        progress(max(0, source.total - last_position), source.total)
    writer.close()  # (on an error, the temporary name index goes with the writer: SQLite deletes it)
    _finish(report, actor, rejected, before_commit)


def _place(report: ImportReport, street_id: int | None) -> None:
    """Count a row's street among the batch's streets (None: a row of no known street)."""
    if street_id is None:
        report.unplaced += 1
    else:
        report.streets.add(street_id)


def _finish(report: ImportReport, actor: User | None, rejected: _RejectedWriter,
            before_commit: Callable[[ImportReport], None] | None) -> None:
    """Close the rejected rows; roll back a dry run or a strict import with rejections, else record the
    batch (and whatever `before_commit` adds) and commit once."""
    report.rejected_csv = rejected.getvalue()
    report.errors.sort(key=lambda e: e.row)
    if report.dry_run or (report.strict and report.rejected):
        db.session.rollback()
        return
    _record_batch(report, actor)
    if before_commit is not None:
        before_commit(report)
    db.session.commit()
    report.committed = True


def _record_batch(report: ImportReport, actor: User | None) -> None:
    """The ImportBatch and its AuditEvent, in the import's transaction."""
    batch = ImportBatch(
        user_id=actor.id if actor is not None else None,
        filename=report.file[-255:],
        sha256=report.sha256,
        strict=report.strict,
        rows=report.rows,
        created=report.created,
        updated=report.updated,
        unchanged=report.unchanged,
        rejected=report.rejected,
        rejected_csv=report.rejected_csv,
        unplaced=report.unplaced,
    )
    batch.streets = list(db.session.scalars(select(Street).where(Street.id.in_(report.streets)))) if report.streets else []
    db.session.add(batch)
    db.session.flush()
    report.batch_id = batch.id
    audit.record(
        actor,
        "import",
        "import_batch",
        batch.id,
        summary=str(Message(
            BATCH_SUMMARY, file=report.file, created=report.created, updated=report.updated,
            unchanged=report.unchanged, rejected=report.rejected,
        )),
    )


def batch_summary_message(summary: str) -> Message | None:
    """The :class:`Message` an import batch's audit summary was written from (so that the audit page
    can show it in the reader's language), or None when the text is not such a summary."""
    match = _BATCH_SUMMARY_RE.fullmatch(summary or "")
    if match is None:
        return None
    counts = {key: int(value) for key, value in match.groupdict().items() if key != "file"}
    return Message(BATCH_SUMMARY, file=match["file"], **counts)


class _ChunkWriter:
    """Plans each chunk against the organisations on record and writes it inside the open transaction."""

    def __init__(self, report: ImportReport, actor: User | None, rejected: _RejectedWriter, dry_run: bool):
        """Prepare the statements and column positions used for every chunk."""
        self.report = report
        self.today = local_today()  # the survey date of new organisations whose row gives none
        self.rejected = rejected
        self.actor = actor
        self.writing = not dry_run
        self.table = Organization.__table__
        # constants go into the statement itself: fewer per-row bind values to process
        self.insert_statement = insert(self.table).values(
            status=literal_column("'surveyed'"), version=literal_column("1"),
            created_at=func.now(), updated_at=func.now(),
        )
        defaults = SurveyData()
        self.defaults = {f: getattr(defaults, f) for f in IMPORT_FIELDS}
        self.columns = [self.table.c.id] + [self.table.c[f] for f in IMPORT_FIELDS] + [self.table.c.officer_id]
        self.position = {column.name: index for index, column in enumerate(self.columns)}
        self._getters: dict[tuple[str, ...], tuple[Callable, Callable]] = {}
        self._insert_sql: tuple[str, list[str] | None] | None = None
        #: likely duplicates: the organisations on record and the file's new rows so far, spilled to a
        #: temporary database on disk (built on the first chunk; each chunk reads back its blocks)
        self.names: duplicates.SpilledNameIndex | None = None
        self._usernames: dict[int, tuple[str, str]] | None = None  # officer id → (username, label)

    def stop_writing(self) -> None:
        """Strict mode met a rejected row: nothing more is written (and the transaction is rolled back)."""
        self.writing = False

    def existing(self, codes: list[str]) -> dict[str, tuple]:
        """The survey fields on record for these credit codes, as tuples in ``self.columns`` order."""
        query = select(*self.columns).where(self.table.c.credit_code.in_(codes))
        code = self.position["credit_code"]
        return {row[code]: row for row in db.session.connection().execute(query).all()}

    def getters(self, supplied: tuple[str, ...]) -> tuple[Callable, Callable]:
        """Item getters of the supplied fields: from a record tuple, and from a row's values dict."""
        found = self._getters.get(supplied)
        if found is None:
            found = (operator.itemgetter(*[self.position[f] for f in supplied]), operator.itemgetter(*supplied))
            self._getters[supplied] = found
        return found

    def plan_chunk(self, chunk: list[SurveyRow], checker: RowChecker) -> None:
        """Classify each row of the chunk as new / changed / unchanged, then write the chunk."""
        report = self.report
        on_record = self.existing([row.data.credit_code for row in chunk])
        new_rows: list[dict] = []
        changed: dict[tuple[str, ...], list[dict]] = {}
        allowed = checker.allowed_streets
        street = self.position["street_id"]
        if self.names is None:
            self.names = spilled_known_names(self.actor)
        window = self.names.window(
            [row.data.name for row in chunk if not on_record or row.data.credit_code not in on_record])
        assigned: list[tuple[str, int | None, str, int | None, int]] = []  # code, id, name, old, new officer
        for row in chunk:
            old = on_record.get(row.data.credit_code) if on_record else None
            if row.values.get("street_id") is not None:
                report.streets.add(row.values["street_id"])
            if old is not None:
                report.streets.add(old[street])
            self._warn_duplicates(row, checker, old, window)
            if old is None:
                values = dict(self.defaults)
                values.update(row.values)
                values["surveyed_on"] = values.get("surveyed_on") or self.today
                values["stage_since"] = values["surveyed_on"]  # in the stage it was surveyed in since then
                values.setdefault("officer_id", None)
                values["assigned_on"] = self.today if values["officer_id"] else None
                if values["officer_id"]:
                    assigned.append((row.data.credit_code, None, row.data.name, None, values["officer_id"]))
                new_rows.append(values)
                continue
            if allowed is not None and old[street] not in allowed:
                report.rejected += 1
                error = RowError(row.number, checker.label("credit_code"), row.data.credit_code,
                                 Message("无法用该统一社会信用代码登记，请联系团区委核实"))  # as the form: never confirm it exists
                report.add_errors([error])
                self.rejected.add(row.number, row.cells, [error])
                if report.strict:
                    self.stop_writing()
                continue
            supplied = row.supplied
            old_officer = old[self.position["officer_id"]]
            if "officer_id" in supplied and old_officer == row.values["officer_id"]:
                supplied = tuple(f for f in supplied if f != "officer_id")  # already theirs
            from_record, from_row = self.getters(supplied)
            if from_record(old) == from_row(row.values):
                report.unchanged += 1
                continue
            report.updated += 1
            if len(report.changes) < MAX_CHANGES_KEPT:
                changes = {f: (old[self.position[f]], row.values[f]) for f in supplied if old[self.position[f]] != row.values[f]}
                if "officer_id" in changes:
                    changes["officer_id"] = (self.officer_label(old_officer), self.officer_label(row.values["officer_id"]))
                report.changes.append(RowChange(row.number, row.data.credit_code, row.data.name, changes))
            values = {"b_" + f: row.values[f] for f in supplied}
            values["b_id"] = old[self.position["id"]]
            if "officer_id" in supplied:
                supplied = supplied + ("assigned_on",)
                values["b_assigned_on"] = self.today
                assigned.append((row.data.credit_code, values["b_id"], row.data.name, old_officer, row.values["officer_id"]))
            changed.setdefault(supplied, []).append(values)
        report.created += len(new_rows)
        if self.writing:
            self.write(new_rows, changed)
            if assigned:
                self.audit_assignments(assigned)

    def usernames(self) -> dict[int, tuple[str, str]]:
        """Officer id → (username, label) of every account (loaded once per import)."""
        if self._usernames is None:
            self._usernames = {i: (u, d or u) for i, u, d in db.session.execute(
                select(User.id, User.username, User.display_name))}
        return self._usernames

    def officer_label(self, officer_id: int | None) -> str | None:
        """How the preview names an officer (None: nobody)."""
        return self.usernames().get(officer_id, (None, None))[1] if officer_id else None

    def audit_assignments(self, assigned: list[tuple[str, int | None, str, int | None, int]]) -> None:
        """One "assign" AuditEvent per organisation the file gave to an officer (as the assignment
        service writes them), in one bulk INSERT."""
        missing = [code for code, org_id, *_rest in assigned if org_id is None]
        ids = dict(db.session.execute(select(self.table.c.credit_code, self.table.c.id)
                                      .where(self.table.c.credit_code.in_(missing))).all()) if missing else {}
        names = self.usernames()
        rows = []
        for code, org_id, name, old, new in assigned:
            org_id = org_id or ids[code]
            rows.append({"user_id": self.actor.id if self.actor is not None else None, "action": "assign",
                         "object_type": "organization", "object_id": org_id, "organization_id": org_id,
                         "summary": f"import {name}",
                         "changes": {"officer": [names[old][0] if old in names else None, names[new][0]],
                                     "assigned_on": [None, self.today.isoformat()]}})
        db.session.execute(insert(AuditEvent.__table__), rows)

    def close(self) -> None:
        """Drop the temporary name index."""
        if self.names is not None:
            self.names.close()
            self.names = None

    def _warn_duplicates(self, row: SurveyRow, checker: RowChecker, old: tuple | None,
                         window: duplicates.NameIndex) -> None:
        """Warn of a likely duplicate (a new row named like another organisation, here or earlier in
        the file) or of a credit code whose name changes beyond recognition. `window`: the known
        organisations in the blocks of this chunk's new names (the row joins it and the whole index)."""
        found: list[Message] = []
        if old is None:
            found = [duplicates.duplicate_message(c) for c in window.candidates(row.data.credit_code, row.data.name)[:3]]
            window.add(row.data.credit_code, row.data.name)
            self.names.add(row.data.credit_code, row.data.name)
        elif "name" in row.supplied:
            renamed = duplicates.renamed_message(old[self.position["name"]], row.values["name"])
            found = [renamed] if renamed else []
        report = self.report
        report.warning_count += len(found)
        if len(report.warnings) < MAX_CHANGES_KEPT:
            report.warnings.extend(RowError(row.number, checker.label("name"), row.data.name, m) for m in found)

    def insert_sql(self, connection) -> tuple[str, list[str] | None]:
        """The INSERT compiled once for this database, and the order of its parameters (None: named).

        Executing the compiled Core statement with the driver's executemany skips per-row parameter
        processing, which the plain str / int / bool / None values of a survey do not need.
        """
        if self._insert_sql is None:
            compiled = self.insert_statement.compile(dialect=connection.dialect, column_keys=list(INSERT_FIELDS))
            order = list(compiled.positiontup) if compiled.positional else None
            self._insert_sql = (compiled.string, order)
        return self._insert_sql

    def write(self, new_rows: list[dict], changed: dict[tuple[str, ...], list[dict]]) -> None:
        """Core bulk INSERT of new organisations and UPDATE of changed ones (no commit)."""
        connection = db.session.connection()
        if new_rows:
            sql, order = self.insert_sql(connection)
            params = [tuple(map(values.__getitem__, order)) for values in new_rows] if order else new_rows
            connection.exec_driver_sql(sql, params)
        for supplied, rows in changed.items():
            statement = (
                update(self.table)
                .where(self.table.c.id == bindparam("b_id"))
                .values({**{f: bindparam("b_" + f) for f in supplied}, "version": self.table.c.version + 1, "updated_at": func.now()})
            )
            connection.execute(statement, rows)
