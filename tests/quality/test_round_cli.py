"""The grading round from the command line (``quality round open|close|list``, ``quality gradings``):
the services of the rounds page, exit 0 / 2 with Chinese refusals, --json, audit rows; a closed
round takes no grading step until it is opened again."""
from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import select

from orgbuild.campaign.actions import ServiceError
from orgbuild.domain.quality import Scores
from orgbuild.extensions import db
from orgbuild.models import AuditEvent, Grading, GradingRound
from orgbuild.quality import grading
from tests.conftest import login
from tests.flows import count, establish, visit

FIVE = Scores(20, 18, 18, 17, 17)
THREE = Scores(15, 15, 15, 15, 15)


@pytest.fixture
def graded(app, make_user, make_org):
    """Two 翠竹 branches and one 桂园 branch founded in January 2022; the first 翠竹 one confirmed
    three-star, the 桂园 one self-assessed; an officer per street and a supervisor."""
    cuizhu = make_user("officer_a", "officer", ["翠竹"])
    guiyuan = make_user("officer_b", "officer", ["桂园"])
    supervisor = make_user("supervisor", "supervisor")
    orgs = []
    for street, officer, name in (("翠竹", cuizhu, "翠竹甲科技有限公司"), ("翠竹", cuizhu, "翠竹乙科技有限公司"),
                                  ("桂园", guiyuan, "桂园丙科技有限公司")):
        org = make_org(street, name=name)
        visit(org, officer)
        establish(org, officer, founded_on=date(2022, 1, 10), secretary="王书记")
        orgs.append(org)
    grading.apply_grading(orgs[0], 2022, grading.GradingRequest("self_assess", THREE), cuizhu)
    grading.apply_grading(orgs[0], 2022, grading.GradingRequest("confirm", THREE, on=date(2022, 12, 5)), supervisor)
    grading.apply_grading(orgs[2], 2022, grading.GradingRequest("self_assess", FIVE), guiyuan)
    return orgs, cuizhu, supervisor


def _run(app, *args):
    result = app.test_cli_runner().invoke(args=["quality", *args])
    return result, (json.loads(result.output) if "--json" in args and result.exit_code == 0 else None)


def test_round_open_records_the_round_with_defaults_and_options(app, graded):
    result, data = _run(app, "round", "open", "--year", "2022", "--held-on", "2022-11-20", "--five-star-cap", "30",
                        "--note", "年度对标定级", "--json")
    assert result.exit_code == 0, result.output
    assert data["held_on"] == "2022-11-20" and data["cutoff_on"] == "2022-11-20"  # cut-off: the round's day
    assert data["eligible_founded_by"] == "2022-05-20" and data["five_star_cap"] == 30 and data["note"] == "年度对标定级"
    assert data["state"] == "open" and data["closed_on"] is None
    assert (data["eligible"], data["graded"], data["grading_pct"]) == (3, 1, 33.3)
    found = db.session.scalar(select(GradingRound))
    assert (found.held_on, found.cutoff_on, found.five_star_cap) == (date(2022, 11, 20), date(2022, 11, 20), 30)
    # a second open changes only what is given; the rest stays the round's
    result, data = _run(app, "round", "open", "--year", "2022", "--cutoff-on", "2022-09-01", "--json")
    assert result.exit_code == 0 and (data["held_on"], data["cutoff_on"], data["five_star_cap"], data["note"]) == \
        ("2022-11-20", "2022-09-01", 30, "年度对标定级")
    rows = db.session.scalars(select(AuditEvent).where(AuditEvent.object_type == "grading_round")).all()
    assert len(rows) == 2 and all(r.user_id is None for r in rows)
    assert rows[1].changes == {"cutoff_on": ["2022-11-20", "2022-09-01"]}
    text, _ = _run(app, "round", "open", "--year", "2022")
    assert text.exit_code == 0 and "2022 年定级轮次（进行中）" in text.output and "应参加定级 3 个，已定级 1 个" in text.output


def test_round_open_refusals_exit_2_and_write_nothing(app, graded):
    result, _ = _run(app, "round", "open", "--year", "2022", "--held-on", "2023-01-05", "--five-star-cap", "120")
    assert result.exit_code == 2
    assert "定级日期须在2022年内" in result.output and "五星级比例上限须在0到100之间" in result.output
    assert "Traceback" not in result.output
    result, _ = _run(app, "round", "open", "--year", "2022", "--held-on", "2022-12-01", "--cutoff-on", "2022-12-02")
    assert result.exit_code == 2 and "截止日期不能晚于定级日期" in result.output
    assert _run(app, "round", "open", "--year", "1999")[0].exit_code == 2  # outside the years click accepts
    assert count(GradingRound) == 0
    assert db.session.scalar(select(AuditEvent.id).where(AuditEvent.object_type == "grading_round")) is None


