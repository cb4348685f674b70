"""Users of the city, of a district or of streets (policy.py), and the figures each sees: a district's
own figures and targets, the city's roll-up with one row per district, on the command line, the
API, the dashboard, the exports and the targets page."""
from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import select

from orgbuild import policy
from orgbuild.districts.reference import load_reference
from orgbuild.extensions import db
from orgbuild.models import District, Street, Target
from orgbuild.progress import figures as progress
from tests.conftest import login
from tests.progress.conftest import add_org, district_id, set_target

TODAY = date(2023, 1, 15)
D = date


def luohu_orgs() -> None:
    """翠竹: one founded in 2022, one 已建党已建团 onboarded, one without a party organisation."""
    add_org("翠竹", status="established", visits=((D(2022, 3, 1), None, None),), founded=D(2022, 4, 1))
    add_org("翠竹", league=True, status="onboarded", onboarded=D(2022, 5, 1))
    add_org("翠竹", party=False)


@pytest.fixture
def city(app, make_user):
    """Luohu and Futian: three organisations in 翠竹, two in 园岭; district targets 2 (Luohu) and 4
    (Futian), 园岭's own target 3; a supervisor of the city, one of each district, an officer of 园岭."""
    load_reference("futian")
    luohu_orgs()
    add_org("园岭", status="established", visits=((D(2022, 2, 1), None, None),), founded=D(2022, 6, 1))
    add_org("园岭", status="visited", visits=((D(2022, 2, 2), None, None),))
    set_target(2022, "new_branches", 2)
    set_target(2022, "new_branches", 4, district="futian")
    set_target(2022, "new_branches", 3, "园岭")
    db.session.commit()
    return {
        "city": make_user("city_boss", "supervisor"),
        "luohu": make_user("luohu_boss", "supervisor", district="luohu"),
        "futian": make_user("futian_boss", "supervisor", district="futian"),
        "officer": make_user("yuanling_officer", "officer", ["园岭"]),
        "mixed": make_user("two_streets", "supervisor", ["翠竹", "园岭"]),
    }


def figures_of(p: dict) -> tuple:
    """The headline figures of a progress object."""
    return (p["scope"], p["district"], p["surveyed"], p["party_orgs"], p["established"], p["new_branch_target"],
            p["new_branch_pct"], p["onboarded"], p["onboarding_target"])


def street_ids(code: str) -> set[int]:
    """The street ids of a district."""
    return set(db.session.scalars(select(Street.id).where(Street.district_id == district_id(code))))


# --- policy ---------------------------------------------------------------------------------

def test_policy_scopes_from_the_city_to_a_street(city):
    assert policy.street_ids(city["city"]) is None and policy.district_ids(city["city"]) is None
    assert policy.street_ids(city["luohu"]) == street_ids("luohu")
    assert policy.district_ids(city["futian"]) == {district_id("futian")}
    yuanling = db.session.scalar(select(Street.id).where(Street.short_name == "园岭"))
    assert policy.street_ids(city["officer"]) == {yuanling}
    assert policy.district_ids(city["mixed"]) == {district_id("luohu"), district_id("futian")}
    assert not policy.can_see_district(city["luohu"], district_id("futian"))
    assert policy.can_see_district(city["officer"], district_id("futian"))
    assert [d.code for d in db.session.scalars(policy.scope_districts(city["futian"]))] == ["futian"]


# --- figures --------------------------------------------------------------------------------

def test_the_city_rolls_up_its_districts(city):
    p = progress.progress_for(None, year=2022, today=TODAY)
    assert figures_of(p) == ("city", None, 5, 4, 2, 6, 33.3, 1, 1)
    rows = {r["district"]: r for r in p["by_district"]}
    assert list(rows) == ["luohu", "futian"]
    assert (rows["luohu"]["district_name"], rows["luohu"]["surveyed"], rows["luohu"]["new_branch_target"]) == ("罗湖区", 3, 2)
    assert (rows["futian"]["surveyed"], rows["futian"]["established"], rows["futian"]["new_branch_pct"]) == (2, 1, 25.0)
    assert len(p["by_street"]) == 20
    assert progress.progress_for(city["city"], year=2022, today=TODAY)["by_district"] == p["by_district"]


