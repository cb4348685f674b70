"""The issue's acceptance figures on the demo district: 1,942 surveyed, 420 party organisations,
36 / 36 onboarded = 100.0 %, 60 new branches against 56 = 107.1 % — in the service, the command
line, the API and the dashboard alike."""
from __future__ import annotations

import json

import pytest

from orgbuild.demo import service as demo
from orgbuild.progress import figures as progress
from tests.conftest import login


@pytest.fixture
def demo_district(app, make_user):
    """The default demo district (2022), and a supervisor to look at it."""
    demo.generate_district()
    make_user("boss", role="supervisor")


def check_figures(p: dict) -> None:
    """The reference figures of the 2022 report."""
    assert p["year"] == 2022 and p["scope"] == "district"
    assert (p["surveyed"], p["party_orgs"]) == (1942, 420)
    assert (p["party_and_league"], p["party_no_league"]) == (36, 384)
    assert (p["onboarded"], p["onboarding_target"], p["onboarding_pct"]) == (36, 36, 100.0)
    assert (p["established"], p["new_branch_target"], p["new_branch_pct"]) == (60, 56, 107.1)


def test_demo_figures_everywhere(demo_district, client, runner):
    service = progress.progress_for(None, year=2022)
    check_figures(service)
    result = runner.invoke(args=["progress", "--json", "--year", "2022"])
    assert result.exit_code == 0, result.output
    cli = json.loads(result.output)
    check_figures(cli)
    login(client, "boss")
    api = client.get("/api/v1/progress?year=2022").get_json()
    check_figures(api)
    assert api == cli
    html = client.get("/dashboard/?year=2022").get_data(as_text=True)
    assert "1942" in html and "107.1%" in html and "100.0%" in html
    assert "共摸底排查企业1942家、已建党“两新”组织420家；" in html
    assert "完成已建党已建团“两新”组织进驻“智慧团建”36家，100%完成入驻；" in html
    assert "已建党未建团“两新”组织新建团60家，107.1%完成建团。" in html


def test_demo_default_year_is_2022(demo_district, runner):
    assert json.loads(runner.invoke(args=["progress", "--json"]).output)["year"] == 2022
