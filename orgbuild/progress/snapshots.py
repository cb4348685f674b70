"""Service: snapshots — the progress object of a scope and year as of a date, frozen once and never
changed, so that what a supervisor reported upwards can be shown again word for word.

A snapshot holds, as canonical JSON text written once:
- ``progress``: the progress object as of ``as_of`` (DESIGN.md keys, by street, by officer, monthly);
- ``previous``: the latest earlier snapshot of the same scope and year (its id), for 环比;
- ``corrections``: what changed since that previous snapshot in its own figures (work recorded
  after it but dated on or before its as-of date: 补录, or a reverted step), measured when this one
  was taken;
- ``same_date_last_year``: the figures as of the same day of the year before (同比);
- ``issuer``: the body that issues the bulletin (the district's or the city's league committee).
"""
from __future__ import annotations

import hashlib
import json
from datetime import date
from typing import Any

from flask import current_app
from sqlalchemy import event, select

from .. import audit, policy
from ..campaign.actions import ServiceError, local_today
from ..districts import service as districts
from ..districts.reference import CITY_SETTING
from ..domain.rules import Message, strip_control_chars
from ..extensions import db
from ..models import Setting, Snapshot, Street, User
from .figures import AsOfError, compute, resolve_year, scope_streets
from .scope import Scope

#: The figures compared between a snapshot and the same day recomputed (corrections).
CORRECTED_KEYS = ("surveyed", "party_orgs", "party_and_league", "party_no_league", "visited",
                  "established", "onboarded", "ineligible")
#: Keys of the progress object that are not figures as of the date (left out of a snapshot).
NOT_FROZEN = ("overdue_followups",)
MAX_TITLE = 200


class SnapshotFrozen(RuntimeError):
    """Something tried to change a stored snapshot."""


@event.listens_for(Snapshot, "before_update")
def _refuse_changes(mapper, connection, target) -> None:  # noqa: ARG001 - SQLAlchemy's signature
    """A snapshot is written once: any UPDATE of one is a bug, stopped before it reaches the database."""
    raise SnapshotFrozen(f"snapshot {target.id} is frozen")


def street_key(street_ids) -> str:
    """The scope of a snapshot as sorted street ids joined by commas; "" for the whole city."""
    return ",".join(str(i) for i in sorted(street_ids)) if street_ids is not None else ""


def key_streets(key: str) -> frozenset[int] | None:
    """The street ids of a scope key (None: the whole city)."""
    return frozenset(int(i) for i in key.split(",")) if key else None


def scope_of(user: User | None, street_id: int | None = None) -> Scope:
    """The scope a user's snapshot covers: their streets (all: the whole city), or one of them."""
    ids = policy.street_ids(user) if user is not None else None
    if street_id is not None:
        if ids is not None and street_id not in ids:
            raise ServiceError([("street", Message("您不负责该街道"))])
        ids = {street_id}
    return scope_from_key(street_key(ids))


def scope_from_key(key: str) -> Scope:
    """The scope of a snapshot's street key: the whole city, one whole district (read with its own
    targets, like the dashboard), or some streets."""
    ids = key_streets(key)
    if ids is None:
        return Scope()
    homes = set(db.session.scalars(select(Street.district_id).where(Street.id.in_(ids))))
    if len(homes) == 1:
        home = homes.pop()
        if set(db.session.scalars(select(Street.id).where(Street.district_id == home))) == ids:
            return Scope(street_ids=ids, district_id=home)
    return Scope(street_ids=ids)


def default_title(year: int, as_of: date) -> str:
    """关于2022年“两新”组织团建工作进展情况的通报（截至2022年6月30日）."""
    return str(Message("关于%(year)d年“两新”组织团建工作进展情况的通报（截至%(y)d年%(m)d月%(d)d日）",
                       year=year, y=as_of.year, m=as_of.month, d=as_of.day))


