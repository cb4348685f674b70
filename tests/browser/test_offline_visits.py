"""Offline visits on a phone: the follow-up list and its visit forms open without a connection, two
visits logged offline wait in the queue (also after a reload), and are sent once each when the
connection returns; a second sync sends nothing. Then a sign-in that expired while offline: the
queue waits for the officer to sign in again, and is sent."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from orgbuild.extensions import db
from orgbuild.models import Submission, Visit
from tests.browser.conftest import PHONE, LiveServer, make_demo_app, no_horizontal_scroll, screenshot, sign_in


@pytest.fixture
def offline_app(tmp_path):
    """The demo district on a server of its own (this test records visits)."""
    return make_demo_app(tmp_path / "offline.sqlite")


#: What the browser's update check of the service worker fetches (templates/offline/sw.js imports the queue).
SERVICE_WORKER_SCRIPTS = ("/sw.js", "/static/js/offline-queue.js")


class Hits:
    """The requests the server received while the test said the phone was offline."""

    def __init__(self, app):
        self.offline = False
        self.paths: list[str] = []
        inner = app.wsgi_app

        def counting(environ, start_response):
            # the browser's own update check of /sw.js, and of the script it imports, is not held back
            # by Playwright's offline switch (it is the worker's, not the page's)
            if self.offline and environ["PATH_INFO"] not in SERVICE_WORKER_SCRIPTS:
                self.paths.append(environ["REQUEST_METHOD"] + " " + environ["PATH_INFO"])
            return inner(environ, start_response)

        app.wsgi_app = counting


@pytest.fixture
def hits(offline_app):
    return Hits(offline_app)


@pytest.fixture
def offline_server(offline_app, hits):
    with LiveServer(offline_app) as server:
        yield server


def _visits(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(Visit.id)))


def _phone(browser):
    """A phone-sized context that lets the service worker run."""
    context = browser.new_context(viewport=PHONE, locale="zh-CN", service_workers="allow")
    return context, context.new_page()


def _ready_offline(page, url) -> list[str]:
    """Open the follow-up list online and wait until the service worker has stored its pages; the
    visit form links of the first two organisations awaiting a first visit."""
    page.goto(f"{url}/followups")
    page.locator("html[data-offline-ready]").wait_for(state="attached", timeout=60_000)
    if page.evaluate("navigator.serviceWorker.controller") is None:  # the first page the worker controls
        page.reload()
        page.locator("html[data-offline-ready]").wait_for(state="attached", timeout=60_000)
    assert int(page.evaluate("document.documentElement.dataset.offlineReady")) > 2, "the worker stored the pages"
    items = page.locator(".followups .list-group-item", has_text="待首次走访")
    return [items.nth(i).locator("a.btn", has_text="登记走访").get_attribute("href") for i in range(2)]


def _log_visit(page, url, href, notes) -> None:
    page.goto(url + href)
    page.select_option("select[name=outcome]", "considering")
    page.fill("input[name=met_with]", "办公室主任")
    page.fill("textarea[name=notes]", notes)
    page.click("main form[data-offline-sync] button[type=submit]")
    page.locator("#offline-saved").wait_for()


def _queue_count(page) -> str:
    return page.locator("#offline-queue .offline-count").inner_text()


def _officer_ready_offline(browser, server):
    """A phone signed in as the demo officer of 翠竹, its visit forms cached for offline use:
    (url, context, page, the forms' paths)."""
    context, page = _phone(browser)
    sign_in(page, server.url, "officer-cuizhu")
    return server.url, context, page, _ready_offline(page, server.url)


def test_two_visits_logged_offline_are_synced_once_each(browser, offline_app, offline_server, hits):
    url, context, page, forms = _officer_ready_offline(browser, offline_server)
    before = _visits(offline_app)

    context.set_offline(True)
    hits.offline = True
    assert page.evaluate("navigator.onLine") is False
    _log_visit(page, url, forms[0], "前台说负责人出差，下周再来")
    _log_visit(page, url, forms[1], "地下室没有信号，先记在手机上")
    page.reload()  # offline: the page comes from the worker's cache, the queue from IndexedDB
    page.locator("#offline-queue .offline-item").nth(1).wait_for()
    assert _queue_count(page) == "待同步 2 条"
    assert page.locator("#offline-queue .offline-pending").count() == 2
    assert no_horizontal_scroll(page)
    page.locator("#offline-queue").scroll_into_view_if_needed()
    screenshot(page, "offline-queue-phone", full_page=False)
    assert _visits(offline_app) == before, "nothing reached the server while offline"
    assert hits.paths == [], "the pages came from the service worker's cache"
    hits.offline = False

    posts: list[str] = []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
    context.set_offline(False)  # the "online" event sends the queue
    page.locator("#offline-queue[data-pending='0']").wait_for(state="attached", timeout=30_000)
    page.locator("#offline-queue .offline-done").nth(1).wait_for()
    assert _queue_count(page) == "待同步 0 条"
    assert page.locator("#offline-queue .offline-done").count() == 2
    assert "已同步：走访已登记" in page.locator("#offline-queue").inner_text()
    assert sum("/visits/sync" in u for u in posts) == 2, posts
    assert _visits(offline_app) == before + 2
    with offline_app.app_context():
        assert db.session.scalar(select(func.count(Submission.id)).where(Submission.transition == "record_visit")) >= 2
    screenshot(page, "offline-synced-phone", full_page=False)

    posts.clear()
    page.reload()  # a second sync: nothing is waiting, nothing is sent
    page.locator("#offline-queue .offline-done").nth(1).wait_for()
    page.locator("#offline-queue button.offline-sync").wait_for(state="detached")
    page.wait_for_timeout(500)  # let a sync that should not happen show itself
    assert not [u for u in posts if "/visits/sync" in u], posts
    assert _visits(offline_app) == before + 2
    page.click("#offline-queue button.offline-clear")
    page.locator("#offline-queue").wait_for(state="hidden")
    context.close()


def test_a_sign_in_that_expired_offline_waits_and_the_queue_is_sent_after_signing_in(browser, offline_app, offline_server):
    url, context, page, forms = _officer_ready_offline(browser, offline_server)
    before = _visits(offline_app)

    context.set_offline(True)
    _log_visit(page, url, forms[0], "离线登记，登录随后过期")
    context.clear_cookies()  # the session ends while the phone is offline
    context.set_offline(False)
    page.reload()
    page.locator("#offline-queue .offline-signin").wait_for()
    assert _queue_count(page) == "待同步 1 条"
    assert _visits(offline_app) == before

    page.click("#offline-queue .offline-signin a")
    page.fill("input[name=username]", "officer-cuizhu")
    page.fill("input[name=password]", "luohu2022")
    page.click("form:has(input[name=username]) button[type=submit]")
    page.wait_for_load_state()
    page.locator("#offline-queue[data-pending='0']").wait_for(state="attached", timeout=30_000)
    assert page.locator("#offline-queue .offline-done").count() == 1
    assert _visits(offline_app) == before + 1
    context.close()


def test_a_visit_the_server_refuses_stays_in_the_queue_with_the_reason(browser, offline_app, offline_server):
    """The organisation moved to another street while the visit waited: shown with the server's
    reason, kept until the officer deletes it."""
    from orgbuild.models import Organization, Street

    url, context, page, forms = _officer_ready_offline(browser, offline_server)
    org_id = int(forms[0].split("/")[2])
    before = _visits(offline_app)

    context.set_offline(True)
    _log_visit(page, url, forms[0], "调街道前的走访")
    with offline_app.app_context():
        org = db.session.get(Organization, org_id)
        org.street = db.session.scalar(select(Street).where(Street.id != org.street_id, Street.name.like("%桂园%")))
        db.session.commit()
    context.set_offline(False)
    refused = page.locator("#offline-queue .offline-refused")
    refused.wait_for(timeout=30_000)
    assert "已不在您负责的街道" in refused.inner_text()
    assert "调街道前的走访" in refused.inner_text(), "what was typed is kept"
    assert _visits(offline_app) == before
    page.reload()
    page.locator("#offline-queue .offline-refused").wait_for()  # not dropped
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("#offline-queue .offline-refused button.offline-delete")
    page.locator("#offline-queue").wait_for(state="hidden")
    context.close()


def _fill_visit(page, url, href, notes) -> None:
    page.goto(url + href)
    page.select_option("select[name=outcome]", "considering")
    page.fill("input[name=met_with]", "办公室主任")
    page.fill("textarea[name=notes]", notes)


def _posts_to_sync(hits) -> int:
    return sum(1 for p in hits.paths if p.startswith("POST ") and p.endswith("/visits/sync"))


def test_a_visit_whose_request_hangs_is_queued_and_synced_once(browser, offline_app, offline_server, hits):
    """Lie-fi: the visit form is sent online, the server records it, but the answer does not come
    back in time (the route holds it past the timeout). The page gives up (AbortController), keeps
    the visit in the queue with its key, and sends it again: the server answers the first result,
    so the database holds one new visit."""
    import time

    offline_app.config["OFFLINE_SEND_TIMEOUT"] = 2  # seconds; the route below holds the answer longer
    url, context, page, forms = _officer_ready_offline(browser, offline_server)
    before = _visits(offline_app)
    held: list[str] = []

    def slow(route):
        if held:  # only the first request is slow: the resend goes through
            route.continue_()
            return
        held.append(route.request.url)
        answer = route.fetch()  # the request reaches the server, which records the visit...
        time.sleep(4)           # ...but its answer comes after the page's timeout
        try:
            route.fulfill(response=answer)
        except Exception:  # noqa: BLE001 - the page gave up on it: there is nobody to answer
            pass

    page.route("**/visits/sync", slow)
    hits.offline = True  # count what reaches the server from here on
    _fill_visit(page, url, forms[0], "信号很差，请求一直没有回应")
    page.click("main form[data-offline-sync] button[type=submit]")
    page.locator("#offline-saved").wait_for(timeout=30_000)  # given up on: kept in the queue
    assert held, "the visit form went through the slow route"
    page.locator("#offline-queue .offline-done").wait_for(timeout=60_000)
    page.locator("#offline-queue[data-pending='0']").wait_for(state="attached")
    assert "已同步（此前已登记，未重复登记）" in page.locator("#offline-queue").inner_text()
    assert _posts_to_sync(hits) == 2, hits.paths  # the first (answer lost) and the resend
    assert _visits(offline_app) == before + 1, "recorded once"
    with offline_app.app_context():
        notes = db.session.scalars(select(Visit.notes).where(Visit.notes == "信号很差，请求一直没有回应")).all()
    assert len(notes) == 1

    page.unroute("**/visits/sync")
    page.reload()  # nothing is waiting: nothing more is sent
    page.locator("#offline-queue .offline-done").wait_for()
    page.wait_for_timeout(500)
    assert _posts_to_sync(hits) == 2 and _visits(offline_app) == before + 1
    hits.offline = False
    context.close()


def test_a_visit_sent_online_in_time_goes_to_its_page_and_leaves_no_queue(browser, offline_app, offline_server):
    url, context, page, forms = _officer_ready_offline(browser, offline_server)
    before = _visits(offline_app)
    _fill_visit(page, url, forms[0], "网络正常")
    page.click("main form[data-offline-sync] button[type=submit]")
    page.wait_for_url(url + forms[0].rsplit("/step/", 1)[0])
    assert "已完成：登记走访" in page.locator("main").inner_text()
    assert page.locator("#offline-queue").is_hidden()
    assert _visits(offline_app) == before + 1
    context.close()


def test_a_photo_taken_offline_is_queued_with_the_visit_and_synced(browser, offline_app, offline_server):
    import io

    from PIL import Image

    from orgbuild.attachments import service
    from orgbuild.models import Attachment
    from tests.campaign.images import jpeg_with_gps

    url, context, page, forms = _officer_ready_offline(browser, offline_server)
    org_id = int(forms[0].split("/")[2])
    before = _visits(offline_app)

    context.set_offline(True)
    _fill_visit(page, url, forms[0], "在地下室拍了门牌照片")
    page.set_input_files("input[name=evidence]", files=[
        {"name": "门牌.jpg", "mimeType": "image/jpeg", "buffer": jpeg_with_gps()}])
    page.click("main form[data-offline-sync] button[type=submit]")
    page.locator("#offline-saved").wait_for()
    page.reload()  # the photo waits in IndexedDB with the visit
    item = page.locator("#offline-queue .offline-pending")
    item.wait_for()
    assert "附件 1 个：门牌.jpg" in item.inner_text()
    assert _visits(offline_app) == before

    context.set_offline(False)
    page.locator("#offline-queue[data-pending='0']").wait_for(state="attached", timeout=60_000)
    page.locator("#offline-queue .offline-done").wait_for()
    assert _visits(offline_app) == before + 1
    with offline_app.app_context():
        visit_id = db.session.scalar(select(Visit.id).where(Visit.notes == "在地下室拍了门牌照片"))
        photos = db.session.scalars(select(Attachment).where(Attachment.visit_id == visit_id)).all()
        assert [p.original_name for p in photos] == ["门牌.jpg"] and photos[0].organization_id == org_id
        kept = Image.open(io.BytesIO(service.read_bytes(photos[0])))
        assert kept.format == "JPEG" and not kept.getexif().get_ifd(0x8825)
        photo_url = f"/orgs/{org_id}/attachments/{photos[0].id}/thumbnail"
    page.goto(url + f"/orgs/{org_id}")
    assert page.locator(f"img[src='{photo_url}']").count() == 1  # on the visit's timeline entry
    context.close()


def test_the_service_worker_sends_the_queue_by_background_sync(browser, offline_app, offline_server):
    """The page's own requests to the sync URL fail (routed to an error), so only the worker's
    Background Sync can send the queued visit: it does, once, and the page shows the result."""
    url, context, page, forms = _officer_ready_offline(browser, offline_server)
    assert page.evaluate("navigator.serviceWorker.ready.then((r) => 'sync' in r)"), "Chromium has Background Sync"
    before = _visits(offline_app)
    sent: list[tuple[int, bool]] = []
    context.on("requestfinished", lambda r: sent.append((r.response().status, r.service_worker is not None))
               if r.method == "POST" and r.url.endswith("/visits/sync") else None)
    page.route("**/visits/sync", lambda route: route.abort("internetdisconnected"))  # the page's, not the worker's
    _fill_visit(page, url, forms[0], "页面发不出去，交给后台同步")
    page.click("main form[data-offline-sync] button[type=submit]")
    page.locator("#offline-saved").wait_for(timeout=30_000)
    page.locator("#offline-queue .offline-done").wait_for(timeout=60_000)  # the worker told the page
    assert "已同步：走访已登记" in page.locator("#offline-queue").inner_text()
    assert sent == [(200, True)], sent  # one request, from the service worker
    assert _visits(offline_app) == before + 1
    context.close()
