"""``flask import-survey``: options, exit codes 0/1/2 and the exact JSON object of DESIGN.md."""
from __future__ import annotations

import json

from orgbuild.extensions import db
from orgbuild.models import ImportBatch, Organization
from tests.conftest import credit_code

from .conftest import HEADER, data_file, row

JSON_KEYS = ["file", "rows", "created", "updated", "unchanged", "rejected", "committed", "errors"]


def invoke(runner, *args):
    """Run import-survey with `args`; returns (exit code, parsed JSON or the text output)."""
    result = runner.invoke(args=["import-survey", *args])
    if "--json" in args:
        return result.exit_code, json.loads(result.output)
    return result.exit_code, result.output


def orgs() -> int:
    """How many organisations are on record."""
    return db.session.scalar(db.select(db.func.count(Organization.id)))


def test_clean_file_exits_0_with_the_exact_json(runner):
    path = data_file("survey_utf8.csv")
    code, out = invoke(runner, path, "--json")
    assert code == 0
    assert list(out) == JSON_KEYS
    assert out == {"file": path, "rows": 3, "created": 3, "updated": 0, "unchanged": 0, "rejected": 0,
                   "committed": True, "errors": []}
    assert orgs() == 3


def test_rejected_rows_exit_1_and_valid_rows_are_imported(runner, write_csv):
    path = write_csv([row(credit_code()), row("9144", name="坏行")])
    code, out = invoke(runner, path, "--json")
    assert code == 1
    assert (out["created"], out["rejected"], out["committed"]) == (1, 1, True)
    assert out["errors"] == [{"row": 3, "column": "统一社会信用代码", "value": "9144", "message": "统一社会信用代码应为18位，实为4位"}]
    assert orgs() == 1


def test_strict_writes_nothing_and_exits_1(runner, write_csv):
    path = write_csv([row(credit_code()), row("bad")])
    code, out = invoke(runner, path, "--strict", "--json")
    assert (code, out["committed"], out["created"], out["rejected"]) == (1, False, 1, 1)
    assert orgs() == 0 and db.session.scalar(db.select(db.func.count(ImportBatch.id))) == 0


def test_dry_run_counts_what_it_would_do(runner):
    code, out = invoke(runner, data_file("survey_utf8.csv"), "--dry-run", "--json")
    assert (code, out["created"], out["committed"]) == (0, 3, False)
    assert orgs() == 0


def test_reimport_is_all_unchanged_and_warns(runner):
    path = data_file("survey_gb18030.csv")
    invoke(runner, path)
    code, out = invoke(runner, path)
    assert code == 0
    assert "新增 0，更新 0，未变 3，拒绝 0" in out
    assert "导入过" in out


def test_refused_files_exit_2(runner, tmp_path):
    code, out = invoke(runner, data_file("refused_pdf.csv"), "--json")
    assert code == 2 and list(out) == JSON_KEYS
    assert out["committed"] is False and "PDF" in out["errors"][0]["message"]
    code, text = invoke(runner, data_file("refused_missing_columns.csv"))
    assert code == 2 and "缺少必需的列：统一社会信用代码、所属街道" in text
    code, text = invoke(runner, str(tmp_path / "nope.csv"))
    assert code == 2 and "找不到文件" in text
    assert orgs() == 0


def test_encoding_option(runner):
    path = data_file("survey_gb18030.csv")
    assert invoke(runner, path, "--encoding", "utf-8", "--json")[0] == 2
    assert invoke(runner, path, "--encoding", "gb18030", "--json")[0] == 0
    assert runner.invoke(args=["import-survey", path, "--encoding", "latin-1"]).exit_code == 2  # click refuses the choice


def test_sheet_option(runner, write_xlsx):
    path = write_xlsx({"封面": [["摸底排查"]], "摸底表": [HEADER, row(credit_code())]})
    code, out = invoke(runner, path, "--sheet", "摸底表", "--json")
    assert (code, out["created"]) == (0, 1)
    code, text = invoke(runner, path, "--sheet", "其他")
    assert code == 2 and "工作簿中的工作表有：封面、摸底表" in text


def test_text_output_lists_ignored_columns_errors_and_changes(runner, write_csv, make_org):
    org = make_org("翠竹", name="旧名", employees=50)
    header = [*HEADER, "备注"]
    path = write_csv([[*row(org.credit_code, name="新名"), "x"], [*row("bad"), ""]], header=header)
    code, text = invoke(runner, path, "--dry-run")
    assert code == 1
    assert "未识别的列（已忽略）：备注" in text
    assert "第 3 行，统一社会信用代码 = 'bad'" in text
    assert "更新 第 2 行" in text and "单位名称：'旧名' → '新名'" in text
    assert "试运行：未写入任何数据。" in text


def test_no_progress_bar_with_json(runner, write_csv):
    path = write_csv([row(credit_code()) for _ in range(3)])
    result = runner.invoke(args=["import-survey", path, "--json"])
    json.loads(result.output)  # nothing but the object
