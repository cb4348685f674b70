"""A supervisor imports a messy GB18030 survey file in a real browser, through the background jobs
run by a real worker (``flask --app orgbuild worker``): the job page follows the preview job, the
preview lists the rejected rows with their row numbers and messages, confirming queues the apply,
whose page ends with what it did; the dashboard's surveyed count goes up by exactly that many."""
from __future__ import annotations

from datetime import date

import pytest

from tests.browser.conftest import DESKTOP, PHONE, make_demo_app, new_page, no_horizontal_scroll, overflowing, screenshot, sign_in
from tests.browser.conftest import LiveServer
from tests.conftest import credit_code
from tests.jobs.workers import start_worker, stop_worker

HEADER = "单位名称,统一社会信用代码,所属街道,所属社区,行业类别,从业人员数,35岁以下青年数,团员数,是否建立党组织,是否建立团组织"


def full_width(value: str) -> str:
    """ASCII digits and letters as their full-width forms."""
    return "".join(chr(ord(c) + 0xFEE0) if c.isascii() and c.isalnum() else c for c in value)


def messy_survey() -> tuple[bytes, list[str], str, str]:
    """The file's GB18030 bytes, the accepted organisations' names, the bad code and its right check char."""
    good = [credit_code(n) for n in (27_000_001, 27_000_002, 27_000_003)]
    bad = good[0][:-1] + ("0" if good[0][-1] != "0" else "1")
    rows = [
        f"深圳市翠竹浏览器测试科技有限公司,{full_width(good[0])},翠竹街道,,I,{full_width('120')},{full_width('80')},6,是,否",
        f"深圳市笋岗浏览器测试贸易有限公司,{good[1]},笋岗,,F,40,20,2,√,×",
        f"深圳市错误代码测试有限公司,{bad},东门,,F,10,5,1,否,否",
        f"深圳市翠竹浏览器测试科技有限公司（重复）,{good[0]},翠竹,,I,120,80,6,是,否",
        f"罗湖区桂园浏览器测试社工服务中心,{good[2]},桂园街道,,Q,15,12,4,×,√",
        ",,,,,,,,,",
        ",,,,,,,,,",
        "",
    ]
    text = "\r\n".join([HEADER, *rows]) + "\r\n"
    names = ["深圳市翠竹浏览器测试科技有限公司", "深圳市笋岗浏览器测试贸易有限公司", "罗湖区桂园浏览器测试社工服务中心"]
    return text.encode("gb18030"), names, bad, good[0][-1]


@pytest.fixture
def import_server(tmp_path):
    """The demo district on a server of its own (this test changes the data)."""
    app = make_demo_app(tmp_path / "import.sqlite")
    worker = start_worker(app)
    try:
        with LiveServer(app) as server:
            yield server
    finally:
        stop_worker(worker)


def _follow_preview_job(page) -> None:
    """From the preview job's page (which reloads itself when the job finishes) to its preview."""
    assert "/jobs/" in page.url
    page.locator("#job-progress").wait_for()
    page.get_by_role("link", name="查看预览并确认").click(timeout=60_000)
    page.wait_for_load_state()


def _surveyed(page, url) -> int:
    """The dashboard's surveyed figure (the first KPI card) this year: organisations imported today
    are surveyed today, so they count as of today, not in the demo's 2022."""
    page.goto(url + f"/dashboard/?year={date.today().year}")
    return int(page.locator(".kpi .display-6").first.inner_text().replace(",", ""))


