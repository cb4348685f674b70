"""The demo district: the report's figures counted from the database with SQL, consistency of the
generated history, the demo command's idempotence and its refusal of non-demo data."""
from __future__ import annotations

from collections import defaultdict

import pytest
from sqlalchemy import text

from orgbuild.demo import service as demo
from orgbuild.domain import rules
from orgbuild.extensions import db
from orgbuild.models import Organization, Setting, User
from tests.conftest import login
from tests.flows import count


def scalar(sql: str, **params):
    """One value of a SQL query."""
    return db.session.execute(text(sql), params).scalar()


@pytest.fixture
def district(app):
    """The default demo district, loaded by the service the command uses."""
    loaded, accounts, counts = demo.load_demo()
    assert loaded == ["luohu"]
    return counts["luohu"]


def test_report_figures_counted_with_sql(district):
    assert scalar("SELECT COUNT(*) FROM organizations") == 1942
    assert scalar("SELECT COUNT(DISTINCT street_id) FROM organizations") == 10
    assert scalar("SELECT COUNT(*) FROM organizations WHERE has_party_org = :t", t=True) == 420
    assert scalar("SELECT COUNT(*) FROM organizations WHERE has_party_org = :t AND has_league_org = :t", t=True) == 36
    assert scalar(
        "SELECT COUNT(*) FROM organizations WHERE has_party_org = :t AND has_league_org = :t AND status = 'onboarded'", t=True
    ) == 36
    assert scalar("SELECT COUNT(*) FROM organizations WHERE has_party_org = :t AND has_league_org = :f", t=True, f=False) == 384
    founded = """SELECT COUNT(*) FROM branches b JOIN organizations o ON o.id = b.organization_id
                 WHERE b.reverted = :f AND b.founded_on BETWEEN '2022-01-01' AND '2022-12-31'
                 AND o.has_party_org = :t AND o.has_league_org = :f AND o.status = 'onboarded'"""
    assert scalar(founded, t=True, f=False) == 60
    assert scalar("SELECT value FROM targets WHERE year = 2022 AND metric = 'new_branches' AND street_id IS NULL") == 56
    assert round(60 / 56 * 100, 1) == 107.1
    assert scalar("SELECT COUNT(*) FROM organizations WHERE status = 'closed'") == 0
    assert 0 < scalar("SELECT COUNT(*) FROM organizations WHERE status = 'ineligible'") < 20
    assert district["organizations"] == 1942 and district["founded"] == 60


def test_visit_coverage_and_outcomes(district):
    others = """FROM organizations o WHERE o.has_party_org = :t AND o.has_league_org = :f
                AND o.id NOT IN (SELECT organization_id FROM branches) AND o.status <> 'ineligible'"""
    total = scalar("SELECT COUNT(*) " + others, t=True, f=False)
    visited = scalar("SELECT COUNT(*) " + others + " AND o.id IN (SELECT organization_id FROM visits)", t=True, f=False)
    assert 0.8 <= visited / total <= 0.9
    outcomes = {row[0] for row in db.session.execute(text("SELECT DISTINCT outcome FROM visits"))}
    assert {"willing", "considering", "declined", "follow_up"} <= outcomes
    assert scalar("SELECT COUNT(*) FROM visits WHERE next_follow_up IS NOT NULL") > 0
    assert scalar("SELECT COUNT(*) FROM visits WHERE officer_id IS NULL") == 0
    assert scalar("SELECT COUNT(*) FROM visits v JOIN organizations o ON o.id = v.organization_id WHERE o.has_party_org = :f", f=False) == 0
    assert str(scalar("SELECT MIN(visit_date) FROM visits")) >= "2022-01-01"
    assert str(scalar("SELECT MAX(visit_date) FROM visits")) <= "2022-12-31"


def test_every_founding_follows_a_visit_that_was_not_declined(district):
    orphans = """SELECT COUNT(*) FROM branches b WHERE NOT EXISTS (
                   SELECT 1 FROM visits v WHERE v.organization_id = b.organization_id
                   AND v.outcome <> 'declined' AND v.visit_date <= b.founded_on)"""
    assert scalar(orphans) == 0
    assert scalar("SELECT COUNT(*) FROM onboardings WHERE platform_code = '' OR onboarded_on IS NULL") == 0
    assert scalar("SELECT COUNT(*) FROM onboardings") == 96
    assert scalar("""SELECT COUNT(*) FROM onboardings n JOIN branches b ON b.organization_id = n.organization_id
                     WHERE n.onboarded_on < b.founded_on""") == 0


