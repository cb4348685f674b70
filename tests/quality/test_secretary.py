"""The branch secretary (团支部书记): logs their own branch's life, evidence and self-assessment, and
nothing else; another branch answers 404 like an unknown id; accounts from the admin page and the
``create-user --role secretary --org CREDIT_CODE`` command."""
from __future__ import annotations

from datetime import timedelta
from io import BytesIO

import pytest
from sqlalchemy import select

from orgbuild.accounts import service as accounts
from orgbuild.extensions import db
from orgbuild.models import Attachment, AuditEvent, BranchActivity, Grading, User
from tests.campaign.images import minimal_pdf, tiny_png
from tests.conftest import PASSWORD, login
from tests.flows import TODAY, count, establish, visit


@pytest.fixture
def two_branches(app, make_user, make_org):
    """Branches of 翠竹 and 桂园 founded 200 days ago, the secretary of the first, an admin."""
    officer_a = make_user("officer_a", "officer", ["翠竹"])
    officer_b = make_user("officer_b", "officer", ["桂园"])
    make_user("admin", "admin")
    own, other = make_org("翠竹", name="翠竹书记测试有限公司"), make_org("桂园", name="桂园邻居测试有限公司")
    for org, officer in ((own, officer_a), (other, officer_b)):
        visit(org, officer)
        establish(org, officer, founded_on=TODAY - timedelta(days=200), secretary="张书记")
    secretary = accounts.create_user("zhang", PASSWORD, "secretary", organization=own)
    return own, other, secretary


def test_a_secretary_logs_their_own_branch_and_cannot_see_another(app, two_branches):
    own, other, secretary = two_branches
    client = app.test_client()
    home = login(client, "zhang")
    assert home.status_code == 200 and "翠竹书记测试有限公司" in home.get_data(as_text=True)  # lands on the life page
    done = client.post(f"/quality/orgs/{own.id}/life", data={
        "kind": "theme_day", "held_on": TODAY.isoformat(), "attendance": "9", "note": "五四主题团日"},
        follow_redirects=True)
    assert done.status_code == 200 and "已记录：主题团日" in done.get_data(as_text=True)
    assert client.post(f"/quality/orgs/{own.id}/membership", data={
        "change_kind": "recruited", "changed_on": TODAY.isoformat(), "count": "2"}).status_code == 302
    # another branch: 404 like an id that does not exist, and nothing written
    for url in (f"/quality/orgs/{other.id}/life", f"/quality/orgs/{other.id}/grading", "/quality/orgs/987654/life"):
        response = client.get(url)
        assert response.status_code == 404, url
        assert "桂园邻居测试有限公司" not in response.get_data(as_text=True)
    assert client.post(f"/quality/orgs/{other.id}/life", data={
        "kind": "theme_day", "held_on": TODAY.isoformat(), "attendance": "9"}).status_code == 404
    db.session.expire_all()
    assert [a.organization_id for a in db.session.scalars(select(BranchActivity))] == [own.id]
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.object_type == "branch_activity")).user_id == secretary.id


def test_a_secretary_opens_nothing_else(app, two_branches):
    own, _, _ = two_branches
    client = app.test_client()
    login(client, "zhang")
    for url in ("/dashboard/", "/orgs/", f"/orgs/{own.id}", f"/orgs/{own.id}/edit", "/followups", "/board/",
                "/exports/orgs.csv", "/quality/warnings", "/quality/rectifications", f"/quality/orgs/{own.id}/rectification"):
        assert client.get(url).status_code == 403, url
    page = client.get(f"/quality/orgs/{own.id}/life").get_data(as_text=True)
    assert f'href="/orgs/{own.id}"' not in page  # no link to the organisation page they cannot open
    assert client.get("/account/password").status_code == 200


def test_a_secretary_self_assesses_but_does_not_confirm(app, two_branches):
    own, _, _ = two_branches
    client = app.test_client()
    login(client, "zhang")
    year = TODAY.year + 1  # founded 200 days ago: graded next year whatever today is
    scores = {"leadership": "18", "members": "17", "org_life": "17", "rules": "16", "impact": "16"}
    page = client.get(f"/quality/orgs/{own.id}/grading?year={year}").get_data(as_text=True)
    assert 'value="self_assess"' in page and 'value="confirm"' not in page
    client.post(f"/quality/orgs/{own.id}/grading?year={year}", data=dict(scores, event="self_assess"))
    refused = client.post(f"/quality/orgs/{own.id}/grading?year={year}", data=dict(scores, event="confirm"))
    assert refused.status_code == 400 and "须由上级团组织" in refused.get_data(as_text=True)
    db.session.expire_all()
    grading = db.session.scalar(select(Grading))
    assert grading.state == "self_assessed" and grading.total == 84