def issuer_of(progress: dict[str, Any]) -> str:
    """The issuing body of a bulletin on `progress`: ``ORGBUILD_ISSUER`` when set, else the league
    committee of the district (共青团深圳市罗湖区委员会) or, for several districts, of the city."""
    if current_app.config.get("ISSUER"):
        return current_app.config["ISSUER"]
    city = db.session.get(Setting, CITY_SETTING)
    district = districts.find_district(progress.get("district")) if progress.get("scope") != "city" else None
    body = (city.value if city else "") + (district.name if district is not None and progress.get("district") else "")
    return str(Message("共青团%(body)s委员会", body=body))


def same_day_last_year(as_of: date) -> date:
    """The same day one year earlier (29 February → 28 February)."""
    try:
        return as_of.replace(year=as_of.year - 1)
    except ValueError:
        return as_of.replace(year=as_of.year - 1, day=28)


def previous_snapshot(key: str, year: int, as_of: date) -> Snapshot | None:
    """The latest snapshot of the same scope and year with an earlier as-of date."""
    return db.session.scalar(
        select(Snapshot)
        .where(Snapshot.street_ids == key, Snapshot.year == year, Snapshot.as_of < as_of)
        .order_by(Snapshot.as_of.desc(), Snapshot.id.desc())
        .limit(1)
    )


def frozen_progress(scope: Scope, year: int, as_of: date) -> dict[str, Any]:
    """The progress object as of `as_of`, without what is not a figure of that day."""
    data = compute(scope, year, as_of=as_of)
    return {k: v for k, v in data.items() if k not in NOT_FROZEN}


def differences(reported: dict[str, Any], now: dict[str, Any]) -> list[dict[str, Any]]:
    """The figures of `reported` (a frozen progress object) that `now` (the same day recomputed)
    gives differently: district first, then per street, as {"street", "figure", "reported", "now"}
    (street None: the whole scope)."""
    found = []
    now_streets = {row["street"]: row for row in now["by_street"]}
    pairs = [(None, reported, now)] + [(row["street"], row, now_streets.get(row["street"], {}))
                                       for row in reported["by_street"]]
    for street, old, new in pairs:
        for key in CORRECTED_KEYS:
            if key in old and old[key] != new.get(key, 0):
                found.append({"street": street, "figure": key, "reported": old[key], "now": new.get(key, 0)})
    return found


def freeze(scope: Scope, year: int, as_of: date) -> dict[str, Any]:
    """Everything a snapshot (or a bulletin built now) holds for `scope`, `year` and `as_of`."""
    key = street_key(scope.street_ids)
    previous = previous_snapshot(key, year, as_of)
    corrections: list[dict[str, Any]] = []
    if previous is not None:
        reported = figures_of(previous)["progress"]
        corrections = differences(reported, frozen_progress(scope, year, previous.as_of))
    last_year = same_day_last_year(as_of)
    earlier = frozen_progress(scope, year - 1, last_year)
    progress = frozen_progress(scope, year, as_of)
    return {
        "progress": progress,
        "issuer": issuer_of(progress),
        "previous": previous.id if previous is not None else None,
        "corrections": corrections,
        "same_date_last_year": {k: earlier[k] for k in ("year", "as_of", "surveyed", "party_orgs", "visited",
                                                        "established", "new_branch_target", "new_branch_pct",
                                                        "onboarded", "onboarding_pct", "by_street")},
    }


def canonical(payload: dict[str, Any]) -> str:
    """The one JSON text of a payload (key order as built, no spaces, UTF-8 characters kept)."""
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"))


