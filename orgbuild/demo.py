"""Service: the demo district — Luohu's 2022 campaign rebuilt from the report's figures.

:func:`generate_district` writes organisations, visits, founding records, onboardings and the
StatusEvents that lead to each status, with bulk Core inserts in one transaction (fast enough for
benchmarks of 100,000 organisations). :func:`load_demo` is what ``flask --app orgbuild demo`` runs:
idempotent, and it refuses a database that holds anything but demo data.
"""
from __future__ import annotations

import random
import secrets
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, insert, inspect, select, text

from . import demo_names as names
from .accounts import password_problem
from .extensions import db
from .models import (
    AuditEvent,
    Branch,
    Community,
    Onboarding,
    Organization,
    Setting,
    StatusEvent,
    Street,
    Target,
    User,
    Visit,
    branch_covered_orgs,
)
from .reference import street_pinyin
from .rules import Message, credit_code_check_char, suggested_branch_type

DEMO_FLAG = "demo_loaded"
DEMO_PASSWORD = "luohu2022"
CHUNK = 5000
#: The report's figures (DOMAIN.md), scaled for other sizes.
REPORT = {"surveyed": 1942, "party": 420, "party_and_league": 36, "founded": 60, "ineligible": 5, "target": 56}


class DemoError(Exception):
    """The demo district cannot be loaded here; the message says why."""


@dataclass(frozen=True)
class DemoAccount:
    """One demo account as the ``demo`` command prints it."""

    username: str
    role: str
    street: str
    display_name: str
    password: str = DEMO_PASSWORD


def demo_accounts(streets: list[Street]) -> list[DemoAccount]:
    """The demo accounts: admin, a district supervisor and one officer per street."""
    pinyin = street_pinyin()
    accounts = [DemoAccount("admin", "admin", "", "系统管理员"), DemoAccount("supervisor", "supervisor", "", "团区委督导")]
    for street in streets:
        username = f"officer-{pinyin.get(street.code, street.code)}"
        accounts.append(DemoAccount(username, "officer", street.name, f"{street.short_name}街道团干"))
    return accounts


def ensure_demo_accounts(streets: list[Street]) -> dict[int, int]:
    """Add the demo accounts that are missing (no commit); return street id → officer id."""
    by_name = {s.name: s for s in streets}
    existing = {u.username: u for u in db.session.scalars(select(User))}
    officers: dict[int, int] = {}
    password_hash = None  # the accounts share the printed password: hash it once (scrypt is slow on purpose)
    for account in demo_accounts(streets):
        user = existing.get(account.username)
        if user is None:
            assert password_problem(account.password, account.username) is None
            user = User(
                username=account.username,
                role=account.role,
                display_name=account.display_name,
                session_token=secrets.token_hex(8),
            )
            if password_hash is None:
                user.set_password(account.password)
                password_hash = user.password_hash
            user.password_hash = password_hash
            if account.street:
                user.streets = [by_name[account.street]]
            db.session.add(user)
            db.session.flush()
        if account.street:
            officers[by_name[account.street].id] = user.id
    return officers


def _plan(n: int) -> dict[str, int]:
    """How many organisations of each kind, keeping the report's proportions."""
    def scaled(key: str) -> int:
        return round(n * REPORT[key] / REPORT["surveyed"])

    party = scaled("party")
    pl = min(scaled("party_and_league"), party)
    pnl = party - pl
    founded = min(scaled("founded"), pnl)
    ineligible = min(scaled("ineligible"), pnl - founded)
    return {"none": n - party, "pl": pl, "founded": founded, "ineligible": ineligible, "open": pnl - founded - ineligible}


