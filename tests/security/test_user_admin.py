"""User management by admins, in the web UI and on the command line; every change audited."""
from __future__ import annotations

from sqlalchemy import select

from orgbuild.extensions import db
from orgbuild.models import AuditEvent, User
from tests.conftest import PASSWORD, login, street


def user(name: str) -> User:
    """A fresh copy of the account from the database."""
    db.session.expire_all()
    return db.session.scalar(select(User).where(User.username == name))


def user_events(name_part: str) -> list[AuditEvent]:
    """Audit rows about accounts whose summary mentions `name_part`."""
    return list(db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "user", AuditEvent.summary.contains(name_part))
        .order_by(AuditEvent.id)
    ))


def test_user_list_shows_every_account(people, signed_in):
    """The list names each user with role, streets and state."""
    page = signed_in("admin").get("/admin/users").get_data(as_text=True)
    for name in ("officer_a", "officer_b", "supervisor", "admin"):
        assert name in page
    assert "翠竹" in page and "街道团干" in page and "管理员" in page


def test_admin_creates_a_user_with_the_password_policy(people, signed_in, app):
    """A weak initial password is refused with the reason; a good one creates the account."""
    admin = signed_in("admin")
    cuizhu = street("翠竹").id
    weak = admin.post("/admin/users/new", data={"username": "new_officer", "role": "officer",
                                                 "street_ids": [cuizhu], "password": "short"})
    assert weak.status_code == 200 and "密码至少8位" in weak.get_data(as_text=True)
    assert user("new_officer") is None
    dup = admin.post("/admin/users/new", data={"username": "officer_a", "role": "officer", "password": "Harbour2026"})
    assert "用户名 officer_a 已存在" in dup.get_data(as_text=True)
    ok = admin.post("/admin/users/new", data={"username": "new_officer", "display_name": "新团干", "role": "officer",
                                               "street_ids": [cuizhu], "password": "Harbour2026"})
    assert ok.status_code == 302
    created = user("new_officer")
    assert created.role == "officer" and [s.short_name for s in created.streets] == ["翠竹"]
    assert login(app.test_client(), "new_officer", "Harbour2026").request.path != "/login"
    event = user_events("create new_officer")[0]
    assert event.user_id == people["admin"].id
    assert event.changes == {"role": [None, "officer"], "streets": [None, ["翠竹街道"]], "district": [None, "罗湖区"]}


def test_admin_changes_role_and_streets_old_to_new(people, signed_in):
    """Role and streets change, and the audit row keeps old → new."""
    admin = signed_in("admin")
    target = people["officer_a"]
    response = admin.post(f"/admin/users/{target.id}", data={
        "username": "ignored", "display_name": "officer_a", "role": "supervisor", "version": str(target.version),
        "street_ids": [street("桂园").id, street("翠竹").id]})
    assert response.status_code == 302
    changed = user("officer_a")
    assert changed.role == "supervisor" and sorted(s.short_name for s in changed.streets) == ["桂园", "翠竹"]
    event = user_events("update officer_a")[-1]
    assert event.changes["role"] == ["officer", "supervisor"]
    assert event.changes["streets"][0] == ["翠竹街道"] and sorted(event.changes["streets"][1]) == ["桂园街道", "翠竹街道"]


def test_officer_scope_follows_the_streets_assigned(people, signed_in, make_org):
    """After moving an officer from 翠竹 to 桂园, 翠竹's organisations answer 404 for them."""
    org = make_org("翠竹")
    officer = signed_in("officer_a")
    assert officer.get(f"/orgs/{org.id}").status_code == 200
    signed_in("admin").post(f"/admin/users/{people['officer_a'].id}", data={
        "display_name": "officer_a", "role": "officer", "street_ids": [street("桂园").id],
        "version": str(people["officer_a"].version)})
    assert officer.get(f"/orgs/{org.id}").status_code == 404


def test_deactivate_and_reactivate(people, signed_in, app):
    """Deactivated: cannot sign in; reactivated: can again. Both audited."""
    admin = signed_in("admin")
    officer_id = people["officer_a"].id
    admin.post(f"/admin/users/{officer_id}/deactivate")
    assert user("officer_a").active is False
    assert "该账号已停用" in login(app.test_client(), "officer_a").get_data(as_text=True)
    admin.post(f"/admin/users/{officer_id}/reactivate")
    assert user("officer_a").active is True
    assert login(app.test_client(), "officer_a").request.path != "/login"
    assert [e.changes["active"] for e in user_events("activate officer_a")] == [[True, False], [False, True]]


def test_admin_cannot_lock_themselves_or_the_last_admin_out(people, signed_in):
    """No deactivating oneself, no demoting the only admin."""
    admin = signed_in("admin")
    own = admin.post(f"/admin/users/{people['admin'].id}/deactivate", follow_redirects=True)
    assert "不能停用自己的账号" in own.get_data(as_text=True)
    demote = admin.post(f"/admin/users/{people['admin'].id}", data={"display_name": "admin", "role": "officer"})
    assert "不能修改自己的角色" in demote.get_data(as_text=True)
    assert user("admin").active and user("admin").role == "admin"


def test_reset_password_applies_the_policy(people, signed_in):
    """A weak new password is refused with the reason."""
    response = signed_in("admin").post(f"/admin/users/{people['officer_a'].id}/password",
                                       data={"new_password": "officer_a123"})
    assert "密码不能包含用户名" in response.get_data(as_text=True)
    assert user("officer_a").check_password(PASSWORD)


