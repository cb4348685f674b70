"""Service: the demo district — Luohu's 2022 campaign rebuilt from the report's figures — and, when
asked, further demo districts beside it (Futian …) with the same proportions at another size.

:func:`generate_district` writes organisations, visits, founding records, onboardings and the
StatusEvents that lead to each status, with bulk Core inserts in one transaction (fast enough for
benchmarks of 100,000 organisations). :func:`load_demo` is what ``flask --app orgbuild demo`` runs:
idempotent, and it refuses a database that holds anything but demo data. A further district never
touches Luohu's rows, so Luohu's figures stay the report's.
"""
from __future__ import annotations

import random
import re
import secrets
import time
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Iterable

from sqlalchemy import func, insert, inspect, select, text

from ..accounts.service import password_problem
from ..districts import reference
from ..districts.reference import street_pinyin
from ..domain.rules import Message, split_target
from ..extensions import db
from ..models import (
    AuditEvent,
    Branch,
    Community,
    District,
    Onboarding,
    Organization,
    Setting,
    StatusEvent,
    Street,
    Target,
    User,
    Visit,
    branch_covered_orgs,
    street_order,
)
from ..quality.demo import secretary_branch, write_branch_life, write_rectifications, write_secretary_life
from . import names
from .builder import Builder, Place, history, org_row

DEMO_DISTRICT = "luohu"  # the report's district, always the first one loaded
DEMO_FLAG = "demo_loaded"
#: The audit row of a loaded demo district: machine-readable; the audit page shows :func:`demo_summary_message`.
DEMO_SUMMARY = "demo district {district}: {n} organisations"
_DEMO_SUMMARY_RE = re.compile(r"demo district (?P<district>\S+): (?P<n>\d+) organisations")


def demo_summary_message(summary: str) -> Message | None:
    """The demo audit row in the reader's language ("载入演示数据：罗湖区，1942家组织"), or None when the
    text is not such a summary."""
    match = _DEMO_SUMMARY_RE.fullmatch(summary or "")
    if match is None:
        return None
    district = db.session.scalar(select(District.name).where(District.code == match["district"]))
    return Message("载入演示数据：%(district)s，%(n)d家组织", district=district or match["district"], n=int(match["n"]))


#: Size and seed of a further demo district (same proportions as the report, another size).
FURTHER_DISTRICT_ORGS = 1200
DEMO_PASSWORD = "luohu2022"
CHUNK = 5000
#: The report's figures (DOMAIN.md), scaled for other sizes.
REPORT = {"surveyed": 1942, "party": 420, "party_and_league": 36, "founded": 60, "ineligible": 5, "target": 56,
          "baseline": 0.9, "stretch": 1.1}  # 保底 / 冲刺 as shares of the target


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
    district: str = ""  # the code of the district the account belongs to ("" with a street, or the city)
    organization_id: int | None = None  # a branch secretary's own organisation
    organization: str = ""  # ... and its name

    @property
    def scope(self) -> str:
        """Where the account works, as the demo command prints it: a branch, a street, a district or
        the city."""
        if self.organization:
            return self.organization
        if self.street:
            return self.street
        if self.district:
            return reference.district_data(self.district).name
        return "全市" if self.role == "supervisor" else ""  # data: the city supervisor's scope


def demo_flag(code: str) -> str:
    """The setting that says a demo district is loaded (Luohu's keeps its original key)."""
    return DEMO_FLAG if code == DEMO_DISTRICT else f"{DEMO_FLAG}:{code}"


#: The demo's branch secretary (团支部书记): one branch of Luohu's 翠竹 street, once its branches exist.
SECRETARY_USERNAME = "secretary-cuizhu"
SECRETARY_STREET = "翠竹"


def demo_secretary(street: Street) -> DemoAccount | None:
    """The demo branch secretary's account: the one already made, else one for the branch that
    :func:`secretary_branch` picks on the street; None before the street has a graded branch."""
    user = db.session.scalar(select(User).where(User.username == SECRETARY_USERNAME))
    org_id = user.organization_id if user is not None else secretary_branch(street.id)
    org = db.session.get(Organization, org_id) if org_id is not None else None
    if org is None:
        return None
    return DemoAccount(SECRETARY_USERNAME, "secretary", "", f"{street.short_name}团支部书记", organization_id=org.id,
                       organization=org.name)


def demo_accounts(districts: list[tuple[District, list[Street]]]) -> list[DemoAccount]:
    """The demo accounts: admin, a supervisor per district and one officer per street (and a branch
    secretary in Luohu's 翠竹, once its branches exist); with more than one district also a city
    supervisor."""
    pinyin = street_pinyin()
    accounts = [DemoAccount("admin", "admin", "", "系统管理员")]
    for district, streets in districts:
        own = district.code == DEMO_DISTRICT
        accounts.append(DemoAccount("supervisor" if own else f"supervisor-{district.code}", "supervisor", "",
                                    "团区委督导" if own else f"{district.name}团区委督导", district=district.code))
        for street in streets:
            username = f"officer-{pinyin.get(street.short_name, street.code or street.id)}"
            accounts.append(DemoAccount(username, "officer", street.name, f"{street.short_name}街道团干"))
        home = next((s for s in streets if s.short_name == SECRETARY_STREET), None) if own else None
        secretary = demo_secretary(home) if home is not None else None
        if secretary is not None:
            accounts.append(secretary)
    if len(districts) > 1:
        accounts.append(DemoAccount("city-supervisor", "supervisor", "", "团市委督导"))
    return accounts


