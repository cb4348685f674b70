"""Fixtures for the progress tests: a small hand-built district with known figures."""
from __future__ import annotations

from datetime import date

import pytest

from orgbuild.extensions import db
from orgbuild.models import Branch, District, Onboarding, Organization, StatusEvent, Target, Visit
from tests.conftest import credit_code, street


#: The survey date of the organisations these tests build, unless they give one.
SURVEYED = date(2022, 1, 10)


def add_org(street_name: str, *, party: bool = True, league: bool = False, status: str = "surveyed",
            visits: tuple = (), founded: date | None = None, reverted: bool = False,
            onboarded: date | None = None, officer=None, creator=None, name: str | None = None,
            surveyed_on: date = SURVEYED, closed_on: date | None = None,
            ineligible_on: date | None = None) -> Organization:
    """An organisation with its visits (date, officer, next follow-up), founding and onboarding
    records; a closed one is closed on `closed_on` (default 1 March 2022), an ineligible one marked so
    on `ineligible_on` (default 1 February 2022) by a StatusEvent."""
    code = credit_code()
    if status == "closed" and closed_on is None:
        closed_on = date(2022, 3, 1)
    org = Organization(
        credit_code=code, name=name or f"测试{code[-6:]}公司", street_id=street(street_name).id,
        has_party_org=party, has_league_org=league, status=status, officer_id=officer.id if officer else None,
        surveyed_on=surveyed_on, closed_on=closed_on,
    )
    db.session.add(org)
    db.session.flush()
    if status == "ineligible":
        db.session.add(StatusEvent(organization_id=org.id, from_status="surveyed", to_status="ineligible",
                                   transition="mark_ineligible", reason="不符合", effective_on=ineligible_on or date(2022, 2, 1)))
    for visit_date, by, follow_up in visits:
        db.session.add(Visit(organization_id=org.id, officer_id=by.id if by else None, visit_date=visit_date,
                             outcome="willing", next_follow_up=follow_up))
    if founded:
        db.session.add(Branch(organization_id=org.id, name=org.name + "团支部", branch_type="branch",
                              founded_on=founded, reverted=reverted, created_by_id=creator.id if creator else None))
    if onboarded:
        db.session.add(Onboarding(organization_id=org.id, onboarded_on=onboarded,
                                  created_by_id=creator.id if creator else None))
    return org


def set_target(year: int, metric: str, value: int, street_name: str | None = None, district: str = "luohu") -> None:
    """Store one target (the district's when no street)."""
    db.session.add(Target(year=year, metric=metric, value=value,
                          street_id=street(street_name).id if street_name else None,
                          district_id=None if street_name else district_id(district)))


def district_id(code: str) -> int:
    """The id of a loaded district."""
    return db.session.scalar(db.select(District.id).where(District.code == code))


@pytest.fixture
def district(app, make_user):
    """翠竹 with eight organisations of every kind, 笋岗 with two that do not count as founded in 2022,
    桂园 empty; officer `zhang` works on 翠竹; district target of 2 new branches, 翠竹's target 0."""
    zhang = make_user("zhang", role="officer", streets=["翠竹"])
    d = date
    orgs = {
        "A": add_org("翠竹", party=False),
        "B": add_org("翠竹", league=True, status="onboarded", onboarded=d(2022, 3, 1), creator=zhang),
        "C": add_org("翠竹", league=True),
        "D": add_org("翠竹", status="visited", officer=zhang,
                     visits=((d(2022, 2, 1), zhang, d(2022, 3, 1)),)),
        "E": add_org("翠竹", status="established", officer=zhang, visits=((d(2022, 4, 1), zhang, None),),
                     founded=d(2022, 5, 10), creator=zhang),
        "F": add_org("翠竹", status="onboarded", visits=((d(2022, 4, 2), zhang, None), (d(2022, 4, 20), zhang, None)),
                     founded=d(2022, 6, 1), onboarded=d(2022, 7, 1), creator=zhang),
        "G": add_org("翠竹", status="closed", visits=((d(2022, 1, 5), zhang, None),), founded=d(2022, 2, 1)),
        "H": add_org("翠竹", status="ineligible"),
        "I": add_org("笋岗", status="established", founded=d(2021, 11, 1), surveyed_on=d(2021, 6, 1)),
        "J": add_org("笋岗", status="visited", founded=d(2022, 8, 1), reverted=True),
    }
    set_target(2022, "new_branches", 2)
    set_target(2022, "new_branches", 0, "翠竹")
    db.session.commit()
    return {"orgs": orgs, "zhang": zhang}
