"""Service: campaign targets per year — district-wide and per street — for the metrics
new_branches (新建团组织), onboarded (入驻智慧团建) and visited (走访).

An empty value means "no target" (the row is removed): percentages are then null, never 0 %.
The page edits one district at a time: its own target (a row with its ``district_id`` and no
street) and those of its streets. (A city-wide target, a row with neither, is read by the
figures but not edited here yet.)
"""
from __future__ import annotations

from typing import Mapping

from sqlalchemy import select

from .. import audit, policy
from ..campaign.actions import ServiceError
from ..domain import rules
from ..domain.rules import Message
from ..extensions import db
from ..models import District, Street, Target, User

METRICS = ("new_branches", "onboarded", "visited")
METRIC_LABELS = {
    "new_branches": rules.N_("新建团组织"),
    "onboarded": rules.N_("入驻智慧团建"),
    "visited": rules.N_("走访已建党未建团组织"),
}
MIN_YEAR, MAX_YEAR = 2000, 2100


def field_name(metric: str, street_id: int | None) -> str:
    """The form field of one target: ``new_branches-district`` or ``new_branches-<street id>``."""
    return f"{metric}-{'district' if street_id is None else street_id}"


def _district_targets(year: int, district: District):
    """The select of the district's targets of `year`: its own and its streets'."""
    streets = select(Street.id).where(Street.district_id == district.id)
    return select(Target).where(
        Target.year == year,
        ((Target.street_id.is_(None)) & (Target.district_id == district.id)) | Target.street_id.in_(streets),
    )


def targets_of(year: int, district: District) -> dict[tuple[str, int | None], int]:
    """The targets set for `year` in the district: {(metric, street id, or None for the district): value}."""
    return {(t.metric, t.street_id): t.value for t in db.session.scalars(_district_targets(year, district))}


def parse_targets(form: Mapping[str, str], streets: list[Street]) -> dict[tuple[str, int | None], int | None]:
    """Read every target field of the form (blank: no target).

    Raises :class:`ServiceError` with (field, message) pairs when a value is not a whole number ≥ 0.
    """
    values: dict[tuple[str, int | None], int | None] = {}
    errors: list[tuple[str | None, str]] = []
    for metric in METRICS:
        for street_id in [None] + [s.id for s in streets]:
            name = field_name(metric, street_id)
            try:
                values[(metric, street_id)] = rules.parse_count(form.get(name, ""))
            except ValueError as error:
                errors.append((name, error.args[0] if error.args else Message("应为不小于0的整数")))
    if errors:
        raise ServiceError(errors)
    return values


def save_targets(year: int, values: dict[tuple[str, int | None], int | None], actor: User, district: District) -> int:
    """Set, change or clear the targets of `year` in the district (its own target under street None,
    and its streets') in one transaction; returns how many changed."""
    if not policy.can_set_targets_in(actor, district.id):
        raise ServiceError([(None, Message("您无权设置目标"))])
    own = {s.id for s in district.streets}
    if any(street_id is not None and street_id not in own for _metric, street_id in values):
        raise ServiceError([(None, Message("街道不属于%(district)s", district=district.name))])
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ServiceError([(None, Message("年份应在%(a)d到%(b)d之间", a=MIN_YEAR, b=MAX_YEAR))])
    existing = {(t.metric, t.street_id): t for t in db.session.scalars(_district_targets(year, district))}
    changes: dict[str, tuple[int | None, int | None]] = {}
    try:
        for (metric, street_id), value in values.items():
            if metric not in METRICS:
                continue
            target = existing.get((metric, street_id))
            old = target.value if target else None
            if old == value:
                continue
            changes[field_name(metric, street_id)] = (old, value)
            if value is None:
                db.session.delete(target)
            elif target is None:
                db.session.add(Target(year=year, metric=metric, street_id=street_id, value=value, updated_by_id=actor.id,
                                      district_id=district.id if street_id is None else None))
            else:
                target.value = value
                target.updated_by_id = actor.id
        if changes:
            audit.record(actor, "update", "target", year, summary=f"targets {year} {district.code}", changes=changes)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return len(changes)
