"""An officer sees and changes only the organisations of their streets: list, page, and POSTs."""
from __future__ import annotations

import pytest

from orgbuild.extensions import db
from orgbuild.models import Organization
from tests.conftest import login, street
from tests.flows import TODAY, snapshot, step_form


@pytest.fixture
def setting(make_user, make_org, client):
    """An officer of 翠竹 signed in; one organisation in 翠竹 and one in 桂园."""
    make_user("cuizhu1", streets=["翠竹"])
    mine = make_org("翠竹", name="翠竹本街道有限公司")
    theirs = make_org("桂园", name="桂园外街道有限公司")
    login(client, "cuizhu1")
    return mine, theirs


def test_list_shows_only_my_streets(client, setting):
    page = client.get("/orgs/").text
    assert "翠竹本街道有限公司" in page and "桂园外街道有限公司" not in page
    assert "共 1 家" in page
    other = client.get(f"/orgs/?street={street('桂园').id}").text
    assert "桂园外街道有限公司" not in other and "共 0 家" in other
    assert "桂园外街道有限公司" not in client.get("/orgs/?q=桂园外").text


def test_followups_show_only_my_streets(client, setting):
    page = client.get("/followups").text
    assert "翠竹本街道有限公司" in page and "桂园外街道有限公司" not in page


@pytest.mark.parametrize("path", ["", "/edit", "/step/record_visit", "/step/mark_ineligible", "/step/close"])
def test_pages_of_another_street_are_404(client, setting, path):
    _, theirs = setting
    assert client.get(f"/orgs/{theirs.id}{path}").status_code == 404


def test_posts_to_another_streets_organisation_are_404_and_change_nothing(client, setting):
    _, theirs = setting
    before = snapshot(theirs.id)
    edit = {"name": "改名", "credit_code": theirs.credit_code, "street_id": str(street("翠竹").id), "version": "1"}
    assert client.post(f"/orgs/{theirs.id}/edit", data=edit).status_code == 404
    visit = {"visit_date": TODAY.isoformat(), "outcome": "willing"}
    assert client.post(f"/orgs/{theirs.id}/step/record_visit", data=step_form(theirs, **visit)).status_code == 404
    assert client.post(f"/orgs/{theirs.id}/step/close", data=step_form(theirs, **{"reason": "迁出"})).status_code == 404
    assert snapshot(theirs.id) == before


def test_cannot_move_an_organisation_into_another_street(client, setting):
    mine, _ = setting
    before = snapshot(mine.id)
    edit = {"name": mine.name, "credit_code": mine.credit_code, "street_id": str(street("桂园").id), "version": str(mine.version)}
    response = client.post(f"/orgs/{mine.id}/edit", data=edit)
    assert response.status_code == 200
    db.session.expire_all()
    assert db.session.get(Organization, mine.id).street_id == street("翠竹").id
    assert snapshot(mine.id) == before


def test_officer_without_streets_sees_nothing(client, make_user, make_org):
    make_user("nobody")
    org = make_org("翠竹", name="某有限公司")
    login(client, "nobody")
    assert "某有限公司" not in client.get("/orgs/").text
    assert client.get(f"/orgs/{org.id}").status_code == 404


def test_supervisor_sees_the_whole_district(client, make_user, setting):
    client.post("/logout")
    make_user("boss", role="supervisor")
    login(client, "boss")
    page = client.get("/orgs/").text
    assert "翠竹本街道有限公司" in page and "桂园外街道有限公司" in page
    _, theirs = setting
    assert client.get(f"/orgs/{theirs.id}").status_code == 200


def test_signed_out_visitors_are_sent_to_sign_in(app, setting):
    anonymous = app.test_client()
    _, theirs = setting
    assert anonymous.get(f"/orgs/{theirs.id}").status_code == 302
    assert anonymous.get("/orgs/").headers["Location"].startswith("/login")


def test_officer_filter_lists_only_officers_of_my_streets(client, make_user):
    """A street officer's list page offers only the officers who share a street with them."""
    make_user("officer_cz", "officer", ["翠竹"])
    make_user("officer_cz2", "officer", ["翠竹", "笋岗"])
    make_user("officer_gy", "officer", ["桂园"])
    login(client, "officer_cz")
    page = client.get("/orgs/").get_data(as_text=True)
    assert "officer_cz2" in page and "officer_gy" not in page
