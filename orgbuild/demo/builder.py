"""Rows of the demo district, one organisation at a time: survey data, visits, founding record,
onboarding and the StatusEvents that lead to each status (plain dicts for bulk Core inserts).

Used by :mod:`orgbuild.demo`, which owns the transaction; nothing here touches the database.
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from ..domain.rules import credit_code_check_char, suggested_branch_type
from ..models import Street
from . import names


@dataclass(frozen=True)
class Place:
    """The district the rows are written for: its name and 6-digit area code."""

    district: str = "罗湖区"
    area_code: str = "440303"

    @property
    def doc_prefix(self) -> str:
        """The approval documents' prefix: 罗团发 for 罗湖区."""
        return self.district[0] + "团发"  # data: 〔year〕N号 follows


class Builder:
    """Accumulates the rows of one chunk of organisations and their history."""

    def __init__(self, rng: random.Random, start: date, span: int, officers: dict[int, int], benchmark_visits: int | None,
                 place: Place = Place()):
        self.rng, self.start, self.span = rng, start, span
        self.officers, self.k = officers, benchmark_visits
        self.place = place
        self.doc_no = 0
        self.reset()

    def reset(self) -> None:
        """Start a new chunk: forget the rows already inserted."""
        self.orgs: list[dict] = []
        self.visits: list[dict] = []
        self.events: list[dict] = []
        self.branches: list[dict] = []
        self.onboardings: list[dict] = []

    def day(self, frac: float) -> date:
        """The date a fraction of the way through the campaign year."""
        return self.start + timedelta(days=int(min(max(frac, 0.0), 1.0) * self.span))

    @staticmethod
    def stamp(day: date, seq: int) -> datetime:
        """A timestamp in office hours (Shanghai) on `day`; `seq` keeps one organisation's steps ordered."""
        return datetime(day.year, day.month, day.day, 1, 30, tzinfo=UTC) + timedelta(minutes=seq * 11)

    def visit_count(self, default: int) -> int:
        """The benchmark's fixed number of visits, else the realistic one given."""
        return self.k if self.k is not None else default

    def add_visits(self, org: dict, count: int, first: float, last: float, outcomes: list[str], seq: int) -> int:
        """Add `count` visits between the fractions `first` and `last`; the last outcome is outcomes[-1]."""
        rng = self.rng
        fracs = sorted(rng.uniform(first, last) for _ in range(count))
        status = org["status_now"]
        for i, frac in enumerate(fracs):
            outcome = outcomes[-1] if i == count - 1 else rng.choice(outcomes[:-1] or outcomes)
            day = self.day(frac)
            when = self.stamp(day, seq)
            if org["first_visited_on"] is None or day < org["first_visited_on"]:
                org["first_visited_on"] = day
            follow = day + timedelta(days=rng.randint(14, 45)) if outcome in ("considering", "follow_up") else None
            self.visits.append({
                "organization_id": org["id"], "officer_id": org["officer_id"], "visit_date": day,
                "met_with": f"党组织书记{org['party_secretary']}" if org["party_secretary"] else f"负责人{org['contact_person']}",
                "outcome": outcome, "notes": rng.choice(names.VISIT_NOTES[outcome]), "next_follow_up": follow,
                "created_at": when,
            })
            if org["has_party_org"]:  # a visit to a unit without a party organisation (benchmarks only) changes no status
                new = "visited" if status == "surveyed" else status
                self.event(org, status, new, "record_visit", when)
                status = new
            seq += 1
        org["status_now"] = status
        return seq

    def event(self, org: dict, old: str, new: str, transition: str, when: datetime, reason: str = "") -> None:
        """Add a StatusEvent by the street's officer."""
        self.events.append({
            "organization_id": org["id"], "from_status": old, "to_status": new, "transition": transition,
            "actor_id": org["officer_id"], "reason": reason, "created_at": when,
            "effective_on": when.date(), "undone": False,  # office hours: the UTC date is the local one
        })
        if new != old:
            org["stage_since"] = when.date()  # the stage board's days in stage
        org["status_now"] = new
        org["updated_at"] = when

    def onboard(self, org: dict, day: date, seq: int) -> None:
        """Onboard the organisation on 智慧团建 (record and StatusEvent)."""
        when = self.stamp(day, seq)
        self.onboardings.append({
            "organization_id": org["id"], "onboarded_on": day, "platform_code": f"{self.place.area_code}0{org['id']:07d}",
            "reverted": False, "created_by_id": org["officer_id"], "created_at": when,
        })
        self.event(org, org["status_now"], "onboarded", "onboard", when)

    def found(self, org: dict, branch_id: int, covered: list[int], street: str, seq: int) -> tuple[int, date]:
        """Found the league organisation after the visits (founding record and StatusEvent)."""
        rng = self.rng
        last_visit = self.visits[-1]["visit_date"]
        founded = min(last_visit + timedelta(days=rng.randint(20, 60)), self.day(0.9))
        founded = max(founded, last_visit)
        members = org["league_members"]
        kind = suggested_branch_type(members)
        if kind == "general_branch" and rng.random() < 0.3:
            kind = "branch"  # 30+ members may still found a branch
        if kind == "joint_branch":
            name = f"{self.place.district}{street}街道{names.trade_name(rng)}{rng.choice(names.BUILDINGS)}联合团支部"
            units = f"同楼宇{rng.randint(2, 5)}家小微企业"
            members = members + rng.randint(3, 9)
        else:
            name = org["name"] + {"branch": "团支部", "general_branch": "团总支", "committee": "团委"}[kind]
            units = ""
        self.doc_no += 1
        committee = "、".join(names.person(rng) for _ in range(rng.randint(3, 5))) if members >= 7 else ""
        self.branches.append({
            "id": branch_id, "organization_id": org["id"], "name": name, "branch_type": kind,
            "parent_org": f"共青团深圳市{self.place.district}{street}街道工作委员会",
            "application_date": max(last_visit, founded - timedelta(days=rng.randint(10, 20))),
            "approval_doc_no": f"{self.place.doc_prefix}〔{founded.year}〕{self.doc_no}号",
            "approval_date": max(last_visit, founded - timedelta(days=rng.randint(1, 8))),
            "election_date": founded, "founded_on": founded, "secretary": names.person(rng),
            "deputy_secretary": names.person(rng) if members >= 5 else "", "committee_members": committee,
            "member_count": members, "youth_count": max(org["youth_count"], members), "term_years": rng.choice((1, 2, 3)),
            "covered_units": units, "reverted": False, "created_by_id": org["officer_id"],
            "created_at": self.stamp(founded, seq),
        })
        self.event(org, org["status_now"], "established", "establish", self.stamp(founded, seq))
        return seq + 1, founded


