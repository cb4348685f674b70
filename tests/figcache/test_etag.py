"""Conditional GETs on the JSON API: an ETag on every JSON answer, 304 when it has not changed, a new
ETag once a write changed the figures."""
from __future__ import annotations

from tests.conftest import login
from tests.flows import visit


def test_progress_answers_304_until_a_write_changes_it(client, make_user, make_org):
    officer = make_user("officer1", streets=["翠竹"])
    org = make_org("翠竹", officer_id=officer.id)
    login(client, "officer1")
    first = client.get("/api/v1/progress")
    assert first.status_code == 200 and first.headers["ETag"]
    again = client.get("/api/v1/progress", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""
    visit(org, officer)
    changed = client.get("/api/v1/progress", headers={"If-None-Match": first.headers["ETag"]})
    assert changed.status_code == 200 and changed.headers["ETag"] != first.headers["ETag"]
    assert changed.get_json()["visited"] == first.get_json()["visited"] + 1


def test_every_json_get_has_an_etag_and_errors_have_none(client, make_user):
    make_user("officer1", streets=["翠竹"])
    login(client, "officer1")
    listing = client.get("/api/v1/snapshots")
    assert listing.status_code == 200 and listing.headers.get("ETag")
    refused = client.get("/api/v1/progress?year=abc")
    assert refused.status_code == 400 and "ETag" not in refused.headers
