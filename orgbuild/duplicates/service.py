"""Likely duplicates among the organisations on record: the index an import checks its new rows
against, and the check of one organisation being created by hand (the create form asks to confirm)."""
from __future__ import annotations

from sqlalchemy import select

from .. import policy
from ..domain.rules import name_key, normalize_credit_code
from ..extensions import db
from ..models import Organization, User
from .matching import Candidate, NameIndex, SpilledNameIndex


def known_names(actor: User | None, near: str | None = None) -> NameIndex:
    """The organisations the actor may see (all from the command line), indexed by normalised name;
    with `near`, only those whose name holds the first two characters of its normalised form (the
    block a check of `near` compares with: the database filters, Python does not load every name)."""
    query = select(Organization.id, Organization.credit_code, Organization.name)
    if near is not None:
        query = query.where(Organization.name.contains(name_key(near)[:2], autoescape=True))
    if actor is not None:
        query = policy.scope_orgs(actor, query)
    index = NameIndex()
    for org_id, code, name in db.session.execute(query):
        index.add(code, name, org_id)
    return index


def spilled_known_names(actor: User | None) -> SpilledNameIndex:
    """The organisations the actor may see (all from the command line) in a :class:`SpilledNameIndex`:
    read from the database a few thousand at a time, kept on disk, so that an import of a district of
    a million organisations does not hold their names in memory."""
    query = select(Organization.id, Organization.credit_code, Organization.name).order_by(Organization.id)
    if actor is not None:
        query = policy.scope_orgs(actor, query)
    index = SpilledNameIndex()
    for partition in db.session.execute(query.execution_options(yield_per=5000)).partitions():
        for org_id, code, name in partition:
            index.add(code, name, org_id)
    return index


def likely_duplicates(actor: User, credit_code: str, name: str) -> list[Candidate]:
    """Organisations the actor may see that are likely the same as (credit_code, name)."""
    return known_names(actor, near=name).candidates(normalize_credit_code(credit_code), name)

