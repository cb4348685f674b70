"""Real-browser fixtures: the app served by a real WSGI server on 127.0.0.1, driven by Debian's
Chromium through Python Playwright (headless, no sandbox).

Every test here skips, saying why, when Playwright or Chromium is missing (``make test`` installs
Chromium with apt-get where it can; CI does).
"""
from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from orgbuild import create_app
from orgbuild.districts.reference import load_reference
from orgbuild.extensions import db

CHROMIUM = os.environ.get("ORGBUILD_CHROMIUM", "/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _why_no_browser() -> str | None:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Python Playwright is not installed (pip install -e '.[test]')"
    if not (os.path.exists(CHROMIUM) or shutil.which("chromium")):
        return f"Chromium not found at {CHROMIUM} (apt-get install chromium; `make test` does this where it can)"
    return None


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for the session."""
    reason = _why_no_browser()
    if reason:
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM if os.path.exists(CHROMIUM) else shutil.which("chromium"),
                                     headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


class LiveServer:
    """The app on a real server in a thread, with its own SQLite file."""

    def __init__(self, app):
        self.app = app
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.thread.join(timeout=5)


@pytest.fixture
def live_app(tmp_path):
    """A fresh app (CSRF on, as in production) on a SQLite file holding the streets."""
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": "sqlite:///" + str(tmp_path / "live.sqlite"),
            "SECRET_KEY": "browser-test-secret-0123456789",
            "RATELIMIT_ENABLED": False,
        }
    )
    with app.app_context():
        db.create_all()
        load_reference()
    return app


@pytest.fixture
def live_server(live_app):
    """The live app served on 127.0.0.1:<free port>."""
    with LiveServer(live_app) as server:
        yield server


def new_page(browser, viewport=DESKTOP, locale="zh-CN"):
    """A fresh browser context (own cookies) and page."""
    context = browser.new_context(viewport=viewport, locale=locale)
    return context.new_page()


def screenshot(page, name: str, full_page: bool = True) -> None:
    """Save a screenshot (the full page, or only the viewport) to docs/screenshots/<name>.png."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=full_page)


def no_horizontal_scroll(page) -> bool:
    """True when the page is no wider than the viewport."""
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


#: Every demo account's password (orgbuild.demo.service.DEMO_PASSWORD).
DEMO_PASSWORD = "luohu2022"

#: Elements sticking out of the viewport on the right, outside any box that scrolls or clips on its own
#: (a table inside .table-responsive may be wider than the phone; the page itself may not).
_OVERFLOW_JS = """() => {
  const width = document.documentElement.clientWidth;
  const clipped = (el) => {
    for (let p = el.parentElement; p && p !== document.body && p !== document.documentElement; p = p.parentElement) {
      const s = getComputedStyle(p);
      if (['auto', 'scroll', 'hidden', 'clip'].includes(s.overflowX)) return true;
    }
    return false;
  };
  const out = [];
  for (const el of document.body.querySelectorAll('*')) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0 || getComputedStyle(el).visibility === 'hidden') continue;
    if (r.right > width + 1 && !clipped(el)) {
      out.push(el.tagName.toLowerCase() + (el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\\s+/).join('.') : '') + ' → ' + Math.round(r.right) + 'px');
    }
  }
  return out.slice(0, 10);
}"""


def overflowing(page) -> list[str]:
    """The elements that stick out of the viewport (empty when the page fits the width)."""
    return page.evaluate(_OVERFLOW_JS)


def sign_in(page, url: str, username: str, password: str = DEMO_PASSWORD) -> None:
    """Sign in through the login form and wait for the page it leads to."""
    page.goto(url + "/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("form:has(input[name=username]) button[type=submit]")
    page.wait_for_load_state()


def sign_out(page) -> None:
    """Sign out through the navigation bar's button (opening the collapsed menu first on a phone)."""
    toggler = page.locator("button.navbar-toggler")
    if toggler.is_visible():
        toggler.click()
        page.locator("#nav.show").wait_for()
    page.click("form[action$='/logout'] button[type=submit]")
    page.wait_for_load_state()


def make_demo_app(path: Path):
    """A live app on a SQLite file at *path* holding the demo district."""
    from orgbuild.demo import service as demo

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": "sqlite:///" + str(path),
            "SECRET_KEY": "browser-test-secret-0123456789",
            "RATELIMIT_ENABLED": False,
        }
    )
    with app.app_context():
        db.create_all()
        load_reference()
        demo.load_demo()
    return app


@pytest.fixture(scope="module")
def demo_app(tmp_path_factory):
    """The demo district on its own SQLite file, shared by one test module (load once per module)."""
    return make_demo_app(tmp_path_factory.mktemp("demo") / "demo.sqlite")


@pytest.fixture(scope="module")
def demo_server(demo_app):
    """The demo app served on 127.0.0.1:<free port> for one test module."""
    with LiveServer(demo_app) as server:
        yield server
