"""No English left in the Chinese interface: the demo's audit row and the pagination's labels."""
from __future__ import annotations

from orgbuild.demo import service as demo
from tests.conftest import login


def test_demo_audit_row_reads_in_chinese(client, make_user):
    demo.generate_district(50, seed=3)
    make_user("root", role="admin")
    login(client, "root")
    page = client.get("/audit/").text
    assert "载入演示数据：罗湖区，50家组织" in page
    assert "demo district" not in page
    client.post("/language/en", data={"next": "/audit/"})
    assert "Demo data loaded: 罗湖区, 50 organisations" in client.get("/audit/").text


def test_pagination_labels_are_chinese(client, make_user, make_org):
    make_user("boss", role="supervisor")
    login(client, "boss")
    for _ in range(3):
        make_org()
    page = client.get("/orgs/?per_page=1&page=2").text
    assert 'aria-label="分页"' in page and 'aria-label="上一页"' in page and 'aria-label="下一页"' in page
    assert "Page navigation" not in page
    assert "per_page=1" in page and "page=3" in page  # the links keep the filters
