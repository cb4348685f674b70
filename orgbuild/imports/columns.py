"""The columns of a survey sheet: canonical headers, their Chinese and English aliases, which are
required, and the downloadable template (CSV and XLSX) built from them.

Pure: no Flask, no SQLAlchemy. The import service maps a file's header onto these columns.
"""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass

from ..domain.rules import N_, Message, to_halfwidth


@dataclass(frozen=True)
class SurveyColumn:
    """One survey column: the SurveyData field it fills, its canonical header and its aliases."""

    field: str  # SurveyData field (street → street_id, community → community_id)
    header: str  # canonical Chinese header, as in the template
    aliases: tuple[str, ...]
    kind: str  # text / code / street / community / industry / count / yes_no / date
    max_length: int | None = None
    example: str = ""


COLUMNS: tuple[SurveyColumn, ...] = (
    SurveyColumn("name", N_("单位名称"), ("企业名称", "组织名称", "name"), "text", 200, "深圳市示例科技有限公司"),  # data: aliases, example
    SurveyColumn("credit_code", N_("统一社会信用代码"), ("信用代码", "社会信用代码", "credit_code"), "code", None, "91440300568520498A"),  # data: aliases, example
    SurveyColumn("street_id", N_("所属街道"), ("街道", "street"), "street", None, "翠竹街道"),  # data: aliases, example
    SurveyColumn("community_id", N_("所属社区"), ("社区", "community"), "community", None, "水贝"),  # data: aliases, example
    SurveyColumn("industry", N_("行业类别"), ("行业", "所属行业", "industry"), "industry", None, "I 信息传输、软件和信息技术服务业"),  # data: aliases, example
    SurveyColumn("org_type", N_("单位类型"), ("单位性质", "org_type"), "text", 40, "私营/民营企业"),  # data: aliases, example
    SurveyColumn("employees", N_("从业人员数"), ("职工人数", "员工人数", "employees"), "count", None, "120"),  # data: aliases, example
    SurveyColumn("youth_count", N_("35岁以下青年数"), ("青年数", "青年人数", "youth", "youth_count"), "count", None, "80"),  # data: aliases, example
    SurveyColumn("league_members", N_("团员数"), ("团员人数", "league_members"), "count", None, "6"),  # data: aliases, example
    SurveyColumn("party_members", N_("党员数"), ("党员人数", "party_members"), "count", None, "9"),  # data: aliases, example
    SurveyColumn("has_party_org", N_("是否建立党组织"), ("是否建党", "has_party_org"), "yes_no", None, "是"),  # data: aliases, example
    SurveyColumn("party_secretary", N_("党组织书记"), ("party_secretary",), "text", 80, "张三"),  # data: aliases, example
    SurveyColumn("has_league_org", N_("是否建立团组织"), ("是否建团", "has_league_org"), "yes_no", None, "否"),  # data: aliases, example
    SurveyColumn("league_contact", N_("团组织负责人及电话"), ("团组织负责人", "league_contact"), "text", 120, ""),  # data: aliases, example
    SurveyColumn("contact_person", N_("联系人"), ("contact_person",), "text", 80, "李四"),  # data: aliases, example
    SurveyColumn("contact_phone", N_("联系电话"), ("电话", "contact_phone"), "text", 40, "0755-12345678"),  # data: aliases, example
    SurveyColumn("address", N_("地址"), ("单位地址", "address"), "text", 300, "深圳市罗湖区翠竹路1号"),  # data: aliases, example
    SurveyColumn("surveyed_on", N_("摸排日期"), ("摸底日期", "排查日期", "调查日期", "surveyed_on"), "date", None, "2022-03-15"),  # data: aliases, example
    # optional: the officer the organisation is assigned to, by display name or username (imports/rows.py)
    SurveyColumn("officer_id", N_("负责团干"), ("责任团干", "团干", "联系团干", "officer"), "officer", 80, ""),  # data: aliases
)

BY_FIELD = {c.field: c for c in COLUMNS}

#: Required columns: without them a row cannot be keyed (credit code) or placed (name, street).
#: Every other column is optional: when absent, the field is left as it is on update (and empty on create).
REQUIRED_FIELDS = ("name", "credit_code", "street_id")

#: GB/T 4754-2017 sections: letter → name.
INDUSTRY_SECTIONS = {
    "A": "农、林、牧、渔业", "B": "采矿业", "C": "制造业", "D": "电力、热力、燃气及水生产和供应业",  # data: GB/T 4754
    "E": "建筑业", "F": "批发和零售业", "G": "交通运输、仓储和邮政业", "H": "住宿和餐饮业",  # data: GB/T 4754
    "I": "信息传输、软件和信息技术服务业", "J": "金融业", "K": "房地产业", "L": "租赁和商务服务业",  # data: GB/T 4754
    "M": "科学研究和技术服务业", "N": "水利、环境和公共设施管理业", "O": "居民服务、修理和其他服务业",  # data: GB/T 4754
    "P": "教育", "Q": "卫生和社会工作", "R": "文化、体育和娱乐业", "S": "公共管理、社会保障和社会组织",  # data: GB/T 4754
    "T": "国际组织",  # data: GB/T 4754
}
_INDUSTRY_KEYS = {re.sub(r"[、，,\s]", "", name): letter for letter, name in INDUSTRY_SECTIONS.items()}


