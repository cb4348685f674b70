"""Progress figures on a small hand-built district (tests/progress/conftest.py)."""
from __future__ import annotations

from datetime import date

from orgbuild.extensions import db
from orgbuild.models import Street
from orgbuild.progress import figures as progress
from tests.progress.conftest import add_org, set_target

TODAY = date(2023, 1, 15)


def by_street(p, name):
    """The per-street row of a street by its short name."""
    return next(r for r in p["by_street"] if r["street"].startswith(name))


def test_district_figures(district):
    p = progress.progress_for(None, year=2022, today=TODAY)
    assert p["year"] == 2022 and p["scope"] == "district"
    assert (p["surveyed"], p["party_orgs"], p["party_and_league"], p["party_no_league"]) == (9, 8, 2, 6)
    assert (p["visited"], p["visit_coverage_pct"]) == (3, 50.0)
    assert (p["established"], p["new_branch_target"], p["new_branch_pct"]) == (2, 2, 100.0)
    assert (p["onboarded"], p["onboarding_target"], p["onboarding_pct"]) == (1, 2, 50.0)
    assert p["onboarding_target_derived"] is True
    assert p["ineligible"] == 1
    assert p["visit_target"] is None and p["visit_pct"] is None
    assert p["overdue_followups"] is None  # today's work list, not a figure of 31 December
    assert progress.progress_for(None, year=2022, today=date(2022, 12, 31))["overdue_followups"] == 1


def test_design_keys_present(district):
    p = progress.progress_for(None, year=2022, today=TODAY)
    keys = ["year", "scope", "surveyed", "party_orgs", "party_and_league", "party_no_league", "visited",
            "visit_coverage_pct", "established", "new_branch_target", "new_branch_pct", "onboarded",
            "onboarding_target", "onboarding_pct", "ineligible", "by_street"]
    assert all(k in p for k in keys)
    assert all(k in p["by_street"][0] for k in keys[2:-1] + ["street"])


def test_closed_excluded_and_reverted_not_counted(district):
    p = progress.progress_for(None, year=2022, today=TODAY)
    cuizhu, sungang = by_street(p, "翠竹"), by_street(p, "笋岗")
    assert cuizhu["surveyed"] == 7  # G is closed
    assert cuizhu["established"] == 2  # G's founding is not counted, E and F are
    assert sungang["established"] == 0  # I founded in 2021, J's founding was reverted
    assert p["established"] == 2


def test_street_targets_zero_none_and_empty_street(district):
    p = progress.progress_for(None, year=2022, today=TODAY)
    cuizhu, sungang, guiyuan = by_street(p, "翠竹"), by_street(p, "笋岗"), by_street(p, "桂园")
    assert cuizhu["new_branch_target"] == 0 and cuizhu["new_branch_pct"] is None  # zero target: no division
    assert sungang["new_branch_target"] is None and sungang["new_branch_pct"] is None
    assert guiyuan["surveyed"] == 0 and guiyuan["visit_coverage_pct"] is None
    assert guiyuan["onboarding_target"] == 0 and guiyuan["onboarding_pct"] is None
    assert len(p["by_street"]) == 10


def test_no_target_year(district):
    p = progress.progress_for(None, year=2021, today=TODAY)
    assert p["established"] == 1  # I
    assert p["new_branch_target"] is None and p["new_branch_pct"] is None


def test_officer_scope(district):
    p = progress.progress_for(district["zhang"], year=2022, today=TODAY)
    assert p["scope"] == "翠竹街道"
    assert [r["street"] for r in p["by_street"]] == ["翠竹街道"]
    assert p["surveyed"] == 7 and p["established"] == 2
    # a part of the district uses its own street's target (0 → no percentage), not the district's
    assert p["new_branch_target"] == 0 and p["new_branch_pct"] is None


def test_officer_cannot_ask_for_another_street(district):
    try:
        progress.scope_for(district["zhang"], street_name="笋岗")
    except progress.ScopeError as error:
        assert error.outside and "不负责" in error.message
    else:
        raise AssertionError("expected ScopeError")


def test_street_name_forms(district):
    a = progress.progress_for(None, year=2022, street="翠竹", today=TODAY)
    b = progress.progress_for(None, year=2022, street="翠竹街道", today=TODAY)
    assert a == b and a["scope"] == "翠竹街道" and a["surveyed"] == 7


