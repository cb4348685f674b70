"""Service: campaign targets per year — district-wide and per street — for the metrics
new_branches (新建团组织), onboarded (入驻智慧团建) and visited (走访), a baseline (保底) and stretch
(冲刺) value beside the new-branch target, the split of the district target across the streets
(任务分解) and its roll-up.

An empty value means "no target" (the row is removed): percentages are then null, never 0 %.
Saving is optimistic: the form says which values it showed, so that two people saving different
fields both keep their change, and a field changed by both is refused with the current value.
The page edits one district at a time: its own target (a row with its ``district_id`` and no
street) and those of its streets. (A city-wide target, a row with neither, is read by the figures
but not edited here yet.)
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Mapping

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from .. import audit, policy
from ..campaign.actions import ServiceError, local_today
from ..domain import rules
from ..domain.rules import Message
from ..extensions import db
from ..models import District, Street, Target, User, street_order
from .queries import grouped_counts, roll_up
from .scope import Scope

METRICS = ("new_branches", "onboarded", "visited")
METRIC_LABELS = {
    "new_branches": rules.N_("新建团组织"),
    "onboarded": rules.N_("入驻智慧团建"),
    "visited": rules.N_("走访已建党未建团组织"),
}
#: Metrics whose target carries a baseline (保底) and a stretch (冲刺) value.
BANDED_METRICS = ("new_branches",)
BANDS = ("baseline", "stretch")
MIN_YEAR, MAX_YEAR = 2000, 2100


class TargetConflict(ServiceError):
    """Someone else changed some of the same targets since the form was opened; ``current`` holds
    the values now on record (by field name)."""

    def __init__(self, fields: list[str], current: dict[str, int | None]):
        super().__init__([(f, Message("该目标刚被其他人改为“%(value)s”，请核对后再保存",
                                      value="" if current.get(f) is None else current[f])) for f in fields])
        self.fields = fields
        self.current = current


def field_name(metric: str, street_id: int | None, band: str | None = None) -> str:
    """The form field of one value: ``new_branches-district``, ``new_branches-<street id>``, and
    ``…-baseline`` / ``…-stretch`` for the bands."""
    name = f"{metric}-{'district' if street_id is None else street_id}"
    return f"{name}-{band}" if band else name


def target_key(metric: str, band: str | None = None) -> str:
    """The key of a value in :func:`targets_of`: the metric, or ``"<metric>:<band>"``."""
    return f"{metric}:{band}" if band else metric


def _district_targets(year: int, district: District):
    """The select of the district's targets of `year`: its own and its streets'."""
    streets = select(Street.id).where(Street.district_id == district.id)
    return select(Target).where(
        Target.year == year,
        ((Target.street_id.is_(None)) & (Target.district_id == district.id)) | Target.street_id.in_(streets),
    )


def band_values(target: Target) -> dict[str, int]:
    """A target row's values by ``target_key``: the metric's value, and its baseline / stretch when set."""
    found = {target.metric: target.value}
    for band in BANDS:
        if getattr(target, band) is not None:
            found[target_key(target.metric, band)] = getattr(target, band)
    return found


def targets_of(year: int, district: District) -> dict[tuple[str, int | None], int]:
    """The targets set for `year` in the district: {(metric, street id, or None for the district):
    value}, and the baseline / stretch values under ``(target_key(metric, band), street id)``."""
    return {(key, t.street_id): value for t in db.session.scalars(_district_targets(year, district))
            for key, value in band_values(t).items()}


def form_fields(streets: list[Street]) -> list[tuple[str, str, int | None, str | None]]:
    """Every field of the targets form: (field name, metric, street id or None, band or None)."""
    fields = []
    for metric in METRICS:
        for street_id in [None] + [s.id for s in streets]:
            fields.append((field_name(metric, street_id), metric, street_id, None))
            if metric in BANDED_METRICS:
                fields += [(field_name(metric, street_id, band), metric, street_id, band) for band in BANDS]
    return fields


def current_values(year: int, district: District, streets: list[Street]) -> dict[str, int | None]:
    """The values on record for every field of the district's form (None: not set)."""
    found = targets_of(year, district)
    return {name: found.get((target_key(metric, band), sid)) for name, metric, sid, band in form_fields(streets)}


