"""The JSON API with tokens: scoping, refusals (401/403/404/400/422/409/429 as problem objects), the
organisation list and detail, and recording a visit once per Idempotency-Key."""
from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from orgbuild.accounts import tokens
from orgbuild.campaign import actions
from orgbuild.extensions import db
from orgbuild.models import ApiToken, StatusEvent, Visit
from tests.api.conftest import bearer
from tests.conftest import TODAY, login

PROBLEM = "application/problem+json"


def visit_body(**values) -> dict:
    body = {"visit_date": TODAY.isoformat(), "outcome": "willing", "met_with": "张经理", "notes": "愿意建团"}
    body.update(values)
    return body


def post_visit(client, org, secret, key=None, body=None):
    headers = bearer(secret) | {"Idempotency-Key": key or uuid.uuid4().hex}
    return client.post(f"/api/v1/orgs/{org.credit_code}/visits", json=body or visit_body(), headers=headers)


def visits_of(org) -> int:
    return db.session.scalar(select(func.count(Visit.id)).where(Visit.organization_id == org.id))


def test_an_officers_token_never_sees_another_street(client, streets, token_of):
    secret = token_of(streets["officer_a"])
    listing = client.get("/api/v1/orgs", headers=bearer(secret))
    assert listing.status_code == 200
    data = listing.get_json()
    assert [i["credit_code"] for i in data["items"]] == [streets["org_a"].credit_code]
    assert data["total"] == 1 and data["page"] == 1 and data["pages"] == 1
    assert set(data["items"][0]) >= {"credit_code", "name", "street", "status", "officer", "version"}
    other = streets["org_b"]
    hidden = client.get(f"/api/v1/orgs/{other.credit_code}", headers=bearer(secret))
    missing = client.get("/api/v1/orgs/91440300MA5XXXXXX0", headers=bearer(secret))
    assert hidden.status_code == missing.status_code == 404
    assert hidden.get_json() == missing.get_json() and "桂园接口测试" not in hidden.get_data(as_text=True)
    assert client.get("/api/v1/orgs?street=桂园", headers=bearer(secret)).status_code == 404
    assert client.get("/api/v1/progress?street=桂园", headers=bearer(secret)).status_code == 404
    assert client.get("/api/v1/progress", headers=bearer(secret)).get_json()["scope"] == "翠竹街道"
    # a write token cannot reach it either
    writer = token_of(streets["officer_a"], write=True)
    assert post_visit(client, other, writer).status_code == 404
    assert visits_of(other) == 0
    # the supervisor's token sees both streets
    both = client.get("/api/v1/orgs", headers=bearer(token_of(streets["supervisor"]))).get_json()
    assert both["total"] == 2


def test_the_token_follows_its_users_streets_and_account(client, streets, token_of):
    """A token acts with its user's streets as they are now, and stops with a deactivated account."""
    from orgbuild.accounts import service as accounts

    officer = streets["officer_a"]
    secret = token_of(officer)
    accounts.update_user(officer, streets=accounts.find_streets(["桂园"]))
    codes = [i["credit_code"] for i in client.get("/api/v1/orgs", headers=bearer(secret)).get_json()["items"]]
    assert codes == [streets["org_b"].credit_code]
    accounts.set_active(officer, False)
    refused = client.get("/api/v1/orgs", headers=bearer(secret))
    assert refused.status_code == 401 and refused.content_type == PROBLEM


def test_revoked_expired_unknown_or_malformed_tokens_get_401(client, streets, token_of):
    officer = streets["officer_a"]
    revoked = token_of(officer)
    assert client.get("/api/v1/progress", headers=bearer(revoked)).status_code == 200
    row = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == tokens.hash_secret(revoked)))
    assert tokens.revoke_token(row) is True
    expired = token_of(officer)
    row = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == tokens.hash_secret(expired)))
    row.expires_at = datetime.now(UTC) - timedelta(seconds=1)
    db.session.commit()
    cases = {revoked: "令牌已撤销", expired: "令牌已过期", "orgb_" + "x" * 40: "令牌无效", "nonsense": "令牌无效"}
    for secret, reason in cases.items():
        for path in ("/api/v1/progress", "/api/v1/orgs", f"/api/v1/orgs/{streets['org_a'].credit_code}"):
            response = client.get(path, headers=bearer(secret))
            assert response.status_code == 401, (secret, path)
            assert response.content_type == PROBLEM
            assert response.get_json()["detail"] == reason and response.get_json()["status"] == 401
            assert response.headers["WWW-Authenticate"].startswith("Bearer")
        assert post_visit(client, streets["org_a"], secret).status_code == 401
    assert client.get("/api/v1/orgs", headers={"Authorization": "Basic abc"}).status_code == 401
    anonymous = client.get("/api/v1/orgs")
    assert anonymous.status_code == 401 and anonymous.content_type == PROBLEM
    assert visits_of(streets["org_a"]) == 0


