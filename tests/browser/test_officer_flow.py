"""An officer on a phone carries an organisation from "my follow-ups" to the 智慧团建 platform:
the visit is saved in four taps (the outcome is chosen, never defaulted) and one form, then a branch is founded and onboarded; the
supervisor's dashboard figures for that year move."""
from __future__ import annotations

import re

import pytest

from tests.browser.conftest import (
    DESKTOP, PHONE, LiveServer, make_demo_app, new_page, no_horizontal_scroll, overflowing, screenshot, sign_in,
)


@pytest.fixture
def flow_server(tmp_path):
    """The demo district on a server of its own (this test changes the data)."""
    with LiveServer(make_demo_app(tmp_path / "flow.sqlite")) as server:
        yield server


def _kpis(page, url, year) -> dict[str, str]:
    """The dashboard's KPI cards for `year`: title → the card's text."""
    page.goto(f"{url}/dashboard/?year={year}")
    cards = page.locator(".kpi .card-body")
    return {card.locator(".text-muted.small").first.inner_text(): card.inner_text() for card in cards.all()}


def _figure(text: str) -> int:
    """The big number of a KPI card's text (its second line)."""
    return int(text.splitlines()[1].replace(",", ""))


def test_officer_logs_a_visit_founds_and_onboards_on_a_phone(browser, flow_server):
    url = flow_server.url
    page = new_page(browser, viewport=PHONE)
    sign_in(page, url, "officer-cuizhu")
    assert page.url.endswith("/dashboard/")

    taps = 0
    page.click("a.followups-link")  # tap 1: 我的跟进, the first button on the officer's home
    taps += 1
    page.wait_for_load_state()
    assert page.url.endswith("/followups")
    item = page.locator(".followups .list-group-item", has_text="待首次走访").first
    name = item.locator("a.fw-bold").inner_text()
    item.locator("a.btn", has_text="登记走访").click()  # tap 2
    taps += 1
    page.wait_for_load_state()
    assert "/step/record_visit" in page.url
    today = page.input_value("input[name=visit_date]")
    assert today, "the visit date is pre-filled with today"
    year = int(today[:4])
    assert page.locator("select[name=outcome] option:checked").inner_text() == "请选择"  # no default outcome
    page.select_option("select[name=outcome]", "willing")  # tap 3: the officer chooses
    taps += 1
    page.fill("input[name=met_with]", "党支部书记")  # the one form: typing, no extra taps
    page.fill("textarea[name=notes]", "同意建团，下周提交申请")
    assert no_horizontal_scroll(page) and not overflowing(page)
    save = page.locator("main form button[type=submit]", has_text="保存走访")
    assert save.bounding_box()["height"] >= 44
    save.click()  # tap 4
    taps += 1
    page.wait_for_url(re.compile(r"/orgs/\d+$"))  # sent by the page (with a deadline), then to the organisation
    assert taps <= 4
    assert "已完成：登记走访" in page.locator(".alert").first.inner_text()
    org_url = page.url
    assert page.locator(".timeline .timeline-visit", has_text="愿意建团").count() == 1
    screenshot(page, "org-after-visit-phone", full_page=False)

    # The supervisor's figures for this year, before the branch exists.
    boss = new_page(browser, viewport=DESKTOP)
    sign_in(boss, url, "supervisor")
    boss.goto(f"{url}/targets/?year={year}")
    boss.fill("input[name=new_branches-district]", "4")
    boss.click("main form[method=post] button[type=submit]")
    boss.wait_for_load_state()
    before = _kpis(boss, url, year)

    page.click("a.btn:has-text('建立团组织')")
    page.wait_for_load_state()
    page.fill("input[name=name]", f"{name}团支部")
    if page.locator("select[name=branch_type]").input_value() == "joint_branch":
        page.fill("textarea[name=covered_units]", "同楼宇企业")
    page.fill("input[name=member_count]", "5")
    assert page.input_value("input[name=founded_on]") == today
    assert no_horizontal_scroll(page) and not overflowing(page)
    page.click("main form button[type=submit]")
    page.wait_for_load_state()
    assert "已完成：建立团组织" in page.locator(".alert").first.inner_text(), page.locator("main").inner_text()

    page.click("a.btn:has-text('入驻智慧团建')")
    page.wait_for_load_state()
    page.fill("input[name=platform_code]", "440303000999")
    page.click("main form button[type=submit]")
    page.wait_for_load_state()
    assert page.url == org_url
    assert "已完成：入驻智慧团建" in page.locator(".alert").first.inner_text()
    assert page.locator(".badge.status-onboarded").first.is_visible()
    assert page.locator("a.followups-link, .followups", has_text=name).count() == 0
    page.goto(url + "/followups")
    assert page.locator(".followups a.fw-bold", has_text=name).count() == 0
    page.context.close()

    after = _kpis(boss, url, year)
    new_branches = next(k for k in after if k.startswith("本年新建团组织"))
    assert _figure(after[new_branches]) == _figure(before[new_branches]) + 1
    assert "目标 4" in after[new_branches]
    pct = lambda text: text.splitlines()[3]  # the progress bar's label  # noqa: E731
    assert pct(after[new_branches]) == "%.1f%%" % (100 * (_figure(before[new_branches]) + 1) / 4)
    assert pct(after[new_branches]) != pct(before[new_branches])
    boss.context.close()
