"""An officer on a phone logs a visit, goes back and submits the same form again (nothing recorded
twice), then attaches a photo whose thumbnail shows on the timeline."""
from __future__ import annotations

import io
import re

import pytest
from PIL import Image

from tests.browser.conftest import PHONE, LiveServer, make_demo_app, new_page, no_horizontal_scroll, screenshot, sign_in


@pytest.fixture
def evidence_server(tmp_path):
    """The demo district on a server of its own (this test changes the data)."""
    with LiveServer(make_demo_app(tmp_path / "evidence.sqlite")) as server:
        yield server


def _photo() -> bytes:
    out = io.BytesIO()
    image = Image.new("RGB", (640, 480), (40, 110, 170))
    for x in range(0, 640, 40):
        image.paste((230, 200, 60), (x, 200, x + 20, 280))
    image.save(out, "JPEG")
    return out.getvalue()


def test_resubmitted_visit_is_recorded_once_and_a_photo_shows_on_the_timeline(browser, evidence_server):
    url = evidence_server.url
    page = new_page(browser, viewport=PHONE)
    sign_in(page, url, "officer-cuizhu")
    page.goto(f"{url}/followups")
    page.locator(".followups .list-group-item", has_text="待首次走访").first.locator("a.btn", has_text="登记走访").click()
    page.wait_for_load_state()
    page.select_option("select[name=outcome]", "willing")  # no default: the officer chooses
    page.fill("input[name=met_with]", "党支部书记")
    page.fill("textarea[name=notes]", "前台登记后见到书记")
    page.click("main form button[type=submit]")
    page.wait_for_url(re.compile(r"/orgs/\d+$"))  # sent by the page (with a deadline), then to the organisation
    assert "已完成：登记走访" in page.content()
    page.go_back()  # the visit form again: fetched afresh (pages are not cached), the typed values restored
    page.wait_for_load_state()
    page.click("main form button[type=submit]")
    page.wait_for_url(re.compile(r"/orgs/\d+$"))
    assert "该表单已提交过，本次未重复登记" in page.content()
    assert page.locator(".timeline-visit").count() == 1

    visit = page.locator(".timeline-visit").first
    visit.locator("input[type=file]").set_input_files(
        files=[{"name": "现场照片.jpg", "mimeType": "image/jpeg", "buffer": _photo()}])
    visit.locator("button", has_text="上传").click()
    page.wait_for_load_state()
    assert "已上传：现场照片.jpg" in page.content()
    thumb = page.locator(".timeline-visit img.evidence-thumb").first
    thumb.wait_for()
    assert page.evaluate("(img) => img.complete && img.naturalWidth > 0", thumb.element_handle())
    assert no_horizontal_scroll(page)
    page.locator(".timeline-visit").first.scroll_into_view_if_needed()
    screenshot(page, "timeline_evidence", full_page=False)
