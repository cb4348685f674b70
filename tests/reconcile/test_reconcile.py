"""Reconciliation with a 智慧团建 export: matching order, the planted differences, a messy file,
refused files (exit 2), the kept run and the page."""
from __future__ import annotations

import csv
import io
import os
import json
from datetime import date

import pytest
from sqlalchemy import func, select

from orgbuild.extensions import db
from orgbuild.models import AuditEvent, Branch, Onboarding, ReconcileRun
from orgbuild.reconcile import columns
from tests.conftest import credit_code, login

HEADER = ["组织全称", "组织类别", "上级组织", "书记姓名", "团员数", "成立时间", "统一社会信用代码", "组织编码"]


def onboard(org, on=date(2022, 6, 1), platform_code=""):
    """Give `org` an onboarding in force."""
    org.status = "onboarded"
    db.session.add(Onboarding(organization_id=org.id, onboarded_on=on, platform_code=platform_code))
    db.session.commit()


def found(org, **values):
    """Give `org` a founding record."""
    values.setdefault("name", org.name + "团支部")
    values.setdefault("branch_type", "branch")
    values.setdefault("founded_on", date(2022, 5, 1))
    db.session.add(Branch(organization_id=org.id, **values))
    db.session.commit()


@pytest.fixture
def ledger(make_org):
    """Organisations here: matched as they are, by platform code, renamed, only here, not onboarded."""
    codes = {k: credit_code() for k in "ABCDF"}
    a = make_org(name="深圳市甲科技有限公司", credit_code=codes["A"])
    found(a, secretary="张三", member_count=10)
    onboard(a)
    b = make_org(name="深圳市乙贸易有限公司", credit_code=codes["B"], has_league_org=True, league_members=8)
    onboard(b, platform_code="4403031001")
    c = make_org(name="深圳市丙新名有限公司", credit_code=codes["C"], has_league_org=True, league_members=4)
    onboard(c)
    d = make_org(name="深圳市丁物流有限公司", credit_code=codes["D"], has_league_org=True)
    onboard(d)
    make_org(name="深圳市己餐饮有限公司", credit_code=codes["F"], has_league_org=True, league_members=3)
    return codes


def platform_rows(codes):
    """The platform's list with the planted differences."""
    return [
        ["深圳市甲科技有限责任公司团支部", "团支部", "罗湖区团委", "张三", "10", "2022/5/1", " " + codes["A"].lower() + " ", ""],
        ["深圳市乙贸易有限公司团支部", "团支部", "罗湖区团委", "李四", "9", "2021-03-02", "", "4403031001"],
        ["深圳市丙旧名有限公司团支部", "团支部", "罗湖区团委", "王五", "4", "2020-01-01", codes["C"], ""],
        ["深圳市戊科技有限公司团委", "团委", "罗湖区团委", "赵六", "40", "2019-09-09", "", ""],
        ["己餐饮（罗湖）有限公司团支部", "团支部", "罗湖区团委", "钱七", "3", "2022-02-02", "", ""],
    ]


def write_csv(path, rows, header=HEADER, title=None, encoding="utf-8"):
    """Write a CSV (optionally with a title line above the header)."""
    with open(path, "w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle)
        if title:
            writer.writerow([title])
        if header:
            writer.writerow(header)
        writer.writerows(rows)
    return str(path)


def run_cli(runner, path):
    """Run ``reconcile --json``; (exit code, parsed JSON)."""
    result = runner.invoke(args=["reconcile", path, "--json"])
    return result.exit_code, json.loads(result.output)


def test_name_key_normalises_place_names_and_company_forms():
    assert columns.name_key("深圳市甲科技有限责任公司团支部") == columns.name_key("甲科技（罗湖）有限公司")
    assert columns.name_key("ＡＢＣ有限公司") == columns.name_key("abc有限公司")
    assert columns.name_key("社区服务中心") == "社区服务中心"
    assert columns.name_key("甲科技有限公司") != columns.name_key("乙科技有限公司")


def test_reports_exactly_the_planted_differences(app, runner, tmp_path, ledger):
    path = write_csv(tmp_path / "platform.csv", platform_rows(ledger))
    code, report = run_cli(runner, path)
    assert code == 1
    assert report["file"] == path and report["rows"] == 5 and report["matched"] == 4
    assert [(p["row"], p["name"]) for p in report["only_in_platform"]] == [(5, "深圳市戊科技有限公司团委")]
    assert [h["credit_code"] for h in report["only_here"]] == [ledger["D"]]
    assert sorted((m["credit_code"], m["field"], m["here"], m["platform"]) for m in report["mismatched"]) == sorted([
        (ledger["B"], "member_count", 8, 9),
        (ledger["C"], "name", "深圳市丙新名有限公司", "深圳市丙旧名有限公司团支部"),
        (ledger["F"], "onboarded", False, True),
    ])
    assert report["errors"] == []
    run = db.session.get(ReconcileRun, report["run"])
    assert (run.rows, run.matched, run.only_in_platform, run.only_here, run.mismatched) == (5, 4, 1, 1, 3)
    assert run.result == report
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.object_type == "reconcile_run")) == 1


