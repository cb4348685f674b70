"""Service: a bulletin as a file — a Word document (python-docx) in the usual form of a 通报 (title,
addressees, the district's paragraph, the ranked table, notes, issuing body and date), a printable
HTML page, or JSON.

Each is built only from the bulletin's values, with fixed timestamps inside the .docx (its core
properties and the dates of its zip members), so that building it again gives the same bytes.
"""
from __future__ import annotations

import io
import json
import zipfile
from datetime import date, datetime
from typing import Any

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Pt
from flask import render_template
from flask_babel import force_locale

from ..domain.rules import N_
from .bulletins import LIGHT_NAMES, chinese_date
from .report import format_pct

FORMATS = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "html": "text/html; charset=utf-8",
    "json": "application/json",
}
TABLE_HEADER = (N_("排名"), N_("街道"), N_("新建团组织"), N_("目标"), N_("完成率"), N_("时序进度"), N_("进度"),
                N_("环比"), N_("上年同期"))
LIGHT_FILL = {"green": "C6EFCE", "yellow": "FFEB9C", "red": "FFC7CE"}
FONT = "宋体"  # data: the usual typeface of official documents
DOCUMENT_LOCALE = "zh_CN"  # bulletins are exchanged in Chinese


def signed(value: int | None) -> str:
    """+3, −2, 0; "—" when there is nothing to compare with."""
    if value is None:
        return "—"
    return f"+{value}" if value > 0 else str(value)


def table_rows(b: dict[str, Any]) -> list[list[str]]:
    """The ranked table as text cells, in the order of TABLE_HEADER."""
    rows = []
    for r in b["ranking"]:
        rows.append([
            "—" if r["rank"] is None else str(r["rank"]), r["street"], str(r["established"]),
            "—" if r["target"] is None else str(r["target"]), format_pct(r["pct"]) or "—", format_pct(r["pace_pct"]),
            str(LIGHT_NAMES[r["light"]]) if r["light"] else "—", signed(r["change_since_previous"]),
            "—" if r["same_date_last_year"] is None else str(r["same_date_last_year"]),
        ])
    return rows


def bulletin_json(b: dict[str, Any]) -> bytes:
    """The bulletin as JSON (UTF-8, indented, the keys in their order)."""
    return (json.dumps(b, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def bulletin_html(b: dict[str, Any]) -> bytes:
    """The printable page: one self-contained HTML file (no script, no external reference), in
    Chinese like the Word document whatever the reader's interface language."""
    with force_locale(DOCUMENT_LOCALE):
        return render_template("bulletins/document.html", b=b, rows=table_rows(b), header=TABLE_HEADER,
                               issued=chinese_date(date.fromisoformat(b["issued_on"]))).encode("utf-8")


def _font(run, size: float | None = None, bold: bool = False) -> None:
    """Set a run's typeface (East Asian too), size and weight."""
    run.font.name = FONT
    run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), FONT)
    if size:
        run.font.size = Pt(size)
    run.font.bold = bold


def _paragraph(doc, text: str, size: float = 12, bold: bool = False, align=None, indent: bool = False):
    """Add a paragraph of one run."""
    paragraph = doc.add_paragraph()
    if align is not None:
        paragraph.alignment = align
    if indent:
        paragraph.paragraph_format.first_line_indent = Pt(size * 2)
    _font(paragraph.add_run(text), size, bold)
    return paragraph


def _shade(cell, fill: str) -> None:
    """Give a table cell a background colour."""
    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), fill)
    cell._element.get_or_add_tcPr().append(shading)


def bulletin_docx(b: dict[str, Any]) -> bytes:
    """The bulletin as a Word document."""
    doc = Document()
    _paragraph(doc, b["title"], 18, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER)
    _paragraph(doc, "各街道团工委：")  # data: the addressees of a district bulletin
    _paragraph(doc, b["summary"], indent=True)
    _paragraph(doc, "一、各街道新建团组织进度排名", bold=True)  # data: section heading of the document
    rows = table_rows(b)
    table = doc.add_table(rows=1 + len(rows), cols=len(TABLE_HEADER))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for column, title in enumerate(TABLE_HEADER):
        cell = table.cell(0, column)
        cell.text = ""
        _font(cell.paragraphs[0].add_run(title), 10.5, bold=True)
    for index, (cells, row) in enumerate(zip(rows, b["ranking"]), start=1):
        for column, text in enumerate(cells):
            cell = table.cell(index, column)
            cell.text = ""
            _font(cell.paragraphs[0].add_run(text), 10.5)
        if row["light"]:
            _shade(table.cell(index, TABLE_HEADER.index(N_("进度"))), LIGHT_FILL[row["light"]])
    _paragraph(doc, "二、说明", bold=True)  # data: section heading of the document
    for number, note in enumerate(b["notes"], start=1):
        _paragraph(doc, f"{number}. {note}", 10.5, indent=False)
    _paragraph(doc, b["issuer"], align=WD_ALIGN_PARAGRAPH.RIGHT)
    _paragraph(doc, chinese_date(date.fromisoformat(b["issued_on"])), align=WD_ALIGN_PARAGRAPH.RIGHT)
    moment = datetime.fromisoformat(b["issued_on"])
    props = doc.core_properties
    props.title, props.author, props.last_modified_by = b["title"], b["issuer"], b["issuer"]
    props.created = props.modified = props.last_printed = moment
    props.revision = 1
    buffer = io.BytesIO()
    doc.save(buffer)
    return _fixed_zip(buffer.getvalue(), moment)


def _fixed_zip(data: bytes, moment: datetime) -> bytes:
    """The same zip with every member dated `moment` (zip members otherwise carry the time of saving)."""
    stamp = (max(moment.year, 1980), moment.month, moment.day, 0, 0, 0)
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            member = zipfile.ZipInfo(info.filename, date_time=stamp)
            member.compress_type = zipfile.ZIP_DEFLATED
            member.external_attr = info.external_attr
            target.writestr(member, source.read(info.filename))
    return out.getvalue()


RENDERERS = {"docx": bulletin_docx, "html": bulletin_html, "json": bulletin_json}


def render(b: dict[str, Any], fmt: str) -> bytes:
    """The bulletin in `fmt` (docx, html or json)."""
    return RENDERERS[fmt](b)
