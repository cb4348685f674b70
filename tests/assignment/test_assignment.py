"""Assignment of organisations to officers: auto-assign by open work, bulk assignment from the
list, the handover when an officer is deactivated, the ``assign`` command, the audit rows."""
from __future__ import annotations

import json
import re
from datetime import date

import pytest
from sqlalchemy import func, select

from orgbuild.accounts import service as accounts
from orgbuild.assignment import service as assignment
from orgbuild.extensions import db
from orgbuild.models import AuditEvent, Organization
from tests.conftest import login, street


def _count(officer) -> int:
    return db.session.scalar(select(func.count()).where(Organization.officer_id == officer.id))


def test_auto_assign_21_to_two_equal_officers_gives_10_and_11(app, make_user, make_org):
    a = make_user("off_a", "officer", ["翠竹"])
    b = make_user("off_b", "officer", ["翠竹"])
    make_user("other_street", "officer", ["桂园"])
    for _ in range(21):
        make_org("翠竹")
    done = make_org("翠竹", status="onboarded")  # finished work is not handed out
    make_org("桂园")  # another street's organisation stays unassigned
    plan = assignment.auto_assign(street("翠竹"), actor=None, on=date(2026, 12, 1))
    assert sorted(plan.assigned.values()) == [10, 11]
    assert sorted([_count(a), _count(b)]) == [10, 11]
    assert plan.as_json(True)["open_work_after"] == plan.assigned
    db.session.refresh(done)
    assert done.officer_id is None
    assert db.session.scalar(select(func.count()).where(Organization.officer_id.is_(None))) == 2
    dated = db.session.scalars(select(Organization.assigned_on).where(Organization.officer_id.is_not(None))).all()
    assert set(dated) == {date(2026, 12, 1)}
    assert db.session.scalar(select(func.count()).where(AuditEvent.action == "assign")) == 21


def test_auto_assign_fills_the_lighter_officer_first(app, make_user, make_org):
    a = make_user("off_a", "officer", ["翠竹"])
    b = make_user("off_b", "officer", ["翠竹"])
    for _ in range(4):
        make_org("翠竹", officer=a)
    make_org("翠竹", officer=b, status="closed")  # closed: not open work
    for _ in range(6):
        make_org("翠竹")
    plan = assignment.plan_auto(street("翠竹"))
    assert plan.assigned == {"off_a": 1, "off_b": 5}
    assert plan.open_work_after == {"off_a": 5, "off_b": 5}
    assert _count(b) == 1  # a plan writes nothing


def test_assign_refuses_an_officer_of_another_street_and_writes_nothing(app, make_user, make_org):
    officer = make_user("off_b", "officer", ["桂园"])
    orgs = [make_org("翠竹"), make_org("桂园")]
    with pytest.raises(assignment.AssignmentError, match="不负责"):
        assignment.assign(orgs, officer, actor=None)
    assert _count(officer) == 0
    assert db.session.scalar(select(func.count()).where(AuditEvent.action == "assign")) == 0


def test_deactivating_an_officer_with_organisations_cannot_leave_them_unassigned_silently(app, make_user, make_org):
    leaving = make_user("leaving", "officer", ["翠竹"])
    heir = make_user("heir", "officer", ["翠竹"])
    orgs = [make_org("翠竹", officer=leaving) for _ in range(3)]
    with pytest.raises(accounts.AccountError, match="移交"):
        accounts.set_active(leaving, False)
    with pytest.raises(assignment.AssignmentError, match="暂不分配"):
        assignment.handover(leaving, None, actor=None)
    db.session.refresh(leaving)
    assert leaving.active and _count(leaving) == 3
    assert assignment.handover(leaving, heir, actor=None) == 3
    db.session.expire_all()
    assert not leaving.active
    assert {o.officer_id for o in orgs} == {heir.id}


