"""The pages added after the first language tests (dashboard, targets, import, audit, user admin,
change password) render in English after the switch, with no interface element left in Chinese.

Data shown on these pages (organisation, street, community and user names, a file's own column
headers and cell values) may stay Chinese.

The report paragraph on the dashboard is the text for the Chinese annual report; the English
interface shows an English rendering of the same figures (so an English reader can check them),
and the Chinese interface shows the Chinese text to copy into the report.
"""
from __future__ import annotations

import csv
import io
import re
from html import unescape

import pytest

from orgbuild.extensions import db
from orgbuild.models import ImportBatch
from tests.conftest import credit_code, login
from tests.i18n.interface_text import CJK, chinese_interface_text, interface_text
from tests.i18n.test_pages_in_english import KEPT_TERMS, page_html, switch_language

HEADER = ["单位名称", "统一社会信用代码", "所属街道", "从业人员数"]


@pytest.fixture(autouse=True)
def instance_in_tmp(app, tmp_path):
    """Uploads go to a temporary instance folder, not the project's."""
    app.instance_path = str(tmp_path / "instance")


@pytest.fixture
def admin(make_user):
    """An administrator (user pages and the audit trail)."""
    return make_user("adm", role="admin")


def csv_upload(rows: list[list[str]]) -> bytes:
    """A UTF-8 survey CSV with HEADER and `rows`."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows([HEADER, *rows])
    return buffer.getvalue().encode("utf-8")


#: One good row and four rejected ones: bad check character, unknown street, bad count, duplicate code.
CODE = credit_code(9001)
BAD_ROWS = [
    ["深圳市英文测试有限公司", CODE, "翠竹", "12"],
    ["坏代码公司", "91110000600037341N", "翠竹", "3"],
    ["火星公司", credit_code(9002), "火星", "3"],
    ["人数公司", credit_code(9003), "翠竹", "很多"],
    ["重复公司", CODE, "翠竹", "4"],
]
FILE_NAME = "翠竹街道摸底.csv"


def upload(client, data: bytes):
    """Post a file to the upload form; the preview job runs at once (tests): its preview page, or the
    job page when the preview failed."""
    form = {"file": (io.BytesIO(data), FILE_NAME), "encoding": "auto"}
    job_page = client.post("/imports/", data=form, content_type="multipart/form-data", follow_redirects=True)
    link = re.search(r'href="(/imports/jobs/[0-9]+/preview)"', job_page.get_data(as_text=True))
    return client.get(link.group(1)) if link else job_page


def error_messages(html: str) -> list[str]:
    """The 'problem' cells of the rejected-rows table (the last cell of each row)."""
    table = html.split('class="table table-sm table-striped align-middle import-errors"', 1)[1].split("</table>", 1)[0]
    rows = re.findall(r"<tr><td>.*?</tr>", table, re.S)
    return [unescape(re.findall(r"<td[^>]*>(.*?)</td>", r, re.S)[-1]) for r in rows]


def assert_english(html: str, data: list[str], where: str) -> None:
    """No interface element of `html` holds Chinese once the data strings are removed."""
    leftovers = chinese_interface_text(html, data, KEPT_TERMS)
    assert not leftovers, f"untranslated interface text on the {where} page: {leftovers}"
    assert '<html lang="en">' in html


#: (page, user, path, text seen in English, text seen in Chinese).
PAGES = [
    ("dashboard (supervisor)", "sup", lambda d: "/dashboard/", "Dashboard", "工作看板"),
    ("dashboard (officer)", "off", lambda d: "/dashboard/", "Dashboard", "工作看板"),
    ("targets", "sup", lambda d: "/targets/?year=2026", "targets", "工作目标"),
    ("import upload", "sup", lambda d: "/imports/", "Import survey sheets", "批量导入摸底表"),
    ("audit trail", "adm", lambda d: "/audit/", "Audit trail", "操作记录"),
    ("audit trail of one organisation", "adm", lambda d: f"/audit/?org={d.visited.id}", "Audit trail", "操作记录"),
    ("user list", "adm", lambda d: "/admin/users", "Users", "用户"),
    ("new user form", "adm", lambda d: "/admin/users/new", "New user", "新建用户"),
    ("edit user form", "adm", lambda d: f"/admin/users/{d.officer.id}", "Edit user", "编辑用户"),
    ("reset password", "adm", lambda d: f"/admin/users/{d.officer.id}/password", "Reset password", "重置密码"),
    ("change password", "off", lambda d: "/account/password", "Change password", "修改密码"),
    ("weekly summary (supervisor)", "sup", lambda d: "/board/weekly", "Weekly summary", "每周汇总"),
    ("weekly summary (officer)", "off", lambda d: "/board/weekly", "Visits this week", "本周走访"),
]


@pytest.mark.parametrize("name, username, path_of, english, chinese", PAGES, ids=[p[0] for p in PAGES])
def test_new_page_in_chinese_by_default_and_in_english_on_switch(
    client, district, data_strings, admin, name, username, path_of, english, chinese
):
    login(client, username)
    html = page_html(client, path_of(district))
    assert chinese in html and '<html lang="zh-CN">' in html
    switch_language(client, "en")
    html = page_html(client, path_of(district))
    assert english in html
    assert_english(html, data_strings + ["adm"], name)


def test_dashboard_report_paragraph_follows_the_interface_language(client, district):
    login(client, "sup")
    chinese = page_html(client, "/dashboard/")
    assert "共摸底排查企业5家" in chinese
    switch_language(client, "en")
    english = page_html(client, "/dashboard/")
    paragraph = english.split('id="report-text"', 1)[1].split("</p>", 1)[0]
    assert "5" in paragraph and not CJK.search(paragraph.replace("智慧团建", ""))


def test_import_preview_with_row_errors_in_english(client, district, data_strings):
    login(client, "sup")
    switch_language(client, "en")
    response = upload(client, csv_upload(BAD_ROWS))
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "Import preview" in html and "Rejected rows" in html
    messages = error_messages(html)
    assert len(messages) == 4
    assert "Same unified social credit code as row 2" in messages
    assert any(m.startswith("Unknown street “火星”") for m in messages)
    # Every problem is English; a street name quoted back from the file or the example street names may be Chinese.
    for message in messages:
        assert not CJK.search(re.sub(r"“[^”]*”", "", message)), message
    assert_english(html, data_strings + [FILE_NAME, *HEADER], "import preview")


def test_import_preview_with_row_errors_in_chinese(client, district):
    login(client, "sup")
    html = upload(client, csv_upload(BAD_ROWS)).get_data(as_text=True)
    assert "与第2行的统一社会信用代码重复" in error_messages(html)


def test_refused_file_in_english(client, district):
    login(client, "sup")
    switch_language(client, "en")
    html = upload(client, b"").get_data(as_text=True)
    assert "The file cannot be imported: The file is empty" in unescape(html)


def test_batch_page_in_english(client, district, data_strings):
    login(client, "sup")
    response = upload(client, csv_upload(BAD_ROWS))
    confirm = re.search(r'action="(/imports/jobs/[0-9]+/confirm)"', response.get_data(as_text=True)).group(1)
    client.post(confirm, data={"mode": "skip"})
    batch = db.session.scalar(db.select(ImportBatch))
    assert "导入结果" in page_html(client, f"/imports/batches/{batch.id}")
    switch_language(client, "en")
    html = page_html(client, f"/imports/batches/{batch.id}")
    assert "Import result" in html and "SHA-256 checksum" in html
    assert "Download rejected rows (CSV)" in html
    assert_english(html, data_strings + [FILE_NAME, *HEADER], "batch")
    # The audit row of the batch is stored in Chinese and shown in the reader's language.
    audit = unescape(page_html(client, "/audit/?action=import"))
    assert f"Import {FILE_NAME}: 1 created, 0 updated, 0 unchanged, 4 rejected" in audit
    switch_language(client, "zh_CN")
    audit = unescape(page_html(client, "/audit/?action=import"))
    assert f"导入 {FILE_NAME}：新增 1，更新 0，未变 0，拒绝 4" in audit


def test_user_admin_flash_and_audit_verb_in_english(client, district, data_strings, admin):
    login(client, "adm")
    switch_language(client, "en")
    # the officer still has organisations: deactivating asks who takes them over first
    asked = client.post(f"/admin/users/{district.officer.id}/deactivate")
    assert asked.headers["Location"].endswith(f"/admin/users/{district.officer.id}/handover")
    response = client.post(f"/admin/users/{district.officer.id}/handover", data={"to_id": 0}, follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "Deactivated off; " in html and "organisations handed over" in html
    assert_english(html, data_strings + ["adm"], "user list after deactivation")
    audit = page_html(client, "/audit/?action=user")
    assert "Deactivate: off" in audit and "Active: </span>Yes → <strong>No" in audit
    texts = " ".join(text for _element, text in interface_text(audit))
    assert "：" not in texts
