"""Targets per street (任务分解): the suggested split, baseline and stretch, the roll-up warning, the
demo's street targets, and optimistic saving of the targets page (two people, different fields)."""
from __future__ import annotations

import re

import pytest

from orgbuild.demo import service as demo
from orgbuild.extensions import db
from orgbuild.models import District, Street, Target
from orgbuild.progress import figures as progress
from orgbuild.progress import targets
from tests.conftest import login, street
from tests.progress.conftest import add_org, set_target


def luohu() -> District:
    return db.session.scalar(db.select(District).where(District.code == "luohu"))


def all_streets() -> list[Street]:
    return targets.district_streets(luohu())


def stored(year: int = 2022) -> dict:
    db.session.expire_all()
    return {(t.metric, t.street_id): (t.value, t.baseline, t.stretch)
            for t in db.session.scalars(db.select(Target).where(Target.year == year))}


def test_demo_street_targets_add_up_and_show_completion(app, client, make_user):
    demo.load_demo()
    p = progress.progress_for(None, year=2022)
    assert sum(r["new_branch_target"] for r in p["by_street"]) == 56 == p["new_branch_street_targets"]
    assert all(r["new_branch_pct"] is not None for r in p["by_street"])
    assert (p["new_branch_baseline"], p["new_branch_stretch"]) == (50, 62)
    plan = targets.target_plan(2022, all_streets(), 56)
    assert [x.suggested for x in plan] == [r["new_branch_target"] for r in p["by_street"]]  # the demo used the split
    make_user("boss", role="supervisor")
    login(client, "boss")
    html = client.get("/dashboard/?year=2022").get_data(as_text=True)
    assert "无目标" not in html[html.index("street-table"):html.index("</table>", html.index("street-table"))]
    assert "target-sum-warning" not in html and "保底 50" in html and "冲刺 62" in html


def test_split_suggested_in_proportion(app, client, make_user):
    for _ in range(3):
        add_org("东门")
    add_org("翠竹")
    set_target(2022, "new_branches", 8)
    db.session.commit()
    plan = {x.street_id: x for x in targets.target_plan(2022, all_streets(), 8)}
    assert (plan[street("东门").id].suggested, plan[street("翠竹").id].suggested) == (6, 2)
    assert sum(x.suggested for x in plan.values()) == 8
    make_user("boss", role="supervisor")
    login(client, "boss")
    page = client.get("/targets/?year=2022").get_data(as_text=True)
    assert "任务分解：各街道新建团目标合计 0，全区目标 8。" in page and "10个街道未设目标" in page
    filled = client.get("/targets/?year=2022&suggest=1").get_data(as_text=True)
    assert re.search(rf'name="new_branches-{street("东门").id}"[^>]*value="6"', filled)
    assert stored()[("new_branches", None)] == (8, None, None)  # suggesting saves nothing


def test_baseline_and_stretch(app, make_user):
    boss = make_user("boss", role="supervisor")
    values = {targets.field_name("new_branches", None): 56, targets.field_name("new_branches", None, "baseline"): 50,
              targets.field_name("new_branches", None, "stretch"): 62}
    assert targets.save_targets(2022, values, boss, luohu()) == 3
    assert stored()[("new_branches", None)] == (56, 50, 62)
    for wrong, field in (({"new_branches-district-baseline": 60}, "new_branches-district-baseline"),
                         ({"new_branches-district-stretch": 40}, "new_branches-district-stretch"),
                         ({"new_branches-district": None}, "new_branches-district-baseline")):
        with pytest.raises(targets.ServiceError) as refused:
            targets.save_targets(2022, {**values, **wrong}, boss, luohu())
        assert refused.value.errors[0][0] == field
    assert stored()[("new_branches", None)] == (56, 50, 62)


def test_two_sessions_saving_different_fields_keep_both(app, make_user):
    boss = make_user("boss", role="supervisor")
    streets = all_streets()
    opened = targets.current_values(2022, luohu(), streets)  # both forms opened now
    first = {**opened, "new_branches-district": 56}
    second = {**opened, f"new_branches-{streets[0].id}": 7}
    assert targets.save_targets(2022, first, boss, luohu(), loaded=opened) == 1
    assert targets.save_targets(2022, second, boss, luohu(), loaded=opened) == 1
    assert stored()[("new_branches", None)][0] == 56 and stored()[("new_branches", streets[0].id)][0] == 7
    third = {**opened, "new_branches-district": 60}  # the same field, changed by both: refused
    with pytest.raises(targets.TargetConflict) as conflict:
        targets.save_targets(2022, third, boss, luohu(), loaded=opened)
    assert conflict.value.fields == ["new_branches-district"] and conflict.value.current["new_branches-district"] == 56
    assert stored()[("new_branches", None)][0] == 56


def test_targets_page_merges_two_sessions(app, make_user):
    make_user("boss", role="supervisor")
    make_user("boss2", role="supervisor")
    a, b = app.test_client(), app.test_client()
    login(a, "boss")
    login(b, "boss2")

    def form(client):
        page = client.get("/targets/?year=2022").get_data(as_text=True)
        fields = dict(re.findall(r'name="([\w-]+)" id="[\w-]+" value="([^"]*)"', page))
        fields["loaded"] = re.search(r'name="loaded" value="([^"]*)"', page).group(1).replace("&#34;", '"')
        return fields

    form_a, form_b = form(a), form(b)
    cuizhu = street("翠竹").id
    assert a.post("/targets/?year=2022", data={**form_a, "new_branches-district": "56"}).status_code == 302
    assert b.post("/targets/?year=2022", data={**form_b, f"new_branches-{cuizhu}": "7"}).status_code == 302
    assert stored()[("new_branches", None)][0] == 56 and stored()[("new_branches", cuizhu)][0] == 7
    response = b.post("/targets/?year=2022", data={**form_b, "new_branches-district": "50"})
    assert response.status_code == 400 and "该目标刚被其他人改为“56”" in response.get_data(as_text=True)
    assert stored()[("new_branches", None)][0] == 56
