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
from orgbuild.extensions import db
from orgbuild.reference import load_reference

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


def screenshot(page, name: str) -> None:
    """Save a full-page screenshot to docs/screenshots/<name>.png."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def no_horizontal_scroll(page) -> bool:
    """True when the page is no wider than the viewport."""
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
