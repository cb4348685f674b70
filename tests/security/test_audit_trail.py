"""The audit trail: every create, update, transition, import and user change is recorded, and the
audit page (supervisors and admins) and an organisation's page show it."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from orgbuild import audit
from orgbuild.campaign import actions
from orgbuild.campaign.actions import SurveyData, TransitionRequest
from orgbuild.extensions import db
from orgbuild.models import AuditEvent, Organization
from tests.conftest import TODAY, credit_code, street


def survey_of(org: Organization, **changes) -> SurveyData:
    """The organisation's survey data with `changes` applied."""
    data = SurveyData(**{name: getattr(org, name) for name in actions.SURVEY_FIELDS})
    for key, value in changes.items():
        setattr(data, key, value)
    return data


def demo_history(people) -> Organization:
    """A demo organisation carried from import to onboarding, through the services."""
    officer, supervisor = people["officer_a"], people["supervisor"]
    org = actions.create_organization(
        SurveyData(credit_code=credit_code(), name="深圳市翠竹演示科技有限公司", street_id=street("翠竹").id,
                   has_party_org=True, employees=60, league_members=8, youth_count=30),
        supervisor,
    )
    # what the survey import service records for a row it updates (action "import")
    audit.record(supervisor, "import", "organization", org.id, organization_id=org.id,
                 summary="survey-2026.xlsx row 2", changes={"employees": (60, 64)})
    org.employees = 64
    db.session.commit()
    actions.update_organization(org, survey_of(org, contact_phone="0755-12345678"), officer, org.version)
    actions.apply_transition(org, TransitionRequest("record_visit", visit_date=TODAY, outcome="willing"), officer)
    actions.apply_transition(org, TransitionRequest("establish", branch={
        "name": "深圳市翠竹演示科技有限公司团支部", "branch_type": "branch", "member_count": 8, "founded_on": TODAY}), officer)
    actions.apply_transition(org, TransitionRequest("onboard", onboarded_on=TODAY, platform_code="GD-0001"), officer)
    return org


def test_every_change_is_recorded_with_old_and_new(app, people):
    """Create, import, update, three transitions: six rows with who and old → new."""
    org = demo_history(people)
    rows = list(db.session.scalars(select(AuditEvent).where(AuditEvent.organization_id == org.id).order_by(AuditEvent.id)))
    assert [(r.action, r.summary) for r in rows] == [
        ("create", org.name), ("import", "survey-2026.xlsx row 2"), ("update", org.name),
        ("transition", "record_visit"), ("transition", "establish"), ("transition", "onboard"),
    ]
    assert rows[2].changes == {"contact_phone": [None, "0755-12345678"]}
    assert rows[2].user_id == people["officer_a"].id
    assert [r.changes["status"] for r in rows[3:]] == [
        ["surveyed", "visited"], ["visited", "established"], ["established", "onboarded"]]


def test_audit_page_shows_a_demo_organisation_from_import_to_onboarding(app, people, signed_in):
    """Filtered by the organisation, the page lists its whole history with old → new values."""
    org = demo_history(people)
    page = signed_in("supervisor").get(f"/audit/?org={org.id}").get_data(as_text=True)
    assert org.name in page
    table = page[page.index("audit-table"):]
    for text in ("登记", "批量导入", "修改", "登记走访", "建立团组织", "入驻智慧团建", "0755-12345678", "联系电话",
                 "60 → <strong>64", "已走访"):
        assert text in table, text
    order = [table.index(t) for t in ("入驻智慧团建", "建立团组织", "登记走访", "批量导入")]
    assert order == sorted(order)  # newest first


def test_organisation_page_shows_its_own_history(app, people, signed_in, make_org):
    """The organisation's page has its audit section, and only its own rows."""
    org = demo_history(people)
    other = make_org("翠竹", name="另一家公司")
    actions.update_organization(other, survey_of(other, contact_person="王五"), people["officer_a"], other.version)
    page = signed_in("officer_a").get(f"/orgs/{org.id}").get_data(as_text=True)
    assert 'id="history"' in page and "0755-12345678" in page and "批量导入" in page
    assert "王五" not in page


def test_audit_filters(app, people, signed_in):
    """By user, action and date range; unknown values are ignored, not errors."""
    demo_history(people)
    actions.create_organization(SurveyData(credit_code=credit_code(), name="桂园另一家", street_id=street("桂园").id),
                                people["admin"])
    client = signed_in("admin")
    by_user = client.get(f"/audit/?user={people['admin'].id}").get_data(as_text=True)
    assert "桂园另一家" in by_user and "深圳市翠竹演示科技有限公司" not in by_user
    by_action = client.get("/audit/?action=transition").get_data(as_text=True)
    assert "入驻智慧团建" in by_action and "桂园另一家" not in by_action
    assert by_action.count("深圳市翠竹演示科技有限公司") >= 3  # transitions name their organisation
    today = datetime.now(UTC).date()
    assert "桂园另一家" in client.get(f"/audit/?from={today - timedelta(days=1)}&to={today + timedelta(days=1)}").get_data(as_text=True)
    assert "桂园另一家" not in client.get(f"/audit/?to={today - timedelta(days=2)}").get_data(as_text=True)
    assert client.get("/audit/?from=not-a-date&user=x&action=drop").status_code == 200


def test_audit_page_is_paginated(app, people, signed_in):
    """Fifty rows a page, with a link to the next."""
    for n in range(55):
        audit.record(people["admin"], "import", "import_batch", n, summary=f"batch {n}")
    db.session.commit()
    client = signed_in("admin")
    first = client.get("/audit/?action=import").get_data(as_text=True)
    assert "batch 54" in first and "batch 4<" not in first and "page=2" in first
    second = client.get("/audit/?action=import&page=2").get_data(as_text=True)
    assert "batch 4<" in second and "batch 54" not in second


def test_who_reads_what(app, people, signed_in, make_user):
    """Officers: 403. A street-limited supervisor: only their streets' rows, and no account changes."""
    demo_history(people)
    actions.create_organization(SurveyData(credit_code=credit_code(), name="桂园另一家", street_id=street("桂园").id),
                                people["admin"])
    assert signed_in("officer_a").get("/audit/").status_code == 403
    make_user("sup_guiyuan", "supervisor", ["桂园"])
    page = signed_in("sup_guiyuan").get("/audit/").get_data(as_text=True)
    assert "桂园另一家" in page and "深圳市翠竹演示科技有限公司" not in page
    signed_in("admin").post(f"/admin/users/{people['officer_b'].id}/deactivate")
    assert "deactivate officer_b" not in signed_in("supervisor").get("/audit/").get_data(as_text=True)
    admin_page = signed_in("admin").get("/audit/?action=user").get_data(as_text=True)
    assert "停用：officer_b" in admin_page and "是 → <strong>否" in admin_page
