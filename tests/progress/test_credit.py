"""Credit for who did the work (progress/credit.py): visits by their officer, foundings and onboardings
by the user who recorded them, as of a date; shown on the dashboard beside the responsible officer's."""
from __future__ import annotations

from datetime import timedelta

from orgbuild.progress import credit as progress_credit
from orgbuild.progress.scope import Scope
from tests.conftest import TODAY, login
from tests.flows import establish, onboard, visit


def test_a_founding_is_credited_to_the_user_who_recorded_it(app, client, make_user, make_org):
    responsible = make_user("resp", "officer", ["翠竹"])
    helper = make_user("helper", "officer", ["翠竹"])
    make_user("boss", "supervisor")
    org = make_org("翠竹", officer=responsible)
    unassigned = make_org("翠竹")
    visit(org, helper)
    establish(org, helper)
    visit(unassigned, responsible)
    rows = {r["user"]: r for r in progress_credit.credit(Scope(), TODAY.year, TODAY)}
    assert rows["helper"] == {"user_id": helper.id, "user": "helper", "visits": 1, "orgs_visited": 1,
                              "established": 1, "onboarded": 0}
    assert rows["resp"]["visits"] == 1 and rows["resp"]["established"] == 0
    onboard(org, responsible)
    rows = {r["user"]: r for r in progress_credit.credit(Scope(), TODAY.year, TODAY)}
    assert rows["resp"]["onboarded"] == 1
    # as of the day before, none of it had happened
    assert progress_credit.credit(Scope(), TODAY.year, TODAY - timedelta(days=1)) == []
    login(client, "boss")
    page = client.get("/dashboard/").get_data(as_text=True)
    assert "credit-table" in page and "按现在的负责团干" in page


def test_credit_is_limited_to_the_scope(app, make_user, make_org):
    here = make_user("here", "officer", ["翠竹"])
    there = make_user("there", "officer", ["桂园"])
    visit(make_org("翠竹"), here)
    visit(make_org("桂园"), there)
    assert [r["user"] for r in progress_credit.credit(Scope(user=here), TODAY.year, TODAY)] == ["here"]
