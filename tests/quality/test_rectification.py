"""Rectification (整顿) of weak or warned branches: opened by a supervisor with items, an officer and a
deadline; closed with a note; overdue ones in the follow-ups; every change audited; refusals write nothing."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from orgbuild.campaign.actions import ServiceError
from orgbuild.extensions import db
from orgbuild.models import AuditEvent, RectificationTask
from orgbuild.progress.scope import Scope
from orgbuild.quality import grading, rectification, service
from tests.conftest import login
from tests.flows import TODAY, count, establish, visit


@pytest.fixture
def quiet(app, make_user, make_org):
    """A 翠竹 branch founded 200 days ago with no organisational life (warned), its officer, another
    street's officer, a supervisor."""
    officer = make_user("officer_a", "officer", ["翠竹"])
    make_user("officer_b", "officer", ["桂园"])
    supervisor = make_user("supervisor", "supervisor")
    org = make_org("翠竹", name="翠竹沉寂科技有限公司")
    visit(org, officer)
    establish(org, officer, founded_on=TODAY - timedelta(days=200), secretary="李书记")
    return org, officer, supervisor


def _data(officer, days=30, items="每月召开一次支部委员会\n三个月内开展主题团日"):
    return rectification.TaskData(items, officer.id, TODAY + timedelta(days=days))


def test_a_warned_branch_gets_a_task_and_closing_needs_a_note(quiet):
    org, officer, supervisor = quiet
    assert rectification.reasons_for(org) == ["长期未开展组织生活"]
    with pytest.raises(ServiceError, match="只有团区委"):
        rectification.open_task(org, _data(officer), officer)
    task = rectification.open_task(org, _data(officer), supervisor)
    assert task.item_list == ["每月召开一次支部委员会", "三个月内开展主题团日"] and task.officer_id == officer.id
    with pytest.raises(ServiceError, match="已有未完成的整顿任务"):
        rectification.open_task(org, _data(officer), supervisor)
    with pytest.raises(ServiceError) as refused:
        rectification.close_task(task, "  ", officer)
    assert refused.value.messages == ["请填写整顿完成情况"]
    rectification.close_task(task, "已恢复每月组织生活", officer)
    assert task.closed_on == TODAY and task.closed_by_id == officer.id
    with pytest.raises(ServiceError, match="已于"):
        rectification.close_task(task, "再次", supervisor)
    assert [e.summary.split(":")[0] for e in db.session.scalars(
        select(AuditEvent).where(AuditEvent.object_type == "rectification").order_by(AuditEvent.id))] == \
        ["rectification", "rectification closed " + TODAY.isoformat()]


def test_refusals_say_why_and_write_nothing(quiet, make_org, make_user):
    org, officer, supervisor = quiet
    other_officer = make_user("officer_c", "officer", ["桂园"])
    cases = [
        (rectification.TaskData("", officer.id, TODAY + timedelta(days=5)), "items"),
        (rectification.TaskData("整改", other_officer.id, TODAY + timedelta(days=5)), "officer_id"),
        (rectification.TaskData("整改", officer.id, TODAY), "deadline"),
        (rectification.TaskData("整改", officer.id, TODAY + timedelta(days=400)), "deadline"),
        (rectification.TaskData("整改", officer.id, None), "deadline"),
    ]
    for data, field in cases:
        with pytest.raises(ServiceError) as refused:
            rectification.open_task(org, data, supervisor)
        assert [f for f, _ in refused.value.errors] == [field], data
    # a lively branch with members and a secretary has no warning: no task
    service.log_activity(org, service.ActivityData("theme_day", TODAY, 9), officer)
    with pytest.raises(ServiceError, match="无需整顿"):
        rectification.open_task(org, _data(officer), supervisor)
    assert count(RectificationTask) == 0 and count(AuditEvent, object_type="rectification") == 0


def test_a_weak_grade_calls_for_rectification(quiet):
    org, officer, supervisor = quiet
    service.log_activity(org, service.ActivityData("theme_day", TODAY, 9), officer)
    year = TODAY.year + 1
    weak = grading.rules.Scores(12, 12, 12, 12, 11)
    grading.apply_grading(org, year, grading.GradingRequest("self_assess", weak), officer)
    grading.apply_grading(org, year, grading.GradingRequest("confirm", weak), supervisor)
    assert rectification.reasons_for(org) == ["定级为后进或软弱涣散"]
    assert rectification.open_task(org, _data(officer), supervisor).reason == "定级为后进或软弱涣散"


def test_overdue_tasks_appear_in_the_officers_follow_ups(app, quiet):
    org, officer, supervisor = quiet
    task = rectification.open_task(org, _data(officer), supervisor)
    assert rectification.overdue_tasks(officer) == []
    later = task.deadline + timedelta(days=3)
    assert rectification.overdue_tasks(officer, later) == [task]
    assert rectification.overdue_tasks(supervisor, later) == [task]
    other = db.session.scalar(select(type(officer)).where(type(officer).username == "officer_b"))
    assert rectification.overdue_tasks(other, later) == []
    task.deadline = TODAY - timedelta(days=2)  # as if it had run out
    db.session.commit()
    client = app.test_client()
    login(client, "officer_a")
    text = client.get("/followups").get_data(as_text=True)
    assert "逾期整顿任务" in text and "翠竹沉寂科技有限公司" in text and "已逾期2天" in text
    # the quality figures count it open and overdue
    figures = grading.quality_figures(Scope(), TODAY.year, TODAY)
    assert figures["rectifications_open"] == 1 and figures["rectifications_overdue"] == 1
    rectification.close_task(task, "已整改到位", officer)
    assert "逾期整顿任务" not in client.get("/followups").get_data(as_text=True)
    assert grading.quality_figures(Scope(), TODAY.year, TODAY)["rectifications_open"] == 0


