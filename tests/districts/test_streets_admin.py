"""The streets and communities page (街道社区): admins add streets, rename them, fill in a street
code; add, rename and remove communities; refusals say why and change nothing; every change is
audited; an admin of one district cannot edit another's."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from orgbuild.districts.reference import load_reference
from orgbuild.extensions import db
from orgbuild.models import AuditEvent, Community, District, Street
from tests.conftest import login, street


@pytest.fixture
def admin(app, client, make_user):
    """Futian loaded beside Luohu; a city admin signed in."""
    load_reference("futian")
    make_user("admin", "admin")
    login(client, "admin")
    return client


def district_id(code: str) -> int:
    """The id of a loaded district."""
    return db.session.scalar(select(District.id).where(District.code == code))


def fresh(model, id_):
    """A row read again from the database."""
    db.session.expire_all()
    return db.session.get(model, id_)


def audit_summaries() -> list[str]:
    """The summaries of the street and community audit rows, oldest first."""
    return list(db.session.scalars(select(AuditEvent.summary).where(AuditEvent.action == "reference").order_by(AuditEvent.id)))


def test_the_page_lists_a_districts_streets_and_their_codes(admin):
    luohu = admin.get("/admin/streets/").get_data(as_text=True)
    assert "罗湖区" in luohu and "440303004" in luohu and "翠竹街道" in luohu and "园岭街道" not in luohu
    futian = admin.get(f"/admin/streets/?district={district_id('futian')}").get_data(as_text=True)
    assert "园岭街道" in futian and futian.count("未填写") == 10
    assert admin.get("/admin/streets/?district=987654").status_code == 404
    assert "街道社区" in admin.get("/dashboard/").get_data(as_text=True)  # in the menu


def test_fill_in_a_street_code(admin):
    yuanling = street("园岭")
    url = f"/admin/streets/{yuanling.id}"
    for code, message in (("440303011", "街道代码应以本区代码440304开头"), ("44030400", "街道代码应为9位数字"),
                          ("44030400A", "街道代码应为9位数字")):
        response = admin.post(url, data={"short_name": "园岭", "code": code})
        assert response.status_code == 400 and message in response.get_data(as_text=True)
        assert fresh(Street, yuanling.id).code is None
    assert admin.post(url, data={"short_name": "园岭街道", "code": " ４４０３０４００１ "}).status_code == 302
    assert fresh(Street, yuanling.id).code == "440304001"
    assert admin.post(url, data={"short_name": "园岭", "code": ""}).status_code == 302  # blank keeps the code
    assert fresh(Street, yuanling.id).code == "440304001"
    taken = admin.post(f"/admin/streets/{street('南园').id}", data={"short_name": "南园", "code": "440304001"})
    assert taken.status_code == 400 and "代码440304001已是园岭街道的代码" in taken.get_data(as_text=True)
    assert street("南园").code is None
    assert audit_summaries() == ["update street 园岭街道"]


def test_rename_a_street_and_refuse_a_taken_name(admin):
    yuanling = street("园岭")
    taken = admin.post(f"/admin/streets/{yuanling.id}", data={"short_name": "翠竹街道"})
    assert taken.status_code == 400 and "已有名为“翠竹街道”的街道（罗湖区）" in taken.get_data(as_text=True)
    assert admin.post(f"/admin/streets/{yuanling.id}", data={"short_name": "园岭新"}).status_code == 302
    renamed = fresh(Street, yuanling.id)
    assert (renamed.short_name, renamed.name) == ("园岭新", "园岭新街道")


def test_add_a_street_with_or_without_a_code(admin):
    futian = district_id("futian")
    assert admin.post(f"/admin/streets/?district={futian}", data={"short_name": "新洲"}).status_code == 302
    added = db.session.scalar(select(Street).where(Street.short_name == "新洲"))
    assert (added.district_id, added.code, added.name) == (futian, None, "新洲街道")
    bad = admin.post(f"/admin/streets/?district={futian}", data={"short_name": "", "code": "x"})
    assert bad.status_code == 400 and "请填写名称" in bad.get_data(as_text=True)
    assert admin.post("/admin/streets/", data={"short_name": "新湖", "code": "440303011"}).status_code == 302
    assert street("新湖").code == "440303011" and street("新湖").district.code == "luohu"
    assert audit_summaries() == ["add street 新洲街道", "add street 新湖街道"]


def test_communities_add_rename_remove(admin, make_org):
    yuanling = street("园岭")
    assert admin.post(f"/admin/streets/{yuanling.id}/communities", data={"name": "园岭社区"}).status_code == 302
    community = db.session.scalar(select(Community).where(Community.street_id == yuanling.id))
    assert community.name == "园岭"
    dup = admin.post(f"/admin/streets/{yuanling.id}/communities", data={"name": " 园岭 "})
    assert dup.status_code == 400 and "园岭街道已有“园岭”社区" in dup.get_data(as_text=True)
    assert admin.post(f"/admin/streets/communities/{community.id}", data={"name": "百花"}).status_code == 302
    assert fresh(Community, community.id).name == "百花"
    in_use = make_org("园岭", community_id=community.id)
    page = admin.post(f"/admin/streets/communities/{community.id}/remove", follow_redirects=True).get_data(as_text=True)
    assert "“百花”社区下有1家组织，不能删除" in page and fresh(Community, community.id) is not None
    assert "1家组织" in admin.get(f"/admin/streets/{yuanling.id}").get_data(as_text=True)
    db.session.delete(db.session.merge(in_use))
    db.session.commit()
    assert admin.post(f"/admin/streets/communities/{community.id}/remove").status_code == 302
    assert fresh(Community, community.id) is None
    assert audit_summaries() == ["add community 园岭街道 园岭", "rename community 园岭街道 百花",
                                 "remove community 园岭街道 百花"]
    audit = admin.get("/audit/?action=reference").get_data(as_text=True)
    assert "新增社区：园岭街道 园岭" in audit and "删除社区：园岭街道 百花" in audit


def test_an_admin_of_one_district_edits_only_its_streets(app, client, make_user):
    load_reference("futian")
    make_user("luohu_admin", "admin", district="luohu")
    login(client, "luohu_admin")
    page = client.get("/admin/streets/").get_data(as_text=True)
    assert "翠竹街道" in page and "<option" not in page  # one district: no chooser
    assert client.get(f"/admin/streets/?district={district_id('futian')}").status_code == 404
    yuanling = street("园岭")
    assert client.get(f"/admin/streets/{yuanling.id}").status_code == 404
    assert client.post(f"/admin/streets/{yuanling.id}/communities", data={"name": "园岭"}).status_code == 404
    assert db.session.scalar(select(func.count(Community.id)).where(Community.street_id == yuanling.id)) == 0


def test_supervisors_and_officers_may_not(app, client, make_user):
    make_user("boss", "supervisor")
    login(client, "boss")
    assert client.get("/admin/streets/").status_code == 403
    assert "街道社区" not in client.get("/dashboard/").get_data(as_text=True)
