"""Write the small survey files the import tests read (run it again after changing it):

    .venv/bin/python tests/data/make_survey_files.py

Every good file holds the same three organisations (codes SURVEY_CODES) in a different encoding or
delimiter; survey_messy.csv holds messy but valid values; the refused_* files are refused as a whole.
"""
from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent))

from orgbuild.domain.rules import credit_code_check_char  # noqa: E402


def code(serial: str) -> str:
    """A valid credit code ending in `serial` (9 characters)."""
    first17 = "91440303" + serial
    return first17 + credit_code_check_char(first17)


SURVEY_CODES = [code("MA5F00001"), code("MA5F00002"), code("MA5F00003")]
HEADER = ["单位名称", "统一社会信用代码", "所属街道", "所属社区", "行业类别", "从业人员数", "35岁以下青年数", "团员数",
          "是否建立党组织", "是否建立团组织"]
ROWS = [
    ["深圳市翠竹科技有限公司", SURVEY_CODES[0], "翠竹街道", "水贝", "I", "120", "80", "6", "是", "否"],
    ["深圳市笋岗贸易有限公司", SURVEY_CODES[1], "笋岗", "田贝", "批发和零售业", "40", "20", "2", "否", "否"],
    ["罗湖区桂园社工服务中心", SURVEY_CODES[2], "桂园街道", "", "Q", "15", "12", "4", "是", "是"],
]


def text(delimiter: str = ",", rows=None) -> str:
    """The good file's text with `delimiter`."""
    return "\r\n".join(delimiter.join(r) for r in [HEADER, *(rows or ROWS)]) + "\r\n"


def full_width(value: str) -> str:
    """ASCII digits and letters as their full-width forms."""
    return "".join(chr(ord(c) + 0xFEE0) if c.isascii() and c.isalnum() else c for c in value)


def main() -> None:
    """Write every file."""
    (HERE / "survey_utf8.csv").write_bytes(text().encode("utf-8"))
    (HERE / "survey_utf8_bom.csv").write_bytes(b"\xef\xbb\xbf" + text().encode("utf-8"))
    (HERE / "survey_gb18030.csv").write_bytes(text().encode("gb18030"))
    (HERE / "survey_tab.csv").write_bytes(text("\t").encode("utf-8"))
    (HERE / "survey_semicolon.csv").write_bytes(text(";").encode("utf-8"))
    english = "name,credit_code,street,community,industry,employees,youth,league_members,has_party_org,has_league_org,remarks\r\n"
    english += f"Shenzhen Cuizhu Tech,{SURVEY_CODES[0]},翠竹,水贝,I,120,80,6,Y,N,first\r\n"
    (HERE / "survey_english.csv").write_bytes(english.encode("utf-8"))
    messy = [
        ["  深圳市翠竹科技有限公司 ", " " + full_width(SURVEY_CODES[0].lower()) + " ", " 翠竹街道", "水贝社区", "i",
         full_width("120"), "８０", " 6 ", "√", "×"],
        ["深圳市笋岗贸易有限公司", SURVEY_CODES[1][:6] + "-" + SURVEY_CODES[1][6:], "笋岗", "田贝", "F 批发和零售业", "40.0",
         "20", "2", "无", "N"],
        ["罗湖区桂园社工服务中心", SURVEY_CODES[2], "桂园", "", "卫生和社会工作", "15", "12", "4", "1", "true"],
        ["", "", "", "", "", "", "", "", "", ""],
        [" ", "", "", "", "", "", "", "", "", ""],
    ]
    (HERE / "survey_messy.csv").write_bytes(("\ufeff" + text(",", messy) + ",,,\r\n\r\n").encode("utf-8"))
    (HERE / "refused_pdf.csv").write_bytes(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n")
    (HERE / "refused_empty.csv").write_bytes(b"")
    (HERE / "refused_binary.csv").write_bytes(bytes(range(256)) * 4)
    (HERE / "refused_missing_columns.csv").write_bytes("单位名称,从业人员数\r\n某公司,12\r\n".encode("utf-8"))
    latin = "name,credit_code,street\r\nCaf\u00e9 M\u00fcller,91440303MA5F00001X,\u00c9tage\r\n"
    (HERE / "refused_latin1.csv").write_bytes(latin.encode("cp1252"))  # neither UTF-8 nor GB18030


if __name__ == "__main__":
    main()