def test_a_secretary_attaches_evidence_to_an_activity(app, two_branches):
    own, _, _ = two_branches
    client = app.test_client()
    login(client, "zhang")
    done = client.post(f"/quality/orgs/{own.id}/life", data={
        "kind": "theme_day", "held_on": TODAY.isoformat(), "attendance": "9",
        "evidence": (BytesIO(tiny_png()), "photo.png")}, content_type="multipart/form-data")
    assert done.status_code == 302
    activity = db.session.scalar(select(BranchActivity))
    photo = db.session.scalar(select(Attachment).where(Attachment.activity_id == activity.id))
    assert photo is not None and photo.content_type == "image/png"
    assert client.get(f"/quality/orgs/{own.id}/evidence/{photo.id}").status_code == 200
    assert client.get(f"/quality/orgs/{own.id}/evidence/{photo.id}/thumbnail").status_code == 200
    client.post(f"/quality/orgs/{own.id}/activities/{activity.id}/evidence",
                data={"file": (BytesIO(minimal_pdf()), "minutes.pdf")}, content_type="multipart/form-data")
    assert count(Attachment) == 2
    # a renamed file is refused and nothing is written, the activity neither
    bad = client.post(f"/quality/orgs/{own.id}/life", data={
        "kind": "theme_day", "held_on": TODAY.isoformat(), "attendance": "9",
        "evidence": (BytesIO(minimal_pdf()), "photo.jpg")}, content_type="multipart/form-data")
    assert bad.status_code == 400
    assert count(BranchActivity) == 1 and count(Attachment) == 2
    # the officer of another street: 404 on the file
    other_client = app.test_client()
    login(other_client, "officer_b")
    assert other_client.get(f"/quality/orgs/{own.id}/evidence/{photo.id}").status_code == 404


def test_secretary_accounts_need_an_organisation(app, two_branches):
    own, _, _ = two_branches
    with pytest.raises(accounts.AccountError, match="须指定所在组织"):
        accounts.create_user("li", PASSWORD, "secretary")
    with pytest.raises(accounts.AccountError, match="不分配街道"):
        accounts.create_user("li", PASSWORD, "secretary", [own.street], organization=own)
    admin = db.session.scalar(select(User).where(User.username == "admin"))
    client = app.test_client()
    login(client, "admin")
    bad = client.post("/admin/users/new", data={"username": "wang", "role": "secretary", "org_code": "91440300568520498A",
                                                 "password": PASSWORD})
    assert bad.status_code == 200 and "没有统一社会信用代码为" in bad.get_data(as_text=True)
    client.post("/admin/users/new", data={"username": "wang", "role": "secretary", "org_code": own.credit_code.lower(),
                                          "password": PASSWORD})
    wang = db.session.scalar(select(User).where(User.username == "wang"))
    assert wang.role == "secretary" and wang.organization_id == own.id and wang.streets == []
    assert admin.id is not None and "翠竹书记测试有限公司" in client.get("/admin/users").get_data(as_text=True)


def test_create_user_command_makes_a_secretary(app, two_branches):
    own, _, _ = two_branches
    runner = app.test_cli_runner()
    result = runner.invoke(args=["create-user", "zhao", "--role", "secretary", "--org", own.credit_code,
                                 "--password", PASSWORD])
    assert result.exit_code == 0, result.output
    assert own.credit_code in result.output
    zhao = db.session.scalar(select(User).where(User.username == "zhao"))
    assert zhao.organization_id == own.id and zhao.district.code == "luohu"
    assert runner.invoke(args=["create-user", "qian", "--role", "secretary", "--password", PASSWORD]).exit_code == 1
    wrong = runner.invoke(args=["create-user", "sun", "--role", "officer", "--org", own.credit_code,
                                "--password", PASSWORD])
    assert wrong.exit_code == 2 and "--org" in wrong.output