def test_the_same_file_gives_the_same_figures(app, runner, tmp_path, ledger):
    path = write_csv(tmp_path / "platform.csv", platform_rows(ledger))
    first, second = run_cli(runner, path)[1], run_cli(runner, path)[1]
    assert second["run"] == first["run"] + 1
    for key in ("rows", "matched", "only_in_platform", "only_here", "mismatched"):
        assert first[key] == second[key]


def test_all_matching_exits_0(app, runner, tmp_path, ledger):
    rows = platform_rows(ledger)[:1]
    db.session.execute(db.delete(Onboarding).where(Onboarding.platform_code != ""))
    for org_code in ("C", "D"):
        onboarding = db.session.scalar(select(Onboarding).join(Onboarding.organization)
                                       .where(Onboarding.organization.has(credit_code=ledger[org_code])))
        onboarding.reverted = True
    db.session.commit()
    code, report = run_cli(runner, write_csv(tmp_path / "ok.csv", rows))
    assert (code, report["matched"], report["only_here"], report["mismatched"]) == (0, 1, [], [])


def test_messy_file_title_row_aliases_gb18030_and_bad_cells(app, runner, tmp_path, ledger):
    header = ["团组织名称", " 组织类别 ", "书记", "团员人数（人）", "成立日期", "信用代码", "备注"]
    rows = [
        ["深圳市甲科技有限公司团支部", "团支部", "张三", "10", "2022年5月1日", ledger["A"], ""],
        ["", "", "", "", "", "", ""],
        ["深圳市乙贸易有限公司团支部", "团小组", "李四", "八", "2022-13-40", "", ""],
        ["", "团支部", "王五", "3", "", "", "无名称"],
        ["深圳市甲科技有限公司", "团支部", "张三", "10", "", ledger["A"], "重复"],
    ]
    path = write_csv(tmp_path / "messy.csv", rows, header=header, title="组织列表（导出于2022-12-01）", encoding="gb18030")
    code, report = run_cli(runner, path)
    assert code == 1
    assert report["rows"] == 4  # the blank row is skipped
    assert report["matched"] == 2  # 甲 by code, 乙 by name
    by_row = {}
    for error in report["errors"]:
        by_row.setdefault(error["row"], []).append(error)
    assert sorted(by_row) == [5, 6, 7]  # title line 1, header line 2: rows as Excel numbers them
    assert {e["column"] for e in by_row[5]} == {"组织类别", "团员人数（人）", "成立日期"}
    assert "组织全称" in by_row[6][0]["message"]
    assert "第 3 行" in by_row[7][0]["message"]
    assert all(e["message"] for e in report["errors"])


def test_xlsx_export(app, runner, tmp_path, ledger):
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADER)
    sheet.append(["深圳市甲科技有限公司团支部", "团支部", "", "张三", 11, date(2022, 5, 1), ledger["A"], ""])
    path = tmp_path / "platform.xlsx"
    workbook.save(path)
    code, report = run_cli(runner, str(path))
    assert code == 1
    assert [(m["field"], m["here"], m["platform"]) for m in report["mismatched"]] == [("member_count", 10, 11)]


@pytest.mark.parametrize("content", [
    "单位名称,统一社会信用代码,所属街道\n深圳市甲有限公司,91440303MA5ABCDE1X,翠竹\n",  # a survey, not a platform list
    "%PDF-1.4 not a table",
    "",
])
def test_a_file_that_is_not_an_organisation_list_exits_2(app, runner, tmp_path, content):
    path = tmp_path / "wrong.csv"
    path.write_text(content, encoding="utf-8")
    code, report = run_cli(runner, str(path))
    assert code == 2
    assert report["errors"][0]["message"]
    assert db.session.scalar(select(func.count()).select_from(ReconcileRun)) == 0


def test_missing_file_exits_2(app, runner, tmp_path):
    code, report = run_cli(runner, str(tmp_path / "absent.csv"))
    assert code == 2 and "找不到文件" in report["errors"][0]["message"]


def test_page_upload_shows_the_last_run(app, client, make_user, tmp_path, ledger):
    make_user("boss", role="supervisor")
    login(client, "boss")
    path = write_csv(tmp_path / "platform.csv", platform_rows(ledger))
    with open(path, "rb") as handle:
        response = client.post("/reconcile/", data={"file": (handle, "platform.csv"), "encoding": "auto"},
                               content_type="multipart/form-data", follow_redirects=True)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "深圳市戊科技有限公司团委" in page and ledger["D"] in page and "深圳市丙旧名有限公司团支部" in page
    run = db.session.scalar(select(ReconcileRun))
    assert run.user.username == "boss" and run.filename == "platform.csv"


