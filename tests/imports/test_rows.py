"""Normalising and validating rows: every normalisation and every validation message."""
from __future__ import annotations

import pytest

from orgbuild.extensions import db
from orgbuild.models import Community, Organization
from tests.conftest import credit_code, street
from tests.data.make_survey_files import SURVEY_CODES

from .conftest import HEADER, data_file, row


def test_messy_file_normalises_to_the_clean_one(run):
    messy = run(data_file("survey_messy.csv"))
    assert (messy.rows, messy.created, messy.rejected) == (3, 3, 0)  # blank trailing rows not counted
    clean = run(data_file("survey_utf8.csv"))
    assert (clean.unchanged, clean.created, clean.updated) == (3, 0, 0)
    org = db.session.scalar(db.select(Organization).where(Organization.credit_code == SURVEY_CODES[0]))
    assert org.name == "深圳市翠竹科技有限公司"  # trimmed
    assert (org.employees, org.youth_count, org.league_members) == (120, 80, 6)  # full-width digits
    assert (org.has_party_org, org.has_league_org) == (True, False)  # √ / ×
    assert org.industry == "I" and org.street.short_name == "翠竹"
    assert org.community.name == "水贝"  # 水贝社区 → 水贝


@pytest.mark.parametrize("yes, no", [("是", "否"), ("有", "无"), ("Y", "N"), ("√", "×"), ("1", "0"), ("true", "false"), ("ｙｅｓ", "ｎｏ")])
def test_yes_no_spellings(write_csv, run, yes, no):
    path = write_csv([row(credit_code(), **{"是否建立党组织": yes, "是否建立团组织": no})])
    assert run(path).created == 1
    org = db.session.scalar(db.select(Organization))
    assert (org.has_party_org, org.has_league_org) == (True, False)


@pytest.mark.parametrize("value, stored", [("１２", 12), ("12.0", 12), (" 7 ", 7), ("", None), ("1,200", 1200)])
def test_counts(write_csv, run, value, stored):
    path = write_csv([row(credit_code(), **{"从业人员数": value, "35岁以下青年数": "", "团员数": ""})])
    assert run(path).created == 1
    assert db.session.scalar(db.select(Organization.employees)) == stored


@pytest.mark.parametrize("value, letter", [("C", "C"), ("c", "C"), ("制造业", "C"), ("C 制造业", "C"), ("Ｉ", "I"), ("", None)])
def test_industry_letter_or_section_name(write_csv, run, value, letter):
    assert run(write_csv([row(credit_code(), **{"行业类别": value})])).created == 1
    assert db.session.scalar(db.select(Organization.industry)) == letter


@pytest.mark.parametrize("value", ["翠竹", "翠竹街道", " 翠竹街道办 ", "翠竹街道办事处"])
def test_street_with_or_without_suffix(write_csv, run, value):
    assert run(write_csv([row(credit_code(), street=value)])).created == 1
    assert db.session.scalar(db.select(Organization.street_id)) == street("翠竹").id


def test_credit_code_is_normalised(write_csv, run):
    code = SURVEY_CODES[0]
    messy = " " + code[:8].lower() + "-" + code[8:] + " "
    assert run(write_csv([row(messy)])).created == 1
    assert db.session.scalar(db.select(Organization.credit_code)) == code


CODE = credit_code(4242)


