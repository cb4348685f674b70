"""Reading survey files: encodings, delimiters, XLSX, header aliases, and each kind of refused file."""
from __future__ import annotations

import zipfile

import pytest

from orgbuild.imports.reader import FileRefused, detect_encoding, sniff_delimiter
from tests.data.make_survey_files import SURVEY_CODES

from .conftest import HEADER, data_file, row


@pytest.mark.parametrize(
    "name, encoding",
    [("survey_utf8.csv", "utf-8"), ("survey_utf8_bom.csv", "utf-8 (BOM)"), ("survey_gb18030.csv", "gb18030")],
)
def test_each_encoding_is_detected_and_read(run, name, encoding):
    report = run(data_file(name), dry_run=True)
    assert report.encoding == encoding
    assert (report.rows, report.created, report.rejected) == (3, 3, 0)
    assert not report.committed


def test_short_gbk_file_is_read_as_gb18030_not_guessed(write_csv, run):
    # two lines of GBK: a statistical detector alone may call this Korean (DOMAIN.md)
    path = write_csv([row(SURVEY_CODES[0], name="罗湖区翠竹社区服务中心")], encoding="gbk")
    assert detect_encoding(path) == "gb18030"
    assert run(path, dry_run=True).created == 1


def test_forced_encoding_that_does_not_fit_is_refused(run):
    with pytest.raises(FileRefused) as refused:
        run(data_file("survey_gb18030.csv"), encoding="utf-8")
    assert "不是有效的 UTF-8 编码" in str(refused.value.message)
    assert run(data_file("survey_gb18030.csv"), encoding="gb18030", dry_run=True).created == 3


@pytest.mark.parametrize("name, delimiter", [("survey_tab.csv", "\t"), ("survey_semicolon.csv", ";"), ("survey_utf8.csv", ",")])
def test_delimiter_is_sniffed(run, name, delimiter):
    report = run(data_file(name), dry_run=True)
    assert report.delimiter == delimiter
    assert report.created == 3 and report.rejected == 0


def test_sniff_delimiter_prefers_the_most_frequent():
    assert sniff_delimiter("a;b;c,d\r\n") == ";"
    assert sniff_delimiter("单位名称\r\n") == ","


def test_english_aliases_and_unknown_columns_listed_as_ignored(run):
    report = run(data_file("survey_english.csv"), dry_run=True)
    assert report.created == 1 and report.rejected == 0
    assert report.ignored_columns == ["remarks"]


@pytest.mark.parametrize("header", [
    ["企业名称", "信用代码", "街道"],
    ["组织名称", "统一社会信用代码", "所属街道"],
    ["name", "credit_code", "street"],
    ["单位名称（全称）*", " 统一社会信用代码 ", "所属街道*"],
])
def test_header_aliases(write_csv, run, header):
    path = write_csv([["某某有限公司", SURVEY_CODES[0], "翠竹"]], header=header)
    assert run(path, dry_run=True).created == 1


def test_title_row_above_the_header_keeps_excel_row_numbers(write_csv, run):
    path = write_csv([HEADER, row(SURVEY_CODES[0]), row("bad")], header=["2022年两新组织摸底排查表"])
    report = run(path, dry_run=True)
    assert report.rows == 2
    assert [e.row for e in report.errors] == [4]


def test_xlsx_first_sheet_and_named_sheet(write_xlsx, run):
    path = write_xlsx({
        "说明": [["请填写第二个工作表"]],
        "摸底表": [HEADER, row(SURVEY_CODES[0], **{"从业人员数": 50}), row(SURVEY_CODES[1]), [None] * len(HEADER)],
    })
    with pytest.raises(FileRefused) as refused:
        run(path, dry_run=True)  # the first sheet has no survey header
    assert "缺少必需的列" in str(refused.value.message)
    report = run(path, dry_run=True, sheet="摸底表")
    assert report.sheet == "摸底表"
    assert (report.rows, report.created) == (2, 2)


def test_xlsx_numbers_and_booleans_are_read(write_xlsx, run):
    cells = row(SURVEY_CODES[0])
    cells[5], cells[6], cells[7], cells[8] = 50, 20.0, 3, True
    report = run(write_xlsx({"Sheet1": [HEADER, cells]}), dry_run=False)
    assert report.created == 1 and report.rejected == 0
    from orgbuild.extensions import db
    from orgbuild.models import Organization

    org = db.session.scalar(db.select(Organization))
    assert (org.employees, org.youth_count, org.league_members, org.has_party_org) == (50, 20, 3, True)


def test_unknown_sheet_is_refused_naming_the_sheets(write_xlsx, run):
    path = write_xlsx({"摸底表": [HEADER], "汇总": [["x"]]})
    with pytest.raises(FileRefused) as refused:
        run(path, sheet="Sheet9")
    assert str(refused.value.message) == "找不到工作表“Sheet9”，工作簿中的工作表有：摸底表、汇总"


@pytest.mark.parametrize("name, expected", [
    ("refused_pdf.csv", "这是 PDF 文件"),
    ("refused_empty.csv", "文件是空的"),
    ("refused_binary.csv", "这是二进制文件"),
    ("refused_latin1.csv", "无法识别文件编码"),
    ("refused_missing_columns.csv", "缺少必需的列：统一社会信用代码、所属街道"),
])
def test_refused_files(run, name, expected):
    with pytest.raises(FileRefused) as refused:
        run(data_file(name))
    assert expected in str(refused.value.message)


def test_file_over_the_size_limit_is_refused(run):
    with pytest.raises(FileRefused) as refused:
        run(data_file("survey_utf8.csv"), max_bytes=100)
    assert "文件过大" in str(refused.value.message)


def test_old_xls_and_plain_zip_are_refused(tmp_path, run):
    xls = tmp_path / "old.xls"
    xls.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600)
    with pytest.raises(FileRefused) as refused:
        run(str(xls))
    assert "旧版 Excel" in str(refused.value.message)
    archive = tmp_path / "photos.xlsx"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("a.txt", "hello")
    with pytest.raises(FileRefused) as refused:
        run(str(archive))
    assert "不是 Excel 工作簿" in str(refused.value.message)


def test_header_with_two_columns_for_one_field_is_refused(write_csv, run):
    path = write_csv([], header=["单位名称", "企业名称", "统一社会信用代码", "所属街道"])
    with pytest.raises(FileRefused) as refused:
        run(path)
    assert "列“单位名称”和“企业名称”都表示单位名称" in str(refused.value.message)


def test_corrupt_xlsx_is_refused(tmp_path, run):
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"PK\x03\x04" + b"\x00" * 200)
    with pytest.raises(FileRefused) as refused:
        run(str(broken))
    assert "无法读取该 Excel 文件" in str(refused.value.message)


def test_delimiter_is_sniffed_below_a_title_line(write_csv, run):
    path = write_csv([HEADER, row(SURVEY_CODES[0])], header=["翠竹街道两新组织摸底表"], delimiter="\t")
    report = run(path, dry_run=True)
    assert (report.delimiter, report.created) == ("\t", 1)