def test_page_refuses_a_wrong_file_with_a_message(app, client, make_user, tmp_path):
    make_user("boss", role="supervisor")
    login(client, "boss")
    path = tmp_path / "survey.csv"
    path.write_text("单位名称,统一社会信用代码\n甲,1\n", encoding="utf-8")
    with open(path, "rb") as handle:
        response = client.post("/reconcile/", data={"file": (handle, "survey.csv")}, content_type="multipart/form-data")
    assert response.status_code == 200
    assert "组织类别" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(ReconcileRun)) == 0


def test_a_street_limited_supervisor_compares_only_its_streets(app, client, make_user, make_org, tmp_path, ledger):
    other = make_org("桂园", name="深圳市庚有限公司", has_league_org=True)
    onboard(other)
    make_user("local", role="supervisor", streets=["桂园"])
    login(client, "local")
    path = write_csv(tmp_path / "platform.csv", platform_rows(ledger))
    with open(path, "rb") as handle:
        client.post("/reconcile/", data={"file": (handle, "platform.csv")}, content_type="multipart/form-data")
    run = db.session.scalar(select(ReconcileRun))
    assert run.matched == 0 and [h["credit_code"] for h in run.result["only_here"]] == [other.credit_code]
    assert run.scope == "桂园街道"


def test_dashboard_shows_the_last_run_beside_the_onboarding_figure(app, client, make_user, runner, tmp_path, ledger):
    make_user("boss", role="supervisor")
    login(client, "boss")
    assert "reconcile-last" not in client.get("/dashboard/").get_data(as_text=True)
    with open(write_csv(tmp_path / "platform.csv", platform_rows(ledger)), "rb") as handle:
        client.post("/reconcile/", data={"file": (handle, "platform.csv")}, content_type="multipart/form-data")
    page = client.get("/dashboard/").get_data(as_text=True)
    run = db.session.scalar(select(ReconcileRun))
    assert "reconcile-last" in page and f"相符 {run.matched}，仅平台有 1，仅本系统有 1，字段不一致 3" in page


def test_the_page_queues_the_comparison_as_a_job_when_a_worker_runs_it(app, client, make_user, tmp_path, ledger, monkeypatch):
    """With a worker (not at once), the upload is kept and queued, the job's page follows it and then
    links the run; the kept file is removed once the run is kept."""
    from orgbuild.jobs import reconcile as reconcile_jobs
    from orgbuild.jobs import service as jobs
    from orgbuild.models import Job

    queued: list[int] = []
    monkeypatch.setattr(jobs.queue, "enqueue", queued.append)  # a worker, not the request, will run it
    make_user("sup", role="supervisor")
    login(client, "sup")
    path = write_csv(tmp_path / "platform.csv", platform_rows(ledger))
    with open(path, "rb") as handle:
        response = client.post("/reconcile/", data={"file": (handle, "平台导出.csv"), "encoding": "auto"},
                               content_type="multipart/form-data")
    job = db.session.scalar(select(Job).order_by(Job.id.desc()))
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/jobs/{job.id}")
    assert (job.kind, job.status, queued) == (reconcile_jobs.RECONCILE, jobs.QUEUED, [job.id])
    kept = os.path.join(app.instance_path, "uploads", job.options["upload"])
    assert os.path.isfile(kept) and db.session.scalar(select(func.count(ReconcileRun.id))) == 0
    assert "排队中" in client.get(f"/jobs/{job.id}").get_data(as_text=True)
    jobs.run(job.id)  # what the worker does
    db.session.expire_all()
    job = db.session.get(Job, job.id)
    run = db.session.scalar(select(ReconcileRun))
    assert job.status == jobs.DONE and job.result["run"] == run.id and job.result["rows"] == 5
    page = client.get(f"/jobs/{job.id}").get_data(as_text=True)
    assert "已比对 5 行" in page and f"/reconcile/{run.id}" in page
    assert not os.path.exists(kept)


def test_a_refused_file_fails_its_job_with_the_reason(app, client, make_user, tmp_path, monkeypatch):
    from orgbuild.jobs import service as jobs
    from orgbuild.models import Job

    monkeypatch.setattr(jobs.queue, "enqueue", lambda job_id: None)
    make_user("sup", role="supervisor")
    login(client, "sup")
    client.post("/reconcile/", data={"file": (io.BytesIO(b"%PDF-1.4 x"), "x.csv"), "encoding": "auto"},
                content_type="multipart/form-data")
    job = db.session.scalar(select(Job).order_by(Job.id.desc()))
    kept = os.path.join(app.instance_path, "uploads", job.options["upload"])
    jobs.run(job.id)
    db.session.expire_all()
    assert db.session.get(Job, job.id).status == jobs.FAILED and not os.path.exists(kept)
    assert "文件无法比对：这是 PDF 文件" in client.get(f"/jobs/{job.id}").get_data(as_text=True)
    assert db.session.scalar(select(func.count(ReconcileRun.id))) == 0
