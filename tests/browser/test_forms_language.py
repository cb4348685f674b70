"""In a real browser on the demo district: the language switch (Chinese by default, English on switch,
remembered on the account), the CSRF protection of forms (a POST without the token gets the friendly
400 page and changes nothing) and the JavaScript-free fallback (SVG charts, GET filters, forms)."""
from __future__ import annotations

from sqlalchemy import func, select

from orgbuild.extensions import db
from orgbuild.models import Organization, Street, User, Visit
from tests.browser.conftest import DESKTOP, PHONE, new_page, no_horizontal_scroll, sign_in, sign_out

CSRF_MESSAGE = "表单已过期或来源无效，请刷新页面后重新提交。"


def _visits(app) -> int:
    """How many visits the database holds."""
    with app.app_context():
        return db.session.scalar(select(func.count(Visit.id)))


def _open_org(app, street: str) -> int:
    """An organisation still awaiting a visit in the street."""
    with app.app_context():
        return db.session.scalar(
            select(Organization.id).join(Street)
            .where(Street.short_name == street, Organization.status == "surveyed", Organization.has_party_org.is_(True),
                   Organization.has_league_org.is_(False))
            .order_by(Organization.id).limit(1)
        )


def test_language_switch_is_remembered_on_the_account(browser, demo_server, demo_app):
    url = demo_server.url
    page = new_page(browser, viewport=DESKTOP)
    page.goto(url + "/login")
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    assert page.locator("h1").inner_text() == "登录"
    sign_in(page, url, "officer-dongmen")
    assert page.locator("h1").inner_text().startswith("工作看板")
    page.click("nav button:has-text('English')")
    page.wait_for_load_state()
    assert page.url.endswith("/dashboard/")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("h1").inner_text().startswith("Dashboard")
    assert page.locator("#nav a.nav-link", has_text="My follow-ups").count() == 1
    with demo_app.app_context():
        assert db.session.scalar(select(User.locale).where(User.username == "officer-dongmen")) == "en"

    sign_out(page)
    page.context.close()
    # A new browser (no cookies): the sign-in page is Chinese again, and signing in brings English back.
    page = new_page(browser, viewport=PHONE)
    page.goto(url + "/login")
    assert page.locator("h1").inner_text() == "登录"
    sign_in(page, url, "officer-dongmen")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("h1").inner_text().startswith("Dashboard")
    page.click("button.navbar-toggler")
    page.locator("#nav.show").wait_for()
    page.click("nav button:has-text('中文')")
    page.wait_for_load_state()
    assert page.locator("h1").inner_text().startswith("工作看板")
    page.context.close()


def test_a_post_without_the_csrf_token_is_refused_and_changes_nothing(browser, demo_server, demo_app):
    url = demo_server.url
    org_id = _open_org(demo_app, "东晓")
    before = _visits(demo_app)
    page = new_page(browser, viewport=DESKTOP)
    sign_in(page, url, "officer-dongxiao")

    # A form whose hidden token was removed.
    page.goto(f"{url}/orgs/{org_id}/step/record_visit")
    page.fill("input[name=met_with]", "经理")
    page.evaluate("document.querySelectorAll('main form input[name=csrf_token]').forEach(e => e.remove())")
    with page.expect_response(lambda r: r.request.method == "POST") as posted:
        page.click("main form button[type=submit]")
    assert posted.value.status == 400
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "400"
    assert page.locator("p.lead").inner_text() == CSRF_MESSAGE
    assert page.locator("a.btn", has_text="返回首页").is_visible()
    assert _visits(demo_app) == before

    # A forged request straight to the endpoints (with the session cookie, without a token).
    response = page.request.post(f"{url}/orgs/{org_id}/step/record_visit",
                                 form={"visit_date": "2022-06-01", "outcome": "willing"})
    assert response.status == 400 and CSRF_MESSAGE in response.text()
    response = page.request.post(f"{url}/language/en", form={"next": "/dashboard/"})
    assert response.status == 400
    response = page.request.post(f"{url}/logout")
    assert response.status == 400
    assert _visits(demo_app) == before
    with demo_app.app_context():
        assert db.session.get(Organization, org_id).status == "surveyed"
        assert db.session.scalar(select(User.locale).where(User.username == "officer-dongxiao")) != "en"
    page.goto(url + "/dashboard/")
    assert page.url.endswith("/dashboard/"), "still signed in: the forged logout did nothing"
    page.context.close()


def test_without_javascript_charts_filters_and_forms_work(browser, demo_server, demo_app):
    url = demo_server.url
    context = browser.new_context(viewport=PHONE, locale="zh-CN", java_script_enabled=False)
    page = context.new_page()
    sign_in(page, url, "officer-liantang")
    assert page.url.endswith("/dashboard/")
    charts = page.locator("svg.pygal-chart:visible")  # the phone drawing of each chart (CSS, no script)
    assert charts.count() == 3
    for i in range(3):
        assert charts.nth(i).is_visible() and charts.nth(i).bounding_box()["height"] > 100
    assert not page.locator(".copy-button").is_visible()
    # The menu is shown expanded (noscript stylesheet): every link is reachable without the toggler.
    assert page.locator("#nav a.nav-link", has_text="组织列表").is_visible()
    assert no_horizontal_scroll(page)

    page.click("#nav a.nav-link:has-text('组织列表')")
    page.select_option("select[name=status]", "visited")
    page.click("form.filters button[type=submit]")
    page.wait_for_load_state()
    assert "status=visited" in page.url
    badges = page.locator("table tbody .badge").all_inner_texts()
    assert badges and set(badges) == {"已走访"}

    org_id = _open_org(demo_app, "莲塘")
    before = _visits(demo_app)
    page.goto(f"{url}/orgs/{org_id}/step/record_visit")
    page.select_option("select[name=outcome]", "considering")
    page.fill("input[name=met_with]", "行政主管")
    page.click("main form button[type=submit]")
    page.wait_for_load_state()
    assert page.url.endswith(f"/orgs/{org_id}")
    assert "已完成：登记走访" in page.locator(".alert").first.inner_text()
    assert _visits(demo_app) == before + 1
    context.close()
