"""Conflicts follow meaning on the survey form: edits of different fields in two tabs merge, two
edits of the same field conflict (both versions shown, what was typed kept ready to re-apply), and
an edit form opened before a visit still saves."""
from __future__ import annotations

import html
import re

import pytest

from orgbuild.extensions import db
from orgbuild.models import AuditEvent, Organization
from tests.conftest import login
from tests.flows import TODAY, step_form, visit
from tests.security.test_concurrent_edits import conflict_form


@pytest.fixture
def officer(make_user, client):
    user = make_user("cuizhu1", streets=["翠竹"])
    login(client, "cuizhu1")
    return user


def opened_form(client, org, **changes) -> dict:
    """The edit form as a tab opened it now (with its hidden version and opened values), then edited."""
    page = client.get(f"/orgs/{org.id}/edit").text
    hidden = {name: html.unescape(value) for name, value in
              re.findall(r'<input[^>]*name="(version|opened_values)"[^>]*value="([^"]*)"', page)}
    assert set(hidden) == {"version", "opened_values"}, "the form carries what it was opened with"
    data = {
        "name": org.name, "credit_code": org.credit_code, "street_id": str(org.street_id),
        "employees": str(org.employees or ""), "league_members": str(org.league_members or ""),
        "youth_count": str(org.youth_count or ""),
        "has_party_org": "y" if org.has_party_org else "", "contact_person": org.contact_person or "",
        "contact_phone": org.contact_phone or "", "address": org.address or "",
        "surveyed_on": org.surveyed_on.isoformat() if org.surveyed_on else "", **hidden,
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v != ""}


def current(org_id: int) -> Organization:
    db.session.expire_all()
    return db.session.get(Organization, org_id)


def test_edits_of_different_fields_in_two_tabs_merge(client, officer, make_org):
    org = make_org(contact_phone="0755-1000", employees=50)
    tab_a = opened_form(client, org, contact_phone="13900001111")
    tab_b = opened_form(client, org, employees="60")
    assert client.post(f"/orgs/{org.id}/edit", data=tab_a).status_code == 302
    saved = client.post(f"/orgs/{org.id}/edit", data=tab_b, follow_redirects=True)
    assert saved.status_code == 200 and "已保存（1项修改）" in saved.text
    org = current(org.id)
    assert (org.contact_phone, org.employees) == ("13900001111", 60)  # neither edit lost
    changes = [e.changes for e in db.session.scalars(
        db.select(AuditEvent).where(AuditEvent.action == "update").order_by(AuditEvent.id))]
    assert changes == [{"contact_phone": ["0755-1000", "13900001111"]}, {"employees": [50, 60]}]


def test_two_edits_of_the_same_field_conflict_show_both_and_keep_what_was_typed(client, officer, make_org):
    org = make_org(contact_person="原联系人", employees=50)
    tab_a = opened_form(client, org, contact_person="李四")
    tab_b = opened_form(client, org, contact_person="张三", employees="70")
    assert client.post(f"/orgs/{org.id}/edit", data=tab_a).status_code == 302
    response = client.post(f"/orgs/{org.id}/edit", data=tab_b)
    assert response.status_code == 409
    page = response.text
    assert "修改冲突" in page and "张三" in page and "李四" in page
    table = page[page.index("<tbody>"):page.index("</tbody>")]
    assert "联系人" in table and "从业人员数" not in table, "only the field both changed is listed"
    org = current(org.id)
    assert (org.contact_person, org.employees) == ("李四", 50), "nothing of the second tab was saved"
    reapply = conflict_form(page)
    assert reapply["contact_person"] == "张三" and reapply["employees"] == "70"
    assert client.post(f"/orgs/{org.id}/edit", data=reapply).status_code == 302
    org = current(org.id)
    assert (org.contact_person, org.employees) == ("张三", 70)


def test_the_same_change_in_two_tabs_is_no_conflict(client, officer, make_org):
    org = make_org(contact_phone="0755-1000")
    tab_a = opened_form(client, org, contact_phone="13900001111")
    tab_b = opened_form(client, org, contact_phone="13900001111")
    assert client.post(f"/orgs/{org.id}/edit", data=tab_a).status_code == 302
    again = client.post(f"/orgs/{org.id}/edit", data=tab_b, follow_redirects=True)
    assert again.status_code == 200 and "没有修改" in again.text


def test_an_edit_form_opened_before_a_visit_still_saves(client, officer, make_org):
    """The survey form was open in one tab, a visit was recorded in another: the edit saves, the visit stays."""
    org = make_org(contact_phone="0755-1000")
    edit = opened_form(client, org, contact_phone="13900002222")
    assert client.post(f"/orgs/{org.id}/step/record_visit",
                       data=step_form(org, visit_date=TODAY.isoformat(), outcome="willing")).status_code == 302
    assert client.post(f"/orgs/{org.id}/edit", data=edit).status_code == 302
    org = current(org.id)
    assert (org.status, org.contact_phone) == ("visited", "13900002222")


@pytest.mark.parametrize("opened", [None, "不是JSON", "[1, 2]", '{"name": "缺字段"}'])
def test_a_stale_form_that_cannot_say_what_it_was_opened_with_is_a_conflict(client, officer, make_org, opened):
    org = make_org(contact_phone="0755-1000")
    form = opened_form(client, org, contact_phone="13900003333")
    if opened is None:
        del form["opened_values"]
    else:
        form["opened_values"] = opened
    visit(org, officer)  # a newer version
    response = client.post(f"/orgs/{org.id}/edit", data=form)
    assert response.status_code == 409
    assert current(org.id).contact_phone == "0755-1000"
