"""The 进度通报 page in a real browser on the demo district: a supervisor creates a snapshot, reads
the ranked bulletin on a desktop and a phone (no page-wide scrolling, charts drawn for the width,
labels inside the drawing, text of a readable size), and the screenshots go to docs/screenshots/."""
from __future__ import annotations

from tests.browser.conftest import DESKTOP, PHONE, new_page, overflowing, screenshot, sign_in

#: Chart text smaller than this many CSS pixels, as shown, is too small to read on a phone.
MIN_TEXT_PX = 9.5

_TEXT_CHECK = """(svg) => {
  const box = svg.getBoundingClientRect();
  const small = [], outside = [];
  for (const t of svg.querySelectorAll('text')) {
    const r = t.getBoundingClientRect();
    if (!t.textContent.trim() || r.width === 0) continue;
    const size = parseFloat(getComputedStyle(t).fontSize) * box.width / svg.viewBox.baseVal.width;
    if (size < %s) small.push(t.textContent.trim() + ' ' + size.toFixed(1));
    if (r.left < box.left - 1 || r.right > box.right + 1) outside.push(t.textContent.trim());
  }
  return {small, outside};
}""" % MIN_TEXT_PX


def test_bulletin_page_desktop_and_phone(browser, demo_server):
    page = new_page(browser, viewport=DESKTOP)
    sign_in(page, demo_server.url, "supervisor")
    page.goto(demo_server.url + "/bulletins/")
    page.fill("input[name=year]", "2022")
    page.fill("input[name=as_of]", "2022-06-30")
    page.click("form.snapshot-form button[type=submit]")
    page.wait_for_load_state()
    page.goto(demo_server.url + "/bulletins/")
    page.fill("input[name=year]", "2022")
    page.click("form.snapshot-form button[type=submit]")
    page.wait_for_load_state()
    assert "/bulletins/" in page.url and page.locator(".bulletin-title").inner_text().endswith("（截至2022年12月31日）")
    rows = page.locator(".ranking-table tbody tr")
    assert rows.count() == 10 and rows.nth(0).locator("td").nth(0).inner_text() == "1"
    assert page.locator(".ranking-table .light").count() == 10
    assert "环比：与截至2022年6月30日的上期通报相比。" in page.locator(".bulletin-notes").inner_text()
    screenshot(page, "bulletin-desktop")
    bulletin_url = page.url
    page.context.close()

    phone = new_page(browser, viewport=PHONE)
    sign_in(phone, demo_server.url, "supervisor")
    phone.goto(bulletin_url)
    assert overflowing(phone) == []
    chart = phone.locator(".street-chart .chart-narrow svg")
    assert chart.is_visible() and not phone.locator(".street-chart .chart-wide svg").is_visible()
    texts = chart.evaluate(_TEXT_CHECK)
    assert texts == {"small": [], "outside": []}
    screenshot(phone, "bulletin-phone")
    phone.goto(demo_server.url + "/dashboard/?year=2022")
    for svg in phone.locator(".chart-narrow svg").all():  # the monthly chart, the funnel, the streets
        assert svg.evaluate(_TEXT_CHECK) == {"small": [], "outside": []}
    phone.context.close()