def test_a_closed_round_takes_no_grading_step_until_opened_again(app, client, graded):
    orgs, cuizhu, supervisor = graded
    result, _ = _run(app, "round", "close", "--year", "2022")
    assert result.exit_code == 2 and "尚未设置2022年定级轮次" in result.output
    assert _run(app, "round", "open", "--year", "2022")[0].exit_code == 0
    result, data = _run(app, "round", "close", "--year", "2022", "--on", "2022-12-20", "--json")
    assert result.exit_code == 0 and data["state"] == "closed" and data["closed_on"] == "2022-12-20"
    result, _ = _run(app, "round", "close", "--year", "2022")
    assert result.exit_code == 2 and "错误：2022年定级轮次已于2022-12-20结束" in result.output
    for org, event, who in ((orgs[1], "self_assess", cuizhu), (orgs[2], "confirm", supervisor)):
        with pytest.raises(ServiceError) as refused:
            grading.apply_grading(org, 2022, grading.GradingRequest(event, FIVE), who)
        assert refused.value.messages == ["2022年定级轮次已于2022-12-20结束，不能再修改定级"]
    assert count(Grading) == 2 and grading.grading_of(orgs[2], 2022).state == "self_assessed"
    # the rounds page says so and refuses a change; a supervisor sees the round as closed
    login(client, "supervisor")
    page = client.get("/quality/rounds?year=2022").get_data(as_text=True)
    assert "已于" in page and "已结束" in page
    answer = client.post("/quality/rounds?year=2022", data={"year": 2022, "held_on": "2022-12-01",
                                                           "cutoff_on": "2022-12-01", "five_star_cap": 25})
    assert answer.status_code == 400 and "已于2022-12-20结束，不能再修改" in answer.get_data(as_text=True)
    assert db.session.scalar(select(GradingRound.five_star_cap)) == 20
    # open again: the grading goes on
    result, data = _run(app, "round", "open", "--year", "2022", "--json")
    assert result.exit_code == 0 and data["state"] == "open" and data["closed_on"] is None
    reopened = db.session.scalars(select(AuditEvent).where(AuditEvent.object_type == "grading_round")
                                  .order_by(AuditEvent.id)).all()[-1]
    assert reopened.summary.endswith("reopened") and reopened.changes == {"closed_on": ["2022-12-20", None]}
    grading.apply_grading(orgs[2], 2022, grading.GradingRequest("confirm", FIVE), supervisor)
    assert grading.grading_of(orgs[2], 2022).state == "confirmed"


def test_round_list_and_gradings(app, graded):
    assert _run(app, "round", "list")[0].output.strip() == "尚未设置定级轮次"
    _run(app, "round", "open", "--year", "2021", "--held-on", "2021-12-01")
    _run(app, "round", "open", "--year", "2022")
    _run(app, "round", "close", "--year", "2021", "--on", "2021-12-31")
    result, rows = _run(app, "round", "list", "--json")
    assert result.exit_code == 0 and [(r["year"], r["state"]) for r in rows] == [(2022, "open"), (2021, "closed")]
    result, data = _run(app, "gradings", "--year", "2022", "--json")
    assert result.exit_code == 0 and data["count"] == 2 and data["state"] == "open"
    assert [(g["name"], g["state"], g["total"], g["level"]) for g in data["gradings"]] == [
        ("桂园丙科技有限公司", "self_assessed", 90, "five_star"), ("翠竹甲科技有限公司", "confirmed", 75, "three_star")]
    assert data["gradings"][1]["scores"] == {"leadership": 15, "members": 15, "org_life": 15, "rules": 15, "impact": 15}
    assert data["gradings"][1]["confirmed_on"] == "2022-12-05"
    _, data = _run(app, "gradings", "--year", "2022", "--street", "翠竹", "--json")
    assert [g["name"] for g in data["gradings"]] == ["翠竹甲科技有限公司"]
    _, data = _run(app, "gradings", "--year", "2022", "--state", "self_assessed", "--json")
    assert [g["name"] for g in data["gradings"]] == ["桂园丙科技有限公司"]
    text = _run(app, "gradings", "--year", "2022")[0].output
    assert text.startswith("2022 年定级：2 个") and "翠竹甲科技有限公司\t已复核认定\t75\t三星级" in text
    bad, _ = _run(app, "gradings", "--year", "2022", "--street", "没有这个街道")
    assert bad.exit_code == 2
    assert _run(app, "gradings", "--year", "2022", "--state", "finished")[0].exit_code == 2
    # the figures of the plain command still answer, with the round
    result, figures = _run(app, "--json", "--year", "2022", "--as-of", "2022-12-31")
    assert result.exit_code == 0 and figures["graded"] == 1 and figures["round"]["closed_on"] is None


def test_the_quality_commands_need_a_prepared_database(tmp_path):
    from orgbuild import create_app
    bare = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'empty.sqlite'}", "TESTING": True,
                       "SECRET_KEY": "x" * 32})
    for args in (["quality", "--json"], ["quality", "round", "list"], ["quality", "gradings", "--year", "2022"]):
        result = bare.test_cli_runner().invoke(args=args)
        assert result.exit_code == 2 and "数据库尚未初始化" in result.output, (args, result.output)
