"""The smallest browser check: the sign-in page renders in Chinese with CSRF, and signing in works."""
from __future__ import annotations

from orgbuild.extensions import db
from orgbuild.models import User
from tests.browser.conftest import PHONE, new_page, no_horizontal_scroll


def test_sign_in_in_a_real_browser(browser, live_server, live_app):
    with live_app.app_context():
        user = User(username="officer1", role="officer", display_name="王干事", session_token="x")
        user.set_password("Secret123")
        db.session.add(user)
        db.session.commit()
    page = new_page(browser, viewport=PHONE)
    page.goto(live_server.url + "/login")
    assert page.locator("h1").inner_text() == "登录"
    assert page.locator("form:has(input[name=username]) input[name=csrf_token]").count() == 1
    assert no_horizontal_scroll(page)
    page.fill("input[name=username]", "officer1")
    page.fill("input[name=password]", "Secret123")
    page.click("form:has(input[name=username]) button[type=submit]")
    page.wait_for_load_state()
    assert "王干事" in page.content()
    page.context.close()
