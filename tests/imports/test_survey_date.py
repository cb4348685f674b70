"""The survey date (摸排日期): from the file's column when present (CSV text or an Excel date), else
the day of the import; a blank cell keeps the date on record; a bad or future date is a row error."""
from __future__ import annotations

from datetime import date, datetime

from orgbuild.extensions import db
from orgbuild.models import Organization
from tests.conftest import credit_code
from tests.flows import TODAY
from tests.imports.conftest import HEADER, row


def surveyed_on(code: str) -> date:
    db.session.expire_all()
    return db.session.scalar(db.select(Organization.surveyed_on).where(Organization.credit_code == code))


def test_survey_date_column(write_csv, run):
    a, b, c, d = (credit_code() for _ in range(4))
    header = HEADER + ["摸排日期"]
    path = write_csv([row(a) + ["2022年3月5日"], row(b) + ["2022/03/06"], row(c) + [""], row(d) + ["2099-01-01"]],
                     header=header)
    report = run(path)
    assert (report.created, report.rejected) == (3, 1)
    assert (surveyed_on(a), surveyed_on(b), surveyed_on(c)) == (date(2022, 3, 5), date(2022, 3, 6), TODAY)
    error = report.errors[0].as_dict()
    assert (error["row"], error["column"], error["value"]) == (5, "摸排日期", "2099-01-01")
    assert error["message"] == "日期不能晚于今天"
    again = run(write_csv([row(a) + [""], row(b) + ["2022-04-01"]], header=header, name="again.csv"))
    assert (again.unchanged, again.updated) == (1, 1)  # a blank date keeps the one on record
    assert (surveyed_on(a), surveyed_on(b)) == (date(2022, 3, 5), date(2022, 4, 1))


def test_without_the_column_new_organisations_are_dated_today(write_csv, run):
    code = credit_code()
    run(write_csv([row(code)]))
    assert surveyed_on(code) == TODAY


def test_excel_dates_and_bad_text(write_xlsx, run):
    good, bad = credit_code(), credit_code()
    path = write_xlsx({"摸底表": [HEADER + ["摸底日期"], row(good) + [datetime(2022, 2, 14)], row(bad) + ["三月"]]})
    report = run(path)
    assert report.created == 1 and surveyed_on(good) == date(2022, 2, 14)
    assert report.errors[0].as_dict()["column"] == "摸底日期" and "日期无法识别" in report.errors[0].as_dict()["message"]
