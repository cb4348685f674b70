"""Hostile cells in a survey file: control characters are refused per cell (never a shifted row), and the
rejected-rows CSV never hands a spreadsheet a live formula."""
from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import select

from orgbuild.extensions import db
from orgbuild.imports.reader import FileRefused
from orgbuild.models import ImportBatch, Organization
from tests.conftest import credit_code
from tests.imports.conftest import HEADER, row

HEADER_WITH_CONTACT = [*HEADER, "联系人", "联系电话", "地址"]


def contact_row(code, **extra):
    values = dict(zip(HEADER_WITH_CONTACT, [*row(code), "张三", "13800138000", "深圳市罗湖区某路1号"]))
    values.update(extra)
    return [values[h] for h in HEADER_WITH_CONTACT]


def rejected_lines(report) -> list[list[str]]:
    batch = db.session.get(ImportBatch, report.batch_id)
    return list(csv.reader(io.StringIO(batch.rejected_csv.decode("utf-8-sig"))))


def test_a_unit_separator_in_a_quoted_cell_is_refused_not_shifted(write_csv, run):
    good, bad = credit_code(), credit_code()
    path = write_csv([contact_row(good), contact_row(bad, **{"联系人": "李\x1f四", "地址": "某路\x07"})],
                     header=HEADER_WITH_CONTACT)
    report = run(path)
    assert (report.created, report.rejected) == (1, 1)
    assert db.session.scalar(select(Organization.credit_code)) == good
    problems = rejected_lines(report)[1][-1]
    assert "联系人：含有控制字符" in problems and "地址：含有控制字符" in problems


def test_rejected_rows_csv_escapes_formulas(write_csv, run):
    hostile = ["=cmd|' /C calc'!A0", '=HYPERLINK("http://x","点我")', "＝1+1", "+1", "@SUM(A1)"]
    rows = [row("bad", name=text) for text in hostile]
    report = run(write_csv(rows))
    assert report.rejected == len(hostile)
    names = [line[1] for line in rejected_lines(report)[1:]]
    assert names == ["'" + text for text in hostile]


def test_thousands_of_duplicate_columns_give_a_short_refusal(write_csv, run):
    header = HEADER + ["单位名称"] * 3000
    with pytest.raises(FileRefused) as refused:
        run(write_csv([row(credit_code())], header=header))
    assert "共3000处" in refused.value.message and len(refused.value.message) < 1000


@pytest.mark.parametrize("page", ["/imports/", "/reconcile/"])
def test_a_header_of_thousands_of_duplicates_keeps_every_cookie_small(client, make_user, page):
    """The refusal of a header with 3,000 duplicate columns reaches the browser whole: every cookie the
    answers set (the flashed message rides in the session cookie) stays far under the 4 KB browsers keep."""
    import io

    from tests.conftest import login

    make_user("sup", role="supervisor")
    login(client, "sup")
    header = (HEADER + ["单位名称"] * 3000) if page == "/imports/" else (["组织全称", "组织类别"] + ["组织全称"] * 3000)
    data = ",".join(header).encode() + b"\r\n" + ",".join(["x"] * len(header)).encode() + b"\r\n"
    response = client.post(page, data={"file": (io.BytesIO(data), "dup.csv"), "encoding": "auto"},
                           content_type="multipart/form-data")
    cookies = response.headers.getlist("Set-Cookie")
    followed = client.get(response.headers["Location"]) if response.status_code == 302 else response
    cookies += followed.headers.getlist("Set-Cookie")
    assert all(len(c) < 4096 for c in cookies), [len(c) for c in cookies]  # the import keeps it with its job
    assert "共3000处" in followed.get_data(as_text=True)
