"""Service: tables to CSV (UTF-8 with a BOM, so that Excel on Chinese Windows reads it) and XLSX,
with every text cell protected against formula injection; the per-street progress table and the
organisation list as rows.

Flask-free: headers are marked with ``N_`` and translated by the caller's ``translate`` function.
"""
from __future__ import annotations

import csv
import io
from typing import Any, BinaryIO, Callable, Iterable, Sequence

from openpyxl import Workbook

from ..domain.rules import BRANCH_TYPES, N_, escape_cell, industry_label
from ..domain.workflow import STATUSES
from ..models import Organization

BOM = "\ufeff"

STREET_COLUMNS = [
    ("street", N_("街道")),
    ("surveyed", N_("摸底排查")),
    ("party_orgs", N_("已建党组织")),
    ("party_and_league", N_("已建党已建团")),
    ("party_no_league", N_("已建党未建团")),
    ("visited", N_("已走访")),
    ("visit_coverage_pct", N_("走访覆盖率(%)")),
    ("established", N_("新建团组织")),
    ("new_branch_target", N_("建团目标")),
    ("new_branch_pct", N_("建团完成率(%)")),
    ("onboarded", N_("已入驻")),
    ("onboarding_target", N_("入驻目标")),
    ("onboarding_pct", N_("入驻完成率(%)")),
    ("ineligible", N_("不符合条件")),
]

ORG_COLUMNS = [
    N_("单位名称"), N_("统一社会信用代码"), N_("所属街道"), N_("所属社区"), N_("行业类别"), N_("单位类型"),
    N_("从业人员数"), N_("35岁以下青年数"), N_("团员数"), N_("党员数"), N_("是否建立党组织"),
    N_("是否建立团组织"), N_("团组织现状"), N_("状态"), N_("负责团干"), N_("联系人"), N_("联系电话"), N_("地址"),
]
#: Organisations whose current league state is looked up at once (two queries per chunk).
STATE_CHUNK = 500


BRANCH_COLUMNS = [
    N_("单位名称"), N_("统一社会信用代码"), N_("所属街道"), N_("团组织全称"), N_("团组织类型"), N_("成立日期"),
    N_("书记"), N_("副书记"), N_("批复文号"), N_("批复日期"), N_("上级团组织"), N_("团员人数"), N_("入驻编码"),
]


def write_table(handle: BinaryIO, fmt: str, header: Sequence[str], rows: Iterable[Sequence[Any]],
                title: str = "Sheet1") -> None:
    """Write the table to a binary file as CSV (UTF-8 with a BOM, CRLF line ends) or XLSX (one sheet,
    streamed: rows are not held), every text cell escaped (so none is read as a formula); None is empty."""
    if fmt == "csv":
        text = io.TextIOWrapper(handle, encoding="utf-8", newline="", write_through=True)
        text.write(BOM)
        writer = csv.writer(text, lineterminator="\r\n")
        writer.writerow([escape_cell(h) for h in header])
        for row in rows:
            writer.writerow(["" if v is None else escape_cell(v) for v in row])
        text.flush()
        text.detach()
        return
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31] or "Sheet1")
    sheet.append([escape_cell(h) for h in header])
    for row in rows:
        sheet.append([escape_cell(v) for v in row])
    workbook.save(handle)


def table_bytes(fmt: str, header: Sequence[str], rows: Iterable[Sequence[Any]], title: str = "Sheet1") -> bytes:
    """The table as the bytes of a CSV or XLSX file (see :func:`write_table`)."""
    buffer = io.BytesIO()
    write_table(buffer, fmt, header, rows, title)
    return buffer.getvalue()


def csv_bytes(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    """A CSV file: UTF-8 with a BOM, CRLF line ends, every cell escaped; None becomes empty."""
    return table_bytes("csv", header, rows)


def xlsx_bytes(header: Sequence[str], rows: Iterable[Sequence[Any]], title: str = "Sheet1") -> bytes:
    """An XLSX workbook of one sheet, every text cell escaped (so none is stored as a formula)."""
    return table_bytes("xlsx", header, rows, title)


def street_table(progress: dict[str, Any], translate: Callable[[str], str]) -> tuple[list[str], list[list[Any]]]:
    """The per-street progress table (and a district total row) as a header and rows."""
    header = [translate(label) for _, label in STREET_COLUMNS]
    rows = [[row.get(key) for key, _ in STREET_COLUMNS] for row in progress["by_street"]]
    total = [progress.get(key) for key, _ in STREET_COLUMNS]
    total[0] = translate(N_("合计"))
    return header, rows + [total]


def org_table(orgs: Iterable[Organization], translate: Callable[[str], str],
              states_of: Callable[[list[Organization]], dict[int, str]] | None = None,
              state_labels: dict[str, str] | None = None) -> tuple[list[str], Iterable[list[Any]]]:
    """The organisation list as a header and (lazily produced) rows. 是否建立团组织 is the survey's
    finding; 团组织现状 what stands now (`states_of(orgs)` → {id: state key}, `state_labels` key → label:
    campaign/league.py), looked up a chunk at a time."""
    yes, no = translate(N_("是")), translate(N_("否"))

    def chunks():
        chunk: list[Organization] = []
        for org in orgs:
            chunk.append(org)
            if len(chunk) >= STATE_CHUNK:
                yield chunk
                chunk = []
        if chunk:
            yield chunk

    def rows():
        for chunk in chunks():
            states = states_of(chunk) if states_of is not None else {}
            for org in chunk:
                yield row(org, states.get(org.id))

    def row(org: Organization, state: str | None) -> list[Any]:
        return [
            org.name,
            org.credit_code,
            org.street.name if org.street else "",
            org.community.name if org.community else "",
            industry_label(org.industry, translate),
            org.org_type,
            org.employees,
            org.youth_count,
            org.league_members,
            org.party_members,
            yes if org.has_party_org else no,
            yes if org.has_league_org else no,
            translate((state_labels or {}).get(state, "")) if state else "",
            translate(STATUSES.get(org.status, org.status)),
            org.officer.label if org.officer else "",
            org.contact_person,
            org.contact_phone,
            org.address,
            ]

    return [translate(h) for h in ORG_COLUMNS], rows()


def branch_table(orgs: Iterable[Organization], translate: Callable[[str], str]) -> tuple[list[str], Iterable[list[Any]]]:
    """The league organisations (live founding records) of the listed organisations, one row each, with
    the 智慧团建 code of the live onboarding ("" before onboarding); organisations without one are left out."""

    def rows():
        for org in orgs:
            branch = org.branch
            if branch is None:
                continue
            onboarding = org.onboarding
            yield [
                org.name,
                org.credit_code,
                org.street.name if org.street else "",
                branch.name,
                translate(BRANCH_TYPES.get(branch.branch_type, branch.branch_type)),
                branch.founded_on.isoformat() if branch.founded_on else "",
                branch.secretary,
                branch.deputy_secretary,
                branch.approval_doc_no,
                branch.approval_date.isoformat() if branch.approval_date else "",
                branch.parent_org,
                branch.member_count,
                onboarding.platform_code if onboarding else "",
            ]

    return [translate(h) for h in BRANCH_COLUMNS], rows()
