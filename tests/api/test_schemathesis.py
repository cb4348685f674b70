"""schemathesis against /api/v1/openapi.json: every operation, with generated valid and invalid
requests, through the Flask app (WSGI) with a read-write token of a street's officer. Every check of
schemathesis passes: no server error, status codes, content types, headers and bodies as documented.

Examples per operation are kept modest (``MAX_EXAMPLES``) so that the suite stays fast; the schema
is the one the app serves, so what is tested is what is published.
"""
from __future__ import annotations

from datetime import date

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from orgbuild import create_app
from orgbuild.accounts import tokens
from orgbuild.campaign import actions
from orgbuild.progress.snapshots import create_snapshot
from tests.conftest import street

MAX_EXAMPLES = 20


@pytest.fixture
def api_world(app, make_user, make_org):
    """An officer of 翠竹 with a read-write token, organisations on two streets (one visited, one
    founded), and a snapshot of the street."""
    officer = make_user("schema_officer", "officer", ["翠竹"])
    make_user("schema_boss", "supervisor")
    visited = make_org("翠竹", name="翠竹契约测试科技有限公司")
    founded = make_org("翠竹", name="翠竹契约建团测试有限公司")
    make_org("桂园", name="桂园契约测试科技有限公司")
    for org in (visited, founded):
        actions.apply_transition(org, actions.TransitionRequest("record_visit", visit_date=date.today(),
                                                                outcome="willing"), officer)
    actions.apply_transition(founded, actions.TransitionRequest(
        "establish", branch={"name": "翠竹契约建团测试团支部", "branch_type": "branch", "member_count": 5,
                             "founded_on": date.today()}), officer)
    create_snapshot(None, 2022, as_of=date(2022, 6, 30), street_id=street("翠竹").id)
    CURRENT["secret"] = tokens.create_token(officer, "schemathesis", write=True).secret
    return {"codes": [visited.credit_code, founded.credit_code]}


def published_description() -> dict:
    """The description an app serves (it needs no database). Read once, at collection: schemathesis's
    lazy fixture loader does not run under this pytest, so the requests go to each test's own app."""
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "x" * 32})
    return app.test_client().get("/api/v1/openapi.json").get_json()


#: A request the schema allows may still name a street or district that does not exist, or an as-of
#: date outside the year (400, as the README says of the API), or ask for a step the status machine
#: refuses, such as a visit dated after today (422): schema-valid data answered by those is accepted.
CONFIG = schemathesis.Config.from_dict({"checks": {"positive_data_acceptance": {
    "expected-statuses": ["2xx", "400", "401", "403", "404", "409", "422", "429"]}}})

schema = schemathesis.openapi.from_dict(published_description(), config=CONFIG)

#: the token of the running test (its own database), set by the ``api_world`` fixture
CURRENT: dict[str, str] = {}
#: what the auth provider puts on a case (some cases are made at collection, before any test has a
#: token); the test swaps it for the running test's token just before the call
PLACEHOLDER = "Bearer the-running-tests-token"


@schema.auth(refresh_interval=None)
class BearerToken:
    """The bearer token as the schema's auth, so that the requests schemathesis sends without one on
    purpose (expecting 401) stay without one."""

    def get(self, case, context):
        return PLACEHOLDER

    def set(self, case, data, context):
        case.headers = {**(case.headers or {}), "Authorization": data}


def test_the_description_is_the_one_served(client):
    assert client.get("/api/v1/openapi.json").get_json() == published_description()


@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_conforms_to_its_openapi_description(case, app, api_world):
    case.operation.schema.app = app  # this test's app, with its own database
    code = (case.path_parameters or {}).get("credit_code")
    if code is not None and len(code) % 2 == 0:  # half the cases name a real organisation of the street
        case.path_parameters["credit_code"] = api_world["codes"][len(code) % 4 // 2]
    if (case.headers or {}).get("Authorization") == PLACEHOLDER:
        case.headers["Authorization"] = f"Bearer {CURRENT['secret']}"
    case.call_and_validate(app=app)