def demo_districts() -> list[tuple[District, list[Street]]]:
    """The demo districts loaded so far (Luohu first), with their streets."""
    loaded = []
    for district in db.session.scalars(select(District).order_by(District.id)):
        if db.session.get(Setting, demo_flag(district.code)) is not None:
            streets = list(db.session.scalars(select(Street).where(Street.district_id == district.id).order_by(*street_order())))
            loaded.append((district, streets))
    return loaded


def ensure_demo_accounts(accounts: list[DemoAccount]) -> dict[int, int]:
    """Add the demo accounts that are missing (no commit); return street id → officer id."""
    by_name = {s.name: s for s in db.session.scalars(select(Street))}
    districts = {d.code: d for d in db.session.scalars(select(District))}
    existing = {u.username: u for u in db.session.scalars(select(User))}
    officers: dict[int, int] = {}
    password_hash = None  # the accounts share the printed password: hash it once (scrypt is slow on purpose)
    for account in accounts:
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
            if account.organization_id is not None:
                user.organization_id = account.organization_id  # a branch secretary: no street (policy.py)
            elif account.street:
                user.streets = [by_name[account.street]]
                user.district = by_name[account.street].district
            elif account.district:
                user.district = districts[account.district]
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


def generate_district(n_orgs: int = 1942, visits_per_org: int | None = None, seed: int = 2022, year: int = 2022,
                      district: str = DEMO_DISTRICT) -> dict:
    """Build a demo district (one transaction) and return what was written.

    With the defaults it reproduces the report in Luohu: 1,942 organisations over the streets, 420
    with a party organisation, 36 with a league organisation too (all onboarded), 60 branches
    founded and onboarded in `year` among the 384 others, a district target of 56 new branches.
    Other sizes keep the proportions; `district` names another district (its streets must be
    loaded). `visits_per_org` (benchmarks) gives every organisation exactly that many visits;
    visits to units without a party organisation then change no status.
    """
    started = time.perf_counter()
    if n_orgs < 0:
        raise ValueError("n_orgs must not be negative")
    if visits_per_org is not None and visits_per_org < 1:
        raise ValueError("visits_per_org must be at least 1")
    start, end = date(year, 1, 4), min(date(year, 12, 28), date.today())
    if (end - start).days < 30:
        raise ValueError(f"the campaign year {year} has not run long enough for a demo")
    home = db.session.scalar(select(District).where(District.code == district))
    streets = [] if home is None else list(
        db.session.scalars(select(Street).where(Street.district_id == home.id).order_by(*street_order())))
    if not streets:
        raise DemoError(Message("尚未载入街道：请先运行 flask --app orgbuild init-db"))
    if db.session.get(Setting, demo_flag(district)) is not None:
        raise DemoError(Message("演示数据已经载入"))
    rng = random.Random(seed)
    try:
        loaded = demo_districts() + [(home, streets)]
        officers = ensure_demo_accounts(demo_accounts(loaded))
        result = _write_district(rng, n_orgs, visits_per_org, streets, officers, start, (end - start).days, year,
                                 home)
        if district == DEMO_DISTRICT:  # the branch secretary, now that the branches exist, and what they logged
            ensure_demo_accounts(demo_accounts(loaded))
            secretary = db.session.scalar(select(User).where(User.username == SECRETARY_USERNAME))
            if secretary is not None:
                result["secretary_activities"] = write_secretary_life(secretary.organization_id, secretary,
                                                                      start + timedelta(days=(end - start).days))
        db.session.merge(Setting(key=demo_flag(district), value=f"year={year} n_orgs={n_orgs} seed={seed}"))
        db.session.add(AuditEvent(action="create", object_type="demo",
                                  summary=DEMO_SUMMARY.format(district=district, n=n_orgs)))
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    result["seconds"] = round(time.perf_counter() - started, 2)
    return result


