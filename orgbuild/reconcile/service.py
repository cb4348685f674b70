"""Reconcile orgbuild with an organisation list exported from 智慧团建.

Each platform row is matched, in this order, by the unified social credit code, by the platform's
organisation code where an onboarding recorded it, then by the normalised name (domain.rules.name_key),
and last by a platform name an earlier resolution linked to an organisation (reconcile/resolutions.py).
The run reports the matched rows, the platform's rows with no organisation here, the organisations
onboarded here that the platform does not list, and, for matched rows, the fields that differ: name,
branch type, secretary, member count, founding date (and an organisation not onboarded here, or a
different credit code). The run and its whole result are kept (ReconcileRun) and audited.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from .. import audit, policy
from ..domain.rules import BRANCH_TYPES, Message, normalize_credit_code, parse_count, parse_date, to_halfwidth
from ..extensions import db
from ..imports.reader import XlsxLimits, open_survey, sha256_of
from ..models import Onboarding, Organization, ReconcileResolution, ReconcileRun, Street, User, local_date
from . import columns

_CHUNK = 500


@dataclass
class PlatformRow:
    """One organisation of the platform's list, as read from the file."""

    row: int
    name: str
    category: str
    branch_type: str | None
    secretary: str | None = None
    member_count: int | None = None
    founded_on: date | None = None
    credit_code: str | None = None
    platform_code: str | None = None


@dataclass
class Reading:
    """The rows of a platform file and the cells that could not be read."""

    rows: list[PlatformRow] = field(default_factory=list)
    errors: list[dict] = field(default_factory=list)
    total: int = 0  # non-blank data rows


#: The compared fields (a difference's ``field``), as pages and the command line name them.
FIELD_LABELS = {
    "onboarded": _l("本系统已入驻"), "credit_code": _l("统一社会信用代码"),
    "name": _l("组织全称"), "branch_type": _l("组织类别"), "secretary": _l("书记姓名"),
    "member_count": _l("团员数"), "founded_on": _l("成立时间"),
}


def _text(cells: list[object], index: int | None) -> str:
    """The stripped text of a cell ('' when absent)."""
    if index is None or index >= len(cells) or cells[index] is None:
        return ""
    value = cells[index]
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def read_platform_file(path: str, *, encoding: str = "auto", sheet: str | None = None,
                       max_bytes: int | None = None) -> Reading:
    """Read a platform export (raises FileRefused when it is not one); bad cells become row errors."""
    source = open_survey(path, encoding=encoding, sheet=sheet, max_bytes=max_bytes, scheme=columns,
                         xlsx_limits=XlsxLimits.from_config(current_app.config))
    where = source.header.fields
    labels = source.header.labels
    reading = Reading()

    def error(number: int, fld: str, value: object, message: str) -> None:
        reading.errors.append({"row": number, "column": labels.get(fld, ""), "value": value, "message": str(message)})

    try:
        for number, cells in source.rows:
            texts = {fld: _text(cells, index) for fld, index in where.items()}
            if not any(texts.values()):
                continue
            reading.total += 1
            if not texts["name"]:
                error(number, "name", "", Message("缺少组织全称，本行未比对"))
                continue
            row = PlatformRow(number, texts["name"], texts["category"], columns.category_code(texts["category"]))
            if row.branch_type is None:
                error(number, "category", texts["category"],
                      Message("未知的组织类别（应为团支部、团总支、团委或联合团支部），本行不比对组织类别"))
            row.secretary = texts.get("secretary") or None
            row.platform_code = texts.get("platform_code") or None
            if texts.get("credit_code"):
                row.credit_code = normalize_credit_code(texts["credit_code"])
            for fld, parse in (("member_count", parse_count), ("founded_on", parse_date)):
                if fld not in where:
                    continue
                raw = cells[where[fld]] if where[fld] < len(cells) else None
                try:
                    setattr(row, fld, parse(raw if not isinstance(raw, str) else raw.strip()))
                except ValueError as problem:
                    error(number, fld, texts[fld], problem.args[0] if problem.args else str(problem))
            reading.rows.append(row)
    finally:
        source.close()
    return reading


def _in_chunks(values: list[str]):
    """`values` in slices small enough for an IN list."""
    for start in range(0, len(values), _CHUNK):
        yield values[start:start + _CHUNK]


def _scoped(actor: User | None, query):
    """Limit a select of organisations to what `actor` may see (the whole city from the command line)."""
    return query if actor is None else policy.scope_orgs(actor, query)


