"""The organisation pages: survey create/edit and one form per workflow step, happy paths and refusals."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from orgbuild.extensions import db
from orgbuild.models import AuditEvent, Branch, Onboarding, Organization, StatusEvent, Visit
from tests.conftest import credit_code, login, street
from tests.flows import TODAY, count, establish, onboard, snapshot, step_form, visit


@pytest.fixture
def officer(make_user, client):
    """An officer of 翠竹, signed in."""
    user = make_user("cuizhu1", streets=["翠竹"])
    login(client, "cuizhu1")
    return user


def survey_form(**overrides) -> dict:
    """A complete, valid survey form for 翠竹."""
    data = {
        "name": "深圳市翠竹测试科技有限公司",
        "credit_code": credit_code(),
        "street_id": str(street("翠竹").id),
        "industry": "I",
        "org_type": "私营/民营企业",
        "employees": "40",
        "youth_count": "20",
        "league_members": "6",
        "party_members": "5",
        "has_party_org": "y",
        "party_secretary": "李书记",
        "contact_person": "王经理",
        "contact_phone": "13800000000",
        "address": "翠竹路1号",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


# --- survey create / edit ------------------------------------------------------------------

def test_create_happy_path(client, officer):
    form = survey_form()
    response = client.post("/orgs/new", data=form, follow_redirects=True)
    assert response.status_code == 200
    org = db.session.scalar(select(Organization).where(Organization.credit_code == form["credit_code"]))
    assert org is not None and org.status == "surveyed" and org.has_party_org and org.league_members == 6
    assert "已登记 深圳市翠竹测试科技有限公司" in response.text
    assert count(AuditEvent, action="create", organization_id=org.id) == 1


def test_create_normalises_the_credit_code(client, officer):
    code = credit_code()
    client.post("/orgs/new", data=survey_form(credit_code=" " + code[:6].lower() + "-" + code[6:].lower()))
    assert count(Organization, credit_code=code) == 1


@pytest.mark.parametrize(
    "overrides,message",
    [
        ({"credit_code": "91110000600037341N"}, "校验位错误：应为 L"),
        ({"credit_code": "9111000060003734"}, "统一社会信用代码应为18位，实为16位"),
        ({"credit_code": ""}, "请填写统一社会信用代码"),
        ({"name": ""}, "请填写单位名称"),
        ({"street_id": ""}, "请选择所属街道"),
        ({"employees": "-1"}, "不能为负数"),
        ({"league_members": "-3"}, "不能为负数"),
        ({"employees": "99999999999999999999"}, "数值过大：不能超过1000000"),
        ({"employees": "abc"}, "不是有效的整数"),
        ({"employees": "5", "league_members": "6"}, "团员数不能多于从业人员数"),
        ({"employees": "5", "youth_count": "9", "league_members": "1"}, "35岁以下青年数不能多于从业人员数"),
    ],
)
def test_create_invalid_input_writes_nothing(client, officer, overrides, message):
    response = client.post("/orgs/new", data=survey_form(**overrides))
    assert response.status_code == 200
    assert message in response.text
    assert count(Organization) == 0
    assert count(AuditEvent) == 0


def test_a_count_that_is_not_a_number_gets_one_message(client, officer):
    response = client.post("/orgs/new", data=survey_form(employees="abc"))
    assert "不是有效的整数" in response.text and "不能为负数" not in response.text


def test_create_duplicate_credit_code(client, officer, make_org):
    org = make_org()
    response = client.post("/orgs/new", data=survey_form(credit_code=org.credit_code))
    assert "该统一社会信用代码已登记" in response.text
    assert count(Organization) == 1


def test_a_credit_code_registered_in_another_street_is_not_confirmed(client, officer, make_org):
    """The clash is refused without saying that the organisation exists (it is outside the officer's streets)."""
    org = make_org("桂园")
    response = client.post("/orgs/new", data=survey_form(credit_code=org.credit_code))
    assert "该统一社会信用代码已登记" not in response.text
    assert "无法用该统一社会信用代码登记，请联系团区委核实" in response.text
    assert count(Organization) == 1


def test_create_in_another_street_is_refused(client, officer):
    response = client.post("/orgs/new", data=survey_form(street_id=str(street("桂园").id)))
    assert response.status_code == 200
    assert count(Organization) == 0


def test_edit_happy_path_and_conflict(client, officer, make_org):
    org = make_org(name="旧名称有限公司")
    page = client.get(f"/orgs/{org.id}/edit")
    assert page.status_code == 200 and "旧名称有限公司" in page.text
    form = survey_form(name="新名称有限公司", credit_code=org.credit_code, version=str(org.version))
    response = client.post(f"/orgs/{org.id}/edit", data=form, follow_redirects=True)
    assert "已保存" in response.text
    db.session.expire_all()
    assert db.session.get(Organization, org.id).name == "新名称有限公司"
    stale = client.post(f"/orgs/{org.id}/edit", data={**form, "name": "第三个名称"})  # the old version again
    assert stale.status_code == 409
    db.session.expire_all()
    assert db.session.get(Organization, org.id).name == "新名称有限公司"


def test_edit_invalid_input_changes_nothing(client, officer, make_org):
    org = make_org()
    before = snapshot(org.id)
    form = survey_form(credit_code=org.credit_code, employees="-5", version=str(org.version))
    response = client.post(f"/orgs/{org.id}/edit", data=form)
    assert "不能为负数" in response.text
    assert snapshot(org.id) == before


# --- visit -----------------------------------------------------------------------------------

def test_visit_happy_path(client, officer, make_org):
    org = make_org()
    assert "接待人" in client.get(f"/orgs/{org.id}/step/record_visit").text
    data = {"visit_date": TODAY.isoformat(), "outcome": "considering", "met_with": "李书记", "notes": "讲解建团流程",
            "next_follow_up": (TODAY + timedelta(days=14)).isoformat(), "version": str(org.version)}
    response = client.post(f"/orgs/{org.id}/step/record_visit", data=step_form(org, **data), follow_redirects=True)
    assert "已完成：登记走访" in response.text
    db.session.expire_all()
    assert db.session.get(Organization, org.id).status == "visited"
    v = db.session.scalar(select(Visit).where(Visit.organization_id == org.id))
    assert (v.outcome, v.met_with, v.officer_id, v.next_follow_up) == ("considering", "李书记", officer.id, TODAY + timedelta(days=14))
    e = db.session.scalar(select(StatusEvent).where(StatusEvent.organization_id == org.id))
    assert (e.from_status, e.to_status, e.transition, e.actor_id) == ("surveyed", "visited", "record_visit", officer.id)


@pytest.mark.parametrize(
    "data,message",
    [
        ({"visit_date": "", "outcome": "willing"}, "请填写走访日期"),
        ({"visit_date": "not-a-date", "outcome": "willing"}, "不是有效的日期"),
        ({"visit_date": (TODAY + timedelta(days=3)).isoformat(), "outcome": "willing"}, "走访日期不能晚于今天"),
        ({"visit_date": "1900-01-01", "outcome": "willing"}, "走访日期不能早于2000-01-01"),
        ({"visit_date": TODAY.isoformat(), "outcome": "nonsense"}, "不是有效的选择"),
        ({"visit_date": TODAY.isoformat(), "outcome": "willing", "next_follow_up": (TODAY - timedelta(days=1)).isoformat()},
         "下次跟进日期不能早于走访日期"),
    ],
)
def test_visit_invalid_input_writes_nothing(client, officer, make_org, data, message):
    org = make_org()
    before = snapshot(org.id)
    response = client.post(f"/orgs/{org.id}/step/record_visit", data=step_form(org, **data))
    assert response.status_code == 200
    assert message in response.text
    assert snapshot(org.id) == before


def test_visit_without_party_organisation_is_refused(client, officer, make_org):
    org = make_org(has_party_org=False)
    before = snapshot(org.id)
    page = client.get(f"/orgs/{org.id}/step/record_visit", follow_redirects=True)
    assert "该组织未建立党组织：本次走访针对已建党组织" in page.text
    assert f"/orgs/{org.id}/step/record_visit" not in client.get(f"/orgs/{org.id}").text  # no button
    response = client.post(f"/orgs/{org.id}/step/record_visit", data=step_form(org, **{"visit_date": TODAY.isoformat(), "outcome": "willing"}))
    assert "该组织未建立党组织：本次走访针对已建党组织" in response.text
    assert snapshot(org.id) == before


# --- establish -------------------------------------------------------------------------------

def establish_form(**overrides) -> dict:
    """A valid founding form for a 团支部 of 5."""
    data = {"name": "测试团支部", "branch_type": "branch", "member_count": "5", "founded_on": TODAY.isoformat(),
            "approval_doc_no": "罗团发〔2022〕12号", "secretary": "张三", "term_years": "3"}
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_establish_happy_path(client, officer, make_org):
    org = make_org()
    visit(org, officer)
    page = client.get(f"/orgs/{org.id}/step/establish")
    assert page.status_code == 200 and f"{org.name}团支部" in page.text
    response = client.post(f"/orgs/{org.id}/step/establish", data=step_form(org, **establish_form()), follow_redirects=True)
    assert "已完成：建立团组织" in response.text
    db.session.expire_all()
    org = db.session.get(Organization, org.id)
    assert org.status == "established"
    assert (org.branch.name, org.branch.member_count, org.branch.approval_doc_no) == ("测试团支部", 5, "罗团发〔2022〕12号")
    assert count(StatusEvent, organization_id=org.id, transition="establish", to_status="established") == 1


def test_establish_joint_branch_with_covered_org(client, officer, make_org):
    org = make_org(league_members=1)
    neighbour = make_org(name="同楼宇小微企业有限公司", has_party_org=False)
    visit(org, officer)
    data = establish_form(branch_type="joint_branch", member_count="2", covered_org_ids=str(neighbour.id))
    client.post(f"/orgs/{org.id}/step/establish", data=step_form(org, **data))
    branch = db.session.scalar(select(Branch).where(Branch.organization_id == org.id))
    assert branch.branch_type == "joint_branch"
    assert [o.id for o in branch.covered_orgs] == [neighbour.id]


@pytest.mark.parametrize(
    "overrides,message",
    [
        ({"member_count": "2"}, "团员不足3人（现有2人），不能单独建立团支部，请建立联合团支部"),
        ({"branch_type": "joint_branch", "member_count": "2"}, "联合团支部须写明联建的其他单位"),
        ({"branch_type": "general_branch", "member_count": "12"}, "团员不足30人（现有12人），不能建立团总支"),
        ({"member_count": "-1"}, "不能为负数"),
        ({"member_count": "99999999999999999999"}, "数值过大：不能超过1000000"),
        ({"member_count": ""}, "请填写团员人数"),
        ({"name": ""}, "请填写团组织全称"),
        ({"founded_on": ""}, "请填写成立日期"),
        ({"founded_on": (TODAY + timedelta(days=1)).isoformat()}, "成立日期不能晚于今天"),
        ({"founded_on": "1900-01-01"}, "成立日期不能早于2000-01-01"),
        ({"approval_date": "2100-01-01"}, "批复日期不能晚于今天"),
        ({"application_date": (TODAY + timedelta(days=1)).isoformat()}, "申请日期不能晚于今天"),
        ({"election_date": "1999-12-31"}, "选举日期不能早于2000-01-01"),
        ({"term_years": "5"}, "任期为1至3年"),
    ],
)
def test_establish_invalid_input_writes_nothing(client, officer, make_org, overrides, message):
    org = make_org()
    visit(org, officer)
    before = snapshot(org.id)
    response = client.post(f"/orgs/{org.id}/step/establish", data=step_form(org, **establish_form(**overrides)))
    assert response.status_code == 200
    assert message in response.text
    assert snapshot(org.id) == before


def test_establish_after_declined_visit_only_is_refused(client, officer, make_org):
    org = make_org()
    visit(org, officer, outcome="declined")
    before = snapshot(org.id)
    response = client.post(f"/orgs/{org.id}/step/establish", data=step_form(org, **establish_form()))
    assert "尚无有效走访记录（须至少一次结果不是“拒绝”的走访）" in response.text
    assert snapshot(org.id) == before


# --- onboard, ineligible ---------------------------------------------------------------------

def test_onboard_happy_path(client, officer, make_org):
    org = make_org()
    visit(org, officer)
    establish(org, officer)
    response = client.post(f"/orgs/{org.id}/step/onboard", data=step_form(org, **{"onboarded_on": TODAY.isoformat(), "platform_code": " 44030300009 "}),
                           follow_redirects=True)
    assert "已完成：入驻智慧团建" in response.text
    db.session.expire_all()
    org = db.session.get(Organization, org.id)
    assert org.status == "onboarded" and org.onboarding.platform_code == "44030300009"


@pytest.mark.parametrize(
    "data,message",
    [({"onboarded_on": TODAY.isoformat(), "platform_code": ""}, "请填写智慧团建组织编码"),
     ({"onboarded_on": "", "platform_code": "X1"}, "请填写入驻日期")],
)
def test_onboard_invalid_input_writes_nothing(client, officer, make_org, data, message):
    org = make_org()
    visit(org, officer)
    establish(org, officer)
    before = snapshot(org.id)
    response = client.post(f"/orgs/{org.id}/step/onboard", data=step_form(org, **data))
    assert message in response.text
    assert snapshot(org.id) == before


def test_direct_onboarding_of_an_organisation_that_had_a_league_organisation(client, officer, make_org):
    org = make_org(has_league_org=True)
    client.post(f"/orgs/{org.id}/step/onboard", data=step_form(org, **{"onboarded_on": TODAY.isoformat(), "platform_code": "4403030001"}))
    assert count(StatusEvent, organization_id=org.id, from_status="surveyed", to_status="onboarded") == 1
    other = make_org()
    before = snapshot(other.id)
    response = client.post(f"/orgs/{other.id}/step/onboard", data=step_form(other, **{"onboarded_on": TODAY.isoformat(), "platform_code": "A2"}))
    assert "摸排时该组织尚未建团：须先建立团组织再入驻" in response.text
    assert snapshot(other.id) == before


def test_mark_ineligible_needs_a_reason(client, officer, make_org):
    org = make_org()
    before = snapshot(org.id)
    assert "请填写原因" in client.post(f"/orgs/{org.id}/step/mark_ineligible", data=step_form(org, **{"reason": " "})).text
    assert snapshot(org.id) == before
    client.post(f"/orgs/{org.id}/step/mark_ineligible", data=step_form(org, **{"reason": "无青年职工"}))
    event = db.session.scalar(select(StatusEvent).where(StatusEvent.organization_id == org.id))
    assert (event.to_status, event.reason) == ("ineligible", "无青年职工")


def test_unknown_step_is_404(client, officer, make_org):
    org = make_org()
    assert client.get(f"/orgs/{org.id}/step/explode").status_code == 404


def test_detail_shows_only_allowed_buttons(client, officer, make_org):
    org = make_org()
    page = client.get(f"/orgs/{org.id}").text
    assert f"/orgs/{org.id}/step/record_visit" in page
    assert f"/orgs/{org.id}/step/establish" not in page
    assert f"/orgs/{org.id}/step/revert" not in page


def test_list_filters_and_search(client, officer, make_org):
    make_org(name="甲科技有限公司", has_party_org=True)
    make_org(name="乙贸易有限公司", has_party_org=False)
    assert "共 2 家" in client.get("/orgs/").text
    page = client.get("/orgs/?party=1").text
    assert "甲科技有限公司" in page and "乙贸易有限公司" not in page
    page = client.get("/orgs/?q=贸易").text
    assert "乙贸易有限公司" in page and "甲科技有限公司" not in page


def test_onboarding_records_survive_in_the_timeline(client, officer, make_org):
    org = make_org()
    visit(org, officer)
    establish(org, officer)
    onboard(org, officer)
    page = client.get(f"/orgs/{org.id}").text
    for label in ("走访", "建立团组织", "入驻智慧团建", f"44030300{org.id:05d}"):
        assert label in page
    assert count(Onboarding, organization_id=org.id) == 1
