"""The dashboard, the targets page, the exports, the API and the command line."""
from __future__ import annotations

import csv
import io
import json
import re

from openpyxl import load_workbook

from orgbuild.extensions import db
from orgbuild.models import Target
from orgbuild.progress import exports, report
from orgbuild.progress import figures as progress
from tests.conftest import login, street
from tests.progress.conftest import add_org


def test_home_goes_to_dashboard_for_everyone(district, client, make_user):
    make_user("boss", role="supervisor")
    for name in ("boss", "zhang"):
        login(client, name)
        response = client.get("/")
        assert response.status_code == 302 and response.headers["Location"].endswith("/dashboard/")
        client.post("/logout")


def test_dashboard_supervisor(district, client, make_user):
    make_user("boss", role="supervisor")
    login(client, "boss")
    html = client.get("/dashboard/?year=2022").get_data(as_text=True)
    assert "2022年" in html
    assert "100.0%" in html  # 2 of 2 new branches
    assert "无目标" in html  # 笋岗 has no target, 翠竹's is 0
    assert "<svg" in html and "工作漏斗" in html
    assert not re.search(r"<script(?![^>]*src=\"/)", html), "no inline script"
    assert not re.search(r"(src|href)=\"(https?:)?//", html), "no external URL on the page"
    assert "http://" not in html and "https://" not in html
    assert "共摸底排查企业9家、已建党“两新”组织8家；" in html
    assert "新建团2家，100%完成建团。" in html
    assert "js/copy.js" in html


def test_dashboard_sorting_and_filters(district, client, make_user):
    make_user("boss", role="supervisor")
    login(client, "boss")
    html = client.get("/dashboard/?year=2022&sort=-surveyed").get_data(as_text=True)
    table = html[html.index("street-table"):]
    assert table.index("翠竹街道") < table.index("笋岗街道") < table.index("桂园街道")
    html = client.get(f"/dashboard/?year=2022&street={street('笋岗').id}").get_data(as_text=True)
    assert "笋岗街道" in html and "翠竹街道</td>" not in html


def test_dashboard_officer_scope_and_my_work(district, client):
    login(client, "zhang")
    html = client.get("/dashboard/?year=2022").get_data(as_text=True)
    assert "我的工作" in html and "我的跟进" in html
    assert "翠竹街道" in html and "笋岗街道</td>" not in html
    assert client.get(f"/dashboard/?street={street('笋岗').id}").status_code == 404


def test_dashboard_default_year_is_latest_with_data(district, client):
    login(client, "zhang")
    assert "2022年" in client.get("/dashboard/").get_data(as_text=True)


def test_targets_page(district, client, make_user):
    make_user("boss", role="supervisor")
    login(client, "boss")
    html = client.get("/targets/?year=2022").get_data(as_text=True)
    assert "自动：2（已建党已建团）" in html
    cuizhu = street("翠竹").id
    form = {"new_branches-district": "56", f"new_branches-{cuizhu}": "", "onboarded-district": "36",
            f"visited-{cuizhu}": "１２"}
    response = client.post("/targets/?year=2022", data=form, follow_redirects=True)
    assert "已保存2022年目标" in response.get_data(as_text=True)
    values = {(t.metric, t.street_id): t.value for t in db.session.scalars(db.select(Target).where(Target.year == 2022))}
    assert values == {("new_branches", None): 56, ("onboarded", None): 36, ("visited", cuizhu): 12}


def test_targets_page_bad_value_saves_nothing(district, client, make_user):
    make_user("boss", role="supervisor")
    login(client, "boss")
    response = client.post("/targets/?year=2022", data={"new_branches-district": "abc", "onboarded-district": "5"})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "应为不小于0的整数" in html and "目标未保存" in html
    assert db.session.scalar(db.select(Target).where(Target.metric == "onboarded")) is None


def test_targets_page_officer_forbidden(district, client):
    login(client, "zhang")
    assert client.get("/targets/").status_code == 403


def test_escape_cell():
    for raw in ("=1+1", "+1", "-1", "@A1", "\tx", "\rx"):
        assert exports.escape_cell(raw) == "'" + raw
    assert exports.escape_cell("普通") == "普通" and exports.escape_cell(-3) == -3


def test_csv_bom_and_escaping():
    body = exports.csv_bytes(["名称"], [["=HYPERLINK(\"x\")"], ["正常"], [None]])
    assert body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows == [["名称"], ["'=HYPERLINK(\"x\")"], ["正常"], [""]]