def test_each_district_supervisor_sees_their_own_figures_and_target(city):
    luohu = progress.progress_for(city["luohu"], year=2022, today=TODAY)
    futian = progress.progress_for(city["futian"], year=2022, today=TODAY)
    assert figures_of(luohu) == ("district", "luohu", 3, 2, 1, 2, 50.0, 1, 1)
    assert figures_of(futian) == ("district", "futian", 2, 2, 1, 4, 25.0, 0, 0)
    assert [r["district"] for r in futian["by_district"]] == ["futian"] and len(futian["by_street"]) == 10
    assert progress.progress_for(None, year=2022, district="福田区", today=TODAY) == futian
    assert progress.progress_for(city["city"], year=2022, district=district_id("luohu"), today=TODAY) == luohu


def test_a_second_district_changes_nothing_of_the_firsts_figures(app, make_user):
    luohu_orgs()
    set_target(2022, "new_branches", 2)
    db.session.commit()
    alone = progress.progress_for(None, year=2022, today=TODAY)
    boss = make_user("boss", "supervisor", district="luohu")
    load_reference("futian")
    add_org("园岭", status="established", visits=((D(2022, 2, 1), None, None),), founded=D(2022, 6, 1))
    set_target(2022, "new_branches", 9, district="futian")
    db.session.commit()
    for beside in (progress.progress_for(None, year=2022, district="luohu", today=TODAY),
                   progress.progress_for(boss, year=2022, today=TODAY)):
        assert {k: v for k, v in beside.items() if k != "by_district"} == {k: v for k, v in alone.items() if k != "by_district"}


def test_city_target_district_sums_and_street_sums(city):
    """The city's own target wins for the whole city; a district without its own target takes the
    sum of its streets' when each has one, else the city has none either."""
    db.session.add(Target(year=2022, metric="new_branches", value=10))  # neither street nor district: the city's
    db.session.commit()
    assert progress.progress_for(None, year=2022, today=TODAY)["new_branch_target"] == 10
    assert progress.progress_for(city["luohu"], year=2022, today=TODAY)["new_branch_target"] == 2
    db.session.execute(db.delete(Target).where(Target.district_id.is_not(None) | (Target.value == 10)))
    db.session.commit()
    assert progress.progress_for(city["futian"], year=2022, today=TODAY)["new_branch_target"] is None  # only 园岭 has one
    assert progress.progress_for(None, year=2022, today=TODAY)["new_branch_target"] is None
    for street in db.session.scalars(select(Street).where(Street.district_id == district_id("futian"))):
        if street.short_name != "园岭":
            set_target(2022, "new_branches", 1, street.short_name)
    db.session.commit()
    assert progress.progress_for(city["futian"], year=2022, today=TODAY)["new_branch_target"] == 12


def test_streets_across_districts_are_a_part_not_a_district(city):
    p = progress.progress_for(city["mixed"], year=2022, today=TODAY)
    assert p["scope"] == "翠竹街道、园岭街道" and p["district"] is None and p["by_district"] == []
    assert (p["surveyed"], p["new_branch_target"]) == (5, None)  # 翠竹 has no street target
    officer = progress.progress_for(city["officer"], year=2022, today=TODAY)
    assert (officer["scope"], officer["district"], officer["new_branch_target"]) == ("园岭街道", "futian", 3)


def test_a_district_outside_the_scope_or_unknown_is_refused(city):
    with pytest.raises(progress.ScopeError) as outside:
        progress.scope_for(city["luohu"], district="futian")
    assert outside.value.outside
    with pytest.raises(progress.ScopeError) as unknown:
        progress.scope_for(city["city"], district="nanshan")
    assert not unknown.value.outside and "luohu（罗湖区）、futian（福田区）" in unknown.value.message
    with pytest.raises(progress.ScopeError, match="该街道不属于所选的区"):
        progress.scope_for(None, district="luohu", street_name="园岭")


# --- command line, API, pages ---------------------------------------------------------------

def test_progress_command_by_district(city, runner):
    result = runner.invoke(args=["progress", "--json", "--year", "2022", "--district", "futian"])
    assert result.exit_code == 0, result.output
    assert figures_of(json.loads(result.output)) == ("district", "futian", 2, 2, 1, 4, 25.0, 0, 0)
    table = runner.invoke(args=["progress", "--year", "2022"]).output
    assert "2022 年进度（全市）" in table and "罗湖区" in table and "福田区" in table and "园岭街道" in table
    refused = runner.invoke(args=["progress", "--district", "nanshan"])
    assert refused.exit_code == 2 and "未知的区：nanshan" in refused.output and "Traceback" not in refused.output


