"""Service: the districts in the database, and the admins' edits of their streets and communities
(add, rename, fill in a street code, remove a community no organisation uses).

Every edit checks the policy, is audited (action ``reference``) and commits once; a refusal raises
:class:`ServiceError` with (field, message) pairs and changes nothing.
"""
from __future__ import annotations

from sqlalchemy import func, select

from .. import audit, policy
from ..campaign.actions import ServiceError
from ..domain import rules
from ..domain.rules import Message
from ..extensions import commit_or_rollback, db
from ..models import Community, District, Organization, Street, User, street_order
from . import reference
from .reference import names_district

AUDIT_ACTION = "reference"


def all_districts() -> list[District]:
    """Every district of the deployment, in the order they were loaded."""
    return list(db.session.scalars(select(District).order_by(District.id)))


def visible_districts(user: User) -> list[District]:
    """The districts within the user's scope, in the order they were loaded."""
    return list(db.session.scalars(policy.scope_districts(user, select(District).order_by(District.id))))


def find_district(text: str | int | None) -> District | None:
    """A district by its id, code (luohu), area code (440303) or name (罗湖区, 罗湖)."""
    if text is None or text == "":
        return None
    if isinstance(text, int):
        return db.session.get(District, text)
    for district in all_districts():
        if str(text).strip() == str(district.id) or names_district(str(text), district.code, district.area_code,
                                                                     district.name):
            return district
    return None


def unknown_district(text: str | int | None) -> Message:
    """The refusal of a district that is not in the deployment, naming those that are."""
    return reference.unknown_district(str(text), "、".join(f"{d.code}（{d.name}）" for d in all_districts()))


def streets_of(district: District) -> list[Street]:
    """The district's streets in the usual order."""
    return list(db.session.scalars(select(Street).where(Street.district_id == district.id).order_by(*street_order())))


def community_use(street: Street) -> dict[int, int]:
    """Community id → how many organisations name it (one GROUP BY)."""
    rows = db.session.execute(
        select(Organization.community_id, func.count(Organization.id))
        .join(Community, Community.id == Organization.community_id)
        .where(Community.street_id == street.id)
        .group_by(Organization.community_id)
    )
    return {cid: int(n) for cid, n in rows}


# --- edits --------------------------------------------------------------------------------

def _check(actor: User, district_id: int) -> None:
    """Refuse an actor who may not edit the district's streets."""
    if not policy.can_manage_streets(actor, district_id):
        raise ServiceError([(None, Message("您无权修改该区的街道和社区"))])


def _street_name(raw: str, street: Street | None = None) -> tuple[str, str]:
    """(short name, full name) of a street name typed with or without 街道; refuses an empty, too
    long or taken name."""
    short = rules.street_key(raw)
    problem = rules.place_name_error(short)
    if problem:
        raise ServiceError([("short_name", problem)])
    full = short + "街道"  # data: the suffix of every street's full name
    taken = db.session.scalar(
        select(Street).where((Street.short_name == short) | (Street.name == full) | (Street.name == short))
    )
    if taken is not None and taken is not street:
        raise ServiceError([("short_name", Message("已有名为“%(name)s”的街道（%(district)s）", name=taken.name,
                                                   district=taken.district.name))])
    return short, full


def _street_code(raw: str | None, district: District, street: Street | None = None) -> str | None:
    """The normalised street code (None when blank); refuses a malformed or taken one."""
    code = rules.normalize_street_code(raw)
    if code is None:
        return None
    problem = rules.street_code_error(code, district.area_code)
    if problem:
        raise ServiceError([("code", problem)])
    taken = db.session.scalar(select(Street).where(Street.code == code))
    if taken is not None and taken is not street:
        raise ServiceError([("code", Message("代码%(code)s已是%(name)s的代码", code=code, name=taken.name))])
    return code


def add_street(district: District, short_name: str, code: str | None, actor: User) -> Street:
    """Add a street to the district (its code may stay empty)."""
    _check(actor, district.id)
    short, full = _street_name(short_name)
    street = Street(district=district, short_name=short, name=full, code=_street_code(code, district))
    db.session.add(street)
    db.session.flush()
    audit.record(actor, AUDIT_ACTION, "street", street.id, summary=f"add street {full}",
                 changes={"district": (None, district.name), "street_name": (None, full),
                          "street_code": (None, street.code)})
    commit_or_rollback()
    return street


def update_street(street: Street, short_name: str, code: str | None, actor: User) -> dict:
    """Rename a street and/or set its code; returns {field: (old, new)} of what changed.

    A code once set is changed, not cleared (a blank code field keeps the code).
    """
    _check(actor, street.district_id)
    short, full = _street_name(short_name, street)
    new_code = _street_code(code, street.district, street) or street.code
    changes: dict = {}
    if full != street.name:
        changes["street_name"] = (street.name, full)
        street.short_name, street.name = short, full
    if new_code != street.code:
        changes["street_code"] = (street.code, new_code)
        street.code = new_code
    if changes:
        audit.record(actor, AUDIT_ACTION, "street", street.id, summary=f"update street {street.name}", changes=changes)
        commit_or_rollback()
    return changes


def _community_name(street: Street, raw: str, community: Community | None = None) -> str:
    """The community name as stored (without 社区); refuses an empty, too long or duplicate name."""
    name = rules.community_key(raw)
    problem = rules.place_name_error(name)
    if problem:
        raise ServiceError([("name", problem)])
    for other in street.communities:
        if other is not community and rules.community_key(other.name) == name:
            raise ServiceError([("name", Message("%(street)s已有“%(name)s”社区", street=street.name, name=name))])
    return name


def add_community(street: Street, name: str, actor: User) -> Community:
    """Add a community to the street."""
    _check(actor, street.district_id)
    community = Community(name=_community_name(street, name))
    street.communities.append(community)
    db.session.flush()
    audit.record(actor, AUDIT_ACTION, "community", community.id, summary=f"add community {street.name} {community.name}",
                 changes={"community_name": (None, community.name)})
    commit_or_rollback()
    return community


def rename_community(community: Community, name: str, actor: User) -> dict:
    """Rename a community (its organisations keep it); returns what changed."""
    street = community.street
    _check(actor, street.district_id)
    new = _community_name(street, name, community)
    if new == community.name:
        return {}
    changes = {"community_name": (community.name, new)}
    community.name = new
    audit.record(actor, AUDIT_ACTION, "community", community.id,
                 summary=f"rename community {street.name} {new}", changes=changes)
    commit_or_rollback()
    return changes


def remove_community(community: Community, actor: User) -> None:
    """Remove a community that no organisation names (one that is in use is refused: rename it, or
    move its organisations to another community first)."""
    street = community.street
    _check(actor, street.district_id)
    used = db.session.scalar(select(func.count(Organization.id)).where(Organization.community_id == community.id)) or 0
    if used:
        raise ServiceError([(None, Message("“%(name)s”社区下有%(n)d家组织，不能删除；可以改名，或先把这些组织改到其他社区",
                                           name=community.name, n=used))])
    audit.record(actor, AUDIT_ACTION, "community", community.id,
                 summary=f"remove community {street.name} {community.name}", changes={"community_name": (community.name, None)})
    street.communities.remove(community)
    commit_or_rollback()
