"""Snapshots and bulletins: a snapshot never changes, its bulletin is the same bytes every time,
back-dated work shows as a correction in the next bulletin; ranking, lights, 环比 and 同比; the
command line, the 进度通报 page, the downloads and the API, scoped by policy."""
from __future__ import annotations

import io
import json
from datetime import date

import docx
import pytest
from sqlalchemy import select

from orgbuild.campaign import actions
from orgbuild.campaign.actions import ServiceError
from orgbuild.demo import service as demo
from orgbuild.extensions import db
from orgbuild.models import Organization, Snapshot, User
from orgbuild.progress import bulletins, documents, snapshots
from tests.conftest import login, street
from tests.progress.conftest import add_org, set_target


@pytest.fixture
def demo_district(app, make_user):
    """The demo district and a supervisor."""
    demo.load_demo()
    return make_user("boss", role="supervisor")


def builds(snapshot: Snapshot) -> dict[str, bytes]:
    """The bulletin of a snapshot in every format."""
    b = bulletins.for_snapshot(snapshot)
    return {fmt: documents.render(b, fmt) for fmt in documents.FORMATS}


def test_snapshot_is_frozen_and_later_bulletins_show_corrections(demo_district, runner):
    boss = demo_district
    first = snapshots.create_snapshot(boss, 2022, as_of=date(2022, 6, 30))
    frozen, files = snapshots.as_json(first), builds(first)
    assert frozen["progress"]["as_of"] == "2022-06-30" and frozen["previous"] is None
    # back-dated work (补录): a visit and a founding recorded today, dated in June 2022
    org = db.session.scalar(select(Organization).where(Organization.status == "visited", Organization.has_league_org.is_(False),
                                                       Organization.street_id == street("东门").id).limit(1))
    actions.apply_transition(org, actions.TransitionRequest("establish", branch={
        "name": org.name + "团支部", "branch_type": "joint_branch", "member_count": 2, "founded_on": date(2022, 6, 15),
        "covered_units": "同楼宇企业"}), boss)
    db.session.expire_all()
    first = db.session.get(Snapshot, first.id)
    assert snapshots.as_json(first) == frozen  # the snapshot still shows its frozen figures
    assert builds(first) == files  # and its bulletin is byte-identical when built again
    drift = snapshots.drift(first)
    assert {"street": None, "figure": "established", "reported": frozen["progress"]["established"],
            "now": frozen["progress"]["established"] + 1} in drift
    assert {"street": "东门街道", "figure": "established"}.items() <= next(
        d for d in drift if d["street"] == "东门街道").items()

    second = snapshots.create_snapshot(None, 2022)
    b = bulletins.for_snapshot(second)
    assert b["previous"] == first.id and b["snapshot"] == second.id and b["as_of"] == "2022-12-31"
    assert any(c["street"] == "东门街道" and c["figure"] == "established" for c in b["corrections"])
    assert any(n.startswith("更正：上期通报东门街道新建团组织数为") for n in b["notes"])
    assert builds(second) == builds(second)
    result = runner.invoke(args=["snapshot", "show", str(first.id)])
    assert result.exit_code == 0 and "此后更正：东门街道 新建团组织数" in result.output