def test_a_read_only_token_or_a_session_cannot_post(client, streets, token_of):
    org = streets["org_a"]
    response = post_visit(client, org, token_of(streets["officer_a"]))
    assert response.status_code == 403 and response.content_type == PROBLEM
    login(client, "officer_a")
    session_post = client.post(f"/api/v1/orgs/{org.credit_code}/visits", json=visit_body(),
                               headers={"Idempotency-Key": "k" * 20})
    assert session_post.status_code == 403
    assert client.get("/api/v1/orgs").status_code == 200  # the session still reads
    assert visits_of(org) == 0


def test_the_same_idempotency_key_twice_records_one_visit(client, streets, token_of):
    org = streets["org_a"]
    secret = token_of(streets["officer_a"], write=True)
    key = str(uuid.uuid4())
    first = post_visit(client, org, secret, key)
    assert first.status_code == 201, first.get_json()
    body = first.get_json()
    assert body["status"] == "visited" and body["visit"]["outcome"] == "willing"
    assert body["status_event"]["from_status"] == "surveyed" and body["status_event"]["to_status"] == "visited"
    again = post_visit(client, org, secret, key)
    assert again.status_code == 201 and again.get_json() == body
    assert again.headers["Idempotent-Replayed"] == "true"
    assert visits_of(org) == 1
    assert db.session.scalar(select(func.count(StatusEvent.id)).where(StatusEvent.organization_id == org.id)) == 1
    # the same key with another request is refused, and records nothing
    other = post_visit(client, org, secret, key, visit_body(outcome="considering", notes="另一次"))
    assert other.status_code == 422 and other.content_type == PROBLEM
    # a new key records a second visit (a later one)
    second = post_visit(client, org, secret, None, visit_body(outcome="considering", notes="第二次"))
    assert second.status_code == 201 and second.get_json()["status"] == "visited"
    assert visits_of(org) == 2
    detail = client.get(f"/api/v1/orgs/{org.credit_code}", headers=bearer(secret)).get_json()
    assert [v["notes"] for v in detail["visits"]] == ["第二次", "愿意建团"]


def test_a_visit_goes_through_the_status_machine(client, streets, token_of, make_org):
    secret = token_of(streets["officer_a"], write=True)
    no_party = make_org("翠竹", name="无党组织测试有限公司", has_party_org=False)
    refused = post_visit(client, no_party, secret)
    assert refused.status_code == 422 and refused.content_type == PROBLEM
    assert refused.get_json()["detail"]
    future = post_visit(client, streets["org_a"], secret, body=visit_body(visit_date=(TODAY + timedelta(days=3))
                                                                          .isoformat()))
    assert future.status_code == 422
    assert visits_of(no_party) == visits_of(streets["org_a"]) == 0


@pytest.mark.parametrize("body, field", [
    ({"outcome": "willing"}, "visit_date"),
    ({"visit_date": "2022-02-30", "outcome": "willing"}, "visit_date"),
    ({"visit_date": TODAY.isoformat(), "outcome": "maybe"}, "outcome"),
    ({"visit_date": TODAY.isoformat(), "outcome": "willing", "notes": "a\x00b"}, "notes"),
    ({"visit_date": TODAY.isoformat(), "outcome": "willing", "colour": "red"}, "colour"),
    ({"visit_date": TODAY.isoformat(), "outcome": "willing", "next_follow_up": "2000-01-01"}, "next_follow_up"),
])
def test_a_bad_body_is_422_naming_the_field(client, streets, token_of, body, field):
    response = post_visit(client, streets["org_a"], token_of(streets["officer_a"], write=True), body=body)
    assert response.status_code == 422 and response.content_type == PROBLEM
    assert field in response.get_json()["errors"]
    assert visits_of(streets["org_a"]) == 0


def test_a_missing_or_bad_idempotency_key_or_bad_parameters_are_400(client, streets, token_of):
    secret = token_of(streets["officer_a"], write=True)
    url = f"/api/v1/orgs/{streets['org_a'].credit_code}/visits"
    assert client.post(url, json=visit_body(), headers=bearer(secret)).status_code == 400
    bad_key = client.post(url, json=visit_body(), headers=bearer(secret) | {"Idempotency-Key": "有空格 的键"})
    assert bad_key.status_code == 400 and "Idempotency-Key" in bad_key.get_json()["errors"]
    for query in ("page=0", "page=abc", "per_page=1000", "status=flying", "stauts=visited"):
        response = client.get(f"/api/v1/orgs?{query}", headers=bearer(secret))
        assert response.status_code == 400 and response.content_type == PROBLEM, query
    assert client.get("/api/v1/orgs?street=火星", headers=bearer(secret)).status_code == 400
    assert visits_of(streets["org_a"]) == 0