def header_key(text: object) -> str:
    """The comparable form of a header cell: ASCII, no spaces or asterisks, no "(人)" suffix, lower case.

    >>> header_key(" 从业人员数（人）* ")
    '从业人员数'
    """
    value = to_halfwidth("" if text is None else str(text)).replace("\ufeff", "")
    value = re.sub(r"\s+", "", value).strip("*")
    value = re.sub(r"\([^()]*\)$", "", value).strip("*")
    return value.lower()


ALIASES: dict[str, str] = {}
for _column in COLUMNS:
    for _name in (_column.header, *_column.aliases):
        ALIASES[header_key(_name)] = _column.field


def industry_letter(value: str) -> str | None:
    """The section letter for "C", "c", "制造业", "C 制造业" or "C制造业"; None when unknown.  # data: GB/T 4754

    >>> industry_letter("C 制造业"), industry_letter("制造业"), industry_letter("x")
    ('C', 'C', None)
    """
    text = re.sub(r"[、，,\s]", "", to_halfwidth(value)).upper()
    if len(text) == 1:
        return text if text in INDUSTRY_SECTIONS else None
    if text[:1] in INDUSTRY_SECTIONS and text[1:] == re.sub(r"[、，,\s]", "", INDUSTRY_SECTIONS[text[:1]]):
        return text[:1]
    return _INDUSTRY_KEYS.get(text)


@dataclass
class HeaderMap:
    """How a file's header maps onto the survey columns."""

    fields: dict[str, int]  # field → index of its cell in a row
    labels: dict[str, str]  # field → the header as written in the file
    ignored: list[str]  # headers not recognised (listed as ignored in the summary)
    problems: list[Message]  # missing required columns, or two columns meaning the same field


def map_header(cells: list[object]) -> HeaderMap:
    """Map header cells to survey fields; name the missing required columns and the ambiguous ones."""
    header = map_header_to(cells, ALIASES, {f: c.header for f, c in BY_FIELD.items()})
    missing = [BY_FIELD[f].header for f in REQUIRED_FIELDS if f not in header.fields]
    if missing:
        header.problems.insert(0, Message("缺少必需的列：%(columns)s", columns="、".join(missing)))
    return header


def map_header_to(cells: list[object], aliases: dict[str, str], headers: dict[str, str]) -> HeaderMap:
    """Map header cells to fields through `aliases` (header_key → field); `headers` names each field.
    Two columns meaning one field are a problem; the caller adds what is missing."""
    fields: dict[str, int] = {}
    labels: dict[str, str] = {}
    ignored: list[str] = []
    problems: list[Message] = []
    for index, cell in enumerate(cells):
        written = "" if cell is None else str(cell).replace("\ufeff", "").strip()
        if not written:
            continue
        field = aliases.get(header_key(written))
        if field is None:
            ignored.append(written)
        elif field in fields:
            problems.append(
                Message("列“%(a)s”和“%(b)s”都表示%(what)s，请只保留一列", a=labels[field], b=written, what=headers[field])
            )
        else:
            fields[field] = index
            labels[field] = written
    return HeaderMap(fields, labels, ignored, problems)


def recognised_count(cells: list[object]) -> int:
    """How many cells of a row are known survey headers (to find the header below a title row)."""
    return sum(1 for cell in cells if cell is not None and ALIASES.get(header_key(cell)) is not None)


def template_rows() -> list[list[str]]:
    """The template: canonical headers and one example row."""
    return [[c.header for c in COLUMNS], [c.example for c in COLUMNS]]


def template_csv() -> bytes:
    """The template as UTF-8 CSV with a BOM (so Excel on Chinese Windows opens it correctly)."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(template_rows())
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def template_xlsx() -> bytes:
    """The template as an Excel workbook (text-formatted credit-code column, so Excel keeps all 18 digits)."""
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "摸底表"  # data: the template file is Chinese, like its headers
    for row in template_rows():
        sheet.append(row)
    code_column = [c.field for c in COLUMNS].index("credit_code") + 1
    for (cell,) in sheet.iter_rows(min_col=code_column, max_col=code_column):
        cell.number_format = "@"
    for index, column in enumerate(COLUMNS, start=1):
        sheet.column_dimensions[sheet.cell(1, index).column_letter].width = max(12, len(column.header) * 2 + 2)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