def test_bulletin_ranking_lights_and_comparisons(app):
    for name, target, founded in (("东门", 4, 4), ("翠竹", 4, 2), ("笋岗", 2, 1), ("桂园", 4, 4)):
        set_target(2022, "new_branches", target, name)
        for i in range(founded):
            add_org(name, status="established", founded=date(2022, 1 + i, 3))
    add_org("黄贝", status="established", founded=date(2021, 5, 1), surveyed_on=date(2021, 3, 1))
    add_org("黄贝", status="established", founded=date(2022, 2, 1))
    set_target(2022, "new_branches", 15)
    db.session.commit()
    june = snapshots.create_snapshot(None, 2022, as_of=date(2022, 6, 30))
    b = bulletins.for_snapshot(june)
    assert b["pace_pct"] == 49.6 and b["previous"] is None
    ranks = {r["street"]: (r["rank"], r["pct"], r["light"]) for r in b["ranking"]}
    assert ranks["东门街道"] == (1, 100.0, "green") and ranks["桂园街道"] == (1, 100.0, "green")  # equal pct, equal rank
    assert ranks["翠竹街道"] == (3, 50.0, "green") and ranks["笋岗街道"] == (3, 50.0, "green")
    assert ranks["黄贝街道"] == (None, None, None)  # no street target: not ranked, listed last
    assert [r["street"] for r in b["ranking"]][-1] in ("黄贝街道", "南湖街道", "东湖街道", "莲塘街道", "东晓街道", "清水河街道")
    assert b["same_date_last_year"]["established"] == 1 and b["same_date_last_year"]["as_of"] == "2021-06-30"
    assert any("各街道新建团目标合计14，与全区目标15不一致" in n for n in b["notes"])
    add_org("翠竹", status="established", founded=date(2022, 9, 1))
    db.session.commit()
    october = snapshots.create_snapshot(None, 2022, as_of=date(2022, 10, 31))
    cuizhu = next(r for r in bulletins.for_snapshot(october)["ranking"] if r["street"] == "翠竹街道")
    assert cuizhu["change_since_previous"] == 1 and cuizhu["pct"] == 75.0
    assert cuizhu["light"] == "yellow"  # 75 % against a pace of 83.3 %: up to 10 points behind
    assert set(json.loads(documents.bulletin_json(bulletins.for_snapshot(october)))) >= {
        "title", "year", "as_of", "snapshot", "previous", "district", "ranking"}


def test_traffic_light_red_when_far_behind(app):
    set_target(2022, "new_branches", 10, "东门")
    add_org("东门", status="established", founded=date(2022, 2, 1))
    db.session.commit()
    b = bulletins.for_snapshot(snapshots.create_snapshot(None, 2022, as_of=date(2022, 6, 30)))
    assert next(r for r in b["ranking"] if r["street"] == "东门街道")["light"] == "red"  # 10 % against 49.6 %


def test_docx_holds_the_ranked_table(demo_district):
    snapshot = snapshots.create_snapshot(None, 2022)
    document = docx.Document(io.BytesIO(builds(snapshot)["docx"]))
    texts = [p.text for p in document.paragraphs]
    assert texts[0] == snapshot.title and "共青团深圳市罗湖区委员会" in texts
    assert any(t.startswith("截至2022年12月31日，共摸底排查企业1942家") for t in texts)
    table = document.tables[0]
    assert [c.text for c in table.rows[0].cells][:5] == ["排名", "街道", "新建团组织", "目标", "完成率"]
    body = [[c.text for c in row.cells] for row in table.rows[1:]]
    assert len(body) == 10 and body[0][0] == "1"
    assert sum(int(r[2]) for r in body) == 60 and sum(int(r[3]) for r in body) == 56
    pcts = [float(r[4].rstrip("%")) for r in body]
    assert pcts == sorted(pcts, reverse=True)


def test_snapshot_refusals(app, make_user):
    officer = make_user("wang", streets=["翠竹"])
    with pytest.raises(ServiceError):
        snapshots.create_snapshot(officer, 2022)
    with pytest.raises(ServiceError) as future:
        snapshots.create_snapshot(None, date.today().year + 1, as_of=date(date.today().year + 1, 1, 1))
    assert future.value.errors[0][0] == "as_of"
    with pytest.raises(ServiceError):
        snapshots.create_snapshot(None, 2022, as_of=date(2023, 1, 1))


