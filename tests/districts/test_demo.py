"""The demo with a second district: ``flask demo --district futian`` loads Futian beside Luohu (its
streets, organisations, accounts and target) without changing any of Luohu's figures; the city
supervisor sees both, each district supervisor their own."""
from __future__ import annotations

import json

from sqlalchemy import func, select

from orgbuild.demo import service as demo
from orgbuild.extensions import db
from orgbuild.models import District, Organization, Street, User
from tests.conftest import login

#: The demo invariant (DESIGN.md, README): Luohu's 2022 figures.
LUOHU_2022 = {"surveyed": 1942, "party_orgs": 420, "party_and_league": 36, "onboarded": 36, "onboarding_target": 36,
              "established": 60, "new_branch_target": 56, "new_branch_pct": 107.1}


def progress(runner, *args) -> dict:
    """The progress object the command prints."""
    result = runner.invoke(args=["progress", "--json", "--year", "2022", *args])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def headline(p: dict) -> dict:
    """The figures of the demo invariant."""
    return {k: p[k] for k in LUOHU_2022}


def test_a_second_demo_district_leaves_luohus_figures_alone(runner, client):
    first = runner.invoke(args=["demo"])
    assert first.exit_code == 0, first.output
    alone = progress(runner)
    assert headline(alone) == LUOHU_2022

    second = runner.invoke(args=["demo", "--district", "futian"])
    assert second.exit_code == 0, second.output
    assert "组织 1200 家" in second.output and "1942" not in second.output
    for name in ("supervisor-futian", "officer-yuanling", "officer-huaqiangbei", "city-supervisor"):
        assert name in second.output
    luohu = progress(runner, "--district", "luohu")
    assert {k: v for k, v in luohu.items() if k != "by_district"} == {k: v for k, v in alone.items() if k != "by_district"}
    futian_id = db.session.scalar(select(District.id).where(District.code == "futian"))
    futian_orgs = select(func.count(Organization.id)).join(Street).where(Street.district_id == futian_id)
    assert db.session.scalar(futian_orgs) == 1200
    assert db.session.scalar(select(func.count()).select_from(Organization).where(
        Organization.credit_code.like("__440304%"))) == 1200  # Futian's area code in the credit codes

    city = progress(runner)
    assert city["scope"] == "city" and [r["district"] for r in city["by_district"]] == ["luohu", "futian"]
    assert headline(city["by_district"][0]) == LUOHU_2022
    futian = city["by_district"][1]
    assert city["surveyed"] == 1942 + futian["surveyed"] and city["established"] == 60 + futian["established"]
    assert futian["new_branch_target"] is not None and city["new_branch_target"] == 56 + futian["new_branch_target"]

    again = runner.invoke(args=["demo", "--district", "futian"])
    assert again.exit_code == 0 and "演示区已载入" in again.output
    assert db.session.scalar(select(func.count(Organization.id))) == 1942 + 1200

    users = {u.username: u for u in db.session.scalars(select(User))}
    assert users["supervisor"].district.code == "luohu" and users["supervisor-futian"].district.code == "futian"
    assert users["city-supervisor"].district is None and users["officer-yuanling"].streets[0].short_name == "园岭"
    login(client, "city-supervisor", demo.DEMO_PASSWORD)
    page = client.get("/dashboard/?year=2022").get_data(as_text=True)
    assert "各区进度" in page and "福田区" in page and "107.1%" in page
    client.post("/logout")
    login(client, "supervisor-futian", demo.DEMO_PASSWORD)
    assert client.get("/api/v1/progress?year=2022").get_json()["surveyed"] == futian["surveyed"]


def test_the_demo_refuses_an_unknown_district(runner):
    result = runner.invoke(args=["demo", "--district", "nanshan"])
    assert result.exit_code == 2 and "未知的区：nanshan" in result.output
    assert db.session.scalar(select(func.count(Organization.id))) == 0
