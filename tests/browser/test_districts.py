"""Two demo districts in a real browser: the city supervisor's dashboard with its per-district table,
a district supervisor's, and the admin's streets and communities pages, on a desktop and on a
390 px phone (nothing sticks out); screenshots for the README."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from orgbuild import create_app
from orgbuild.demo import service as demo
from orgbuild.extensions import db
from orgbuild.models import Street
from tests.browser.conftest import (
    DESKTOP,
    PHONE,
    LiveServer,
    load_reference,
    new_page,
    no_horizontal_scroll,
    overflowing,
    screenshot,
    sign_in,
)


@pytest.fixture(scope="module")
def city_app(tmp_path_factory):
    """The demo with Futian beside Luohu on its own SQLite file."""
    path = tmp_path_factory.mktemp("city") / "city.sqlite"
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite:///" + str(path),
                      "SECRET_KEY": "browser-test-secret-0123456789", "RATELIMIT_ENABLED": False})
    with app.app_context():
        db.create_all()
        load_reference()
        demo.load_demo(further=["futian"])
    return app


@pytest.fixture(scope="module")
def city_server(city_app):
    """The two-district demo served on 127.0.0.1:<free port>."""
    with LiveServer(city_app) as server:
        yield server


def fits(page) -> None:
    """The page is no wider than the viewport and nothing sticks out of it."""
    assert no_horizontal_scroll(page) and not overflowing(page), overflowing(page)


@pytest.mark.parametrize("viewport, suffix", [(DESKTOP, "desktop"), (PHONE, "phone")])
def test_city_and_district_dashboards(browser, city_server, viewport, suffix):
    page = new_page(browser, viewport=viewport)
    sign_in(page, city_server.url, "city-supervisor")
    page.goto(city_server.url + "/dashboard/?year=2022")
    rows = page.locator("table.district-table tbody tr")
    assert rows.count() == 2 and "罗湖区" in rows.nth(0).inner_text() and "福田区" in rows.nth(1).inner_text()
    assert "107.1%" in rows.nth(0).inner_text()
    fits(page)
    page.locator("table.district-table").scroll_into_view_if_needed()
    screenshot(page, f"dashboard-city-{suffix}", full_page=False)
    rows.nth(1).locator("a").click()
    page.wait_for_load_state()
    assert "范围：福田区" in page.inner_text("body") and page.locator("table.district-table").count() == 0
    assert page.locator("table.street-table tbody tr").count() == 10
    fits(page)
    page.context.close()


@pytest.mark.parametrize("viewport, suffix", [(DESKTOP, "desktop"), (PHONE, "phone")])
def test_streets_and_communities_pages(browser, city_server, city_app, viewport, suffix):
    page = new_page(browser, viewport=viewport)
    sign_in(page, city_server.url, "admin")
    page.goto(city_server.url + "/admin/streets/")
    assert page.locator("table.streets-table tbody tr").count() == 10
    page.select_option("select#district", label="福田区")
    page.click("form[method=get] button[type=submit]")
    page.wait_for_load_state()
    assert page.locator("table.streets-table .badge:has-text('未填写')").count() == 10
    fits(page)
    screenshot(page, f"streets-{suffix}", full_page=False)
    with city_app.app_context():
        cuizhu = db.session.scalar(select(Street.id).where(Street.short_name == "翠竹"))
    page.goto(city_server.url + f"/admin/streets/{cuizhu}")
    assert page.locator("ul.communities li").count() == 10
    fits(page)
    screenshot(page, f"street-{suffix}", full_page=viewport is DESKTOP)
    page.context.close()
