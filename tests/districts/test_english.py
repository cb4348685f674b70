"""The district pages in Chinese by default and wholly in English after the switch: the streets and
communities pages, the city dashboard with its per-district table, the targets page with its
district chooser, the user form with its district field, and the street audit rows."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from orgbuild.districts.reference import load_reference
from orgbuild.extensions import db
from orgbuild.models import Community, District, Street, User
from tests.conftest import login
from tests.i18n.interface_text import chinese_interface_text


@pytest.fixture
def city(app, make_user, make_org, client):
    """Luohu and Futian, an organisation in each, a city admin who has changed a street and a community."""
    load_reference("futian")
    make_user("adm", "admin")
    make_org("翠竹", name="翠竹英文测试有限公司")
    make_org("园岭", name="园岭英文测试有限公司")
    login(client, "adm")
    yuanling = db.session.scalar(select(Street).where(Street.short_name == "园岭"))
    client.post(f"/admin/streets/{yuanling.id}", data={"short_name": "园岭", "code": "440304001"})
    client.post(f"/admin/streets/{yuanling.id}/communities", data={"name": "百花"})
    return {"yuanling": yuanling.id, "futian": db.session.scalar(select(District.id).where(District.code == "futian"))}


def data_strings() -> list[str]:
    """Names that are data and stay Chinese in English: districts, streets, communities, people."""
    values = [d.name for d in db.session.scalars(select(District))]
    for street in db.session.scalars(select(Street)):
        values += [street.name, street.short_name]
    values += list(db.session.scalars(select(Community.name)))
    values += [u.label for u in db.session.scalars(select(User))]
    return values + ["翠竹英文测试有限公司", "园岭英文测试有限公司"]


PAGES = [
    ("streets of Luohu", lambda c: "/admin/streets/", "Streets and communities", "街道社区"),
    ("streets of Futian", lambda c: f"/admin/streets/?district={c['futian']}", "Not filled in", "未填写"),
    ("one street", lambda c: f"/admin/streets/{c['yuanling']}", "Add a community", "新增社区"),
    ("city dashboard", lambda c: "/dashboard/", "Progress by district", "各区进度"),
    ("district dashboard", lambda c: f"/dashboard/?district={c['futian']}", "Dashboard", "工作看板"),
    ("targets of a district", lambda c: f"/targets/?district={c['futian']}", "District", "区"),
    ("new user form", lambda c: "/admin/users/new", "District", "所属区"),
    ("street audit rows", lambda c: "/audit/?action=reference", "Add a community", "新增社区"),
]


@pytest.mark.parametrize("name, path_of, english, chinese", PAGES, ids=[p[0] for p in PAGES])
def test_district_page_in_both_languages(client, city, name, path_of, english, chinese):
    page = client.get(path_of(city))
    assert page.status_code == 200 and chinese in page.get_data(as_text=True)
    client.post("/language/en", data={"next": "/"})
    html = client.get(path_of(city)).get_data(as_text=True)
    assert english in html and '<html lang="en">' in html
    leftovers = chinese_interface_text(html, data_strings(), ("智慧团建",))
    assert not leftovers, f"untranslated interface text on the {name} page: {leftovers}"
