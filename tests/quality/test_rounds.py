"""Grading rounds as records: a year's date, the cut-off eligibility counts back six months from,
the five-star cap that warns when exceeded."""
from __future__ import annotations

from datetime import date

import pytest

from orgbuild.campaign.actions import ServiceError
from orgbuild.domain.quality import Scores
from orgbuild.models import AuditEvent, GradingRound
from orgbuild.progress.scope import Scope
from orgbuild.quality import grading
from tests.conftest import login
from tests.flows import count, establish, visit

FIVE = Scores(20, 18, 18, 17, 17)
THREE = Scores(15, 15, 15, 15, 15)


@pytest.fixture
def branches(app, make_user, make_org):
    """Three 团支部 of 翠竹 founded in 2022: 10 January, 1 March, 20 April; a mobile one; an officer, a supervisor."""
    officer = make_user("officer_a", "officer", ["翠竹"])
    supervisor = make_user("supervisor", "supervisor")
    orgs = []
    for n, founded in enumerate((date(2022, 1, 10), date(2022, 3, 1), date(2022, 4, 20))):
        org = make_org("翠竹", name=f"翠竹轮次{n}科技有限公司")
        visit(org, officer)
        establish(org, officer, founded_on=founded, secretary="王书记")
        orgs.append(org)
    mobile = make_org("翠竹", name="翠竹流动科技有限公司")
    visit(mobile, officer)
    establish(mobile, officer, founded_on=date(2022, 1, 5), secretary="赵书记", branch_type="mobile_branch")
    return orgs, mobile, officer, supervisor


def test_a_branch_founded_five_months_before_the_cut_off_is_not_eligible(branches):
    (january, march, april), mobile, _, supervisor = branches
    # the round's cut-off 20 September 2022: founded by 20 March are graded
    grading.set_round(2022, grading.RoundData(date(2022, 10, 15), date(2022, 9, 20), 20), supervisor)
    assert grading.cutoff(2022) == date(2022, 3, 20) and grading.grading_day(2022) == date(2022, 10, 15)
    assert grading.eligibility(january, 2022) is None and grading.eligibility(march, 2022) is None
    assert "晚于本轮定级的成立日期截止日2022-03-20" in grading.eligibility(april, 2022)  # five months before
    assert grading.eligibility(mobile, 2022) == "流动团支部和临时团支部不参加定级"
    figures = grading.quality_figures(Scope(), 2022, date(2022, 12, 31))
    assert figures["branches"] == 4 and figures["eligible"] == 2
    assert figures["round"] == {"recorded": True, "held_on": "2022-10-15", "cutoff_on": "2022-09-20", "closed_on": None}
    # without a round the configured day applies (1 December: founded by 1 June)
    assert grading.cutoff(2023) == date(2023, 6, 1)


def test_round_refusals_and_audit(branches):
    _, _, officer, supervisor = branches
    with pytest.raises(ServiceError, match="只有团区委"):
        grading.set_round(2022, grading.RoundData(date(2022, 12, 1), date(2022, 12, 1), 20), officer)
    with pytest.raises(ServiceError) as refused:
        grading.set_round(2022, grading.RoundData(date(2023, 1, 1), date(2023, 2, 1), 101), supervisor)
    assert [f for f, _ in refused.value.errors] == ["held_on", "cutoff_on", "five_star_cap"]
    assert count(GradingRound) == 0
    grading.set_round(2022, grading.RoundData(date(2022, 12, 1), date(2022, 12, 1), 20), supervisor)
    grading.set_round(2022, grading.RoundData(date(2022, 12, 10), date(2022, 12, 1), 30), supervisor)
    assert count(GradingRound) == 1 and grading.five_star_cap(2022) == 30
    assert count(AuditEvent, object_type="grading_round") == 2


def test_the_five_star_cap_warns_when_exceeded(app, branches):
    (january, march, _), _, officer, supervisor = branches
    grading.set_round(2022, grading.RoundData(date(2022, 12, 1), date(2022, 12, 1), 50), supervisor)
    for org, scores in ((january, FIVE), (march, THREE)):
        grading.apply_grading(org, 2022, grading.GradingRequest("self_assess", scores), officer)
        grading.apply_grading(org, 2022, grading.GradingRequest("confirm", scores, on=date(2022, 12, 5)), supervisor)
    figures = grading.quality_figures(Scope(), 2022, date(2022, 12, 31))
    assert figures["five_star_pct"] == 50.0 and figures["five_star_cap_pct"] == 50 and not figures["five_star_over_cap"]
    grading.set_round(2022, grading.RoundData(date(2022, 12, 1), date(2022, 12, 1), 40), supervisor)
    figures = grading.quality_figures(Scope(), 2022, date(2022, 12, 31))
    assert figures["five_star_over_cap"]
    client = app.test_client()
    login(client, "supervisor")
    page = client.get("/quality/rounds?year=2022").get_data(as_text=True)
    assert "五星级占比50.0%，超过40%的上限" in page


def test_the_rounds_page(app, branches):
    client = app.test_client()
    login(client, "supervisor")
    assert "尚未设置定级轮次" in client.get("/quality/rounds?year=2022").get_data(as_text=True)
    bad = client.post("/quality/rounds", data={"year": "2022", "held_on": "2022-12-01", "cutoff_on": "2022-12-20",
                                                "five_star_cap": "20"})
    assert bad.status_code == 400 and "截止日期不能晚于定级日期" in bad.get_data(as_text=True)
    done = client.post("/quality/rounds", data={"year": "2022", "held_on": "2022-12-01", "cutoff_on": "2022-11-01",
                                                 "five_star_cap": "25"}, follow_redirects=True)
    assert "已保存2022年定级轮次" in done.get_data(as_text=True)
    assert grading.cutoff(2022) == date(2022, 5, 1)
    officer = app.test_client()
    login(officer, "officer_a")
    assert officer.get("/quality/rounds").status_code == 403