# --- command line ---------------------------------------------------------------------------

def test_cli_create_user_contract_unchanged(runner):
    """create-user USERNAME --role … [--street …] [--password …] as DESIGN.md says; refusals exit 1."""
    result = runner.invoke(args=["create-user", "cli_officer", "--role", "officer", "--street", "翠竹",
                                 "--street", "桂园街道", "--password", "Harbour2026"])
    assert result.exit_code == 0, result.output
    assert "已创建街道团干 cli_officer" in result.output and "翠竹街道" in result.output
    weak = runner.invoke(args=["create-user", "weak_one", "--role", "officer", "--password", "abc"])
    assert weak.exit_code == 1 and "密码至少8位" in weak.output
    unknown = runner.invoke(args=["create-user", "x1", "--role", "officer", "--street", "火星", "--password", "Harbour2026"])
    assert unknown.exit_code == 1 and "未知街道：火星" in unknown.output


def test_cli_user_commands(runner, people):
    """deactivate, reactivate, reset-password, set-role, set-streets, list — each audited."""
    assert runner.invoke(args=["user", "deactivate", "officer_a"]).exit_code == 0
    assert user("officer_a").active is False
    result = runner.invoke(args=["user", "list"])
    assert "officer_a\tofficer\t已停用\t翠竹" in result.output
    assert runner.invoke(args=["user", "reactivate", "officer_a"]).exit_code == 0
    assert user("officer_a").active is True
    weak = runner.invoke(args=["user", "reset-password", "officer_a", "--password", "weak"])
    assert weak.exit_code == 1 and "密码至少8位" in weak.output
    token = user("officer_a").session_token
    assert runner.invoke(args=["user", "reset-password", "officer_a", "--password", "Harbour2026"]).exit_code == 0
    assert user("officer_a").check_password("Harbour2026") and user("officer_a").session_token != token
    result = runner.invoke(args=["user", "set-streets", "officer_a", "--street", "桂园", "--street", "南湖"])
    assert result.exit_code == 0, result.output
    assert sorted(s.short_name for s in user("officer_a").streets) == ["南湖", "桂园"]
    assert runner.invoke(args=["user", "set-role", "officer_a", "supervisor"]).exit_code == 0
    assert user("officer_a").role == "supervisor"
    missing = runner.invoke(args=["user", "deactivate", "nobody"])
    assert missing.exit_code == 1 and "用户 nobody 不存在" in missing.output
    summaries = [e.summary for e in user_events("officer_a")]
    assert summaries == ["deactivate officer_a", "reactivate officer_a", "reset password officer_a",
                         "update officer_a", "update officer_a"]


def test_cli_cannot_deactivate_the_last_admin(runner, people):
    """The last active admin stays."""
    result = runner.invoke(args=["user", "deactivate", "admin"])
    assert result.exit_code == 1 and "至少需要保留一个启用的管理员" in result.output


def _version_on(page: str) -> str:
    """The account version the edit form carries (its hidden field)."""
    import re

    field = re.search(r'<input[^>]*name="version"[^>]*>', page).group(0)
    return re.search(r'value="([0-9]+)"', field).group(1)


def test_two_admins_saving_one_account_the_second_is_told_it_changed(people, signed_in):
    """Optimistic locking as for organisations: both open the form at one version; the first saves the
    name, the second the role; the second gets 409 with what is on record now, nothing of it is written,
    and the first's change is kept. Saving again from that page (the new version) goes through."""
    first, second = signed_in("admin"), signed_in("admin")
    target = people["officer_a"]
    url = f"/admin/users/{target.id}"
    seen_first, seen_second = _version_on(first.get(url).text), _version_on(second.get(url).text)
    assert seen_first == seen_second == str(target.version)
    saved = first.post(url, data={"display_name": "新名字", "role": "officer", "street_ids": [street("翠竹").id],
                                  "version": seen_first})
    assert saved.status_code == 302
    refused = second.post(url, data={"display_name": "officer_a", "role": "supervisor", "street_ids": [street("翠竹").id],
                                     "version": seen_second})
    assert refused.status_code == 409
    page = refused.get_data(as_text=True)
    assert "已被他人修改" in page and "新名字" in page
    now = user("officer_a")
    assert now.display_name == "新名字" and now.role == "officer"
    again = second.post(url, data={"display_name": "新名字", "role": "supervisor", "street_ids": [street("翠竹").id],
                                   "version": _version_on(page)})
    assert again.status_code == 302 and user("officer_a").role == "supervisor"


def test_an_edit_without_its_version_is_refused(people, signed_in):
    admin = signed_in("admin")
    target = people["officer_a"]
    for version in ("", "²", "abc", "99999999999999999999"):
        response = admin.post(f"/admin/users/{target.id}", data={"display_name": "x", "role": "officer", "version": version})
        assert response.status_code in (400, 409), version
    assert user("officer_a").display_name == "officer_a"


def test_a_deactivation_meanwhile_makes_an_open_form_stale(people, signed_in):
    """Deactivating the account changes its version too: a form opened before is refused (409)."""
    editor = signed_in("admin")
    target = people["officer_b"]
    url = f"/admin/users/{target.id}"
    seen = _version_on(editor.get(url).text)
    assert signed_in("admin").post(f"/admin/users/{target.id}/deactivate").status_code == 302
    response = editor.post(url, data={"display_name": "改名", "role": "officer", "street_ids": [street("桂园").id], "version": seen})
    assert response.status_code == 409
    assert user("officer_b").display_name == "officer_b"
