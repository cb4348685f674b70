"""A CSV line too long to be a survey row, or a row with more cells than Excel has, is refused before
it is held whole: by the reader (row and limit named), on the command line (exit 2) and on the web page."""
from __future__ import annotations

import pytest

from orgbuild.imports import reader
from orgbuild.imports.reader import CSV_MAX_COLUMNS, CSV_MAX_LINE_CHARS, FileRefused, open_survey

HEADER = "单位名称,统一社会信用代码,所属街道\n"
GOOD = "深圳市翠竹科技有限公司,91440303MA5F00001M,翠竹\n"


def write(path, *lines: str) -> str:
    path.write_text("".join(lines), encoding="utf-8")
    return str(path)


def read_all(path: str) -> list:
    source = open_survey(path)
    try:
        return list(source.rows)
    finally:
        source.close()


def test_a_line_longer_than_the_limit_is_refused_with_its_number(tmp_path):
    path = write(tmp_path / "long.csv", HEADER, GOOD, "," * (CSV_MAX_LINE_CHARS + 10) + "\n", GOOD)
    with pytest.raises(FileRefused) as refused:
        read_all(path)
    assert str(refused.value.message) == (f"文件第 3 行超过 {CSV_MAX_LINE_CHARS} 个字符，不像调查表："
                                          "请检查文件内容后重新保存为 CSV")


def test_a_long_first_line_is_refused_before_the_header_is_looked_for(tmp_path):
    path = write(tmp_path / "header.csv", "x" * (CSV_MAX_LINE_CHARS + 1), "\n", HEADER, GOOD)
    with pytest.raises(FileRefused) as refused:
        open_survey(path)
    assert "文件第 1 行超过" in str(refused.value.message)


def test_a_row_with_more_cells_than_excel_has_is_refused(tmp_path):
    path = write(tmp_path / "wide.csv", HEADER, GOOD, "a," * CSV_MAX_COLUMNS + "a\n")
    with pytest.raises(FileRefused) as refused:
        read_all(path)
    assert str(refused.value.message) == (f"第 3 行有 {CSV_MAX_COLUMNS + 1} 列，超过 {CSV_MAX_COLUMNS} 列的上限："
                                          "请检查分隔符或文件内容")


def test_rows_at_the_limits_are_read(tmp_path):
    at_limit = "a," * (CSV_MAX_COLUMNS - 1) + "a\n"  # exactly CSV_MAX_COLUMNS cells
    quoted = '"' + "长" * 1000 + '\n' + "行" * 1000 + '",91440303MA5F00002Q,笋岗\n'  # a cell over two lines
    path = write(tmp_path / "ok.csv", HEADER, at_limit, quoted, GOOD)
    rows = read_all(path)
    assert [number for number, _ in rows] == [2, 3, 4]
    assert len(rows[0][1]) == CSV_MAX_COLUMNS and rows[1][1][0].startswith("长") and "\n" in rows[1][1][0]


def test_the_command_line_exits_2_and_nothing_is_written(app, runner, tmp_path):
    from orgbuild.extensions import db
    from orgbuild.models import Organization

    path = write(tmp_path / "wide.csv", HEADER, GOOD, "," * (CSV_MAX_LINE_CHARS + 1) + "\n")
    result = runner.invoke(args=["import-survey", path])
    assert result.exit_code == 2 and "文件第 3 行超过" in result.output
    assert db.session.query(Organization).count() == 0


def test_the_limits_are_the_readers_own(monkeypatch, tmp_path):
    """The bound is the reader's constant (one place), not a copy in the caller."""
    monkeypatch.setattr(reader, "CSV_MAX_LINE_CHARS", 100)
    path = write(tmp_path / "short.csv", HEADER, "深圳市" + "很" * 200 + ",91440303MA5F00001M,翠竹\n")
    with pytest.raises(FileRefused) as refused:
        read_all(path)
    assert "文件第 2 行超过 100 个字符" in str(refused.value.message)