class _Builder:
    """Accumulates the rows of one chunk of organisations and their history."""

    def __init__(self, rng: random.Random, start: date, span: int, officers: dict[int, int], benchmark_visits: int | None):
        self.rng, self.start, self.span = rng, start, span
        self.officers, self.k = officers, benchmark_visits
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
        })
        org["status_now"] = new
        org["updated_at"] = when

    def onboard(self, org: dict, day: date, seq: int) -> None:
        """Onboard the organisation on 智慧团建 (record and StatusEvent)."""
        when = self.stamp(day, seq)
        self.onboardings.append({
            "organization_id": org["id"], "onboarded_on": day, "platform_code": f"4403030{org['id']:07d}",
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
            name = f"罗湖区{street}街道{names.trade_name(rng)}{rng.choice(names.BUILDINGS)}联合团支部"
            units = f"同楼宇{rng.randint(2, 5)}家小微企业"
            members = members + rng.randint(3, 9)
        else:
            name = org["name"] + {"branch": "团支部", "general_branch": "团总支", "committee": "团委"}[kind]
            units = ""
        self.doc_no += 1
        committee = "、".join(names.person(rng) for _ in range(rng.randint(3, 5))) if members >= 7 else ""
        self.branches.append({
            "id": branch_id, "organization_id": org["id"], "name": name, "branch_type": kind,
            "parent_org": f"共青团深圳市罗湖区{street}街道工作委员会",
            "application_date": max(last_visit, founded - timedelta(days=rng.randint(10, 20))),
            "approval_doc_no": f"罗团发〔{founded.year}〕{self.doc_no}号",
            "approval_date": max(last_visit, founded - timedelta(days=rng.randint(1, 8))),
            "election_date": founded, "founded_on": founded, "secretary": names.person(rng),
            "deputy_secretary": names.person(rng) if members >= 5 else "", "committee_members": committee,
            "member_count": members, "youth_count": max(org["youth_count"], members), "term_years": rng.choice((1, 2, 3)),
            "covered_units": units, "reverted": False, "created_by_id": org["officer_id"],
            "created_at": self.stamp(founded, seq),
        })
        self.event(org, org["status_now"], "established", "establish", self.stamp(founded, seq))
        return seq + 1, founded


def _org_row(rng: random.Random, org_id: int, kind: str, street: Street, communities: list[int],
             officer_id: int, builder: _Builder) -> dict:
    """The survey data of one organisation of the given kind."""
    org_type = rng.choices(names.ORG_TYPE_NAMES, names.ORG_TYPE_WEIGHTS)[0]
    _weight, prefix, code_head = names.ORG_TYPES[org_type]
    industry = names.SOCIAL_INDUSTRY.get(org_type) or rng.choices(names.INDUSTRY_CODES, names.INDUSTRY_WEIGHTS)[0]
    perm = (org_id * 496313749 + 104729) % 31**6  # a bijection: distinct ids, distinct codes
    first17 = prefix + "440303" + code_head + names.base31(perm, 9 - len(code_head))
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
    name = names.org_name(rng, org_type, industry)
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
        "address": names.address(rng, street.short_name), "officer_id": officer_id, "status": "surveyed",
        "version": 1, "created_at": created, "updated_at": created,
        # working values, removed before the insert
        "status_now": "surveyed", "survey_frac": (survey_day - builder.start).days / builder.span,
    }


def _history(b: _Builder, org: dict, kind: str, branch_ids, covered_pool: list[int], street: Street) -> None:
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


def generate_district(n_orgs: int = 1942, visits_per_org: int | None = None, seed: int = 2022, year: int = 2022) -> dict:
    """Build the demo district (one transaction) and return what was written.

    With the defaults it reproduces the report: 1,942 organisations over the streets, 420 with a
    party organisation, 36 with a league organisation too (all onboarded), 60 branches founded
    and onboarded in `year` among the 384 others, a district target of 56 new branches. Other
    sizes keep the proportions. `visits_per_org` (benchmarks) gives every organisation exactly
    that many visits; visits to units without a party organisation then change no status.
    """
    started = time.perf_counter()
    if n_orgs < 0:
        raise ValueError("n_orgs must not be negative")
    if visits_per_org is not None and visits_per_org < 1:
        raise ValueError("visits_per_org must be at least 1")
    start, end = date(year, 1, 4), min(date(year, 12, 28), date.today())
    if (end - start).days < 30:
        raise ValueError(f"the campaign year {year} has not run long enough for a demo")
    streets = list(db.session.scalars(select(Street).order_by(Street.code)))
    if not streets:
        raise DemoError(Message("尚未载入街道：请先运行 flask --app orgbuild init-db"))
    if db.session.get(Setting, DEMO_FLAG) is not None:
        raise DemoError(Message("演示数据已经载入"))
    rng = random.Random(seed)
    try:
        officers = ensure_demo_accounts(streets)
        result = _write_district(rng, n_orgs, visits_per_org, streets, officers, start, (end - start).days, year)
        db.session.merge(Setting(key=DEMO_FLAG, value=f"year={year} n_orgs={n_orgs} seed={seed}"))
        db.session.add(AuditEvent(action="create", object_type="demo", summary=f"demo district: {n_orgs} organisations"))
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    result["seconds"] = round(time.perf_counter() - started, 2)
    return result


def _write_district(rng, n_orgs, visits_per_org, streets, officers, start, span, year) -> dict:
    """Generate and insert every row in chunks (no commit); return the counts."""
    plan = _plan(n_orgs)
    kinds = [kind for kind, count in plan.items() for _ in range(count)]
    rng.shuffle(kinds)
    weights = names.STREET_WEIGHTS if len(streets) == len(names.STREET_WEIGHTS) else [1] * len(streets)
    street_of = rng.choices(range(len(streets)), weights, k=n_orgs)
    communities: dict[int, list[int]] = {s.id: [] for s in streets}
    for cid, sid in db.session.execute(select(Community.id, Community.street_id)):
        communities[sid].append(cid)
    first_id = (db.session.scalar(select(func.max(Organization.id))) or 0) + 1
    next_branch = (db.session.scalar(select(func.max(Branch.id))) or 0) + 1
    covered_pool: dict[int, list[int]] = {i: [] for i in range(len(streets))}
    for i, kind in enumerate(kinds):  # units without a party organisation that joint branches may cover
        if kind == "none" and len(covered_pool[street_of[i]]) < 200:
            covered_pool[street_of[i]].append(first_id + i)
    branch_ids = iter(range(next_branch, next_branch + n_orgs + 1))
    totals = {"visits": 0, "status_events": 0, "branches": 0, "onboardings": 0, "covered": 0}
    covered_rows: list[dict] = []
    b = _Builder(rng, start, span, officers, visits_per_org)
    for chunk_start in range(0, n_orgs, CHUNK):
        b.reset()
        for i in range(chunk_start, min(n_orgs, chunk_start + CHUNK)):
            street = streets[street_of[i]]
            org = _org_row(rng, first_id + i, kinds[i], street, communities[street.id], officers[street.id], b)
            b.orgs.append(org)
            _history(b, org, kinds[i], branch_ids, covered_pool[street_of[i]], street)
        for org in b.orgs:
            org["status"] = org.pop("status_now")
            del org["survey_frac"]
        for branch in b.branches:
            covered_rows += [{"branch_id": branch["id"], "organization_id": o} for o in branch.pop("covered_ids", [])]
        _insert(Organization, b.orgs)
        _insert(Visit, b.visits)
        _insert(Branch, b.branches)
        _insert(Onboarding, b.onboardings)
        _insert(StatusEvent, b.events)
        for key, rows in (("visits", b.visits), ("status_events", b.events), ("branches", b.branches), ("onboardings", b.onboardings)):
            totals[key] += len(rows)
    if covered_rows:
        db.session.execute(insert(branch_covered_orgs), covered_rows)
    totals["covered"] = len(covered_rows)
    _fix_sequences()
    target = max(1, round(plan["founded"] * REPORT["target"] / REPORT["founded"])) if plan["founded"] else 0
    exists = db.session.scalar(select(Target.id).where(Target.year == year, Target.metric == "new_branches", Target.street_id.is_(None)))
    if target and exists is None:
        db.session.execute(insert(Target), [{"year": year, "metric": "new_branches", "street_id": None, "value": target}])
    party = plan["pl"] + plan["founded"] + plan["ineligible"] + plan["open"]
    return {
        "organizations": n_orgs, "party_orgs": party, "party_and_league": plan["pl"],
        "party_no_league": party - plan["pl"], "founded": plan["founded"], "ineligible": plan["ineligible"],
        "new_branch_target": target, **totals,
    }


def _insert(model, rows: list[dict]) -> None:
    """Bulk-insert `rows` into the model's table with Core, in chunks."""
    for i in range(0, len(rows), CHUNK):
        db.session.execute(insert(model.__table__), rows[i : i + CHUNK])


def _fix_sequences() -> None:
    """On PostgreSQL, move the id sequences past the ids given explicitly."""
    if db.session.get_bind().dialect.name != "postgresql":
        return
    for table in ("organizations", "branches"):
        db.session.execute(text(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT COALESCE(MAX(id), 1) FROM {table}))"
        ))