def scope_label(actor: User | None) -> str:
    """'city', or the names of the streets the actor is limited to."""
    ids = None if actor is None else policy.street_ids(actor)
    if ids is None:
        return "city"
    names = db.session.scalars(select(Street.name).where(Street.id.in_(ids or {0})).order_by(Street.id)).all()
    return "、".join(names)[:300]


def _find_orgs(actor: User | None, rows: list[PlatformRow]) -> tuple[dict, dict, dict]:
    """Organisations here by credit code, by platform code (onboardings in force) and by name key."""
    codes = sorted({r.credit_code for r in rows if r.credit_code})
    by_code: dict[str, Organization] = {}
    for chunk in _in_chunks(codes):
        for org in db.session.scalars(_scoped(actor, select(Organization).where(Organization.credit_code.in_(chunk)))):
            by_code[org.credit_code] = org
    platform_codes = sorted({r.platform_code for r in rows if r.platform_code})
    by_platform: dict[str, Organization] = {}
    for chunk in _in_chunks(platform_codes):
        query = (select(Onboarding.platform_code, Organization).join(Organization, Onboarding.organization_id == Organization.id)
                 .where(Onboarding.platform_code.in_(chunk), Onboarding.reverted.is_(False)))
        for platform_code, org in db.session.execute(_scoped(actor, query)):
            by_platform[platform_code] = org
    by_name: dict[str, list[int]] = defaultdict(list)
    for org_id, name in db.session.execute(_scoped(actor, select(Organization.id, Organization.name))):
        by_name[columns.name_key(name)].append(org_id)
    return by_code, by_platform, by_name


def linked_names(actor: User | None) -> dict[str, int]:
    """Platform names that earlier resolutions linked to an organisation (reconcile/resolutions.py),
    within the actor's scope: name key → organisation id (the latest link wins)."""
    query = (select(ReconcileResolution.platform_name, ReconcileResolution.organization_id)
             .join(Organization, Organization.id == ReconcileResolution.organization_id)
             .where(ReconcileResolution.action == "link", ReconcileResolution.platform_name != "")
             .order_by(ReconcileResolution.id))
    return {columns.name_key(name): org_id for name, org_id in db.session.execute(_scoped(actor, query))}


def _same_text(here: str | None, platform: str | None) -> bool:
    """Whether two names of a person agree (half-width, spaces ignored)."""
    return "".join(to_halfwidth(here or "").split()) == "".join(to_halfwidth(platform or "").split())


def _differences(org: Organization, row: PlatformRow) -> list[tuple[str, object, object]]:
    """(field, here, platform) for each compared field that differs."""
    found: list[tuple[str, object, object]] = []
    branch = org.branch
    if org.onboarding is None:
        found.append(("onboarded", False, True))
    if row.credit_code and row.credit_code != org.credit_code:
        found.append(("credit_code", org.credit_code, row.credit_code))
    here_name = branch.name if branch is not None else org.name
    if columns.name_key(here_name) != columns.name_key(row.name):
        found.append(("name", here_name, row.name))
    if branch is not None:
        if row.branch_type is not None and row.branch_type != branch.branch_type:
            found.append(("branch_type", str(BRANCH_TYPES.get(branch.branch_type, branch.branch_type)), row.category))
        if row.secretary is not None and branch.secretary and not _same_text(branch.secretary, row.secretary):
            found.append(("secretary", branch.secretary, row.secretary))
        if row.founded_on is not None and row.founded_on != branch.founded_on:
            found.append(("founded_on", branch.founded_on.isoformat(), row.founded_on.isoformat()))
    here_members = branch.member_count if branch is not None else org.league_members
    if row.member_count is not None and here_members is not None and row.member_count != here_members:
        found.append(("member_count", here_members, row.member_count))
    return found


