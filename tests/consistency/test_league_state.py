"""The organisation page shows the survey's finding and the current state apart; the list shows the
current state; the industry is shown by its GB/T 4754 section name on pages and in exports."""
from __future__ import annotations

import io
import re

from openpyxl import load_workbook

from orgbuild.extensions import db
from tests.conftest import login
from tests.flows import establish, visit


def _signed_in_officer(client, make_user):
    user = make_user("cuizhu1", streets=["翠竹"])
    login(client, "cuizhu1")
    return user


def test_page_shows_survey_finding_and_current_state_apart(client, make_user, make_org):
    user = _signed_in_officer(client, make_user)
    org = make_org(has_league_org=False)
    visit(org, user)
    establish(org, user)
    db.session.commit()
    page = client.get(f"/orgs/{org.id}").text
    assert re.search(r"摸排时已建立团组织</dt><dd[^>]*>否", page)
    assert "团组织现状：已建团（本单位团组织）" in page


def test_list_column_and_filter_follow_the_current_state(client, make_user, make_org):
    user = _signed_in_officer(client, make_user)
    founded = make_org(name="新建团测试有限公司", has_league_org=False)
    make_org(name="未建团测试有限公司", has_league_org=False)
    visit(founded, user)
    establish(founded, user)
    db.session.commit()
    listing = client.get("/orgs/").text
    row = re.search(r"新建团测试有限公司.*?</tr>", listing, re.S).group(0)
    assert "已建团（本单位团组织）" in row
    with_league = client.get("/orgs/?league=1").text
    assert "新建团测试有限公司" in with_league and "未建团测试有限公司" not in with_league
    without = client.get("/orgs/?league=0").text
    assert "新建团测试有限公司" not in without and "未建团测试有限公司" in without


def test_industry_is_shown_by_its_section_name(client, make_user, make_org):
    make_user("boss", role="supervisor")
    login(client, "boss")
    org = make_org(industry="I")
    page = client.get(f"/orgs/{org.id}").text
    assert "I 信息传输、软件和信息技术服务业" in page
    csv_text = client.get("/exports/orgs.csv").data.decode("utf-8-sig")
    assert "I 信息传输、软件和信息技术服务业" in csv_text
    sheet = load_workbook(io.BytesIO(client.get("/exports/orgs.xlsx").data)).active
    header = [c.value for c in sheet[1]]
    assert sheet.cell(row=2, column=header.index("行业类别") + 1).value == "I 信息传输、软件和信息技术服务业"


def test_the_organisation_export_carries_the_current_state_beside_the_survey_finding(client, make_user, make_org):
    """导出组织: 是否建立团组织 stays the survey's finding; 团组织现状 says what stands now (own branch,
    joint branch, already at the survey, none), in CSV and XLSX."""
    user = _signed_in_officer(client, make_user)
    founded = make_org(name="新建团导出有限公司", has_league_org=False)
    already = make_org(name="原有团导出有限公司", has_league_org=True)
    none = make_org(name="未建团导出有限公司", has_league_org=False)
    visit(founded, user)
    establish(founded, user)
    db.session.commit()
    sheet = load_workbook(io.BytesIO(client.get("/exports/orgs.xlsx").data)).active
    header = [c.value for c in sheet[1]]
    assert header.index("团组织现状") == header.index("是否建立团组织") + 1
    rows = {r[0]: r for r in sheet.iter_rows(min_row=2, values_only=True)}
    survey, now = header.index("是否建立团组织"), header.index("团组织现状")
    assert (rows[founded.name][survey], rows[founded.name][now]) == ("否", "已建团（本单位团组织）")
    assert (rows[already.name][survey], rows[already.name][now]) == ("是", "已建团（摸排时已有）")
    assert (rows[none.name][survey], rows[none.name][now]) == ("否", "未建团")
    csv_text = client.get("/exports/orgs.csv").data.decode("utf-8-sig")
    assert "团组织现状" in csv_text.splitlines()[0] and "已建团（本单位团组织）" in csv_text
    client.post("/language/en")
    english = load_workbook(io.BytesIO(client.get("/exports/orgs.xlsx").data)).active
    assert any(c.value and "league" in c.value.lower() for c in english[1])