def non_demo_data() -> dict[str, int]:
    """Counts of rows that show the database holds real (non-demo) data; empty when none."""
    counts = {
        "organizations": db.session.scalar(select(func.count(Organization.id))) or 0,
        "users": db.session.scalar(select(func.count(User.id))) or 0,
        "targets": db.session.scalar(select(func.count(Target.id))) or 0,
    }
    return {k: v for k, v in counts.items() if v}


def load_demo(n_orgs: int = 1942, seed: int = 2022, year: int = 2022) -> tuple[bool, list[DemoAccount], dict]:
    """Load the demo district unless it is there already: (loaded now, accounts, counts).

    Raises :class:`DemoError` when the database holds data that the demo did not write.
    """
    if not inspect(db.engine).has_table(Street.__tablename__):
        raise DemoError(Message("数据库尚未初始化：请先运行 flask --app orgbuild init-db"))
    streets = list(db.session.scalars(select(Street).order_by(Street.code)))
    if not streets:
        raise DemoError(Message("尚未载入街道：请先运行 flask --app orgbuild init-db"))
    accounts = demo_accounts(streets)
    if db.session.get(Setting, DEMO_FLAG) is not None:
        ensure_demo_accounts(streets)
        db.session.commit()
        return False, accounts, {}
    found = non_demo_data()
    if found:
        detail = "、".join(f"{k} {v}" for k, v in found.items())
        raise DemoError(Message("数据库中已有非演示数据（%(detail)s），演示数据不会写入", detail=detail))
    return True, accounts, generate_district(n_orgs, seed=seed, year=year)
