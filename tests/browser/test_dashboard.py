"""The dashboard in a real browser: phone width without horizontal scrolling, charts drawn, the copy
button shown by the script (no inline script, no CSP violation)."""
from __future__ import annotations

from datetime import date

from orgbuild.extensions import db
from orgbuild.models import Street, Target, User
from tests.browser.conftest import DESKTOP, PHONE, new_page, no_horizontal_scroll, screenshot
from tests.progress.conftest import add_org


def _district(app) -> None:
    """A few organisations in 翠竹 and 笋岗, a target, a supervisor and an officer."""
    with app.app_context():
        boss = User(username="boss", role="supervisor", display_name="李书记", session_token="x")
        boss.set_password("Secret123")
        officer = User(username="wang", role="officer", display_name="王干事", session_token="x")
        officer.set_password("Secret123")
        db.session.add_all([boss, officer])
        db.session.flush()
        officer.streets = list(db.session.scalars(db.select(Street).where(Street.short_name == "翠竹")))
        for i in range(6):
            add_org("翠竹" if i % 2 else "笋岗", status="established", founded=date(2022, 3 + i, 1),
                    visits=((date(2022, 2, 1), officer, date(2022, 4, 1)),), officer=officer)
        add_org("翠竹", league=True, status="onboarded", onboarded=date(2022, 5, 1))
        db.session.add(Target(year=2022, metric="new_branches", value=5))
        db.session.commit()


def _sign_in(page, url, username):
    page.goto(url + "/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "Secret123")
    page.click("form:has(input[name=username]) button[type=submit]")
    page.wait_for_load_state()


def test_dashboard_on_a_phone_and_a_desktop(browser, live_server, live_app):
    _district(live_app)
    for username, viewport, name in (("wang", PHONE, "dashboard-officer-phone"), ("boss", DESKTOP, "dashboard-desktop")):
        page = new_page(browser, viewport=viewport)
        problems = []
        page.on("console", lambda msg: problems.append(msg.text)
                if msg.type == "error" and "favicon" not in (msg.location or {}).get("url", "") else None)
        _sign_in(page, live_server.url, username)
        assert "/dashboard/" in page.url
        assert page.locator("svg.pygal-chart:visible").count() == 3  # monthly, funnel, streets (one size shown)
        assert page.locator(".copy-button").is_visible()
        report = page.locator("#report-text").inner_text()
        assert ("新建团3家。" if username == "wang" else "新建团6家，120%完成建团。") in report
        assert no_horizontal_scroll(page)
        assert not problems, problems
        screenshot(page, name)
        page.context.close()