def test_a_change_of_status_since_the_version_read_is_409(client, streets, token_of):
    org = streets["org_a"]
    secret = token_of(streets["officer_a"], write=True)
    version = client.get(f"/api/v1/orgs/{org.credit_code}", headers=bearer(secret)).get_json()["version"]
    actions.apply_transition(org, actions.TransitionRequest("mark_ineligible", reason="已迁出"), streets["officer_a"])
    response = post_visit(client, org, secret, body=visit_body(version=version))
    assert response.status_code == 409 and response.content_type == PROBLEM
    assert response.get_json()["status_now"] == "ineligible"
    assert visits_of(org) == 0


def test_list_paging_and_filters(client, streets, token_of, make_org):
    for n in range(5):
        make_org("翠竹", name=f"翠竹分页测试{n}有限公司")
    secret = token_of(streets["officer_a"])
    first = client.get("/api/v1/orgs?per_page=2", headers=bearer(secret)).get_json()
    assert first["total"] == 6 and first["pages"] == 3 and len(first["items"]) == 2
    last = client.get("/api/v1/orgs?per_page=2&page=3", headers=bearer(secret)).get_json()
    beyond = client.get("/api/v1/orgs?per_page=2&page=9", headers=bearer(secret)).get_json()
    assert len(last["items"]) == 2 and beyond["items"] == []
    codes = [i["credit_code"] for p in (1, 2, 3) for i in
             client.get(f"/api/v1/orgs?per_page=2&page={p}", headers=bearer(secret)).get_json()["items"]]
    assert len(set(codes)) == 6 and codes == sorted(codes)
    assert client.get("/api/v1/orgs?q=分页测试3", headers=bearer(secret)).get_json()["total"] == 1
    assert client.get("/api/v1/orgs?status=visited", headers=bearer(secret)).get_json()["total"] == 0
    assert client.get("/api/v1/orgs?street=翠竹街道", headers=bearer(secret)).get_json()["total"] == 6


def test_detail_has_survey_fields_visits_branch_and_onboarding(client, streets, token_of):
    org = streets["org_a"]
    officer = streets["officer_a"]
    actions.apply_transition(org, actions.TransitionRequest("record_visit", visit_date=TODAY, outcome="willing"),
                             officer)
    actions.apply_transition(org, actions.TransitionRequest(
        "establish", branch={"name": "翠竹接口测试团支部", "branch_type": "branch", "member_count": 5,
                             "founded_on": TODAY, "secretary": "李书记"}), officer)
    detail = client.get(f"/api/v1/orgs/{org.credit_code}", headers=bearer(tokens.create_token(officer).secret))
    data = detail.get_json()
    assert detail.status_code == 200 and data["status"] == "established"
    assert data["employees"] == 50 and data["has_party_org"] is True
    assert data["visits"][0]["visit_date"] == TODAY.isoformat() and data["visits"][0]["officer"] == "officer_a"
    assert data["branch"]["secretary"] == "李书记" and data["branch"]["member_count"] == 5
    assert data["onboarding"] is None


def test_last_use_is_recorded_and_only_a_hash_is_stored(client, streets, token_of):
    secret = token_of(streets["officer_a"])
    row = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == tokens.hash_secret(secret)))
    assert row.last_used_at is None and secret not in (row.token_hash, row.prefix) and secret.startswith(row.prefix)
    client.get("/api/v1/progress", headers=bearer(secret))
    db.session.expire_all()
    assert db.session.get(ApiToken, row.id).last_used_at is not None


@pytest.mark.app_config(RATELIMIT_ENABLED=True, API_RATE_LIMIT="3 per minute")
def test_rate_limit_per_token(client, streets, token_of):
    first, second = token_of(streets["officer_a"]), token_of(streets["officer_a"])
    for _ in range(3):
        assert client.get("/api/v1/progress", headers=bearer(first)).status_code == 200
    limited = client.get("/api/v1/progress", headers=bearer(first))
    assert limited.status_code == 429 and limited.content_type == PROBLEM
    assert int(limited.headers["Retry-After"]) >= 1
    assert client.get("/api/v1/progress", headers=bearer(second)).status_code == 200  # its own bucket


def test_unknown_api_urls_and_methods_answer_problems(client, streets, token_of):
    secret = token_of(streets["officer_a"])
    missing = client.get("/api/v1/nothing-here", headers=bearer(secret))
    assert missing.status_code == 404 and missing.content_type == PROBLEM
    wrong = client.delete("/api/v1/orgs", headers=bearer(secret))
    assert wrong.status_code == 405 and wrong.content_type == PROBLEM and "GET" in wrong.headers["Allow"]


def test_openapi_description_is_3_1_and_lists_every_api_route(client, app):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["openapi"] == "3.1.0"
    documented = {path for path in spec["paths"]}
    rules = {str(r.rule).replace("<int:", "{").replace("<", "{").replace(">", "}") for r in app.url_map.iter_rules()
             if r.endpoint.startswith("api.")}
    assert documented == rules
    post = spec["paths"]["/api/v1/orgs/{credit_code}/visits"]["post"]
    assert {"201", "401", "403", "404", "409", "422", "429"} <= set(post["responses"])
    assert any(p["name"] == "Idempotency-Key" and p["required"] for p in post["parameters"])
