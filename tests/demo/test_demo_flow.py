"""End to end on the demo district: the demo officer signs in, opens an organisation awaiting a
visit, logs the visit, founds a branch, onboards it and sees each step on the timeline."""
from __future__ import annotations

import re

from orgbuild.demo import service as demo
from orgbuild.extensions import db
from orgbuild.models import Organization
from tests.conftest import login
from tests.flows import TODAY, step_form


def test_officer_carries_an_organisation_from_visit_to_onboarding(app, client):
    demo.load_demo()
    home = login(client, "officer-cuizhu", demo.DEMO_PASSWORD)
    assert "我的跟进" in home.text
    awaiting = [
        int(org_id)
        for org_id, block in re.findall(r'href="/orgs/(\d+)">[^<]*</a>\s*<div[^>]*>(.*?)</div>', home.text, re.S)
        if "待首次走访" in block
    ]
    assert awaiting
    org = db.session.get(Organization, awaiting[0])
    assert org.street.short_name == "翠竹" and org.status == "surveyed" and org.has_party_org and not org.has_league_org

    detail = client.get(f"/orgs/{org.id}").text
    assert f"/orgs/{org.id}/step/record_visit" in detail and f"/orgs/{org.id}/step/establish" not in detail
    page = client.post(
        f"/orgs/{org.id}/step/record_visit",
        data=step_form(org, **{"visit_date": TODAY.isoformat(), "outcome": "willing", "met_with": "党组织书记", "notes": "同意建团"}),
        follow_redirects=True,
    ).text
    assert "已完成：登记走访" in page and f"/orgs/{org.id}/step/establish" in page

    form = client.get(f"/orgs/{org.id}/step/establish").text
    kind = re.search(r'<option selected value="(\w+)"', form).group(1)
    data = {"name": f"{org.name}团支部", "branch_type": kind, "member_count": str(max(org.league_members, 3)),
            "founded_on": TODAY.isoformat(), "approval_doc_no": "罗团发〔2022〕99号", "covered_units": "同楼宇企业"}
    if kind == "joint_branch":
        data["member_count"] = "4"
    page = client.post(f"/orgs/{org.id}/step/establish", data=step_form(org, **data), follow_redirects=True).text
    assert "已完成：建立团组织" in page and f"/orgs/{org.id}/step/onboard" in page

    page = client.post(
        f"/orgs/{org.id}/step/onboard", data=step_form(org, **{"onboarded_on": TODAY.isoformat(), "platform_code": "440303000999"}),
        follow_redirects=True,
    ).text
    assert "已完成：入驻智慧团建" in page
    timeline = page[page.index("时间线"):]
    for step in ("走访 · 愿意建团", "登记走访", "建立团组织", "入驻智慧团建"):
        assert step in timeline
    db.session.expire_all()
    assert db.session.get(Organization, org.id).status == "onboarded"
    assert org.id not in [int(i) for i in re.findall(r'href="/orgs/(\d+)"', client.get("/followups").text)]