def test_snapshot_and_bulletin_commands(demo_district, runner, tmp_path):
    result = runner.invoke(args=["snapshot", "create", "--year", "2022", "--as-of", "2022-06-30", "--title", "上半年通报"])
    assert result.exit_code == 0, result.output
    first = int(result.output.strip())
    assert runner.invoke(args=["snapshot", "create", "--year", "2022"]).exit_code == 0
    listed = json.loads(runner.invoke(args=["snapshot", "list", "--json"]).output)
    assert [s["as_of"] for s in listed] == ["2022-12-31", "2022-06-30"] and listed[1]["title"] == "上半年通报"
    shown = json.loads(runner.invoke(args=["snapshot", "show", str(first), "--json"]).output)
    assert shown["progress"]["as_of"] == "2022-06-30" and shown["id"] == first
    assert runner.invoke(args=["snapshot", "show", "999"]).exit_code == 2
    assert runner.invoke(args=["snapshot", "create", "--year", "2022", "--as-of", "2023-02-01"]).exit_code == 2
    for fmt in ("docx", "html", "json"):
        out = tmp_path / f"b.{fmt}"
        result = runner.invoke(args=["bulletin", "--year", "2022", "--snapshot", str(first), "--format", fmt, "-o", str(out)])
        assert result.exit_code == 0, result.output
        again = tmp_path / f"again.{fmt}"
        runner.invoke(args=["bulletin", "--year", "2022", "--snapshot", str(first), "--format", fmt, "-o", str(again)])
        assert out.read_bytes() == again.read_bytes()
    page = (tmp_path / "b.html").read_text(encoding="utf-8")
    assert "<script" not in page and "http" not in page and "上半年通报" in page
    live = tmp_path / "live.json"
    assert runner.invoke(args=["bulletin", "--year", "2022", "--as-of", "2022-09-30", "--format", "json", "-o", str(live)]).exit_code == 0
    data = json.loads(live.read_text(encoding="utf-8"))
    assert data["snapshot"] is None and data["previous"] == first and data["as_of"] == "2022-09-30"
    assert runner.invoke(args=["bulletin", "--year", "2022", "--as-of", "2022-09-30", "--snapshot", str(first),
                               "--format", "json", "-o", str(live)]).exit_code == 2
    assert runner.invoke(args=["bulletin", "--year", "2021", "--snapshot", str(first), "--format", "json",
                               "-o", str(live)]).exit_code == 2
    assert runner.invoke(args=["bulletin", "--year", "2022", "--format", "pdf", "-o", str(live)]).exit_code == 2


def test_bulletin_pages_downloads_and_api_scoped(app, client, make_user):
    add_org("翠竹", status="established", founded=date(2022, 3, 1))
    db.session.commit()
    boss, local = make_user("boss", role="supervisor"), make_user("local", role="supervisor", streets=["翠竹"])
    make_user("wang", streets=["翠竹"])
    district = snapshots.create_snapshot(boss, 2022, as_of=date(2022, 6, 30))
    mine = snapshots.create_snapshot(local, 2022, as_of=date(2022, 6, 30))
    assert mine.scope == "翠竹街道" and district.scope == "district"
    login(client, "boss")
    response = client.post("/bulletins/", data={"year": "2022", "as_of": "2022-09-30", "title": ""})
    assert response.status_code == 302
    created = db.session.scalar(select(Snapshot).order_by(Snapshot.id.desc()).limit(1))
    assert created.previous_id == district.id
    page = client.get(f"/bulletins/{created.id}").get_data(as_text=True)
    assert "各街道新建团组织进度排名" in page and "<svg" in page and created.title in page
    assert client.post("/bulletins/", data={"year": "2022", "as_of": "2022-13-01"}).status_code == 400
    docx_file = client.get(f"/bulletins/{created.id}.docx")
    assert docx_file.status_code == 200 and docx_file.mimetype == documents.FORMATS["docx"].split(";")[0]
    assert client.get(f"/bulletins/{created.id}.pdf").status_code == 404
    assert len(client.get("/api/v1/snapshots").get_json()["items"]) == 3
    client.post("/logout")
    login(client, "wang")  # an officer reads their street's snapshot, never the district's
    items = client.get("/api/v1/snapshots").get_json()["items"]
    assert [s["id"] for s in items] == [mine.id]
    assert client.get(f"/api/v1/snapshots/{district.id}").status_code == 404
    assert client.get(f"/api/v1/snapshots/{mine.id}").get_json()["progress"]["scope"] == "翠竹街道"
    assert client.get(f"/bulletins/{district.id}").status_code == 404
    assert client.post("/bulletins/", data={"year": "2022"}).status_code == 403
    assert db.session.scalar(select(User).where(User.username == "wang")).role == "officer"


def test_a_stored_snapshot_cannot_be_changed(app):
    snapshot = snapshots.create_snapshot(None, 2022, as_of=date(2022, 3, 31))
    snapshot.title = "改过的标题"
    with pytest.raises(snapshots.SnapshotFrozen):
        db.session.commit()
    db.session.rollback()
    assert db.session.get(Snapshot, snapshot.id).title != "改过的标题"
