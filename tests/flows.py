"""Helpers for tests that walk organisations through the workflow (plain functions, no fixtures)."""
from __future__ import annotations

import uuid

from sqlalchemy import func, select

from orgbuild.campaign import actions
from orgbuild.domain import rules
from orgbuild.extensions import db
from orgbuild.models import Branch, Onboarding, Organization, StatusEvent, User, Visit

TODAY = rules.today_in("Asia/Shanghai")  # the app's default time zone, as the forms and guards use


def visit(org: Organization, user: User, outcome: str = "willing") -> None:
    """Record a visit through the service."""
    actions.apply_transition(
        org, actions.TransitionRequest("record_visit", visit_date=TODAY, outcome=outcome, met_with="书记"), user
    )


def establish(org: Organization, user: User, **branch) -> None:
    """Found a 团支部 through the service."""
    values = {"name": f"{org.name}团支部", "branch_type": "branch", "member_count": 5, "founded_on": TODAY}
    values.update(branch)
    actions.apply_transition(org, actions.TransitionRequest("establish", branch=values), user)


def onboard(org: Organization, user: User) -> None:
    """Onboard through the service."""
    actions.apply_transition(
        org, actions.TransitionRequest("onboard", onboarded_on=TODAY, platform_code="4403030000123"), user
    )


def step_form(org: Organization, **fields) -> dict:
    """What a step form opened now carries (version, status, a fresh submission key) plus its fields."""
    return {"version": str(org.version), "opened_status": org.status, "submission_key": uuid.uuid4().hex, **fields}


def count(model, **where) -> int:
    """How many rows of `model` match the equality conditions."""
    query = select(func.count()).select_from(model)
    for name, value in where.items():
        query = query.where(getattr(model, name) == value)
    return db.session.scalar(query)


def snapshot(org_id: int) -> dict:
    """What a refused request must leave unchanged about one organisation."""
    db.session.expire_all()
    org = db.session.get(Organization, org_id)
    return {
        "status": org.status,
        "version": org.version,
        "name": org.name,
        "employees": org.employees,
        "visits": count(Visit, organization_id=org_id),
        "events": count(StatusEvent, organization_id=org_id),
        "branches": count(Branch, organization_id=org_id),
        "onboardings": count(Onboarding, organization_id=org_id),
    }
