"""Likely duplicates among the organisations on record: the index an import checks its new rows
against, and the check of one organisation being created by hand (the create form asks to confirm)."""
from __future__ import annotations

from sqlalchemy import select

from .. import policy
from ..domain.rules import Message
from ..extensions import db
from ..models import Organization, User
from .matching import Candidate, NameIndex, duplicate_message


def known_names(actor: User | None) -> NameIndex:
    """The organisations the actor may see (all from the command line), indexed by normalised name."""
    query = select(Organization.id, Organization.credit_code, Organization.name)
    if actor is not None:
        query = policy.scope_orgs(actor, query)
    index = NameIndex()
    for org_id, code, name in db.session.execute(query):
        index.add(code, name, org_id)
    return index


def likely_duplicates(actor: User, credit_code: str, name: str) -> list[Candidate]:
    """Organisations the actor may see that are likely the same as (credit_code, name)."""
    return known_names(actor).candidates(credit_code, name)


def warnings_for(candidates: list[Candidate], limit: int = 3) -> list[Message]:
    """The messages for the best few candidates."""
    return [duplicate_message(c) for c in candidates[:limit]]