def test_admin_deactivate_asks_where_the_organisations_go(app, client, make_user, make_org):
    make_user("admin", "admin")
    leaving = make_user("leaving", "officer", ["翠竹"])
    heir = make_user("heir", "officer", ["翠竹"])
    make_user("elsewhere", "officer", ["桂园"])
    org = make_org("翠竹", officer=leaving)
    login(client, "admin")
    answer = client.post(f"/admin/users/{leaving.id}/deactivate", data={})
    assert answer.status_code == 302 and answer.headers["Location"].endswith(f"/admin/users/{leaving.id}/handover")
    db.session.refresh(leaving)
    assert leaving.active
    form = client.get(f"/admin/users/{leaving.id}/handover").get_data(as_text=True)
    assert "heir" in form and "elsewhere" not in form  # only officers of the organisations' streets
    answer = client.post(f"/admin/users/{leaving.id}/handover", data={"to_id": heir.id})
    assert answer.status_code == 302
    db.session.expire_all()
    assert not leaving.active and org.officer_id == heir.id
    row = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "assign"))
    assert row.changes["officer"] == ["leaving", "heir"]


def test_bulk_assignment_of_a_selection_and_of_a_whole_filter(app, client, make_user, make_org):
    make_user("boss", "supervisor")
    officer = make_user("off_a", "officer", ["翠竹"])
    picked, other = make_org("翠竹"), make_org("翠竹")
    login(client, "boss")
    page = client.get("/assignment/?unassigned=1").get_data(as_text=True)
    assert picked.name in page and other.name in page
    client.post("/assignment/?unassigned=1", data={"officer_id": officer.id,
                                                   "org_ids": [picked.id]})
    db.session.expire_all()
    assert picked.officer_id == officer.id and other.officer_id is None
    client.post(f"/assignment/?unassigned=1&street={street('翠竹').id}",
                data={"officer_id": officer.id, "whole_filter": "y"})
    db.session.expire_all()
    assert other.officer_id == officer.id


def test_bulk_assignment_refuses_ids_outside_the_scope(app, client, make_user, make_org):
    make_user("boss", "supervisor", ["翠竹"])
    officer = make_user("off_a", "officer", ["翠竹", "桂园"])
    outside = make_org("桂园")
    login(client, "boss")
    answer = client.post("/assignment/", data={"officer_id": officer.id,
                                               "org_ids": [outside.id]}, follow_redirects=True)
    assert "没有选择任何组织" in answer.get_data(as_text=True)
    db.session.expire_all()
    assert outside.officer_id is None


def test_auto_assign_page_previews_then_applies(app, client, make_user, make_org):
    make_user("boss", "supervisor")
    make_user("off_a", "officer", ["翠竹"])
    make_user("off_b", "officer", ["翠竹"])
    for _ in range(3):
        make_org("翠竹")
    login(client, "boss")
    sid = street("翠竹").id
    page = client.get(f"/assignment/auto?street={sid}").get_data(as_text=True)
    assert "auto-plan" in page
    assert db.session.scalar(select(func.count()).where(Organization.officer_id.is_not(None))) == 0
    client.post("/assignment/auto", data={"street_id": sid})
    assert db.session.scalar(select(func.count()).where(Organization.officer_id.is_not(None))) == 3


def test_assign_command_auto_json_and_by_hand(app, runner, make_user, make_org):
    make_user("off_a", "officer", ["翠竹"])
    make_user("off_b", "officer", ["翠竹"])
    orgs = [make_org("翠竹") for _ in range(5)]
    dry = runner.invoke(args=["assign", "--street", "翠竹街道", "--auto", "--dry-run", "--json"])
    assert dry.exit_code == 0, dry.output
    result = json.loads(dry.output)
    assert result == {"street": "翠竹街道", "assigned": {"off_a": 3, "off_b": 2},
                      "open_work_after": {"off_a": 3, "off_b": 2}, "committed": False}
    assert db.session.scalar(select(func.count()).where(Organization.officer_id.is_not(None))) == 0
    done = runner.invoke(args=["assign", "--street", "翠竹", "--auto", "--json"])
    assert json.loads(done.output)["committed"] is True
    moved = runner.invoke(args=["assign", "--officer", "off_b", orgs[0].credit_code, orgs[1].credit_code])
    assert moved.exit_code == 0, moved.output
    db.session.expire_all()
    assert {o.officer.username for o in orgs[:2]} == {"off_b"}
    bad = runner.invoke(args=["assign", "--officer", "off_b", "91440303XXXXXXXXXX"])
    assert bad.exit_code == 2 and "未知信用代码" in bad.output