def compare(reading: Reading, actor: User | None) -> dict:
    """The reconciliation of the platform's rows with the organisations in the actor's scope."""
    by_code, by_platform, by_name = _find_orgs(actor, reading.rows)
    linked = linked_names(actor)
    errors = list(reading.errors)
    matched_rows: dict[int, int] = {}  # org id → the row that matched it
    only_in_platform: list[dict] = []
    mismatched: list[dict] = []
    orgs_by_id: dict[int, Organization] = {}
    for row in reading.rows:
        org = by_code.get(row.credit_code or "") or by_platform.get(row.platform_code or "")
        if org is None:
            candidates = by_name.get(columns.name_key(row.name), [])
            if len(candidates) > 1:
                errors.append({"row": row.row, "column": "", "value": row.name, "message": str(Message(
                    "本系统有 %(n)d 个组织与此名称相符，无法确定是哪一个：请在平台导出中补充统一社会信用代码", n=len(candidates)))})
                continue
            if not candidates and columns.name_key(row.name) in linked:  # linked by an earlier resolution
                candidates = [linked[columns.name_key(row.name)]]
            if candidates:
                org = orgs_by_id.get(candidates[0]) or db.session.get(Organization, candidates[0])
        if org is None:
            only_in_platform.append({"row": row.row, "name": row.name, "category": row.category,
                                     "credit_code": row.credit_code, "platform_code": row.platform_code,
                                     "secretary": row.secretary, "member_count": row.member_count,
                                     "founded_on": row.founded_on.isoformat() if row.founded_on else None})
            continue
        if org.id in matched_rows:
            errors.append({"row": row.row, "column": "", "value": row.name, "message": str(Message(
                "与第 %(other)d 行是同一个组织（%(name)s），本行未比对", other=matched_rows[org.id], name=org.name))})
            continue
        matched_rows[org.id] = row.row
        orgs_by_id[org.id] = org
        for fld, here, platform in _differences(org, row):
            mismatched.append({"row": row.row, "credit_code": org.credit_code, "name": org.name, "field": fld,
                               "here": here, "platform": platform})
    return {
        "rows": reading.total,
        "matched": len(matched_rows),
        "only_in_platform": only_in_platform,
        "only_here": _only_here(actor, set(matched_rows)),
        "mismatched": mismatched,
        "errors": errors,
    }


def _only_here(actor: User | None, matched: set[int]) -> list[dict]:
    """Organisations onboarded here (in force, not closed) that no platform row matched."""
    query = (select(Organization.id, Organization.credit_code, Organization.name, Street.name,
                    Onboarding.onboarded_on, Onboarding.platform_code)
             .join(Onboarding, Onboarding.organization_id == Organization.id)
             .join(Street, Street.id == Organization.street_id)
             .where(Onboarding.reverted.is_(False), Organization.closed_on.is_(None))
             .order_by(Organization.credit_code, Onboarding.id))
    found: dict[int, dict] = {}
    for org_id, code, name, street_name, onboarded_on, platform_code in db.session.execute(_scoped(actor, query)):
        if org_id not in matched:
            found[org_id] = {"credit_code": code, "name": name, "street": street_name,
                             "onboarded_on": onboarded_on.isoformat(), "platform_code": platform_code or None}
    return list(found.values())


def has_differences(result: dict) -> bool:
    """Whether the run found anything to act on (the command then exits 1)."""
    return bool(result["only_in_platform"] or result["only_here"] or result["mismatched"] or result["errors"])


def run_reconcile(path: str, *, filename: str, actor: User | None = None, encoding: str = "auto",
                  sheet: str | None = None, max_bytes: int | None = None) -> ReconcileRun:
    """Read the platform file, compare, and keep the run with its result (one transaction, audited).

    Raises FileRefused (nothing written) when the file is not a platform organisation list."""
    reading = read_platform_file(path, encoding=encoding, sheet=sheet, max_bytes=max_bytes)
    result = {"file": filename, **compare(reading, actor)}
    run = ReconcileRun(
        user_id=actor.id if actor is not None else None, filename=filename[:255], sha256=sha256_of(path),
        scope=scope_label(actor), run_on=local_date(), rows=result["rows"], matched=result["matched"],
        only_in_platform=len(result["only_in_platform"]), only_here=len(result["only_here"]),
        mismatched=len(result["mismatched"]), result={},
    )
    db.session.add(run)
    db.session.flush()
    result["run"] = run.id
    result["run_on"] = run.run_on.isoformat()
    run.result = result
    audit.record(actor, "import", "reconcile_run", run.id, summary=str(Message(
        "与智慧团建比对 %(file)s：%(rows)d 行，相符 %(matched)d，仅平台有 %(platform)d，仅本系统有 %(here)d，字段不一致 %(diff)d",
        file=run.filename, rows=run.rows, matched=run.matched, platform=run.only_in_platform, here=run.only_here,
        diff=run.mismatched)))
    db.session.commit()
    return run


def latest_runs(actor: User, limit: int = 20) -> list[ReconcileRun]:
    """The most recent runs within the actor's scope label (a supervisor of a district sees its own)."""
    query = select(ReconcileRun).order_by(ReconcileRun.created_at.desc(), ReconcileRun.id.desc()).limit(limit)
    return list(db.session.scalars(query.where(ReconcileRun.scope == scope_label(actor))))
