"""The district dimension of the progress figures: which districts a scope covers whole, the target
of such a unit (a district, several, the whole city), and the per-district rows of a city roll-up.

The counts themselves are never recomputed here: a district is a set of streets, so its figures are
the sum of its streets' rows (already one GROUP BY away, see ``queries.grouped_counts``).
Targets are stored per street, per district (``Target.district_id``) or for the whole city (a row
with neither street nor district).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select

from .. import policy
from ..extensions import db
from ..models import District, Street, Target


def whole_districts(scope, streets: list[Street]) -> list[District]:
    """The districts `scope` covers with every street, in the order they were loaded; empty when it
    covers only a part of a district (streets chosen by the viewer or asked for)."""
    if scope.street_ids is not None and scope.district_id is None:
        return []
    if scope.user is not None and policy.limited_to_streets(scope.user):
        return []
    ids = {s.district_id for s in streets}
    if not ids:
        return []
    return list(db.session.scalars(select(District).where(District.id.in_(ids)).order_by(District.id)))


def is_whole_city(districts: list[District]) -> bool:
    """Whether `districts` are every district that has streets."""
    having_streets = set(db.session.scalars(select(Street.district_id).distinct()))
    return bool(districts) and {d.id for d in districts} == having_streets


@dataclass
class TargetBook:
    """The targets of one year: per street, per district, and the city's (district None)."""

    street: dict[tuple[str, int], int] = field(default_factory=dict)
    unit: dict[tuple[str, int | None], int] = field(default_factory=dict)  # (metric, district id or None)

    @classmethod
    def load(cls, year: int) -> "TargetBook":
        """Every target of `year` (one query)."""
        book = cls()
        rows = db.session.execute(
            select(Target.metric, Target.street_id, Target.district_id, Target.value, Target.baseline, Target.stretch)
            .where(Target.year == year)
        )
        for metric, street_id, district_id, value, baseline, stretch in rows:
            # the baseline and stretch values are read like metrics of their own ("new_branches:baseline")
            for key, number in ((metric, value), (f"{metric}:baseline", baseline), (f"{metric}:stretch", stretch)):
                if number is None:
                    continue
                if street_id is not None:
                    book.street[(key, street_id)] = number
                else:
                    book.unit[(key, district_id)] = number
        return book

    def _streets_sum(self, metric: str, street_ids: list[int]) -> int | None:
        """The sum of the streets' targets, when every street has one."""
        values = [self.street.get((metric, sid)) for sid in street_ids]
        return None if not values or None in values else sum(values)

    def unit_target(self, metric: str, districts: list[District], streets: list[Street], whole_city: bool) -> int | None:
        """The target of the unit made of whole `districts`: the city's own target for the whole city;
        one district's own target; for several districts the sum of each one's (its own, else the sum
        of its streets'), when each has one. None: no target at this level (the caller may still add
        up the street targets)."""
        if whole_city and (metric, None) in self.unit:
            return self.unit[(metric, None)]
        if len(districts) == 1:
            return self.unit.get((metric, districts[0].id))
        values = []
        for district in districts:
            own = self.unit.get((metric, district.id))
            values.append(own if own is not None else
                          self._streets_sum(metric, [s.id for s in streets if s.district_id == district.id]))
        return None if not values or None in values else sum(values)

    def for_scope(self, districts: list[District], streets: list[Street], whole_city: bool) -> dict:
        """{(metric, street id): value} of the streets, plus {(metric, None): value} for the whole unit
        when `districts` is not empty: the dictionary ``figures.figures`` reads."""
        targets: dict[tuple[str, int | None], int] = dict(self.street)
        if districts:
            for metric in {m for m, _ in self.unit} | {m for m, _ in self.street}:
                value = self.unit_target(metric, districts, streets, whole_city)
                if value is not None:
                    targets[(metric, None)] = value
        return targets


def district_rows(districts: list[District], streets: list[Street]) -> list[tuple[District, list[int]]]:
    """(district, its street ids in scope) for each whole district, for the per-district rows."""
    return [(d, [s.id for s in streets if s.district_id == d.id]) for d in districts]
