"""The optional 负责团干 column: a cell naming an active officer of the row's street (display name or
username) assigns the organisation, dated and audited; a name matching nobody (or two officers) is a
row warning, the row is imported and its officer left as it was. By the command line and the web preview."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from orgbuild.extensions import db
from orgbuild.imports.columns import map_header
from orgbuild.models import AuditEvent, Organization, local_date
from tests.conftest import credit_code, login

from .conftest import HEADER
from .conftest import row as base_row
from .test_views import confirm_url, csv_bytes, instance_in_tmp, upload  # noqa: F401 (autouse fixture)

OFFICER_HEADER = HEADER + ["负责团干"]


def row(code: str, officer: str, name: str = "深圳市测试有限公司", street: str = "翠竹") -> list[str]:
    return base_row(code, name=name, street=street) + [officer]


def org(code: str) -> Organization:
    db.session.expire_all()
    return db.session.scalar(select(Organization).where(Organization.credit_code == code))


@pytest.fixture
def officers(make_user):
    wang = make_user("wang", "officer", ["翠竹"])
    wang.display_name = "王芳"
    li = make_user("li", "officer", ["翠竹"])
    li.display_name = "李强"
    twin = make_user("li2", "officer", ["翠竹"])
    twin.display_name = "李强"  # two 李强 on the street: the name alone is ambiguous
    make_user("zhao", "officer", ["桂园"]).display_name = "赵敏"
    gone = make_user("gone", "officer", ["翠竹"])
    gone.active = False
    db.session.commit()
    return wang, li


def test_the_column_is_known_by_its_aliases():
    for title in ("负责团干", "责任团干", "officer"):
        assert map_header(["单位名称", "统一社会信用代码", "所属街道", title]).fields.get("officer_id") == 3


def test_cli_assigns_matched_rows_and_warns_of_the_others(runner, write_csv, officers, make_org):
    wang, li = officers
    codes = [credit_code() for _ in range(7)]
    kept = make_org("翠竹", credit_code=codes[5], name="已有团干有限公司", officer=li, assigned_on=date_before())
    moved = make_org("翠竹", credit_code=codes[6], name="换团干有限公司", officer=li, assigned_on=date_before())
    path = write_csv([
        row(codes[0], "王芳", name="按姓名有限公司"),
        row(codes[1], " WANG ", name="按用户名有限公司"),
        row(codes[2], "赵敏", name="别街道团干有限公司"),  # an officer of 桂园, not of 翠竹
        row(codes[3], "李强", name="同名有限公司"),
        row(codes[4], "gone", name="已停用有限公司"),
        row(codes[5], "", name="已有团干有限公司"),  # blank: the officer stays
        row(codes[6], "wang", name="换团干有限公司"),
    ], header=OFFICER_HEADER)
    result = runner.invoke(args=["import-survey", path])
    assert result.exit_code == 0, result.output  # warnings are not rejections
    assert "拒绝 0" in result.output
    assert "提醒 第 4 行，负责团干 = '赵敏'" in result.output and "不是该街道启用的团干" in result.output
    assert "提醒 第 5 行，负责团干 = '李强'" in result.output and "多名团干" in result.output
    assert "提醒 第 6 行，负责团干 = 'gone'" in result.output
    today = local_date()
    assert (org(codes[0]).officer_id, org(codes[0]).assigned_on) == (wang.id, today)
    assert org(codes[1]).officer_id == wang.id
    for code in codes[2:5]:
        assert org(code) is not None and org(code).officer_id is None and org(code).assigned_on is None
    assert (org(codes[5]).officer_id, org(codes[5]).assigned_on) == (li.id, kept.assigned_on)
    assert (org(codes[6]).officer_id, org(codes[6]).assigned_on) == (wang.id, today)
    events = {e.organization_id: e for e in db.session.scalars(select(AuditEvent).where(AuditEvent.action == "assign"))}
    assert set(events) == {org(codes[0]).id, org(codes[1]).id, moved.id}
    assert events[moved.id].changes["officer"] == ["li", "wang"] and events[moved.id].summary == "import 换团干有限公司"
    assert events[org(codes[0]).id].changes["officer"] == [None, "wang"]
    again = runner.invoke(args=["import-survey", path, "--json"])  # the same file again: nothing to assign
    assert json.loads(again.output)["unchanged"] == 7
    assert db.session.scalar(select(db.func.count()).where(AuditEvent.action == "assign")) == 3


def date_before():
    from datetime import timedelta

    return local_date() - timedelta(days=30)


def test_web_preview_shows_the_new_officer_and_the_warnings_then_assigns(client, make_user, officers, make_org):
    wang, li = officers
    make_user("sup", role="supervisor")
    login(client, "sup")
    code_new, code_old = credit_code(), credit_code()
    make_org("翠竹", credit_code=code_old, name="换团干有限公司", officer=li)
    data = csv_bytes([row(code_new, "王芳", name="新单位有限公司"), row(code_old, "王芳", name="换团干有限公司"),
                      row(credit_code(), "无此人", name="找不到有限公司")], header=OFFICER_HEADER)
    preview = upload(client, data)
    page = preview.get_data(as_text=True)
    assert "“无此人”不是该街道启用的团干" in page
    changes = page.split("import-changes")[1].split("</table>")[0]
    assert "负责团干" in changes and "李强" in changes and "王芳" in changes
    assert org(code_new) is None  # the preview writes nothing
    result = client.post(confirm_url(preview), data={"mode": "skip"}, follow_redirects=True)
    assert result.status_code == 200
    assert org(code_new).officer_id == wang.id and org(code_old).officer_id == wang.id
    assert db.session.scalar(select(db.func.count()).where(AuditEvent.action == "assign")) == 2