def test_org_export_csv_and_xlsx(district, client, make_user):
    make_user("boss", role="supervisor")
    add_org("翠竹", name="=cmd|' /C calc'!A0")
    db.session.commit()
    login(client, "boss")
    response = client.get(f"/exports/orgs.csv?street={street('翠竹').id}")
    assert response.status_code == 200 and response.data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert rows[0][:3] == ["单位名称", "统一社会信用代码", "所属街道"]
    assert len(rows) == 1 + 9  # 翠竹's eight plus the new one, closed included (it is the list)
    assert "'=cmd|' /C calc'!A0" in [r[0] for r in rows]
    response = client.get(f"/exports/orgs.xlsx?street={street('翠竹').id}&q=cmd")
    sheet = load_workbook(io.BytesIO(response.data)).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[1][0] == "'=cmd|' /C calc'!A0" and len(values) == 2


def test_org_export_is_scoped(district, client):
    login(client, "zhang")
    rows = list(csv.reader(io.StringIO(client.get("/exports/orgs.csv").data.decode("utf-8-sig"))))
    assert {r[2] for r in rows[1:]} == {"翠竹街道"}


def test_org_list_has_export_links_with_filters(district, client):
    login(client, "zhang")
    html = client.get("/orgs/?status=visited&q=x").get_data(as_text=True)
    assert re.search(r'href="/exports/orgs\.csv\?[^"]*status=visited', html)
    assert "/exports/orgs.xlsx" in html


def test_street_export(district, client, make_user):
    make_user("boss", role="supervisor")
    login(client, "boss")
    response = client.get("/exports/streets.xlsx?year=2022")
    sheet = load_workbook(io.BytesIO(response.data)).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[0][0] == "街道" and len(values) == 1 + 10 + 1
    assert values[-1][0] == "合计" and values[-1][1] == 9
    body = client.get("/exports/streets.csv?year=2022").data
    assert body.startswith(b"\xef\xbb\xbf")
    assert client.get("/exports/streets.pdf").status_code == 404


def test_api_requires_login(district, client):
    response = client.get("/api/v1/progress")
    assert response.status_code == 401 and response.get_json()["status"] == 401
    assert response.content_type == "application/problem+json"


def test_api_matches_cli(district, client, runner, make_user):
    make_user("boss", role="supervisor")
    login(client, "boss")
    api = client.get("/api/v1/progress?year=2022").get_json()
    result = runner.invoke(args=["progress", "--json", "--year", "2022"])
    assert result.exit_code == 0
    assert json.loads(result.output) == api
    assert api["surveyed"] == 9 and api["new_branch_pct"] == 100.0
    api = client.get("/api/v1/progress?year=2022&street=翠竹").get_json()
    cli = json.loads(runner.invoke(args=["progress", "--json", "--year", "2022", "--street", "翠竹街道"]).output)
    assert api == cli and api["scope"] == "翠竹街道"


def test_api_officer_scope(district, client):
    login(client, "zhang")
    data = client.get("/api/v1/progress?year=2022").get_json()
    assert data["scope"] == "翠竹街道" and data["surveyed"] == 7
    assert client.get("/api/v1/progress?street=笋岗").status_code == 404
    response = client.get("/api/v1/progress?street=火星")
    assert response.status_code == 400 and "火星" in response.get_json()["detail"]
    assert client.get("/api/v1/progress?year=abc").status_code == 400


def test_cli_table_and_errors(district, runner):
    result = runner.invoke(args=["progress", "--year", "2022"])
    assert result.exit_code == 0
    assert "建团 2 / 目标 2 = 100.0 %" in result.output and "笋岗街道" in result.output
    result = runner.invoke(args=["progress", "--street", "火星"])
    assert result.exit_code != 0 and "没有名为“火星”的街道" in result.output


def test_report_paragraph():
    p = {"surveyed": 1942, "party_orgs": 420, "party_no_league": 384, "visited": 384, "visit_coverage_pct": 100.0,
         "onboarded": 36, "onboarding_pct": 100.0, "established": 60, "new_branch_pct": 107.1}
    assert report.report_text(p) == (
        "共摸底排查企业1942家、已建党“两新”组织420家；逐一走访已建党未建团“两新”组织384家，走访覆盖率100%；"
        "完成已建党已建团“两新”组织进驻“智慧团建”36家，100%完成入驻；已建党未建团“两新”组织新建团60家，107.1%完成建团。"
    )
    p.update(new_branch_pct=None, onboarding_pct=None, party_no_league=0)
    assert report.report_text(p).endswith("进驻“智慧团建”36家；已建党未建团“两新”组织新建团60家。")