def test_branch_records_are_consistent(district):
    rows = db.session.execute(text("SELECT id, branch_type, member_count, covered_units, approval_doc_no FROM branches")).all()
    assert len(rows) == 60
    for _id, kind, members, covered, doc in rows:
        assert rules.branch_type_error(kind, members) is None
        assert doc.startswith("罗团发〔2022〕")
        if kind == "joint_branch":
            assert covered.strip()
    kinds = {kind for _, kind, *_ in rows}
    assert {"branch", "joint_branch"} <= kinds
    assert scalar("SELECT COUNT(*) FROM branch_covered_orgs") > 0


def test_status_history_is_a_consistent_chain(district):
    chains: dict[int, list[tuple[str, str, str, int | None]]] = defaultdict(list)
    for org_id, old, new, transition, actor in db.session.execute(text(
        "SELECT organization_id, from_status, to_status, transition, actor_id FROM status_events ORDER BY organization_id, created_at, id"
    )):
        chains[org_id].append((old, new, transition, actor))
    officer_of = dict(db.session.execute(text("SELECT id, officer_id FROM organizations")).all())
    for org_id, status in db.session.execute(text("SELECT id, status FROM organizations")):
        status_now = "surveyed"
        for old, new, transition, actor in chains.get(org_id, []):
            assert old == status_now, (org_id, old, status_now)
            assert actor == officer_of[org_id] is not None
            status_now = new
        assert status_now == status
    transitions = {t for chain in chains.values() for _, _, t, _ in chain}
    assert transitions == {"record_visit", "establish", "onboard", "mark_ineligible"}


def test_officers_work_on_their_own_street(district):
    wrong = """SELECT COUNT(*) FROM organizations o JOIN user_streets us ON us.user_id = o.officer_id
               WHERE us.street_id <> o.street_id"""
    assert scalar(wrong) == 0
    assert scalar("SELECT COUNT(*) FROM organizations WHERE officer_id IS NULL") == 0


def test_survey_data_is_plausible(district):
    codes = [row[0] for row in db.session.execute(text("SELECT credit_code FROM organizations"))]
    assert len(set(codes)) == 1942
    assert all(rules.is_valid_credit_code(c) and c[2:8] == "440303" for c in codes)
    assert scalar("SELECT COUNT(*) FROM organizations WHERE league_members > youth_count OR youth_count > employees") == 0
    assert scalar("SELECT COUNT(*) FROM organizations WHERE has_party_org = :t AND party_members < 3", t=True) == 0
    assert scalar("SELECT COUNT(DISTINCT industry) FROM organizations") > 5
    assert scalar("SELECT COUNT(DISTINCT org_type) FROM organizations") > 3


def test_demo_accounts_sign_in(district, client):
    users = {u.username: u for u in db.session.scalars(db.select(User))}
    assert {"admin", "supervisor", "officer-cuizhu", "officer-qingshuihe"} <= set(users)
    assert users["officer-cuizhu"].role == "officer" and [s.short_name for s in users["officer-cuizhu"].streets] == ["翠竹"]
    assert users["supervisor"].streets == []
    page = login(client, "officer-cuizhu", demo.DEMO_PASSWORD)
    assert "我的跟进" in page.text and "待首次走访" in page.text


def test_other_sizes_keep_the_proportions_and_visits_per_org(app):
    counts = demo.generate_district(500, visits_per_org=2, seed=7)
    assert counts["organizations"] == 500 == count(Organization)
    assert counts["party_orgs"] == round(500 * 420 / 1942)
    assert scalar("SELECT COUNT(*) FROM visits") == 1000
    assert scalar("SELECT COUNT(*) FROM (SELECT organization_id FROM visits GROUP BY organization_id HAVING COUNT(*) <> 2) x") == 0
    assert scalar("SELECT COUNT(*) FROM organizations WHERE status = 'onboarded' AND has_league_org = :t", t=True) == counts["party_and_league"]


def test_small_district_has_varied_names(app):
    demo.generate_district(50, seed=3)
    names = [row[0] for row in db.session.execute(text("SELECT name FROM organizations"))]
    assert len(names) == 50 and len(set(names)) > 40


# --- the demo command ----------------------------------------------------------------------

def test_demo_command_is_idempotent_and_prints_the_accounts(runner):
    first = runner.invoke(args=["demo"])
    assert first.exit_code == 0, first.output
    assert "已载入演示区：组织 1942 家" in first.output
    assert "officer-cuizhu" in first.output and demo.DEMO_PASSWORD in first.output
    before = (count(Organization), scalar("SELECT COUNT(*) FROM visits"), scalar("SELECT COUNT(*) FROM status_events"), count(User))
    second = runner.invoke(args=["demo"])
    assert second.exit_code == 0, second.output
    assert "演示区已载入" in second.output and "officer-cuizhu" in second.output and demo.DEMO_PASSWORD in second.output
    assert (count(Organization), scalar("SELECT COUNT(*) FROM visits"), scalar("SELECT COUNT(*) FROM status_events"), count(User)) == before


