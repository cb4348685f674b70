"""The server side of offline visits: the JSON sync endpoint the queue sends to (a replay records
nothing twice, each refusal says why), the session check, the service worker and the manifest."""
from __future__ import annotations

import html
import json
import re

import pytest

from orgbuild.campaign import actions
from orgbuild.extensions import db
from orgbuild.models import Organization, Submission, Visit
from tests.conftest import login, street
from tests.flows import TODAY, count, snapshot, step_form, visit

VISIT = {"visit_date": TODAY.isoformat(), "outcome": "considering", "met_with": "前台", "notes": "负责人出差"}


@pytest.fixture
def officer(make_user, client):
    """An officer of 翠竹, signed in."""
    user = make_user("cuizhu1", streets=["翠竹"])
    login(client, "cuizhu1")
    return user


def _sync(client, org, form):
    return client.post(f"/orgs/{org.id}/visits/sync", data=form, headers={"Accept": "application/json"})


def test_a_queued_visit_is_recorded_once_however_often_it_is_sent(client, officer, make_org):
    org = make_org()
    form = step_form(org, **VISIT)
    first = _sync(client, org, form)
    assert first.status_code == 200 and first.json["result"] == "recorded"
    assert first.json["message"] == "已同步：走访已登记"
    again = _sync(client, org, form)  # the answer was lost on the way: the queue sends it again
    assert again.status_code == 200 and again.json["result"] == "replayed"
    assert again.json["status_event"] == first.json["status_event"]
    assert count(Visit, organization_id=org.id) == 1
    assert count(Submission, organization_id=org.id) == 1


def test_two_visits_queued_from_forms_opened_before_the_first_visit_are_both_recorded(client, officer, make_org):
    """Both forms were stored while the organisation was 已摸排; the first visit moves it to 已走访 and
    the second still applies (a visit moved it there), with its own key."""
    org = make_org()
    first, second = step_form(org, **VISIT), step_form(org, **{**VISIT, "notes": "第二次上门，见到书记"})
    assert _sync(client, org, first).json["result"] == "recorded"
    assert _sync(client, org, second).json["result"] == "recorded"
    db.session.expire_all()
    assert db.session.get(Organization, org.id).status == "visited"
    assert count(Visit, organization_id=org.id) == 2


def test_a_visit_to_an_organisation_moved_to_another_street_is_refused_with_the_reason(client, officer, make_org):
    org = make_org()
    form = step_form(org, **VISIT)
    org.street_id = street("桂园").id
    db.session.commit()
    response = _sync(client, org, form)
    assert response.status_code == 404
    assert "已不在您负责的街道" in response.json["message"]
    assert count(Visit, organization_id=org.id) == 0


def test_a_change_of_status_since_the_form_was_stored_is_a_conflict_with_the_reason(client, officer, make_org, make_user):
    org = make_org()
    form = step_form(org, **VISIT)
    actions.apply_transition(org, actions.TransitionRequest("mark_ineligible", reason="已注销"),
                             make_user("cuizhu2", streets=["翠竹"]))
    before = snapshot(org.id)
    response = _sync(client, org, form)
    assert response.status_code == 409
    assert "不符合条件" in response.json["message"] and "未登记" in response.json["message"]
    assert snapshot(org.id) == before


def test_a_refused_visit_names_the_field_and_writes_nothing(client, officer, make_org):
    org = make_org()
    before = snapshot(org.id)
    response = _sync(client, org, step_form(org, **{**VISIT, "outcome": ""}))
    assert response.status_code == 422 and "走访结果" in response.json["message"]
    response = _sync(client, org, {k: v for k, v in step_form(org, **VISIT).items() if k != "version"})
    assert response.status_code == 400 and "未登记" in response.json["message"]
    assert snapshot(org.id) == before


def test_a_signed_out_queue_gets_401_and_waits(client, make_user, make_org):
    make_user("cuizhu1", streets=["翠竹"])
    org = make_org()
    response = _sync(client, org, step_form(org, **VISIT))
    assert response.status_code == 401 and "重新登录" in response.json["message"]
    assert client.get("/offline/session").status_code == 401
    assert count(Visit, organization_id=org.id) == 0


def test_the_session_check_names_the_user_and_hands_a_token_that_sends_the_queue(app, client, officer, make_org):
    app.config["WTF_CSRF_ENABLED"] = True
    org = make_org()
    form = step_form(org, **VISIT)
    assert _sync(client, org, form).status_code == 400  # no token: refused like any POST
    who = client.get("/offline/session")
    assert who.status_code == 200 and who.json["user"] == "cuizhu1" and who.json["csrf_token"]
    assert who.headers["Cache-Control"] == "no-store"
    response = _sync(client, org, {**form, "csrf_token": who.json["csrf_token"]})
    assert response.status_code == 200 and response.json["result"] == "recorded"


