"""Founding details are shown in the branch section, and the list exports the league organisations."""
from __future__ import annotations

import io
from datetime import timedelta

from openpyxl import load_workbook

from orgbuild.extensions import db
from tests.conftest import login
from tests.flows import TODAY, establish, onboard, visit

DETAILS = dict(
    application_date=TODAY - timedelta(days=30), approval_date=TODAY - timedelta(days=10),
    election_date=TODAY - timedelta(days=5), approval_doc_no="罗团发〔2026〕12号", secretary="张书记",
    deputy_secretary="李副书记", committee_members="王委员、赵委员", term_years=3, parent_org="翠竹街道团工委",
)


def chinese(day) -> str:
    """A date as the Chinese pages show it (2026年11月2日)."""
    return f"{day.year}年{day.month}月{day.day}日"


def test_branch_section_shows_every_founding_detail(client, make_user, make_org):
    user = make_user("cuizhu1", streets=["翠竹"])
    login(client, "cuizhu1")
    org = make_org(has_league_org=False)
    visit(org, user)
    establish(org, user, **DETAILS)
    db.session.commit()
    page = client.get(f"/orgs/{org.id}").text
    for label, value in [("申请日期", chinese(DETAILS["application_date"])), ("批复日期", chinese(DETAILS["approval_date"])),
                         ("选举日期", chinese(DETAILS["election_date"])), ("副书记", "李副书记"),
                         ("委员", "王委员、赵委员"), ("任期（年）", "3"), ("上级团组织", "翠竹街道团工委")]:
        assert f">{label}</dt><dd class=\"col-7\">{value}</dd>" in page, label


def test_branch_export_from_the_list(client, make_user, make_org):
    user = make_user("boss", role="supervisor")
    login(client, "boss")
    founded, onboarded = make_org(has_league_org=False), make_org(has_league_org=False)
    make_org(name="未建团导出测试有限公司", has_league_org=False)
    for org in (founded, onboarded):
        visit(org, user)
        establish(org, user, **DETAILS)
    onboard(onboarded, user)
    db.session.commit()
    assert "/exports/branches.xlsx" in client.get("/orgs/").text
    sheet = load_workbook(io.BytesIO(client.get("/exports/branches.xlsx").data)).active
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    header, body = rows[0], {row[0]: dict(zip(rows[0], row)) for row in rows[1:]}
    assert {"成立日期", "书记", "批复文号", "入驻编码"} <= set(header)
    assert set(body) == {founded.name, onboarded.name}
    row = body[onboarded.name]
    assert (row["成立日期"], row["书记"], row["批复文号"]) == (TODAY.isoformat(), "张书记", "罗团发〔2026〕12号")
    assert row["入驻编码"] == onboarded.onboarding.platform_code and not body[founded.name]["入驻编码"]
    csv_text = client.get("/exports/branches.csv?q=未建团").data.decode("utf-8-sig")
    assert csv_text.strip().count("\n") == 0  # the filter applies: only the header
