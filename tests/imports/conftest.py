"""Fixtures of the survey-import tests: data files, a CSV/XLSX writer and a runner of the service."""
from __future__ import annotations

import csv
from pathlib import Path

import pytest

from orgbuild.imports import service as survey_import

DATA = Path(__file__).resolve().parent.parent / "data"
HEADER = ["单位名称", "统一社会信用代码", "所属街道", "所属社区", "行业类别", "从业人员数", "35岁以下青年数", "团员数",
          "是否建立党组织", "是否建立团组织"]


def data_file(name: str) -> str:
    """The path of a committed test file under tests/data/."""
    return str(DATA / name)


def row(code: str, name: str = "深圳市测试有限公司", street: str = "翠竹", **extra) -> list[str]:
    """A valid row for HEADER (override cells by header name through `extra`)."""
    values = dict(zip(HEADER, [name, code, street, "", "I", "50", "20", "5", "是", "否"]))
    for key, value in extra.items():
        values[key] = value
    return [values[h] for h in HEADER]


@pytest.fixture
def write_csv(tmp_path):
    """write_csv(rows, header=HEADER, encoding="utf-8", delimiter=",", name="survey.csv") → path."""

    def write(rows, header=HEADER, encoding="utf-8", delimiter=",", name="survey.csv") -> str:
        path = tmp_path / name
        with open(path, "w", encoding=encoding, newline="") as handle:
            writer = csv.writer(handle, delimiter=delimiter, lineterminator="\r\n")
            if header is not None:
                writer.writerow(header)
            writer.writerows(rows)
        return str(path)

    return write


@pytest.fixture
def write_xlsx(tmp_path):
    """write_xlsx({"sheet name": [header, *rows], ...}, name="survey.xlsx") → path (openpyxl)."""

    def write(sheets: dict[str, list[list[object]]], name: str = "survey.xlsx") -> str:
        from openpyxl import Workbook

        workbook = Workbook()
        workbook.remove(workbook.active)
        for title, rows in sheets.items():
            sheet = workbook.create_sheet(title)
            for values in rows:
                sheet.append(values)
        path = tmp_path / name
        workbook.save(path)
        return str(path)

    return write


@pytest.fixture
def run(app):
    """run(path, **options) → ImportReport (the service, as the CLI calls it: no actor)."""

    def call(path: str, **options) -> survey_import.ImportReport:
        return survey_import.run_import(path, **options)

    return call