def test_supervisor_imports_a_messy_gb18030_file(browser, import_server, tmp_path):
    data, names, bad, right_char = messy_survey()
    upload = tmp_path / "摸底表.csv"
    upload.write_bytes(data)
    assert data.decode("gb18030") and not _is_utf8(data)

    # The preview on a phone first: the error table scrolls inside its box, the page does not.
    phone = new_page(browser, viewport=PHONE)
    sign_in(phone, import_server.url, "supervisor")
    phone.goto(import_server.url + "/imports/")
    phone.set_input_files("input[type=file]", str(upload))
    phone.click("form[enctype='multipart/form-data'] button[type=submit]")
    phone.wait_for_url("**/jobs/*")  # the script sends the slices, then opens the preview job's page
    _follow_preview_job(phone)
    assert phone.locator("table.import-errors tbody tr").count() == 2
    assert no_horizontal_scroll(phone) and not overflowing(phone), overflowing(phone)
    screenshot(phone, "import-preview-phone", full_page=False)
    phone.context.close()

    page = new_page(browser, viewport=DESKTOP)
    sign_in(page, import_server.url, "supervisor")
    before = _surveyed(page, import_server.url)

    page.click("#nav a[href='/imports/']")
    sent = []
    page.on("request", lambda request: sent.append((request.method, request.url, request.headers)))
    page.set_input_files("input[type=file]", str(upload))
    page.click("form[enctype='multipart/form-data'] button[type=submit]")
    page.wait_for_url("**/jobs/*")
    # the page's script sent the file in slices, each with its SHA-256 (127.0.0.1 is a secure context)
    slices = [(url, headers) for method, url, headers in sent if method == "POST" and "/imports/uploads/" in url and "offset=" in url]
    assert slices and all(len(headers.get("x-slice-sha256", "")) == 64 for _url, headers in slices), sent
    assert not [url for method, url, _h in sent if method == "POST" and url.endswith("/imports/")]
    _follow_preview_job(page)
    assert "/imports/jobs/" in page.url and page.url.endswith("/preview")
    assert "GB18030" in page.locator("main p.text-muted").first.inner_text().upper()
    figures = dict(zip(page.locator(".card-body .small").all_inner_texts(), page.locator(".card-body .fs-3").all_inner_texts()))
    assert figures["数据行"] == "5" and figures["将新增"] == "3" and figures["被拒绝"] == "2"
    errors = [[cell.strip() for cell in row.locator("td").all_inner_texts()] for row in page.locator("table.import-errors tbody tr").all()]
    assert [e[0] for e in errors] == ["4", "5"], errors
    assert errors[0][1] == "统一社会信用代码" and errors[0][2] == bad and f"校验位错误：应为 {right_char}" in errors[0][3]
    assert errors[1][1] == "统一社会信用代码" and "与第2行的统一社会信用代码重复" in errors[1][3]
    screenshot(page, "import-preview-desktop", full_page=False)

    page.click("form[action*='/confirm'] button[type=submit]")
    page.wait_for_load_state()
    assert "/jobs/" in page.url
    page.get_by_text("导入完成：新增 3，更新 0，未变 0，拒绝 2").wait_for(timeout=60_000)
    screenshot(page, "import-job-done", full_page=False)
    page.get_by_role("link", name="查看该次导入").click()
    page.wait_for_load_state()
    assert "/imports/batches/" in page.url
    assert _surveyed(page, import_server.url) == before + 3
    page.goto(import_server.url + "/orgs/?q=浏览器测试")
    listed = page.locator("table tbody tr td:first-child a").all_inner_texts()
    assert sorted(listed) == sorted(names)
    page.context.close()

    # Without JavaScript the form posts the file in one request, and the same preview job follows.
    plain = browser.new_context(viewport=DESKTOP, locale="zh-CN", java_script_enabled=False).new_page()
    sign_in(plain, import_server.url, "supervisor")
    plain.goto(import_server.url + "/imports/")
    plain.set_input_files("input[type=file]", str(upload))
    with plain.expect_request(lambda request: request.method == "POST" and request.url.endswith("/imports/")):
        plain.click("form[enctype='multipart/form-data'] button[type=submit]")
    plain.wait_for_load_state()
    assert "/jobs/" in plain.url and plain.locator("#job-progress").count() == 1
    plain.context.close()


def _is_utf8(data: bytes) -> bool:
    """Whether the bytes happen to be valid UTF-8 (the test file must not be)."""
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True
