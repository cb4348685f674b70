"""policy.py is the one place that decides; the services ask it too, not only the views."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from orgbuild import policy
from orgbuild.campaign import actions
from orgbuild.campaign.actions import ServiceError, SurveyData, TransitionRequest
from orgbuild.extensions import db
from orgbuild.models import Organization
from tests.conftest import TODAY, credit_code, street


def survey_of(org: Organization, **changes) -> SurveyData:
    """The organisation's survey data with `changes` applied."""
    data = SurveyData(**{name: getattr(org, name) for name in actions.SURVEY_FIELDS})
    for key, value in changes.items():
        setattr(data, key, value)
    return data


def test_scope_by_street_and_role(people, make_org):
    """Officers see their streets; supervisors and admins without streets the whole district."""
    a, b = make_org("翠竹"), make_org("桂园")

    def visible(user):
        return set(db.session.scalars(policy.scope_orgs(user, select(Organization.id))))

    assert visible(people["officer_a"]) == {a.id}
    assert visible(people["officer_b"]) == {b.id}
    assert visible(people["supervisor"]) == visible(people["admin"]) == {a.id, b.id}


def test_deactivated_or_streetless_officer_sees_nothing(people, make_user, make_org):
    """No streets, or deactivated: an empty scope, and no signing in."""
    make_org("翠竹")
    idle = make_user("idle_officer", "officer")
    assert db.session.scalars(policy.scope_orgs(idle, select(Organization.id))).all() == []
    people["officer_a"].active = False
    assert db.session.scalars(policy.scope_orgs(people["officer_a"], select(Organization.id))).all() == []
    assert not policy.can_sign_in(people["officer_a"]) and policy.can_sign_in(people["officer_b"])


def test_services_refuse_objects_outside_the_scope(people, make_org):
    """Update, transition and create check the policy themselves; nothing is written."""
    org = make_org("翠竹", contact_person="甲")
    other = people["officer_b"]
    with pytest.raises(ServiceError, match="您无权修改该组织"):
        actions.update_organization(org, survey_of(org, contact_person="乙"), other, org.version)
    with pytest.raises(ServiceError, match="您无权对该组织执行此操作"):
        actions.apply_transition(org, TransitionRequest("record_visit", visit_date=TODAY, outcome="willing"), other)
    with pytest.raises(ServiceError) as refused:
        actions.create_organization(SurveyData(credit_code=credit_code(), name="越界登记", street_id=street("翠竹").id), other)
    assert ("street_id", "您不负责该街道") in refused.value.errors
    with pytest.raises(ServiceError):
        actions.update_organization(org, survey_of(org, street_id=street("桂园").id), people["officer_a"], org.version)
    db.session.expire_all()
    assert db.session.get(Organization, org.id).contact_person == "甲"
    assert db.session.get(Organization, org.id).status == "surveyed"


def test_joint_branch_cannot_cover_organisations_outside_the_scope(people, make_org):
    """Covered organisations named by id must be visible to the actor (else: "不存在", no leak)."""
    org = make_org("翠竹", league_members=5)
    hidden = make_org("桂园")
    officer = people["officer_a"]
    actions.apply_transition(org, TransitionRequest("record_visit", visit_date=TODAY, outcome="willing"), officer)
    request = TransitionRequest("establish", covered_org_ids=[hidden.id], branch={
        "name": "联合团支部", "branch_type": "joint_branch", "member_count": 5, "founded_on": TODAY})
    with pytest.raises(ServiceError, match="联建单位中有不存在的组织"):
        actions.apply_transition(org, request, officer)
    db.session.expire_all()
    assert db.session.get(Organization, org.id).status == "visited"


def test_only_supervisors_revert(people, make_org):
    """Revert is not among an officer's transitions."""
    org = make_org("翠竹")
    assert not policy.can_request(people["officer_a"], org, "revert")
    assert policy.can_request(people["supervisor"], org, "revert")
    assert policy.can_request(people["officer_a"], org, "record_visit")
    assert not policy.can_request(people["officer_b"], org, "record_visit")


def test_area_permissions(people):
    """Imports, targets, audit: supervisors and admins; users: admins; exports: everyone signed in."""
    expected = {
        "officer_a": (False, False, False, False, True),
        "supervisor": (True, True, True, False, True),
        "admin": (True, True, True, True, True),
    }
    for name, flags in expected.items():
        user = people[name]
        assert (policy.can_import(user), policy.can_set_targets(user), policy.can_read_audit(user),
                policy.can_manage_users(user), policy.can_export(user)) == flags, name