def org_row(rng: random.Random, org_id: int, kind: str, street: Street, communities: list[int],
             officer_id: int, builder: Builder) -> dict:
    """The survey data of one organisation of the given kind."""
    org_type = rng.choices(names.ORG_TYPE_NAMES, names.ORG_TYPE_WEIGHTS)[0]
    _weight, prefix, code_head = names.ORG_TYPES[org_type]
    industry = names.SOCIAL_INDUSTRY.get(org_type) or rng.choices(names.INDUSTRY_CODES, names.INDUSTRY_WEIGHTS)[0]
    perm = (org_id * 496313749 + 104729) % 31**6  # a bijection: distinct ids, distinct codes
    first17 = prefix + builder.place.area_code + code_head + names.base31(perm, 9 - len(code_head))
    if kind == "founded":  # the league-member counts decide the kind of organisation founded
        league = rng.choices(((0, 2), (3, 29), (30, 99), (100, 160)), (15, 70, 12, 3))[0]
        league = rng.randint(*league)
    elif kind == "pl":
        league = rng.randint(3, 60)
    else:
        league = min(int(rng.expovariate(1 / 6)), 40)
    youth = league + rng.randint(0, league * 2 + 10)
    employees = youth + int(rng.lognormvariate(3.0, 1.0))
    party = kind != "none"
    party_members = rng.randint(3, 3 + min(40, employees)) if party else rng.randint(0, 2)
    employees = max(employees, party_members, 1)
    name = names.org_name(rng, org_type, industry, builder.place.district)
    secretary = names.person(rng) if party else None
    survey_day = builder.day(rng.uniform(0, 0.15))
    created = builder.stamp(survey_day, 0)
    return {
        "id": org_id, "credit_code": first17 + credit_code_check_char(first17), "name": name,
        "street_id": street.id, "community_id": rng.choice(communities) if communities else None,
        "industry": industry, "org_type": org_type, "employees": employees, "youth_count": youth,
        "league_members": league, "party_members": party_members, "has_party_org": party,
        "party_secretary": secretary, "has_league_org": kind == "pl",
        "league_contact": f"{names.person(rng)} {names.phone(rng)}" if kind == "pl" else None,
        "contact_person": names.person(rng), "contact_phone": names.phone(rng),
        "address": names.address(rng, street.short_name, builder.place.district), "officer_id": officer_id, "status": "surveyed",
        "surveyed_on": survey_day, "closed_on": None, "first_visited_on": None, "stage_since": survey_day, "version": 1, "created_at": created,
        "updated_at": created,
        # working values, removed before the insert
        "status_now": "surveyed", "survey_frac": (survey_day - builder.start).days / builder.span,
    }


