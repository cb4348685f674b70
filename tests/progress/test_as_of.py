"""Figures as of a date (DOMAIN.md "Campaign years"): work recorded today never changes 2022's
figures; the monthly series equals the figures as of each month's end; closing, ineligibility and
reverts are dated; the as-of date is checked everywhere it is taken."""
from __future__ import annotations

import calendar
import json
from datetime import date

import pytest
from sqlalchemy import select

from orgbuild.campaign import actions
from orgbuild.demo import service as demo
from orgbuild.extensions import db
from orgbuild.imports import service as survey_import
from orgbuild.models import Organization, Street, User
from orgbuild.progress import figures as progress
from tests.conftest import credit_code, login
from tests.flows import TODAY, establish, onboard, visit
from tests.imports.conftest import HEADER, row
from tests.progress.conftest import add_org

REFERENCE = {"surveyed": 1942, "party_orgs": 420, "onboarded": 36, "onboarding_target": 36,
             "onboarding_pct": 100.0, "established": 60, "new_branch_target": 56, "new_branch_pct": 107.1,
             "as_of": "2022-12-31"}


@pytest.fixture
def demo_district(app, make_user):
    """The demo district, a supervisor and the 翠竹 demo officer."""
    demo.load_demo()
    make_user("boss", role="supervisor")
    return db.session.scalar(select(User).where(User.username == "officer-cuizhu"))


def cli_progress(runner, *args) -> dict:
    """`progress --json …` as a dict (exit 0 asserted)."""
    result = runner.invoke(args=["progress", "--json", *args])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def open_org(officer, *, visited: bool) -> Organization:
    """A 翠竹 已建党未建团 organisation in the demo, never visited or already visited."""
    status = "visited" if visited else "surveyed"
    return db.session.scalar(
        select(Organization).where(Organization.street_id == officer.streets[0].id, Organization.status == status,
                                   Organization.has_party_org.is_(True), Organization.has_league_org.is_(False))
        .order_by(Organization.id).limit(1)
    )


def test_work_recorded_today_leaves_2022_alone(demo_district, runner, tmp_path, client):
    officer = demo_district
    before = cli_progress(runner, "--year", "2022")
    assert {k: before[k] for k in REFERENCE} == REFERENCE

    visit(open_org(officer, visited=False), officer)  # a first visit today
    founding = open_org(officer, visited=True)
    visit(founding, officer)
    establish(founding, officer)  # a founding today
    onboard(founding, officer)  # and its onboarding today
    path = tmp_path / "today.csv"
    path.write_text(",".join(HEADER) + "\n" + ",".join(row(credit_code(), name="今天导入的公司")) + "\n", encoding="utf-8")
    report = survey_import.run_import(str(path))
    assert report.created == 1 and report.committed

    after = cli_progress(runner, "--year", "2022")
    assert after == before  # every figure, per street and per month too
    login(client, "boss")
    assert client.get("/api/v1/progress?year=2022").get_json() == after
    this_year = cli_progress(runner, "--year", str(TODAY.year))
    assert this_year["established"] >= 1 and this_year["as_of"] == TODAY.isoformat()


def test_figures_as_of_mid_year_and_the_monthly_series(demo_district, runner):
    june = cli_progress(runner, "--as-of", "2022-06-30")
    year_end = cli_progress(runner, "--year", "2022")
    assert june["year"] == 2022 and june["as_of"] == "2022-06-30"
    for key in ("visited", "established", "onboarded"):
        assert june[key] < year_end[key], key
    assert june["surveyed"] <= year_end["surveyed"]
    for key in ("surveyed", "party_orgs", "visited", "established", "onboarded", "ineligible"):
        assert sum(r[key] for r in june["by_street"]) == june[key], key
    series = year_end["monthly"]
    for month in range(1, 13):
        end = date(2022, month, calendar.monthrange(2022, month)[1])
        at = progress.progress_for(None, as_of=end)
        assert (series[month - 1]["founded"], series[month - 1]["onboarded"]) == (at["established"], at["onboarded"]), end
    assert june["monthly"][5]["founded"] == june["established"] and june["monthly"][6]["founded"] is None


