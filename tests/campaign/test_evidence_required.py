"""ORGBUILD_EVIDENCE_REQUIRED: a step it names needs an evidence file sent with it; the status
machine's guard explains the refusal like any other, and the file lands on the new record in the
same transaction."""
from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from orgbuild import config
from orgbuild.campaign import actions
from orgbuild.domain import workflow
from orgbuild.extensions import db
from orgbuild.models import Attachment, Branch
from tests.campaign.images import minimal_pdf
from tests.conftest import login
from tests.flows import TODAY, count, snapshot, step_form, visit

FOUNDING = {"name": "测试团支部", "branch_type": "branch", "member_count": "5", "founded_on": TODAY.isoformat()}
REFUSAL = "建立团组织须附上批复文件（照片或 PDF 扫描件）"


@pytest.fixture
def officer(make_user, client):
    user = make_user("cuizhu1", streets=["翠竹"])
    login(client, "cuizhu1")
    return user


def _establish(client, org, files=()):
    data = {**step_form(org, **FOUNDING), "evidence": [(io.BytesIO(body), name) for body, name in files]}
    return client.post(f"/orgs/{org.id}/step/establish", data=data, content_type="multipart/form-data",
                       follow_redirects=True)


def test_the_guard_explains_a_step_without_its_evidence():
    facts = workflow.Facts(has_party_org=True, visit_outcomes=["willing"], branch_type="branch", branch_name="x团支部",
                           founded_on=TODAY, league_members=5, evidence_required=frozenset({"establish"}))
    assert workflow.check("visited", "establish", facts) == [REFUSAL]
    facts.evidence_files = 1
    assert workflow.check("visited", "establish", facts) == []
    assert workflow.check("visited", "establish", facts, dry_run=True) == []  # the button is still offered


@pytest.mark.app_config(EVIDENCE_REQUIRED=frozenset({"establish"}))
def test_a_founding_without_the_approval_document_is_refused_and_with_it_is_recorded(client, officer, make_org):
    org = make_org()
    visit(org, officer)
    form_page = client.get(f"/orgs/{org.id}/step/establish").text
    assert 'name="evidence"' in form_page and 'enctype="multipart/form-data"' in form_page
    before = snapshot(org.id)
    refused = _establish(client, org)
    assert REFUSAL in refused.text
    assert snapshot(org.id) == before and count(Branch, organization_id=org.id) == 0

    done = _establish(client, org, [(minimal_pdf(), "批复.pdf")])
    assert "已完成：建立团组织" in done.text
    branch = db.session.scalar(select(Branch).where(Branch.organization_id == org.id))
    files = db.session.scalars(select(Attachment).where(Attachment.branch_id == branch.id)).all()
    assert [(f.original_name, f.content_type) for f in files] == [("批复.pdf", "application/pdf")]
    assert "批复.pdf" in client.get(f"/orgs/{org.id}").text  # on the founding's timeline entry


@pytest.mark.app_config(EVIDENCE_REQUIRED=frozenset({"establish"}))
def test_a_refused_file_refuses_the_step_and_leaves_no_file(client, officer, make_org):
    from orgbuild.attachments import service

    org = make_org()
    visit(org, officer)
    before_files = set(service.folder().iterdir())
    response = _establish(client, org, [(b"%PDF-1.4 <script>alert(1)</script>", "批复.jpg")])
    assert "批复.jpg" in response.text
    assert count(Branch, organization_id=org.id) == 0
    assert set(service.folder().iterdir()) == before_files


@pytest.mark.app_config(EVIDENCE_REQUIRED=frozenset({"establish"}))
def test_the_service_refuses_a_founding_without_evidence_whoever_asks(officer, make_org):
    """The rule lives in the guard: a service call without a file (the command line, the API) is refused too."""
    org = make_org()
    visit(org, officer)
    request = actions.TransitionRequest("establish", branch={"name": "x团支部", "branch_type": "branch",
                                                              "member_count": 5, "founded_on": TODAY})
    with pytest.raises(actions.ServiceError, match="须附上批复文件"):
        actions.apply_transition(org, request, officer)


def test_without_the_setting_the_founding_form_has_no_evidence_field(client, officer, make_org):
    org = make_org()
    visit(org, officer)
    assert 'name="evidence"' not in client.get(f"/orgs/{org.id}/step/establish").text
    assert "已完成：建立团组织" in _establish(client, org).text


def test_the_setting_names_known_steps_only(monkeypatch):
    assert config._evidence_steps("establish, onboard") == frozenset({"establish", "onboard"})
    assert config._evidence_steps("") == frozenset()
    with pytest.raises(config.ConfigError, match="ORGBUILD_EVIDENCE_REQUIRED"):
        config._evidence_steps("establish,founding")