def test_api_by_district(city, client):
    login(client, "luohu_boss")
    assert client.get("/api/v1/progress?year=2022").get_json()["surveyed"] == 3
    assert client.get("/api/v1/progress?district=futian").status_code == 404
    assert client.get("/api/v1/progress?street=园岭").status_code == 404
    client.post("/logout")
    login(client, "city_boss")
    assert client.get("/api/v1/progress?year=2022&district=futian").get_json()["surveyed"] == 2
    unknown = client.get("/api/v1/progress?district=nanshan")
    assert unknown.status_code == 400 and "nanshan" in unknown.get_json()["detail"]


def test_dashboard_of_the_city_and_of_a_district(city, client):
    login(client, "city_boss")
    page = client.get("/dashboard/?year=2022").get_data(as_text=True)
    assert "各区进度" in page and "范围：全市" in page and "罗湖区" in page and "福田区" in page
    futian = client.get(f"/dashboard/?year=2022&district={district_id('futian')}").get_data(as_text=True)
    assert "范围：福田区" in futian and "各区进度" not in futian and "园岭街道" in futian and "翠竹街道" not in futian
    client.post("/logout")
    login(client, "futian_boss")
    own = client.get("/dashboard/?year=2022").get_data(as_text=True)
    assert "范围：福田区" in own and "翠竹街道" not in own and "各区进度" not in own
    assert client.get(f"/dashboard/?district={district_id('luohu')}").status_code == 404
    csv = client.get("/exports/streets.csv?year=2022").get_data(as_text=True)
    assert "园岭街道" in csv and "翠竹街道" not in csv


def test_targets_page_edits_one_district(city, client):
    login(client, "futian_boss")
    page = client.get("/targets/?year=2022").get_data(as_text=True)
    assert "园岭街道" in page and "翠竹街道" not in page and 'value="4"' in page
    assert client.get(f"/targets/?year=2022&district={district_id('luohu')}").status_code == 404
    yuanling = db.session.scalar(select(Street.id).where(Street.short_name == "园岭"))
    saved = client.post("/targets/?year=2022", data={"new_branches-district": "5", f"new_branches-{yuanling}": "3"})
    assert saved.status_code == 302
    rows = {(t.district_id, t.street_id): t.value for t in db.session.scalars(select(Target).where(Target.year == 2022))}
    assert rows == {(district_id("luohu"), None): 2, (district_id("futian"), None): 5, (None, yuanling): 3}
    client.post("/logout")
    login(client, "city_boss")
    chooser = client.get(f"/targets/?year=2022&district={district_id('luohu')}").get_data(as_text=True)
    assert "翠竹街道" in chooser and 'value="2"' in chooser and "福田区" in chooser


def test_saving_targets_of_a_street_of_another_district_is_refused(city):
    from orgbuild.campaign.actions import ServiceError
    from orgbuild.progress import targets

    yuanling = db.session.scalar(select(Street.id).where(Street.short_name == "园岭"))
    luohu = db.session.get(District, district_id("luohu"))
    with pytest.raises(ServiceError):
        targets.save_targets(2022, {targets.field_name("new_branches", yuanling): 9}, city["city"], luohu)
    with pytest.raises(ServiceError):
        targets.save_targets(2022, {targets.field_name("new_branches", None): 9}, city["futian"], luohu)


# --- snapshots and bulletins of a district --------------------------------------------------------

def test_snapshots_follow_the_district_scope(city):
    from orgbuild.progress import bulletins, snapshots

    futian = snapshots.create_snapshot(city["futian"], 2022, as_of=D(2022, 12, 31))
    whole = snapshots.create_snapshot(city["city"], 2022, as_of=D(2022, 12, 31))
    frozen = snapshots.figures_of(futian)["progress"]
    assert (frozen["scope"], frozen["district"], frozen["established"], frozen["new_branch_target"]) == (
        "district", "futian", 1, 4)  # Futian's own target, as on its dashboard
    assert {r["street"] for r in frozen["by_street"]} == {s.name for s in db.session.get(District, district_id("futian")).streets}
    assert snapshots.figures_of(whole)["progress"]["scope"] == "city"
    assert [s.id for s in snapshots.visible(city["futian"])] == [futian.id]
    assert [s.id for s in snapshots.visible(city["luohu"])] == []
    assert {s.id for s in snapshots.visible(city["city"])} == {futian.id, whole.id}
    assert bulletins.for_snapshot(futian)["issuer"] == "共青团深圳市福田区委员会"
    assert bulletins.for_snapshot(whole)["issuer"] == "共青团深圳市委员会"
    ranking = {r["street"]: r for r in bulletins.for_snapshot(futian)["ranking"]}
    assert (ranking["园岭街道"]["rank"], ranking["园岭街道"]["pct"]) == (1, 33.3)
