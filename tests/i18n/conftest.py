"""Fixtures of the language tests: a small district with organisations in every status, and the
list of data strings (names of streets, organisations, people) that may stay Chinese in English."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import partial

import pytest
from sqlalchemy import select
from werkzeug.security import generate_password_hash

from orgbuild import models
from orgbuild.campaign import actions
from orgbuild.campaign.actions import TransitionRequest
from orgbuild.extensions import db
from orgbuild.models import Branch, Community, Organization, StatusEvent, Street, User

VISIT_DAY = date(2026, 1, 5)
#: 20:30 UTC on 5 January is 04:30 on 6 January in Asia/Shanghai.
EVENT_TIME = datetime(2026, 1, 5, 20, 30, tzinfo=UTC)


@pytest.fixture(autouse=True)
def quick_password_hashing(monkeypatch):
    """These tests sign in many times: a cheap hash keeps them quick (check_password reads the method)."""
    monkeypatch.setattr(models, "generate_password_hash", partial(generate_password_hash, method="pbkdf2:sha256:1000"))


@dataclass
class District:
    """The users and the organisation in each status that the page tests open."""

    supervisor: User
    officer: User
    surveyed: Organization
    visited: Organization
    established: Organization
    onboarded: Organization
    ineligible: Organization


def _step(org: Organization, actor: User, event: str, **values) -> None:
    actions.apply_transition(org, TransitionRequest(event=event, **values), actor)


def _visit(org: Organization, actor: User) -> None:
    _step(org, actor, "record_visit", visit_date=VISIT_DAY, outcome="willing", met_with="张经理",
          notes="同意建团", next_follow_up=date(2026, 1, 20))


def _establish(org: Organization, actor: User) -> None:
    branch = {"name": f"{org.name}团支部", "branch_type": "branch", "member_count": 5, "founded_on": date(2026, 2, 1)}
    _step(org, actor, "establish", branch=branch)


@pytest.fixture
def district(app, make_user, make_org) -> District:
    """A supervisor, an officer of 翠竹, and one organisation per status (one with 12,345 employees)."""
    supervisor = make_user("sup", role="supervisor")
    supervisor.display_name = "李督导"
    officer = make_user("off", streets=["翠竹"])
    officer.display_name = "王干事"
    db.session.commit()
    orgs = {key: make_org(officer_id=officer.id) for key in ("surveyed", "visited", "established", "onboarded", "ineligible")}
    orgs["visited"].employees = 12345
    db.session.commit()
    for key in ("visited", "established", "onboarded"):
        _visit(orgs[key], officer)
    for key in ("established", "onboarded"):
        _establish(orgs[key], officer)
    _step(orgs["onboarded"], officer, "onboard", onboarded_on=date(2026, 3, 1), platform_code="4403030001")
    _step(orgs["ineligible"], officer, "mark_ineligible", reason="已迁出本区")
    for event in db.session.scalars(select(StatusEvent)):
        event.created_at = EVENT_TIME
    db.session.commit()
    return District(supervisor=supervisor, officer=officer, **orgs)


@pytest.fixture
def data_strings(district) -> list[str]:
    """Values shown in pages that are data, not interface: they may stay Chinese in English."""
    values: list[str] = []
    for street in db.session.scalars(select(Street)):
        values += [street.name, street.short_name]
    values += list(db.session.scalars(select(Community.name)))
    values += [o.name for o in db.session.scalars(select(Organization))]
    values += [b.name for b in db.session.scalars(select(Branch))]
    values += [u.label for u in db.session.scalars(select(User))]
    return values
