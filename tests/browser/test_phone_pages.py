"""Every page on a 390 × 844 phone, as an officer, a supervisor and an admin, on the demo district:
nothing sticks out sideways (tables scroll inside their own box), list buttons are large enough to tap,
and the collapsed navigation bar opens (Bootstrap's script is served locally)."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from orgbuild.extensions import db
from orgbuild.models import Organization, Street, User
from tests.browser.conftest import PHONE, new_page, no_horizontal_scroll, overflowing, screenshot, sign_in

STEP_EVENTS = ("record_visit", "establish", "onboard", "mark_ineligible", "reopen", "close", "revert")


def _org_ids(app, street: str) -> dict[str, int]:
    """One organisation per status in the street (the one with the longest name, to stress wrapping)."""
    with app.app_context():
        rows = db.session.execute(
            select(Organization.status, Organization.id, Organization.name)
            .join(Street)
            .where(Street.short_name == street)
        ).all()
    best: dict[str, tuple[int, int]] = {}
    for status, org_id, name in rows:
        if status not in best or len(name) > best[status][0]:
            best[status] = (len(name), org_id)
    return {status: org_id for status, (_, org_id) in best.items()}


def _pages(app, role: str) -> list[str]:
    """The paths to check for one role."""
    orgs = _org_ids(app, "翠竹")
    paths = ["/dashboard/", "/followups", "/orgs/", "/orgs/?status=onboarded", "/orgs/new", "/account/password"]
    for status, org_id in sorted(orgs.items()):
        paths.append(f"/orgs/{org_id}")
    any_org = orgs.get("visited") or next(iter(orgs.values()))
    paths.append(f"/orgs/{any_org}/edit")
    for event in STEP_EVENTS:
        for org_id in orgs.values():
            paths.append(f"/orgs/{org_id}/step/{event}")
    if role in ("supervisor", "admin"):
        paths += ["/targets/", "/imports/", "/audit/"]
    if role == "admin":
        with app.app_context():
            officer = db.session.scalar(select(User).where(User.username == "officer-cuizhu"))
            paths += ["/admin/users", "/admin/users/new", f"/admin/users/{officer.id}", f"/admin/users/{officer.id}/password"]
    return paths


@pytest.mark.parametrize("username", ["officer-cuizhu", "supervisor", "admin"])
def test_no_page_scrolls_sideways_on_a_phone(browser, demo_server, demo_app, username):
    page = new_page(browser, viewport=PHONE)
    sign_in(page, demo_server.url, username)
    role = {"officer-cuizhu": "officer"}.get(username, username)
    problems, seen_forms = {}, set()
    for path in _pages(demo_app, role):
        response = page.goto(demo_server.url + path)
        if "/step/" in path:
            if response.status != 200:  # a step that does not apply to this status (or this role)
                continue
            event = path.rsplit("/", 1)[1]
            if event in seen_forms:
                continue
            seen_forms.add(event)
        assert response.status == 200, (path, response.status)
        wide = overflowing(page)
        if wide or not no_horizontal_scroll(page):
            problems[path] = wide
    assert not problems, problems
    assert {"record_visit", "establish", "onboard"} <= seen_forms or role != "officer"
    page.context.close()


def test_phone_touch_targets_and_menu(browser, demo_server):
    page = new_page(browser, viewport=PHONE)
    sign_in(page, demo_server.url, "officer-cuizhu")
    page.goto(demo_server.url + "/followups")
    buttons = page.locator(".followups .btn")
    assert buttons.count() > 0
    for i in range(min(buttons.count(), 10)):
        box = buttons.nth(i).bounding_box()
        assert box["height"] >= 44, box
    # The menu is collapsed on a phone; the toggler opens it (Bootstrap JS served from this app).
    menu_link = page.locator("#nav a.nav-link").first
    assert not menu_link.is_visible()
    page.click("button.navbar-toggler")
    page.locator("#nav.show").wait_for()
    assert menu_link.is_visible()
    for link in page.locator("#nav a.nav-link").all():
        assert link.bounding_box()["height"] >= 44
    screenshot(page, "menu-phone", full_page=False)
    page.context.close()
