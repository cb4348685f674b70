"""Screenshots of the main pages on the demo district, desktop and phone, for the README
(docs/screenshots/). Each page is also checked for what it must show."""
from __future__ import annotations

from sqlalchemy import func, select

from orgbuild.extensions import db
from orgbuild.models import Organization, Street, Visit
from tests.browser.conftest import DESKTOP, PHONE, new_page, no_horizontal_scroll, overflowing, screenshot, sign_in


def _org_with_history(app) -> int:
    """An onboarded organisation in 翠竹 with the most visits (a full timeline)."""
    with app.app_context():
        return db.session.scalar(
            select(Organization.id)
            .join(Street)
            .join(Visit, Visit.organization_id == Organization.id)
            .where(Street.short_name == "翠竹", Organization.status == "onboarded")
            .group_by(Organization.id)
            .order_by(func.count(Visit.id).desc(), Organization.id)
            .limit(1)
        )


def test_screenshots_of_the_main_pages(browser, demo_server, demo_app):
    org_id = _org_with_history(demo_app)
    assert org_id
    for viewport, suffix, username in ((DESKTOP, "desktop", "supervisor"), (PHONE, "phone", "officer-cuizhu")):
        page = new_page(browser, viewport=viewport)
        page.goto(demo_server.url + "/login")
        screenshot(page, f"login-{suffix}", full_page=False)
        sign_in(page, demo_server.url, username)
        assert "/dashboard/" in page.url
        assert page.locator("svg.pygal-chart:visible").count() == 3
        screenshot(page, "dashboard-supervisor-desktop" if viewport is DESKTOP else "dashboard-phone", full_page=False)

        page.goto(demo_server.url + "/followups")
        assert page.locator(".followups a.btn:has-text('登记走访')").count() > 0
        screenshot(page, f"followups-{suffix}", full_page=False)

        page.goto(demo_server.url + "/orgs/?street=&status=&q=")
        assert page.locator("table tbody tr").count() > 1
        screenshot(page, f"orgs-{suffix}", full_page=False)

        page.goto(demo_server.url + f"/orgs/{org_id}")
        assert page.locator(".timeline .timeline-visit").count() >= 1
        assert page.locator(".timeline .timeline-event").count() >= 2
        screenshot(page, f"org-{suffix}", full_page=viewport is DESKTOP)

        page.goto(demo_server.url + "/followups")
        page.locator(".followups a.btn:has-text('登记走访')").first.click()
        page.wait_for_load_state()
        assert "/step/record_visit" in page.url
        screenshot(page, f"visit-form-{suffix}", full_page=False)
        assert no_horizontal_scroll(page) and not overflowing(page)
        page.context.close()
