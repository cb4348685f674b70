"""The new-organisation form's community choices follow the chosen street: only the user's streets'
communities, each naming its street for the vendored script; the server refuses another street's."""
from __future__ import annotations

import re

from sqlalchemy import select

from orgbuild.extensions import db
from orgbuild.models import Community, Organization
from tests.conftest import credit_code, login, street


def _options(page: str) -> list[str]:
    select_html = re.search(r'<select[^>]*name="community_id".*?</select>', page, re.S).group(0)
    return re.findall(r"<option[^>]*>[^<]*</option>", select_html)


def test_only_communities_of_the_users_streets_each_naming_its_street(client, make_user):
    make_user("cuizhu1", streets=["翠竹"])
    login(client, "cuizhu1")
    page = client.get("/orgs/new").text
    options = _options(page)[1:]
    cuizhu = street("翠竹")
    expected = db.session.scalars(select(Community.name).where(Community.street_id == cuizhu.id)).all()
    assert options and len(options) == len(expected)
    assert all(f'data-street="{cuizhu.id}"' in option for option in options)
    assert "js/communities.js" in page
    assert client.get("/static/js/communities.js").status_code == 200


def test_a_community_of_another_street_is_refused(client, make_user):
    make_user("boss", role="supervisor")
    login(client, "boss")
    other = db.session.scalars(select(Community).where(Community.street_id != street("翠竹").id)).first()
    code = credit_code()
    response = client.post("/orgs/new", data={
        "name": "跨街道社区测试有限公司", "credit_code": code, "street_id": str(street("翠竹").id),
        "community_id": str(other.id),
    })
    assert response.status_code == 200
    assert "社区不属于所选街道" in response.text
    assert db.session.scalar(select(Organization).where(Organization.credit_code == code)) is None