def encode_loaded(values: Mapping[str, int | None]) -> str:
    """The values a form showed, for its hidden ``loaded`` field (compact JSON)."""
    return json.dumps({k: v for k, v in values.items() if v is not None}, separators=(",", ":"), sort_keys=True)


def decode_loaded(text: str | None, streets: list[Street]) -> dict[str, int | None] | None:
    """The values a form said it showed (None when it said nothing readable: no merge, last save wins)."""
    try:
        data = json.loads(text or "")
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    names = [name for name, *_ in form_fields(streets)]
    return {name: data.get(name) if isinstance(data.get(name), int) else None for name in names}


def parse_targets(form: Mapping[str, str], streets: list[Street]) -> dict[str, int | None]:
    """Read every field of the targets form (blank: no value), by field name.

    Raises :class:`ServiceError` with (field, message) pairs when a value is not a whole number ≥ 0.
    """
    values: dict[str, int | None] = {}
    errors: list[tuple[str | None, str]] = []
    for name, *_ in form_fields(streets):
        try:
            values[name] = rules.parse_count(form.get(name, ""))
        except ValueError as error:
            errors.append((name, error.args[0] if error.args else Message("应为不小于0的整数")))
    if errors:
        raise ServiceError(errors)
    return values


def _band_errors(values: dict[str, int | None], streets: list[Street]) -> list[tuple[str, str]]:
    """保底 ≤ 目标 ≤ 冲刺, and neither without a target."""
    errors = []
    for metric in BANDED_METRICS:
        for street_id in [None] + [s.id for s in streets]:
            value = values.get(field_name(metric, street_id))
            baseline = values.get(field_name(metric, street_id, "baseline"))
            stretch = values.get(field_name(metric, street_id, "stretch"))
            if value is None:
                for band, band_value in (("baseline", baseline), ("stretch", stretch)):
                    if band_value is not None:
                        errors.append((field_name(metric, street_id, band), Message("请先填写目标值")))
                continue
            if baseline is not None and baseline > value:
                errors.append((field_name(metric, street_id, "baseline"), Message("保底值不能大于目标值")))
            if stretch is not None and stretch < value:
                errors.append((field_name(metric, street_id, "stretch"), Message("冲刺值不能小于目标值")))
    return errors


def merge(submitted: dict[str, int | None], loaded: dict[str, int | None] | None,
          current: dict[str, int | None]) -> tuple[dict[str, int | None], list[str]]:
    """The values to store and the fields in conflict: a field the person did not touch keeps what is
    on record (someone else's change survives); one they changed while someone else changed it too is
    a conflict. Without `loaded`, the submitted values win.

    >>> merge({"a": 1, "b": 5}, {"a": 1, "b": 2}, {"a": 7, "b": 2})
    ({'a': 7, 'b': 5}, [])
    >>> merge({"a": 3}, {"a": 1}, {"a": 7})
    ({'a': 7}, ['a'])
    """
    if loaded is None:
        return dict(submitted), []
    final, conflicts = {}, []
    for name, value in submitted.items():
        shown, now = loaded.get(name), current.get(name)
        if value == shown or value == now:
            final[name] = now
        elif now != shown:
            final[name] = now
            conflicts.append(name)
        else:
            final[name] = value
    return final, conflicts


def district_streets(district: District) -> list[Street]:
    """The district's streets in their usual order."""
    return list(db.session.scalars(select(Street).where(Street.district_id == district.id).order_by(*street_order())))


