"""Step dates are bounded on every path: none before the configurable campaign start
(ORGBUILD_CAMPAIGN_START, default 2000-01-01), none after today — through the step forms (visit,
founding with its application, approval and election dates, onboarding), the API and the offline
queue; a refusal writes nothing and says which date and why."""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from orgbuild.models import Visit
from tests.api.conftest import streets, token_of  # noqa: F401 (fixtures)
from tests.api.test_api import post_visit, visit_body, visits_of
from tests.conftest import login
from tests.flows import TODAY, count, establish, snapshot, step_form, visit

LATE_START = date(2022, 1, 1)


@pytest.fixture
def officer(make_user, client):
    user = make_user("cuizhu1", streets=["翠竹"])
    login(client, "cuizhu1")
    return user


def post_step(client, org, step, **values):
    return client.post(f"/orgs/{org.id}/step/{step}", data=step_form(org, **values))


@pytest.mark.app_config(CAMPAIGN_START=LATE_START)
def test_the_campaign_start_is_a_setting(client, officer, make_org):
    org = make_org()
    before = snapshot(org.id)
    refused = post_step(client, org, "record_visit", visit_date="2021-12-31", outcome="willing")
    assert "走访日期不能早于2022-01-01" in refused.text and snapshot(org.id) == before
    accepted = post_step(client, org, "record_visit", visit_date=LATE_START.isoformat(), outcome="willing")
    assert accepted.status_code == 302 and count(Visit, organization_id=org.id) == 1


def test_an_election_dated_tomorrow_is_refused(client, officer, make_org):
    org = make_org()
    visit(org, officer)
    before = snapshot(org.id)
    response = post_step(client, org, "establish", name="测试团支部", branch_type="branch", member_count="5",
                         founded_on=TODAY.isoformat(), secretary="张三", term_years="3",
                         election_date=(TODAY + timedelta(days=1)).isoformat())
    assert "选举日期不能晚于今天" in response.text and snapshot(org.id) == before


@pytest.mark.parametrize("day,message", [("1900-01-01", "入驻日期不能早于2000-01-01"),
                                         ((TODAY + timedelta(days=1)).isoformat(), "入驻日期不能晚于今天")])
def test_an_onboarding_out_of_the_campaign_is_refused(client, officer, make_org, day, message):
    org = make_org()
    visit(org, officer)
    establish(org, officer)
    before = snapshot(org.id)
    response = post_step(client, org, "onboard", onboarded_on=day, platform_code="44030300009")
    assert message in response.text and snapshot(org.id) == before


@pytest.mark.parametrize("day", ["1900-01-01", (TODAY + timedelta(days=1)).isoformat()])
def test_the_api_refuses_a_visit_out_of_the_campaign(client, streets, token_of, day):  # noqa: F811
    org = streets["org_a"]
    response = post_visit(client, org, token_of(streets["officer_a"], write=True), body=visit_body(visit_date=day))
    assert response.status_code in (400, 422) and "走访日期" in response.get_data(as_text=True)
    assert visits_of(org) == 0


def test_the_offline_queue_gets_the_reason_for_a_visit_dated_1900(client, officer, make_org):
    org = make_org()
    form = step_form(org, visit_date="1900-01-01", outcome="considering", met_with="前台")
    response = client.post(f"/orgs/{org.id}/visits/sync", data=form, headers={"Accept": "application/json"})
    assert response.status_code == 422 and response.json["message"] == "走访日期不能早于2000-01-01"
    assert count(Visit, organization_id=org.id) == 0