def test_the_web_pages(app, quiet):
    org, officer, supervisor = quiet
    client = app.test_client()
    login(client, "supervisor")
    page = client.get(f"/quality/orgs/{org.id}/rectification").get_data(as_text=True)
    assert "长期未开展组织生活" in page and "下达整顿任务" in page
    bad = client.post(f"/quality/orgs/{org.id}/rectification", data={"items": "整改", "officer_id": str(officer.id),
                                                                      "deadline": TODAY.isoformat()})
    assert bad.status_code == 400 and "整顿期限须晚于今天" in bad.get_data(as_text=True)
    done = client.post(f"/quality/orgs/{org.id}/rectification", data={
        "items": "补选书记\n开展团课", "officer_id": str(officer.id),
        "deadline": (TODAY + timedelta(days=60)).isoformat()}, follow_redirects=True)
    assert done.status_code == 200 and "补选书记" in done.get_data(as_text=True)
    task = db.session.scalar(select(RectificationTask))
    officer_client = app.test_client()
    login(officer_client, "officer_a")
    assert officer_client.post(f"/quality/orgs/{org.id}/rectification", data={}).status_code == 403
    empty = officer_client.post(f"/quality/rectifications/{task.id}", data={"note": ""})
    assert empty.status_code == 400 and "请填写整顿完成情况" in empty.get_data(as_text=True)
    closed = officer_client.post(f"/quality/rectifications/{task.id}", data={"note": "已补选书记"}, follow_redirects=True)
    assert "整顿任务已完成" in closed.get_data(as_text=True)
    other = app.test_client()
    login(other, "officer_b")
    assert other.get(f"/quality/rectifications/{task.id}").status_code == 404
    assert other.get(f"/quality/orgs/{org.id}/rectification").status_code == 404


def test_an_officer_handover_moves_their_open_rectification_tasks_audited(quiet, make_user, make_org):
    from orgbuild.assignment import service as assignment
    org, officer, supervisor = quiet
    heir = make_user("officer_heir", "officer", ["翠竹"])
    task = rectification.open_task(org, _data(officer), supervisor)
    other = make_org("翠竹", name="翠竹已整顿商贸有限公司")
    visit(other, officer)
    establish(other, officer, founded_on=TODAY - timedelta(days=200), secretary="王书记")
    done = rectification.open_task(other, _data(officer), supervisor)
    rectification.close_task(done, "已整顿", officer)
    assert assignment.open_tasks_of(officer) == [task]
    assignment.handover(officer, heir, actor=supervisor)
    db.session.expire_all()
    assert not officer.active
    assert task.officer_id == heir.id and done.officer_id == officer.id  # a closed task keeps its record
    row = db.session.scalar(select(AuditEvent).where(AuditEvent.object_type == "rectification",
                                                     AuditEvent.object_id == task.id, AuditEvent.action == "update"))
    assert row.changes["officer"] == ["officer_a", "officer_heir"] and row.user_id == supervisor.id
    assert [t.id for t in rectification.overdue_tasks(heir, today=TODAY + timedelta(days=31))] == [task.id]
    rectification.close_task(task, "接手后已整顿", heir)
    assert task.closed_by_id == heir.id


def test_an_officer_with_an_open_task_is_not_deactivated_without_a_handover(quiet, make_user):
    from orgbuild.accounts import service as accounts
    from orgbuild.assignment import service as assignment
    org, officer, supervisor = quiet
    elsewhere = db.session.scalar(select(type(officer)).where(type(officer).username == "officer_b"))
    task = rectification.open_task(org, _data(officer), supervisor)
    with pytest.raises(accounts.AccountError, match="整顿任务"):
        accounts.set_active(officer, False, actor=supervisor)
    with pytest.raises(assignment.AssignmentError, match="暂不分配"):
        assignment.handover(officer, None, actor=supervisor)
    with pytest.raises(assignment.AssignmentError, match="不负责"):
        assignment.handover(officer, elsewhere, actor=supervisor)  # another street's officer cannot take it
    db.session.expire_all()
    assert officer.active and task.officer_id == officer.id
    assert assignment.handover(officer, None, actor=supervisor, unassign=True) == 0
    db.session.expire_all()
    assert not officer.active and task.officer_id is None and task.closed_on is None
    assert task in rectification.open_tasks(supervisor)  # still followed up by the district


def test_deactivating_an_officer_with_only_an_open_task_goes_through_the_handover_page(quiet, client, make_user):
    org, officer, supervisor = quiet
    make_user("admin", "admin")
    heir = make_user("officer_heir", "officer", ["翠竹"])
    task = rectification.open_task(org, _data(officer), supervisor)
    login(client, "admin")
    answer = client.post(f"/admin/users/{officer.id}/deactivate", data={})
    assert answer.status_code == 302 and answer.headers["Location"].endswith(f"/admin/users/{officer.id}/handover")
    page = client.get(f"/admin/users/{officer.id}/handover").get_data(as_text=True)
    assert "1 项未完成的整顿任务" in page and "翠竹沉寂科技有限公司" in page and "officer_heir" in page
    assert "officer_b" not in page
    assert client.post(f"/admin/users/{officer.id}/handover", data={"to_id": heir.id}).status_code == 302
    db.session.expire_all()
    assert not officer.active and task.officer_id == heir.id