def test_demo_command_refuses_non_demo_data(runner, make_org):
    make_org(name="真实数据有限公司")
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 1
    assert "数据库中已有非演示数据" in result.output
    assert count(Organization) == 1 and count(User) == 0 and db.session.get(Setting, demo.DEMO_FLAG) is None


def test_demo_command_refuses_a_database_with_users(runner, make_user):
    make_user("realperson")
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 1 and "非演示数据" in result.output
    assert count(Organization) == 0


def test_generate_district_refuses_to_run_twice(app):
    demo.generate_district(20)
    with pytest.raises(demo.DemoError):
        demo.generate_district(20)
    assert count(Organization) == 20


def test_new_records_after_the_demo_get_fresh_ids(district, make_user):
    from orgbuild.campaign import actions
    from tests.conftest import credit_code, street

    supervisor = db.session.scalar(db.select(User).where(User.username == "supervisor"))
    org = actions.create_organization(
        actions.SurveyData(credit_code=credit_code(), name="演示之后登记有限公司", street_id=street("翠竹").id, has_party_org=True),
        supervisor,
    )
    assert org.id > 1942 and count(Organization) == 1943


# --- the demo's branch secretary and rectification tasks -------------------------------------

def test_the_demo_branch_secretary_logs_their_own_branch_only(district, client):
    from datetime import date

    from orgbuild.models import BranchActivity, Grading
    secretary = db.session.scalar(db.select(User).where(User.username == demo.SECRETARY_USERNAME))
    org = db.session.get(Organization, secretary.organization_id)
    assert secretary.role == "secretary" and secretary.streets == [] and org.street.short_name == "翠竹"
    grade = db.session.scalar(db.select(Grading).where(Grading.organization_id == org.id, Grading.year == 2022))
    assert grade.state == "confirmed" and grade.level in ("five_star", "four_star", "three_star")
    logged = db.session.scalars(db.select(BranchActivity).where(BranchActivity.created_by_id == secretary.id)).all()
    assert len(logged) == 3 and {a.organization_id for a in logged} == {org.id}
    assert all(date(2022, 10, 1) <= a.held_on <= date(2022, 12, 31) for a in logged)
    page = login(client, demo.SECRETARY_USERNAME, demo.DEMO_PASSWORD)
    assert page.request.path == f"/quality/orgs/{org.id}/life" and org.name in page.text
    assert client.get("/dashboard/").status_code == 403
    other = scalar("SELECT organization_id FROM branches WHERE organization_id <> :o LIMIT 1", o=org.id)
    assert client.get(f"/quality/orgs/{other}/life").status_code == 404


def test_the_demo_rectification_tasks_are_plausible_and_audited(district):
    from datetime import date

    from orgbuild.models import AuditEvent, RectificationTask
    from orgbuild.progress.scope import Scope
    from orgbuild.quality import grading
    tasks = db.session.scalars(db.select(RectificationTask).order_by(RectificationTask.id)).all()
    assert len(tasks) == 6 and len({t.organization_id for t in tasks}) == 6
    assert all(t.officer.role == "officer" and t.officer.streets == [t.organization.street] for t in tasks)
    assert all(t.opened_by.username == "supervisor" and t.reason and t.item_list and t.deadline > t.opened_on
               for t in tasks)
    closed = [t for t in tasks if t.closed_on]
    assert len(closed) == 1 and closed[0].close_note and closed[0].closed_on <= closed[0].deadline
    assert any("定级为后进或软弱涣散" in t.reason for t in tasks)
    audited = scalar("SELECT COUNT(*) FROM audit_events WHERE object_type = 'rectification'")
    assert audited == len(tasks) + len(closed)
    assert {e.object_id for e in db.session.scalars(db.select(AuditEvent).where(
        AuditEvent.object_type == "rectification", AuditEvent.action == "create"))} == {t.id for t in tasks}
    figures = grading.quality_figures(Scope(), 2022, date(2022, 12, 31))
    assert figures["branches"] == 96 and sum(figures["levels"].values()) == figures["graded"] > 0
    assert figures["rectifications_open"] == 5 and figures["rectifications_overdue"] == 2
    assert figures["warnings"]["no_activity"] > 0 and figures["warnings"]["weak_grade"] > 0
