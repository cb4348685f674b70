"""Service: the filtered, sorted organisation list (shared by the list page and the exports)."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select, or_, select

from .. import policy
from ..domain import rules
from ..models import Organization, User
from . import league
from ..web import params

SORTS = {
    "name": Organization.name,
    "credit_code": Organization.credit_code,
    "street": Organization.street_id,
    "status": Organization.status,
    "employees": Organization.employees,
    "league_members": Organization.league_members,
    "updated": Organization.updated_at,
}


@dataclass
class OrgFilter:
    """What the person asked to see."""

    street_id: int | None = None
    status: str | None = None
    has_party_org: bool | None = None
    has_league_org: bool | None = None
    officer_id: int | None = None
    q: str = ""
    sort: str = "name"
    descending: bool = False

    @classmethod
    def from_args(cls, args) -> "OrgFilter":
        """Read the filter from query-string arguments, ignoring values that make no sense."""

        def as_int(name):
            return params.parse_int(args.get(name))  # unreadable or out of range: ignored

        def as_bool(name):
            return {"1": True, "0": False}.get(args.get(name, ""))

        sort = args.get("sort", "name")
        return cls(
            street_id=as_int("street"),
            status=args.get("status") or None,
            has_party_org=as_bool("party"),
            has_league_org=as_bool("league"),
            officer_id=as_int("officer"),
            q=(args.get("q") or "").strip()[:100],
            sort=sort.lstrip("-") if sort.lstrip("-") in SORTS else "name",
            descending=sort.startswith("-"),
        )


def org_query(user: User, f: OrgFilter) -> Select:
    """The scoped, filtered and sorted select of organisations."""
    query = policy.scope_orgs(user, select(Organization))
    if f.street_id is not None:
        query = query.where(Organization.street_id == f.street_id)
    if f.status:
        query = query.where(Organization.status == f.status)
    if f.has_party_org is not None:
        query = query.where(Organization.has_party_org.is_(f.has_party_org))
    if f.has_league_org is not None:  # the league organisation as it stands now, as the list shows it
        now = league.has_league_now()
        query = query.where(now if f.has_league_org else ~now)
    if f.officer_id is not None:
        query = query.where(Organization.officer_id == f.officer_id)
    if f.q:
        code = rules.normalize_credit_code(f.q)
        like = "%" + f.q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        query = query.where(
            or_(Organization.name.like(like, escape="\\"), Organization.credit_code.like(code + "%"))
        )
    column = SORTS[f.sort]
    query = query.order_by(column.desc() if f.descending else column.asc(), Organization.id)
    return query
