"""apply_transition: revert rules, StatusEvent in the same transaction, optimistic locking."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from orgbuild import audit
from orgbuild.campaign import actions
from orgbuild.domain import rules
from orgbuild.extensions import db
from orgbuild.models import Branch, Onboarding, Organization, StatusEvent, Visit
from tests.conftest import login
from tests.flows import count, establish, onboard, snapshot, step_form, visit


@pytest.fixture
def people(make_user):
    """An officer and a supervisor of 翠竹."""
    return make_user("cuizhu1", streets=["翠竹"]), make_user("boss", role="supervisor")


def test_officer_cannot_revert(client, people, make_org):
    officer, _ = people
    org = make_org()
    visit(org, officer)
    login(client, "cuizhu1")
    before = snapshot(org.id)
    assert f"/orgs/{org.id}/step/revert" not in client.get(f"/orgs/{org.id}").text
    page = client.get(f"/orgs/{org.id}/step/revert", follow_redirects=True)
    assert "您无权对该组织执行此操作" in page.text
    response = client.post(f"/orgs/{org.id}/step/revert", data=step_form(org, **{"reason": "录错了"}))
    assert "您无权对该组织执行此操作" in response.text
    assert snapshot(org.id) == before


def test_supervisor_revert_needs_a_reason(client, people, make_org):
    officer, _ = people
    org = make_org()
    visit(org, officer)
    login(client, "boss")
    before = snapshot(org.id)
    response = client.post(f"/orgs/{org.id}/step/revert", data=step_form(org, **{"reason": "  "}))
    assert "撤回须填写原因" in response.text
    assert snapshot(org.id) == before


def test_revert_goes_back_exactly_one_step_and_marks_records_reverted(client, people, make_org):
    officer, _ = people
    org = make_org()
    visit(org, officer)
    establish(org, officer)
    onboard(org, officer)
    login(client, "boss")
    client.post(f"/orgs/{org.id}/step/revert", data=step_form(org, **{"reason": "编码填错"}))
    db.session.expire_all()
    org = db.session.get(Organization, org.id)
    assert org.status == "established"
    assert org.onboarding is None and count(Onboarding, organization_id=org.id, reverted=True) == 1
    assert org.branch is not None  # the founding still stands
    event = db.session.scalars(select(StatusEvent).where(StatusEvent.organization_id == org.id).order_by(StatusEvent.id.desc())).first()
    assert (event.transition, event.from_status, event.to_status, event.reason) == ("revert", "onboarded", "established", "编码填错")

    client.post(f"/orgs/{org.id}/step/revert", data=step_form(org, **{"reason": "批复未下达"}))
    db.session.expire_all()
    org = db.session.get(Organization, org.id)
    assert org.status == "visited"
    assert org.branch is None and count(Branch, organization_id=org.id, reverted=True) == 1
    assert count(Visit, organization_id=org.id) == 1  # visits are history, not reverted

    client.post(f"/orgs/{org.id}/step/revert", data=step_form(org, **{"reason": "走访记录录错组织"}))
    db.session.expire_all()
    assert db.session.get(Organization, org.id).status == "surveyed"
    assert "当前状态为“已摸排”，不能撤回一步" in client.post(f"/orgs/{org.id}/step/revert", data=step_form(org, **{"reason": "再撤"}), follow_redirects=True).text


def test_refounding_after_a_revert(people, make_org):
    officer, supervisor = people
    org = make_org()
    visit(org, officer)
    establish(org, officer, name="第一次")
    actions.apply_transition(org, actions.TransitionRequest("revert", reason="名称错误"), supervisor)
    establish(org, officer, name="第二次")
    db.session.expire_all()
    org = db.session.get(Organization, org.id)
    assert org.status == "established" and org.branch.name == "第二次"


def test_revert_of_direct_onboarding_goes_back_to_where_it_came_from(people, make_org):
    officer, supervisor = people
    org = make_org(has_league_org=True)
    onboard(org, officer)
    actions.apply_transition(org, actions.TransitionRequest("revert", reason="重复入驻"), supervisor)
    assert org.status == "surveyed"


def test_status_event_is_in_the_same_transaction(people, make_org, monkeypatch):
    officer, _ = people
    org = make_org()
    before = snapshot(org.id)

    def broken(*args, **kwargs):
        raise RuntimeError("injected failure after the status change")

    monkeypatch.setattr(audit, "record", broken)
    with pytest.raises(RuntimeError):
        visit(org, officer)
    assert snapshot(org.id) == before
    assert count(StatusEvent) == 0 and count(Visit) == 0
    monkeypatch.undo()
    visit(org, officer)
    assert snapshot(org.id)["status"] == "visited" and count(StatusEvent) == 1


def test_failure_at_commit_leaves_the_old_status(people, make_org, monkeypatch):
    officer, _ = people
    org = make_org()
    visit(org, officer)
    before = snapshot(org.id)
    real_commit = db.session.commit

    def failing_commit():
        db.session.flush()
        raise RuntimeError("disk full")

    monkeypatch.setattr(db.session, "commit", failing_commit, raising=False)
    with pytest.raises(RuntimeError):
        establish(org, officer)
    monkeypatch.setattr(db.session, "commit", real_commit, raising=False)
    assert snapshot(org.id) == before


def test_a_stale_form_is_a_conflict_and_writes_nothing(people, make_org):
    officer, _ = people
    org = make_org()
    version = org.version
    visit(org, officer)
    before = snapshot(org.id)
    request = actions.TransitionRequest("mark_ineligible", reason="x", expected_version=version)
    with pytest.raises(actions.Conflict):
        actions.apply_transition(org, request, officer)
    assert snapshot(org.id) == before


def test_refusal_raises_service_error_with_messages(people, make_org):
    officer, _ = people
    org = make_org(has_party_org=False)
    with pytest.raises(actions.ServiceError) as error:
        visit(org, officer)
    assert error.value.messages == ["该组织未建立党组织：本次走访针对已建党组织"]
    assert count(StatusEvent) == 0


def test_allowed_events_follow_machine_and_role(people, make_org):
    officer, supervisor = people
    org = make_org()
    visit(org, officer)
    assert actions.allowed_events(org, officer) == ["record_visit", "establish", "mark_ineligible", "close"]
    assert actions.allowed_events(org, supervisor) == ["record_visit", "establish", "mark_ineligible", "close", "revert"]


def test_today_is_the_users_day_not_the_servers(app, people, make_org):
    officer, _ = people
    app.config["BABEL_DEFAULT_TIMEZONE"] = "Pacific/Kiritimati"  # UTC+14: usually a day ahead of the server
    org = make_org()
    local = rules.today_in("Pacific/Kiritimati")
    assert actions.local_today() == local
    actions.apply_transition(org, actions.TransitionRequest("record_visit", visit_date=local, outcome="willing"), officer)
    assert org.status == "visited"


def test_survey_service_refuses_huge_counts(people):
    officer, _ = people
    from tests.conftest import credit_code, street

    data = actions.SurveyData(credit_code=credit_code(), name="某公司", street_id=street("翠竹").id, employees=10**15)
    with pytest.raises(actions.ServiceError) as error:
        actions.create_organization(data, officer)
    assert error.value.errors == [("employees", "数值过大：不能超过1000000")]
