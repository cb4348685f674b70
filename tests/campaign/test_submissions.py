"""Nothing recorded twice, nothing lost: submission keys, the mandatory version, conflicts that follow meaning."""
from __future__ import annotations

import pytest

from orgbuild.campaign import actions
from orgbuild.extensions import db
from orgbuild.models import Organization, StatusEvent, Submission, Visit
from tests.conftest import login
from tests.flows import TODAY, count, establish, snapshot, step_form, visit


@pytest.fixture
def officer(make_user, client):
    """An officer of 翠竹, signed in."""
    user = make_user("cuizhu1", streets=["翠竹"])
    login(client, "cuizhu1")
    return user


VISIT = {"visit_date": TODAY.isoformat(), "outcome": "willing", "notes": "书记同意下周开会"}
FOUNDING = {"name": "测试团支部", "branch_type": "branch", "member_count": "5", "founded_on": TODAY.isoformat()}
ONBOARDING = {"onboarded_on": TODAY.isoformat(), "platform_code": "440303000777"}


@pytest.mark.parametrize("event, fields, prepare", [
    ("record_visit", VISIT, []),
    ("establish", FOUNDING, [visit]),
    ("onboard", ONBOARDING, [visit, establish]),
])
def test_a_resubmitted_form_changes_nothing(client, officer, make_org, event, fields, prepare):
    """Back-then-resubmit: the second POST of the same form answers the first result and writes nothing."""
    org = make_org()
    for step in prepare:
        step(org, officer)
    form = step_form(org, **fields)
    first = client.post(f"/orgs/{org.id}/step/{event}", data=form, follow_redirects=True)
    assert "已完成：" in first.text
    after_first = snapshot(org.id)
    second = client.post(f"/orgs/{org.id}/step/{event}", data=form, follow_redirects=True)
    assert second.status_code == 200 and "该表单已提交过，本次未重复登记" in second.text
    assert snapshot(org.id) == after_first
    assert count(Submission, organization_id=org.id, transition=event) == 1


@pytest.mark.parametrize("missing", ["version", "submission_key"])
def test_a_step_post_without_version_or_key_is_refused(client, officer, make_org, missing):
    org = make_org()
    before = snapshot(org.id)
    form = step_form(org, **VISIT)
    del form[missing]
    response = client.post(f"/orgs/{org.id}/step/record_visit", data=form)
    assert response.status_code == 400
    assert "表单缺少版本信息或提交编号，未保存。请核对后再次提交" in response.text
    assert "书记同意下周开会" in response.text  # what was typed is kept
    assert snapshot(org.id) == before


def test_a_survey_edit_without_version_is_refused(client, officer, make_org):
    org = make_org()
    before = snapshot(org.id)
    response = client.post(f"/orgs/{org.id}/edit", data={"name": "改了名字", "credit_code": org.credit_code,
                                                         "street_id": str(org.street_id)})
    assert response.status_code == 400 and "表单缺少版本信息，未保存。请核对后再次提交" in response.text
    assert snapshot(org.id) == before


def test_a_visit_after_an_unrelated_survey_edit_is_accepted(client, officer, make_org):
    """The visit form was opened, then the contact phone was edited in another tab: the visit still saves."""
    org = make_org()
    form = step_form(org, **VISIT)
    edit = {"name": org.name, "credit_code": org.credit_code, "street_id": str(org.street_id),
            "has_party_org": "y", "contact_phone": "13900001111", "version": str(org.version)}
    assert client.post(f"/orgs/{org.id}/edit", data=edit).status_code == 302
    response = client.post(f"/orgs/{org.id}/step/record_visit", data=form, follow_redirects=True)
    assert "已完成：登记走访" in response.text
    db.session.expire_all()
    org = db.session.get(Organization, org.id)
    assert (org.status, org.contact_phone) == ("visited", "13900001111")
    assert count(Visit, organization_id=org.id) == 1


def test_a_real_conflict_shows_both_states_and_keeps_the_typed_values(client, officer, make_org, make_user):
    """A founding form opened, then someone else marks the organisation ineligible: refused with both states."""
    org = make_org()
    visit(org, officer)
    form = step_form(org, **{**FOUNDING, "secretary": "王小明"})
    actions.apply_transition(org, actions.TransitionRequest("mark_ineligible", reason="已迁出本区"),
                             make_user("cuizhu2", streets=["翠竹"]))
    before = snapshot(org.id)
    response = client.post(f"/orgs/{org.id}/step/establish", data=form)
    assert response.status_code == 409
    assert "该组织在您打开表单后有了变化，本次未保存。" in response.text
    assert "已走访" in response.text and "不符合条件" in response.text  # the state then and now
    assert "王小明" in response.text
    assert snapshot(org.id) == before
    assert count(Submission, organization_id=org.id) == 0


def test_a_key_is_bound_to_its_person_organisation_and_step(officer, make_org):
    """A key already used for one organisation cannot replay a result onto another one."""
    first, second = make_org(), make_org()
    key = actions.new_submission_key()
    request = actions.TransitionRequest("record_visit", visit_date=TODAY, outcome="willing", submission_key=key)
    actions.apply_transition(first, request, officer)
    before = snapshot(second.id)
    reused = actions.TransitionRequest("record_visit", visit_date=TODAY, outcome="willing", submission_key=key)
    with pytest.raises(actions.ServiceError, match="提交编号无效"):
        actions.apply_transition(second, reused, officer)
    assert snapshot(second.id) == before
    again = actions.TransitionRequest("record_visit", visit_date=TODAY, outcome="willing", submission_key=key)
    event = actions.apply_transition(first, again, officer)
    assert again.replayed and event.id == db.session.scalar(
        db.select(StatusEvent.id).where(StatusEvent.organization_id == first.id))
    assert count(Visit, organization_id=first.id) == 1


def test_the_same_visit_from_a_reloaded_form_is_recorded_once(client, officer, make_org):
    """Going back re-loads the form (pages are not cached) with a new key but the typed values restored:
    the identical visit is answered as already recorded, not written twice."""
    org = make_org()
    assert "已完成：" in client.post(f"/orgs/{org.id}/step/record_visit", data=step_form(org, **VISIT),
                                    follow_redirects=True).text
    db.session.expire_all()
    again = client.post(f"/orgs/{org.id}/step/record_visit", data=step_form(org, **VISIT), follow_redirects=True)
    assert "该表单已提交过，本次未重复登记" in again.text
    assert count(Visit, organization_id=org.id) == 1
    other = client.post(f"/orgs/{org.id}/step/record_visit",
                        data=step_form(org, **{**VISIT, "notes": "第二次上门，书记出差"}), follow_redirects=True)
    assert "已完成：登记走访" in other.text and count(Visit, organization_id=org.id) == 2