def history(b: Builder, org: dict, kind: str, branch_ids, covered_pool: list[int], street: Street) -> None:
    """Visits, founding, onboarding or ineligibility of one organisation, with its StatusEvents."""
    rng = b.rng
    s0 = org["survey_frac"] + 0.01
    if kind == "none":
        if b.k:
            b.add_visits(org, b.k, s0, 0.97, ["considering", "declined", "follow_up"], 1)
    elif kind == "pl":
        done = rng.uniform(0.25, 0.95)
        seq = 1
        visits = b.visit_count(1 if rng.random() < 0.4 else 0)
        if visits:
            seq = b.add_visits(org, visits, s0, done - 0.01, ["considering", "willing"], seq)
        b.onboard(org, b.day(done), seq)
    elif kind == "founded":
        visits = b.visit_count(rng.choices((1, 2, 3), (4, 4, 2))[0])
        seq = b.add_visits(org, visits, s0, rng.uniform(max(s0, 0.2), 0.75), ["considering", "follow_up", "willing"], 1)
        branch_id = next(branch_ids)
        covered = rng.sample(covered_pool, min(len(covered_pool), rng.randint(1, 2))) if covered_pool else []
        seq, founded = b.found(org, branch_id, covered, street.short_name, seq)
        if b.branches[-1]["branch_type"] == "joint_branch" and covered and rng.random() < 0.6:
            b.branches[-1]["covered_ids"] = covered
        b.onboard(org, min(founded + timedelta(days=rng.randint(3, 25)), b.day(1.0)), seq)
    elif kind == "ineligible":
        mark = rng.uniform(0.3, 0.95)
        seq = 1
        visits = b.visit_count(1 if rng.random() < 0.6 else 0)
        if visits:
            seq = b.add_visits(org, visits, s0, mark - 0.01, ["considering", "not_eligible"], seq)
        reason = rng.choice(names.INELIGIBLE_REASONS)
        b.event(org, org["status_now"], "ineligible", "mark_ineligible", b.stamp(b.day(mark), seq), reason)
    else:  # party but no league organisation, not (yet) founded: most visited, with mixed outcomes
        visits = b.visit_count(rng.choices((0, 1, 2, 3), (15, 42, 30, 13))[0])
        if visits:
            outcomes = ["willing", "considering", "follow_up", "declined", "not_eligible"]
            last = rng.choices(outcomes, (25, 30, 25, 17, 3))[0]
            b.add_visits(org, visits, s0, 0.97, outcomes + [last], 1)