def _write_district(rng, n_orgs, visits_per_org, streets, officers, start, span, year, district) -> dict:
    """Generate and insert every row in chunks (no commit); return the counts."""
    plan = _plan(n_orgs)
    kinds = [kind for kind, count in plan.items() for _ in range(count)]
    rng.shuffle(kinds)
    weights = names.STREET_WEIGHTS if len(streets) == len(names.STREET_WEIGHTS) else [1] * len(streets)
    street_of = rng.choices(range(len(streets)), weights, k=n_orgs)
    communities: dict[int, list[int]] = {s.id: [] for s in streets}
    rows = select(Community.id, Community.street_id).where(Community.street_id.in_(communities)).order_by(Community.id)
    for cid, sid in db.session.execute(rows):
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
    b = Builder(rng, start, span, officers, visits_per_org, Place(district.name, district.area_code or "440303"))
    for chunk_start in range(0, n_orgs, CHUNK):
        b.reset()
        for i in range(chunk_start, min(n_orgs, chunk_start + CHUNK)):
            street = streets[street_of[i]]
            org = org_row(rng, first_id + i, kinds[i], street, communities[street.id], officers[street.id], b)
            b.orgs.append(org)
            history(b, org, kinds[i], branch_ids, covered_pool[street_of[i]], street)
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
    # the branches' organisational life and grading: their own generator, so the figures above do not move
    totals.update(write_branch_life(start.toordinal() + n_orgs, [s.id for s in streets], year,
                                    start + timedelta(days=span), officers))
    supervisor = db.session.scalar(select(User).where(
        User.username == ("supervisor" if district.code == DEMO_DISTRICT else f"supervisor-{district.code}")))
    totals.update(write_rectifications(start.toordinal() + n_orgs + 1, [s.id for s in streets], year,
                                       start + timedelta(days=span), officers, supervisor))
    target = max(1, round(plan["founded"] * REPORT["target"] / REPORT["founded"])) if plan["founded"] else 0
    exists = db.session.scalar(select(Target.id).where(Target.year == year, Target.metric == "new_branches",
                                                      Target.street_id.is_(None), Target.district_id == district.id))
    if target and exists is None:
        _write_targets(year, target, district, streets, kinds, street_of)
    party = plan["pl"] + plan["founded"] + plan["ineligible"] + plan["open"]
    return {
        "organizations": n_orgs, "party_orgs": party, "party_and_league": plan["pl"],
        "party_no_league": party - plan["pl"], "founded": plan["founded"], "ineligible": plan["ineligible"],
        "new_branch_target": target, **totals,
    }


def _write_targets(year: int, target: int, district, streets: list[Street], kinds: list[str],
                   street_of: list[int]) -> None:
    """The district's new-branch target with its baseline and stretch, split across the streets in
    proportion to their 已建党未建团 organisations (任务分解, so that the street targets add up)."""
    weights = dict.fromkeys(range(len(streets)), 0)
    for kind, index in zip(kinds, street_of):
        if kind in ("founded", "ineligible", "open"):
            weights[index] += 1
    shares = split_target(target, weights)
    band = {"baseline": round(target * REPORT["baseline"]), "stretch": round(target * REPORT["stretch"])}
    rows = [{"year": year, "metric": "new_branches", "street_id": None, "district_id": district.id, "value": target,
             "version": 1, **band}]
    rows += [{"year": year, "metric": "new_branches", "street_id": streets[i].id, "district_id": None,
              "value": shares[i], "version": 1, "baseline": None, "stretch": None} for i in range(len(streets))]
    db.session.execute(insert(Target), rows)


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


def load_demo(n_orgs: int = 1942, seed: int = 2022, year: int = 2022,
              further: Iterable[str] = ()) -> tuple[list[str], list[DemoAccount], dict[str, dict]]:
    """Load the demo district (Luohu) and each further district named (their streets too, when
    missing), each unless it is there already: (codes loaded now, every demo account, counts per
    district loaded now).

    Raises :class:`DemoError` when the database holds data that the demo did not write, and
    ``reference.UnknownDistrict`` for a district without a data file.
    """
    if not inspect(db.engine).has_table(Street.__tablename__):
        raise DemoError(Message("数据库尚未初始化：请先运行 flask --app orgbuild init-db"))
    others = [d for d in dict.fromkeys(reference.district_data(code) for code in further) if d.code != DEMO_DISTRICT]
    if db.session.scalar(select(District.id).join(Street).where(District.code == DEMO_DISTRICT).limit(1)) is None:
        raise DemoError(Message("尚未载入街道：请先运行 flask --app orgbuild init-db"))
    loaded: list[str] = []
    counts: dict[str, dict] = {}
    if db.session.get(Setting, DEMO_FLAG) is None:
        found = non_demo_data()
        if found:
            detail = "、".join(f"{k} {v}" for k, v in found.items())
            raise DemoError(Message("数据库中已有非演示数据（%(detail)s），演示数据不会写入", detail=detail))
        counts[DEMO_DISTRICT] = generate_district(n_orgs, seed=seed, year=year)
        loaded.append(DEMO_DISTRICT)
    for data in others:
        if db.session.get(Setting, demo_flag(data.code)) is None:
            reference.load_districts([data.code])  # idempotent: adds the streets when missing
            counts[data.code] = generate_district(FURTHER_DISTRICT_ORGS, seed=seed + int(data.area_code or 0),
                                                  year=year, district=data.code)
            loaded.append(data.code)
    accounts = demo_accounts(demo_districts())
    try:
        ensure_demo_accounts(accounts)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return loaded, accounts, counts