def save_targets(year: int, submitted: dict[str, int | None], actor: User, district: District,
                 loaded: dict[str, int | None] | None = None) -> int:
    """Set, change or clear the targets of `year` in the district (its own under "district", and its
    streets') in one transaction; returns how many values changed.

    `loaded` are the values the form showed (see :func:`merge`). Raises :class:`TargetConflict`
    when someone else changed a field this save changes too (nothing is written), and
    :class:`ServiceError` for values that do not fit together or fields of another district.
    """
    if not policy.can_set_targets_in(actor, district.id):
        raise ServiceError([(None, Message("您无权设置目标"))])
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ServiceError([(None, Message("年份应在%(a)d到%(b)d之间", a=MIN_YEAR, b=MAX_YEAR))])
    streets = district_streets(district)
    current = current_values(year, district, streets)
    foreign = [name for name in submitted if name not in current]  # another district's street, or no field at all
    if foreign:
        raise ServiceError([(None, Message("街道不属于%(district)s", district=district.name))])
    final, conflicts = merge({k: v for k, v in submitted.items() if k in current}, loaded, current)
    if conflicts:
        raise TargetConflict(conflicts, current)
    values = {**current, **final}
    errors = _band_errors(values, streets)
    if errors:
        raise ServiceError(errors)
    changes = {name: (current[name], values[name]) for name in current if current[name] != values[name]}
    if not changes:
        return 0
    existing = {(t.metric, t.street_id): t for t in db.session.scalars(_district_targets(year, district))}
    try:
        for metric in METRICS:
            for street_id in [None] + [s.id for s in streets]:
                _store(year, metric, street_id, values, existing.get((metric, street_id)), actor, district)
        audit.record(actor, "update", "target", year, summary=f"targets {year} {district.code}", changes=changes)
        db.session.commit()
    except (StaleDataError, IntegrityError):
        db.session.rollback()
        raise TargetConflict(list(changes), current_values(year, district, streets)) from None
    except Exception:
        db.session.rollback()
        raise
    return len(changes)


def _store(year: int, metric: str, street_id: int | None, values: dict[str, int | None],
           target: Target | None, actor: User, district: District) -> None:
    """Insert, update or delete one target row to hold `values` (no commit; the version guards it)."""
    value = values[field_name(metric, street_id)]
    bands = {band: values.get(field_name(metric, street_id, band)) for band in BANDS} if metric in BANDED_METRICS else {}
    if value is None:
        if target is not None:
            db.session.delete(target)
        return
    if target is None:
        db.session.add(Target(year=year, metric=metric, street_id=street_id, value=value, updated_by_id=actor.id,
                              district_id=district.id if street_id is None else None, **bands))
        db.session.flush()
        return
    wanted = {"value": value, **bands}
    if any(getattr(target, k) != v for k, v in wanted.items()):
        for key, new in wanted.items():
            setattr(target, key, new)
        target.updated_by_id = actor.id
    db.session.flush()


@dataclass(frozen=True)
class StreetPlan:
    """One street's line of the 任务分解: its 已建党未建团 and 已建党已建团 counts and the suggested share."""

    street_id: int
    party_no_league: int
    party_and_league: int
    suggested: int | None


def target_plan(year: int, streets: list[Street], district_target: int | None,
                today: date | None = None) -> list[StreetPlan]:
    """The district's new-branch target split across `streets` in proportion to each street's
    已建党未建团 count as of the year's default as-of date (None without a district target)."""
    as_of = rules.default_as_of(year, today or local_today())
    counts = roll_up(grouped_counts(Scope(street_ids=frozenset(s.id for s in streets)), year, as_of), 0)
    empty = {"party_no_league": 0, "party_and_league": 0}
    weights = {s.id: counts.get(s.id, empty)["party_no_league"] for s in streets}
    shares = rules.split_target(district_target, weights) if district_target is not None else {}
    return [
        StreetPlan(s.id, weights[s.id], counts.get(s.id, empty)["party_and_league"], shares.get(s.id))
        for s in streets
    ]
