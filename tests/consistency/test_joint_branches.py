"""Joint branches (联合团支部): the organisations one covers have their league organisation in it, say so
and link it on their pages, found no other while covered, leave the awaiting-a-visit list, and the
figures count the joint branch once."""
from __future__ import annotations

import json

import pytest

from orgbuild.campaign import actions
from orgbuild.extensions import db
from tests.conftest import login
from tests.flows import TODAY, establish, snapshot, visit


@pytest.fixture
def joint(client, make_user, make_org):
    """A host that founded a joint branch covering two registered neighbours; the 翠竹 officer signed in."""
    user = make_user("cuizhu1", streets=["翠竹"])
    login(client, "cuizhu1")
    host = make_org(name="主办测试有限公司", has_league_org=False, league_members=1)
    covered = [make_org(name=f"联建{i}测试有限公司", has_league_org=False, league_members=1) for i in (1, 2)]
    visit(host, user)
    visit(covered[0], user)
    actions.apply_transition(host, actions.TransitionRequest("establish", covered_org_ids=[o.id for o in covered], branch={
        "name": "翠竹联合团支部", "branch_type": "joint_branch", "member_count": 3, "founded_on": TODAY,
    }), user)
    db.session.commit()
    return user, host, covered


def test_covered_page_names_and_links_the_joint_branch(client, joint):
    _user, host, covered = joint
    page = client.get(f"/orgs/{covered[0].id}").text
    assert "团组织现状：已纳入联合团支部" in page
    assert f'href="/orgs/{host.id}#branch">翠竹联合团支部</a>' in page
    host_page = client.get(f"/orgs/{host.id}").text
    assert f'href="/orgs/{covered[1].id}">联建2测试有限公司</a>' in host_page
    assert "已纳入联合团支部" in client.get("/orgs/?q=联建1").text


def test_a_covered_organisation_founds_no_other_branch(client, joint):
    user, _host, covered = joint
    visited = covered[0]
    assert "establish" not in actions.allowed_events(visited, user)
    before = snapshot(visited.id)
    with pytest.raises(actions.ServiceError) as refused:
        establish(visited, user)
    assert "该组织已纳入联合团支部“翠竹联合团支部”，不再单独建立团组织" in str(refused.value.errors)
    assert snapshot(visited.id) == before
    page = client.get(f"/orgs/{visited.id}/step/establish", follow_redirects=True).text
    assert "该组织已纳入联合团支部“翠竹联合团支部”" in page


def test_an_organisation_with_a_league_organisation_cannot_be_covered_again(joint, make_org):
    user, _host, covered = joint
    other = make_org(name="另一主办测试有限公司", has_league_org=False, league_members=1)
    visit(other, user)
    before = snapshot(other.id)
    with pytest.raises(actions.ServiceError) as refused:
        actions.apply_transition(other, actions.TransitionRequest("establish", covered_org_ids=[covered[1].id], branch={
            "name": "第二联合团支部", "branch_type": "joint_branch", "member_count": 3, "founded_on": TODAY,
        }), user)
    assert "“联建2测试有限公司”已有团组织，不能再纳入联合团支部" in str(refused.value.errors)
    assert snapshot(other.id) == before


def test_covered_units_leave_the_awaiting_list_and_count_once(client, joint, runner):
    _user, _host, covered = joint
    followups = client.get("/followups").text
    assert "联建2测试有限公司" not in followups  # surveyed, never visited, but covered: nothing to found
    result = runner.invoke(args=["progress", "--json", "--year", str(TODAY.year)])
    figures = json.loads(result.output)
    assert figures["established"] == 1  # one joint branch, one new league organisation
