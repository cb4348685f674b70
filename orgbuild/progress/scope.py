"""Whose organisations a figure counts: a user's (``policy`` decides) and/or a set of streets."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select

from .. import policy
from ..models import Organization, User


@dataclass(frozen=True)
class Scope:
    """Whose organisations are counted: a user's (policy decides) and/or a set of street ids."""

    user: User | None = None
    street_ids: frozenset[int] | None = None  # None: no street filter beyond the user's scope
    district_id: int | None = None  # the street ids are those of this whole district

    def apply(self, query: Select) -> Select:
        """Limit a select that involves ``Organization`` to this scope."""
        if self.user is not None:
            query = policy.scope_orgs(self.user, query)
        if self.street_ids is not None:
            query = query.where(Organization.street_id.in_(self.street_ids))
        return query