def test_closing_ineligibility_and_reverts_are_dated(app, make_user):
    boss = make_user("boss", role="supervisor")
    a = add_org("东门", status="visited", visits=((date(2022, 3, 1), None, None),), surveyed_on=date(2022, 1, 5))
    b = add_org("东门", surveyed_on=date(2022, 1, 5))
    db.session.commit()
    before = progress.progress_for(None, year=2022)
    for org, event in ((a, "close"), (b, "mark_ineligible")):
        actions.apply_transition(org, actions.TransitionRequest(event, reason="核实"), boss)
    assert progress.progress_for(None, year=2022) == before  # closed / ineligible today, not in 2022
    now = progress.progress_for(None, year=TODAY.year)
    assert now["surveyed"] == 1 and now["ineligible"] == 1 and a.closed_on == TODAY
    actions.apply_transition(b, actions.TransitionRequest("reopen", reason="重新核实"), boss)
    assert progress.progress_for(None, year=TODAY.year)["ineligible"] == 0
    actions.apply_transition(a, actions.TransitionRequest("revert", reason="关闭有误"), boss)
    assert a.closed_on is None and progress.progress_for(None, year=TODAY.year)["surveyed"] == 2
    actions.apply_transition(b, actions.TransitionRequest("mark_ineligible", reason="再次核实"), boss)
    actions.apply_transition(b, actions.TransitionRequest("revert", reason="误标"), boss)
    assert progress.progress_for(None, year=TODAY.year)["ineligible"] == 0  # the undone step no longer counts


def test_survey_date_bounds_the_figures(app, make_user):
    add_org("东门", surveyed_on=date(2022, 5, 2))
    db.session.commit()
    assert progress.progress_for(None, as_of=date(2022, 5, 1))["surveyed"] == 0
    assert progress.progress_for(None, as_of=date(2022, 5, 2))["surveyed"] == 1
    officer = make_user("wang", streets=["东门"])
    org = actions.create_organization(actions.SurveyData(credit_code=credit_code(), name="补录公司",
                                                         street_id=db.session.scalar(select(Street.id).where(Street.short_name == "东门")),
                                                         surveyed_on=date(2022, 4, 1)), officer)
    assert org.surveyed_on == date(2022, 4, 1)
    assert progress.progress_for(None, as_of=date(2022, 5, 1))["surveyed"] == 1
    with pytest.raises(actions.ServiceError) as refused:
        actions.create_organization(actions.SurveyData(credit_code=credit_code(), name="未来公司", street_id=org.street_id,
                                                       surveyed_on=date(TODAY.year + 1, 1, 1)), officer)
    assert refused.value.errors[0][0] == "surveyed_on"


def test_as_of_outside_the_year_is_refused(app, runner, client, make_user):
    result = runner.invoke(args=["progress", "--year", "2022", "--as-of", "2023-01-01"])
    assert result.exit_code == 2 and "截至日期应在2022年内" in result.output
    assert runner.invoke(args=["progress", "--as-of", "2022-02-30"]).exit_code == 2
    make_user("boss", role="supervisor")
    login(client, "boss")
    assert client.get("/api/v1/progress?year=2022&as_of=2023-01-01").status_code == 400
    assert client.get("/api/v1/progress?as_of=yesterday").status_code == 400
    assert client.get("/api/v1/progress?as_of=2022-03-31").get_json()["as_of"] == "2022-03-31"
    page = client.get("/dashboard/?year=2022&as_of=2023-01-05", follow_redirects=True).get_data(as_text=True)
    assert "已改为该年度的默认截至日期" in page and "数据截至 2022年12月31日" in page


def test_dashboard_says_which_figures_are_cumulative(district, client, make_user):
    make_user("boss", role="supervisor")
    login(client, "boss")
    html = client.get("/dashboard/?year=2022&as_of=2022-05-31").get_data(as_text=True)
    assert "数据截至 2022年5月31日" in html and "摸底排查（累计）" in html and "本年（2022年1月1日至 2022年5月31日）" in html
    assert "截至2022年5月31日，共摸底排查企业" in html
    csv_text = client.get("/exports/streets.csv?year=2022&as_of=2022-05-31").data.decode("utf-8-sig")
    assert csv_text.splitlines()[-1].split(",")[7] == "1"  # E founded 10 May; F on 1 June is later


def test_back_dated_visit_counts_on_its_date(app, make_user):
    officer = make_user("wang", streets=["东门"])
    org = add_org("东门", surveyed_on=date(2022, 1, 5))
    db.session.commit()
    assert progress.progress_for(None, year=2022)["visited"] == 0
    actions.apply_transition(org, actions.TransitionRequest("record_visit", visit_date=date(2022, 5, 6), outcome="willing"), officer)
    actions.apply_transition(org, actions.TransitionRequest("record_visit", visit_date=date(2022, 3, 2), outcome="willing"), officer)
    db.session.expire_all()
    assert db.session.get(Organization, org.id).first_visited_on == date(2022, 3, 2)  # the earliest visit
    assert progress.progress_for(None, as_of=date(2022, 3, 1))["visited"] == 0
    assert progress.progress_for(None, as_of=date(2022, 3, 2))["visited"] == 1