def test_the_service_worker_is_served_from_the_root_and_lists_what_it_precaches(client):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/javascript")
    assert response.headers["Cache-Control"] == "no-cache"
    text = response.text
    precache = json.loads(text.split("const PRECACHE = ", 1)[1].split(";\n", 1)[0])
    assert "/offline" in precache and "/static/js/offline.js" in precache
    assert any(url.startswith("/bootstrap/static/") and url.endswith(".css") for url in precache)
    for url in precache:  # everything the worker stores on install exists
        assert client.get(url).status_code == 200, url
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]  # the worker is same-origin


def test_the_manifest_starts_at_the_follow_up_list(client):
    response = client.get("/manifest.webmanifest")
    assert response.status_code == 200 and response.mimetype == "application/manifest+json"
    manifest = json.loads(response.data)
    assert manifest["start_url"] == "/followups" and manifest["display"] == "standalone"
    assert all(client.get(icon["src"]).status_code == 200 for icon in manifest["icons"])


def test_every_page_links_the_manifest_and_the_offline_script_without_inline_script(client, officer, make_org):
    org = make_org()
    page = client.get(f"/orgs/{org.id}/step/record_visit").text
    assert 'rel="manifest"' in page and "/static/js/offline.js" in page
    assert f'data-offline-sync="/orgs/{org.id}/visits/sync"' in page
    texts = json.loads(html.unescape(re.search(r'id="offline-queue"[^>]*data-text="([^"]+)"', page).group(1)))
    assert texts["pending"] == "待同步 {n} 条"
    assert "<script>" not in page


def test_a_queued_visit_brings_its_photo_and_a_resend_keeps_no_second_copy(client, officer, make_org):
    """The photo taken offline travels with the visit (one request, one transaction); the answer was
    lost and the queue sends both again: still one visit and one photo, without its GPS tag."""
    import io

    from PIL import Image

    from orgbuild.attachments import service
    from orgbuild.models import Attachment
    from tests.campaign.images import jpeg_with_gps

    org = make_org()
    form = step_form(org, **VISIT)
    files_before = set(p.name for p in service.folder().iterdir())

    def send():
        return client.post(f"/orgs/{org.id}/visits/sync", data={**form, "evidence": (io.BytesIO(jpeg_with_gps()), "现场.jpg")},
                           content_type="multipart/form-data", headers={"Accept": "application/json"})

    first = send()
    assert first.status_code == 200 and first.json["result"] == "recorded"
    again = send()
    assert again.status_code == 200 and again.json["result"] == "replayed"
    assert count(Visit, organization_id=org.id) == 1
    photos = db.session.scalars(db.select(Attachment).where(Attachment.organization_id == org.id)).all()
    assert len(photos) == 1 and photos[0].original_name == "现场.jpg" and photos[0].visit_id is not None
    assert not Image.open(io.BytesIO(service.read_bytes(photos[0]))).getexif().get_ifd(0x8825)
    names = sorted(set(p.name for p in service.folder().iterdir()) - files_before)
    assert names == sorted([photos[0].stored_name, photos[0].stored_name.rsplit(".", 1)[0] + ".thumb.jpg"])


def test_a_queued_visit_with_a_refused_file_is_refused_with_the_reason_and_records_nothing(client, officer, make_org):
    import io

    org = make_org()
    form = {**step_form(org, **VISIT), "evidence": (io.BytesIO(b"<html><script>x</script></html>"), "现场.jpg")}
    answer = client.post(f"/orgs/{org.id}/visits/sync", data=form, content_type="multipart/form-data",
                         headers={"Accept": "application/json"})
    assert answer.status_code == 422 and "现场.jpg" in answer.json["message"]
    assert "文件中夹带了其他格式的内容" in answer.json["message"]
    assert count(Visit, organization_id=org.id) == 0


def test_the_visit_form_sent_online_through_the_queue_flashes_its_result_on_the_organisations_page(client, officer, make_org):
    org = make_org()
    form = {**step_form(org, **VISIT), "direct": "1"}
    first = _sync(client, org, form)
    assert first.status_code == 200
    assert "已完成：登记走访" in client.get(first.json["url"]).text
    assert _sync(client, org, form).json["result"] == "replayed"
    assert "该表单已提交过，本次未重复登记" in client.get(first.json["url"]).text
    assert "已同步" not in client.get(first.json["url"]).text  # a queued visit sent later flashes nothing
    assert count(Visit, organization_id=org.id) == 1


def test_the_visit_form_offers_an_optional_photo_and_the_worker_sends_the_queue_in_the_background(client, officer, make_org):
    org = make_org()
    page = client.get(f"/orgs/{org.id}/step/record_visit").text
    assert 'name="evidence"' in page and 'enctype="multipart/form-data"' in page
    assert 'data-timeout-ms="15000"' in page  # ORGBUILD_OFFLINE_SEND_TIMEOUT
    worker = client.get("/sw.js").text
    assert 'importScripts("/static/js/offline-queue.js")' in worker
    assert 'addEventListener("sync"' in worker
    assert client.get("/static/js/offline-queue.js").status_code == 200