@pytest.mark.parametrize("column, value, message", [
    ("统一社会信用代码", CODE[:-1] + ("0" if CODE[-1] != "0" else "1"), f"校验位错误：应为 {CODE[-1]}"),
    ("统一社会信用代码", "9144030312345", "统一社会信用代码应为18位，实为13位"),
    ("统一社会信用代码", "91440303MA5FOOOO1I", "含有不允许的字符：IO"),
    ("统一社会信用代码", "", "统一社会信用代码不能为空"),
    ("单位名称", "", "请填写单位名称"),
    ("单位名称", "名" * 201, "不能超过200个字符（现有201个）"),
    ("所属街道", "", "请选择所属街道"),
    ("所属街道", "南山", "未知的街道“南山”，应为本区的街道（写“桂园”或“桂园街道”均可）"),
    ("从业人员数", "-3", "不能为负数"),
    ("从业人员数", "十二", "应为不小于0的整数"),
    ("从业人员数", "12.5", "应为不小于0的整数"),
    ("是否建立党组织", "也许", "应填“是”或“否”（也可写 有/无、Y/N、√/×、1/0）"),
    ("团员数", "60", "团员数不能多于从业人员数"),
    ("35岁以下青年数", "51", "35岁以下青年数不能多于从业人员数"),
    ("行业类别", "互联网", "未知的行业类别，应为 GB/T 4754 门类字母（A–T）或门类名称"),
])
def test_each_validation_message(write_csv, run, column, value, message):
    cells = row(CODE, **{column: value})
    report = run(write_csv([row(credit_code(1)), cells]))
    assert (report.created, report.rejected) == (1, 1)
    assert [e.as_dict() for e in report.errors] == [{"row": 3, "column": column, "value": value, "message": message}]


def test_several_errors_in_one_row_are_all_reported(write_csv, run):
    report = run(write_csv([row("x", name="", street="南山", **{"团员数": "abc"})]), dry_run=True)
    assert sorted(e.column for e in report.errors) == ["单位名称", "团员数", "所属街道", "统一社会信用代码"]
    assert report.rejected == 1


def test_duplicate_code_is_an_error_on_the_second_row_naming_the_first(write_csv, run):
    code = credit_code()
    report = run(write_csv([row(code), row(credit_code()), row(code.lower(), name="重复")]))
    assert (report.created, report.rejected) == (2, 1)
    assert report.errors[0].as_dict() == {"row": 4, "column": "统一社会信用代码", "value": code.lower(),
                                          "message": "与第2行的统一社会信用代码重复"}


def test_column_named_as_written_in_the_file(write_csv, run):
    header = ["企业名称", "信用代码", "街道", "职工人数"]
    report = run(write_csv([["某公司", credit_code(), "翠竹", "x"]], header=header), dry_run=True)
    assert report.errors[0].column == "职工人数"


def test_unknown_community_is_ignored_with_a_warning(write_csv, run, make_org):
    org = make_org("翠竹", credit_code=credit_code(), community_id=db.session.scalar(
        db.select(Community.id).where(Community.name == "水贝")))
    path = write_csv([row(org.credit_code, name=org.name, **{"所属社区": "不存在社区", "从业人员数": "50", "35岁以下青年数": "20",
                                                              "团员数": "5", "行业类别": ""})])
    report = run(path)
    assert report.rejected == 0
    assert [w.message for w in report.warnings] == ["社区“不存在社区”未在该街道登记，已忽略（不修改原有社区）"]
    db.session.refresh(org)
    assert org.community.name == "水贝"  # not cleared


def test_blank_rows_anywhere_are_skipped(write_csv, run):
    path = write_csv([row(credit_code()), [""] * len(HEADER), ["  "], row(credit_code()), [], [""] * 3])
    report = run(path, dry_run=True)
    assert (report.rows, report.created) == (2, 2)


def test_seen_codes_finds_the_first_row_and_grows():
    from orgbuild.imports.rows import SeenCodes

    seen = SeenCodes()
    codes = [credit_code(n) for n in range(1, 5000)] + [credit_code(n, prefix="Y1440303") for n in range(1, 50)]
    for number, code in enumerate(codes, start=2):
        assert seen.first_row(code, number) == number
    assert seen.count == len(codes) and seen.mask + 1 >= 2 * len(codes)
    assert seen.first_row(codes[0], 99999) == 2
    assert seen.first_row(codes[-1], 99999) == len(codes) + 1
    assert seen.first_row(credit_code(999999), 7) == 7


def test_errors_of_a_row_come_left_to_right(write_csv, run):
    """Several errors in one row are listed in the order of the file's columns."""
    report = run(write_csv([row("91110000600037341N", street="火星", **{"从业人员数": "-3", "是否建立党组织": "也许"})]))
    assert [e.column for e in report.errors] == ["统一社会信用代码", "所属街道", "从业人员数", "是否建立党组织"]