def create_snapshot(actor: User | None, year: int | None, as_of: date | None = None, title: str | None = None,
                    street_id: int | None = None, today: date | None = None) -> Snapshot:
    """Freeze the progress of `actor`'s scope (None: the whole district, the command line) for
    `year` as of `as_of` (default: the earlier of today and 31 December) in one transaction.

    Raises :class:`ServiceError` when the actor may not, the date does not fit or lies ahead.
    """
    if actor is not None and not policy.can_create_snapshot(actor):
        raise ServiceError([(None, Message("您无权生成进度快照"))])
    today = today or local_today()
    try:
        year, as_of = resolve_year(year, as_of, today)
    except AsOfError as error:
        raise ServiceError([("as_of", error.message)]) from None
    if as_of > today:
        raise ServiceError([("as_of", Message("截至日期不能晚于今天：快照只记录已经发生的工作"))])
    title = " ".join(strip_control_chars(title or "").split())[:MAX_TITLE] or default_title(year, as_of)
    scope = scope_of(actor, street_id)
    streets = scope_streets(scope)
    payload = freeze(scope, year, as_of)
    text = canonical(payload)
    snapshot = Snapshot(
        year=year, as_of=as_of, street_ids=street_key(scope.street_ids), scope=payload["progress"]["scope"],
        title=title, previous_id=payload["previous"], figures=text,
        digest=hashlib.sha256(text.encode("utf-8")).hexdigest(),
        created_by_id=actor.id if actor is not None else None,
    )
    try:
        db.session.add(snapshot)
        db.session.flush()
        audit.record(actor, "create", "snapshot", snapshot.id,
                     summary=f"snapshot {year} as of {as_of.isoformat()}: {title}",
                     changes={"streets": [None, [s.name for s in streets]]})
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return snapshot


def figures_of(snapshot: Snapshot) -> dict[str, Any]:
    """The frozen payload of a snapshot (read from its text each time: nothing can change it)."""
    return json.loads(snapshot.figures)


def can_see(user: User | None, snapshot: Snapshot) -> bool:
    """Whether `user` (None: the command line) may read `snapshot` (``policy`` decides)."""
    return user is None or policy.can_see_snapshot(user, key_streets(snapshot.street_ids))


def visible(user: User | None, year: int | None = None) -> list[Snapshot]:
    """The snapshots `user` may read (of one year when given), newest as-of date first.

    Snapshots are few (a dozen a year), so the scope check runs on the loaded rows.
    """
    query = select(Snapshot).order_by(Snapshot.as_of.desc(), Snapshot.id.desc())
    if year is not None:
        query = query.where(Snapshot.year == year)
    return [s for s in db.session.scalars(query) if can_see(user, s)]


def find(user: User | None, snapshot_id: int) -> Snapshot | None:
    """The snapshot if it exists and `user` may read it (else None: do not confirm it exists)."""
    snapshot = db.session.get(Snapshot, snapshot_id)
    return snapshot if snapshot is not None and can_see(user, snapshot) else None


def summary(snapshot: Snapshot) -> dict[str, Any]:
    """The list form of a snapshot (API and ``snapshot list --json``)."""
    return {
        "id": snapshot.id,
        "title": snapshot.title,
        "year": snapshot.year,
        "as_of": snapshot.as_of.isoformat(),
        "scope": snapshot.scope,
        "created_by": snapshot.created_by.username if snapshot.created_by else None,
        "created_at": snapshot.created_at.isoformat(timespec="seconds"),
        "previous": snapshot.previous_id,
        "digest": snapshot.digest,
    }


def as_json(snapshot: Snapshot) -> dict[str, Any]:
    """A snapshot in full: its summary, the frozen progress object, corrections and last year's figures."""
    payload = figures_of(snapshot)
    return {**summary(snapshot), "progress": payload["progress"], "corrections": payload["corrections"],
            "same_date_last_year": payload["same_date_last_year"]}


def drift(snapshot: Snapshot) -> list[dict[str, Any]]:
    """What the snapshot's own figures would read if computed now (work recorded since, dated on or
    before its as-of date): the corrections a later bulletin will show. Empty when nothing changed."""
    scope = scope_from_key(snapshot.street_ids)
    return differences(figures_of(snapshot)["progress"], frozen_progress(scope, snapshot.year, snapshot.as_of))


def streets_of(snapshot: Snapshot) -> list[Street]:
    """The streets a snapshot covers, in code order."""
    return scope_streets(scope_from_key(snapshot.street_ids))

