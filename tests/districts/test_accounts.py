"""Accounts of the city, a district or streets: ``create-user --district``, ``user set-district``,
the admin's user form, and the refusals (unknown district, streets outside the district)."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from orgbuild.accounts import service as accounts
from orgbuild.districts.reference import load_reference
from orgbuild.extensions import db
from orgbuild.models import AuditEvent, District, User
from tests.conftest import PASSWORD, login, street


@pytest.fixture
def two(app):
    """Futian loaded beside Luohu."""
    load_reference("futian")


def user(name: str) -> User:
    """A fresh copy of the account."""
    db.session.expire_all()
    return db.session.scalar(select(User).where(User.username == name))


def district(code: str) -> District:
    """A loaded district."""
    return db.session.scalar(select(District).where(District.code == code))


def test_create_user_with_a_district(two, runner):
    result = runner.invoke(args=["create-user", "ft_boss", "--role", "supervisor", "--district", "futian",
                                 "--password", "Harbour2026"])
    assert result.exit_code == 0, result.output
    assert "所属：福田区" in result.output
    assert user("ft_boss").district.code == "futian" and user("ft_boss").streets == []
    city = runner.invoke(args=["create-user", "city_boss", "--role", "supervisor", "--password", "Harbour2026"])
    assert "所属：全市" in city.output and user("city_boss").district is None


def test_an_officers_district_follows_their_streets(two, runner):
    result = runner.invoke(args=["create-user", "yl", "--role", "officer", "--street", "园岭", "--password", "Harbour2026"])
    assert result.exit_code == 0, result.output
    assert user("yl").district.code == "futian"
    across = runner.invoke(args=["create-user", "both", "--role", "supervisor", "--street", "园岭", "--street", "翠竹",
                                 "--password", "Harbour2026"])
    assert across.exit_code == 0 and user("both").district is None


@pytest.mark.parametrize("args,message", [
    (["--district", "luohu", "--street", "园岭"], "街道不属于罗湖区：园岭街道"),
    (["--district", "nanshan"], "未知的区：nanshan。可选的区：luohu（罗湖区）、futian（福田区）"),
])
def test_create_user_refusals(two, runner, args, message):
    result = runner.invoke(args=["create-user", "refused", "--role", "officer", *args, "--password", "Harbour2026"])
    assert result.exit_code == 1 and message in result.output and "Traceback" not in result.output
    assert user("refused") is None


def test_set_district_and_list(two, runner, make_user):
    make_user("boss", "supervisor")
    assert runner.invoke(args=["user", "set-district", "boss", "--district", "福田区"]).exit_code == 0
    assert user("boss").district.code == "futian"
    assert "boss\tsupervisor\t使用中\t-\tfutian" in runner.invoke(args=["user", "list"]).output
    result = runner.invoke(args=["user", "set-district", "boss"])
    assert result.exit_code == 0 and "boss：全市" in result.output and user("boss").district is None
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.summary == "update boss").order_by(AuditEvent.id))
    assert [e.changes for e in events] == [{"district": [None, "福田区"]}, {"district": ["福田区", None]}]
    make_user("yl", "officer", ["园岭"])
    refused = runner.invoke(args=["user", "set-district", "yl", "--district", "luohu"])
    assert refused.exit_code == 1 and "街道不属于罗湖区：园岭街道" in refused.output


def test_removing_the_streets_keeps_the_district(two):
    boss = accounts.create_user("boss", PASSWORD, "supervisor", [street("园岭")])
    assert boss.district.code == "futian"
    accounts.update_user(boss, streets=[])
    assert user("boss").district.code == "futian"  # now the whole of Futian, not the whole city


def test_the_admin_form_sets_the_district(two, client, make_user):
    make_user("admin", "admin")
    login(client, "admin")
    form = client.get("/admin/users/new").get_data(as_text=True)
    assert "所属区" in form and "福田区 · 园岭街道" in form
    created = client.post("/admin/users/new", data={"username": "ft", "role": "supervisor", "password": "Harbour2026",
                                                    "district_id": str(district("futian").id)})
    assert created.status_code == 302 and user("ft").district.code == "futian"
    assert "福田区" in client.get("/admin/users").get_data(as_text=True)
    target = user("ft")
    refused = client.post(f"/admin/users/{target.id}", data={"role": "supervisor", "district_id": str(district("luohu").id),
                                                            "street_ids": [street("园岭").id],
                                                            "version": str(target.version)})
    assert refused.status_code == 200 and "街道不属于罗湖区：园岭街道" in refused.get_data(as_text=True)
    assert user("ft").district.code == "futian" and user("ft").streets == []
    to_city = client.post(f"/admin/users/{target.id}", data={"role": "supervisor", "district_id": "0",
                                                             "version": str(user("ft").version)})
    assert to_city.status_code == 302 and user("ft").district is None
    untouched = client.post(f"/admin/users/{target.id}", data={"role": "officer", "version": str(user("ft").version)})  # no district field sent: kept
    assert untouched.status_code == 302 and user("ft").district is None and user("ft").role == "officer"


def test_one_district_only_has_no_district_field(app, client, make_user):
    make_user("admin", "admin")
    login(client, "admin")
    assert "所属区" not in client.get("/admin/users/new").get_data(as_text=True)