def test_percentage_over_100(app):
    for _ in range(60):
        add_org("东门", founded=date(2022, 4, 1), status="established")
    set_target(2022, "new_branches", 56)
    db.session.commit()
    p = progress.progress_for(None, year=2022, today=TODAY)
    assert (p["established"], p["new_branch_target"], p["new_branch_pct"]) == (60, 56, 107.1)


def test_pct_rounding():
    assert progress.pct(60, 56) == 107.1
    assert progress.pct(307, 240) == 127.9
    assert progress.pct(60, 55) == 109.1
    assert progress.pct(5, 0) is None and progress.pct(5, None) is None


def test_explicit_onboarding_target(district):
    set_target(2022, "onboarded", 4)
    set_target(2022, "visited", 3)
    db.session.commit()
    p = progress.progress_for(None, year=2022, today=TODAY)
    assert (p["onboarding_target"], p["onboarding_pct"], p["onboarding_target_derived"]) == (4, 25.0, False)
    assert (p["visit_target"], p["visit_pct"]) == (3, 100.0)


def test_district_target_from_street_targets(app):
    add_org("东门", founded=date(2022, 4, 1), status="established")
    for s in db.session.scalars(db.select(Street)):
        set_target(2022, "new_branches", 1, s.short_name)
    db.session.commit()
    p = progress.progress_for(None, year=2022, today=TODAY)
    assert (p["new_branch_target"], p["new_branch_pct"]) == (10, 10.0)


def test_by_officer(district):
    p = progress.progress_for(None, year=2022, today=TODAY)
    zhang = next(o for o in p["by_officer"] if o["officer"] == "zhang")
    assert (zhang["surveyed"], zhang["party_no_league"], zhang["visited"]) == (2, 2, 2)  # D and E
    assert (zhang["established"], zhang["onboarded"], zhang["visit_coverage_pct"]) == (1, 0, 100.0)
    nobody = p["by_officer"][-1]
    assert nobody["officer_id"] is None and nobody["surveyed"] == 7
    assert sum(o["established"] for o in p["by_officer"]) == p["established"]


def test_my_work(district):
    from orgbuild.progress.queries import my_work

    work = my_work(district["zhang"], 2022)
    assert work == {"visits": 5, "orgs_visited": 4, "established": 2, "onboarded": 2}  # closed G's visit too


def test_monthly_series(district):
    months = progress.progress_for(None, year=2022, today=TODAY)["monthly"]
    assert len(months) == 12 and months[0]["month"] == "2022-01"
    founded = [m["founded"] for m in months]
    # G was founded on 1 February and closed on 1 March: it counts at the end of February only
    assert founded[:4] == [0, 1, 0, 0] and founded[4] == 1 and founded[5:] == [2] * 7
    onboarded = [m["onboarded"] for m in months]
    assert onboarded[:2] == [0, 0] and onboarded[2:] == [1] * 10  # B in March; F is not 已建党已建团
    assert months[0]["new_branch_target"] == 2


def test_monthly_future_months_empty(district):
    months = progress.progress_for(None, year=2022, today=date(2022, 5, 20))["monthly"]
    assert months[4]["founded"] == 1 and months[5]["founded"] is None


def test_funnel(district):
    funnel = progress.progress_for(None, year=2022, today=TODAY)["funnel"]
    assert [(s["stage"], s["count"]) for s in funnel] == [
        ("surveyed", 9), ("party_orgs", 8), ("visited", 3), ("established", 2), ("onboarded", 1)]


def test_default_year(app):
    assert progress.default_year(date(2026, 5, 1)) == 2026
    add_org("东门", founded=date(2022, 4, 1))
    db.session.commit()
    assert progress.default_year(date(2026, 5, 1)) == 2022


def test_revert_through_the_service(district, make_user):
    """A founding reverted with the status machine no longer counts."""
    from orgbuild.campaign import actions
    from orgbuild.models import StatusEvent

    boss = make_user("boss", role="supervisor")
    org = district["orgs"]["E"]
    db.session.add(StatusEvent(organization_id=org.id, from_status="visited", to_status="established",
                               transition="establish", actor_id=boss.id))
    db.session.commit()
    actions.apply_transition(org, actions.TransitionRequest(event="revert", reason="误操作，撤回"), boss)
    p = progress.progress_for(None, year=2022, today=TODAY)
    assert p["established"] == 1 and org.status == "visited"
