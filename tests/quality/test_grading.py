"""Grading records: eligibility by the founding cut-off, the supervisor's confirmation, levels and
the figures of the ``quality`` command as of a date."""
from __future__ import annotations

import json
from datetime import date

import pytest

from orgbuild.campaign.actions import ServiceError
from orgbuild.domain.quality import Scores
from orgbuild.extensions import db
from orgbuild.models import AuditEvent, Grading
from orgbuild.progress.scope import Scope
from orgbuild.quality import grading, roster
from tests.conftest import login
from tests.flows import count, establish, visit

FIVE = Scores(20, 18, 18, 17, 17)
WEAK = Scores(12, 12, 12, 12, 11)


@pytest.fixture
def branches(app, make_user, make_org):
    """Two 团支部 of 翠竹: one founded in January 2022, one on 1 July 2022 (five months before the
    grading of 1 December: after the 1 June cut-off)."""
    officer = make_user("officer_a", "officer", ["翠竹"])
    supervisor = make_user("supervisor", "supervisor")
    early, late = make_org("翠竹", name="翠竹老牌科技有限公司"), make_org("翠竹", name="翠竹新设科技有限公司")
    for org, founded in ((early, date(2022, 1, 10)), (late, date(2022, 7, 1))):
        visit(org, officer)
        establish(org, officer, founded_on=founded, secretary="王书记")
    return early, late, officer, supervisor


def test_a_branch_founded_after_the_cut_off_is_not_eligible(branches):
    early, late, officer, _ = branches
    assert grading.eligibility(early, 2022) is None
    assert "晚于本轮定级的成立日期截止日2022-06-01" in grading.eligibility(late, 2022)
    with pytest.raises(ServiceError, match="本年度不参加定级"):
        grading.apply_grading(late, 2022, grading.GradingRequest("self_assess", FIVE), officer)
    assert count(Grading) == 0


def test_the_grading_day_is_configurable(app, branches):
    early, late, _, _ = branches
    app.config["QUALITY_GRADING_DAY"] = "07-10"  # cut-off 10 January: the branch of 10 January is still graded
    assert grading.cutoff(2022) == date(2022, 1, 10)
    assert grading.eligibility(early, 2022) is None
    app.config["QUALITY_GRADING_DAY"] = "07-09"
    assert "晚于本轮定级的成立日期截止日2022-01-09" in grading.eligibility(early, 2022)


def test_self_assess_then_confirm_records_the_level_from_that_day(branches):
    early, _, officer, supervisor = branches
    grading.apply_grading(early, 2022, grading.GradingRequest("self_assess", FIVE), officer)
    with pytest.raises(ServiceError, match="须由上级团组织"):
        grading.apply_grading(early, 2022, grading.GradingRequest("confirm", FIVE), officer)
    with pytest.raises(ServiceError, match="超过满分100分"):
        grading.apply_grading(early, 2022, grading.GradingRequest("confirm", Scores(60, 50, 0, 0, 0)), supervisor)
    grading.apply_grading(early, 2022, grading.GradingRequest("confirm", WEAK, on=date(2022, 12, 1)), supervisor)
    record = grading.grading_of(early, 2022)
    assert (record.state, record.total, record.level, record.confirmed_on) == ("confirmed", 59, "weak", date(2022, 12, 1))
    assert count(AuditEvent, object_type="grading") == 2
    assert "weak_grade" in roster.branch_state(early, date(2022, 12, 1)).warnings
    assert "weak_grade" not in roster.branch_state(early, date(2022, 11, 30)).warnings
    late_figures = grading.quality_figures(Scope(), 2022, date(2022, 12, 31))
    assert (late_figures["branches"], late_figures["eligible"], late_figures["graded"]) == (2, 1, 1)
    assert late_figures["levels"]["weak"] == 1 and sum(late_figures["levels"].values()) == 1
    assert grading.quality_figures(Scope(), 2022, date(2022, 11, 30))["graded"] == 0


def test_the_quality_command_json(app, branches):
    early, _, officer, supervisor = branches
    grading.apply_grading(early, 2022, grading.GradingRequest("self_assess", FIVE), officer)
    grading.apply_grading(early, 2022, grading.GradingRequest("confirm", FIVE, on=date(2022, 12, 1)), supervisor)
    result = app.test_cli_runner().invoke(args=["quality", "--json", "--year", "2022", "--as-of", "2022-12-31"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["levels"]["five_star"] == 1 and data["five_star_over_cap"] is True
    assert data["warnings"]["no_activity"] == 2 and data["by_street"][0]["branches"] == 2
    bad = app.test_cli_runner().invoke(args=["quality", "--street", "没有这个街道"])
    assert bad.exit_code == 2 and "没有名为" in bad.output


def test_the_grading_page(app, branches):
    early, _, _, _ = branches
    officer = app.test_client()
    login(officer, "officer_a")
    page = officer.get(f"/quality/orgs/{early.id}/grading?year=2022").get_data(as_text=True)
    assert "提交自评" in page and "复核认定</button>" not in page
    form = {"leadership": "20", "members": "18", "org_life": "18", "rules": "17", "impact": "17"}
    bad = officer.post(f"/quality/orgs/{early.id}/grading?year=2022", data=dict(form, leadership="120", event="self_assess"))
    assert bad.status_code == 400 and "得分须在0到100之间" in bad.get_data(as_text=True), bad.get_data(as_text=True)
    done = officer.post(f"/quality/orgs/{early.id}/grading?year=2022", data=dict(form, event="self_assess"),
                        follow_redirects=True)
    assert "已自评" in done.get_data(as_text=True)
    supervisor = app.test_client()
    login(supervisor, "supervisor")
    done = supervisor.post(f"/quality/orgs/{early.id}/grading?year=2022", data=dict(form, event="confirm"),
                           follow_redirects=True)
    assert "已复核认定" in done.get_data(as_text=True) and "五星级" in done.get_data(as_text=True)


def test_the_demo_district_has_a_year_of_branch_life(app):
    from orgbuild.demo.service import generate_district

    result = generate_district(400)
    figures = grading.quality_figures(Scope(), 2022, date(2022, 12, 31))
    assert figures["branches"] == result["founded"] + result["party_and_league"]
    assert 0 < figures["eligible"] < figures["branches"]
    assert figures["graded"] == figures["eligible"] == result["gradings"]
    assert sum(figures["levels"].values()) == figures["graded"]
    assert figures["warnings"]["no_activity"] > 0 and result["activities"] > figures["branches"]


def test_the_dashboard_quality_section_for_supervisors_only(app, branches):
    supervisor = app.test_client()
    login(supervisor, "supervisor")
    text = supervisor.get("/dashboard/?year=2022&as_of=2022-12-31").get_data(as_text=True)
    assert "支部建设质量（2022年对标定级）" in text and "团组织2个，应参加定级1个" in text
    officer = app.test_client()
    login(officer, "officer_a")
    assert "支部建设质量" not in officer.get("/dashboard/?year=2022").get_data(as_text=True)
