"""The JSON API's reads and its one write, always as the calling user (policy.py scopes everything):
the organisation list and detail, and recording a visit with an ``Idempotency-Key``.

A visit goes through the campaign's own service (``actions.apply_transition``: the status machine,
the StatusEvent and the audit row in one transaction), under a submission key derived from the user
and the client's key, so a retry racing the first request still records one visit. The first answer
is kept (``api_idempotency_keys``) and given again, byte for byte, to the same key with the same
request; the same key with another request is refused.
"""
from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from .. import policy
from ..campaign import actions
from ..campaign.listing import OrgFilter, org_query
from ..domain.rules import Message, has_control_chars, normalize_credit_code
from ..extensions import db
from ..models import ApiIdempotencyKey, Organization, StatusEvent, Street, User, Visit
from ..progress import figures
from ..web import params


class ApiError(Exception):
    """A request the API refuses: ``status`` (400, 404, 409, 422) and a message; ``errors`` maps fields
    to messages; ``extra`` adds members to the problem object."""

    def __init__(self, status: int, message: str, errors: dict | None = None, **extra: Any):
        super().__init__(message)
        self.status = status
        self.message = message
        self.errors = errors
        self.extra = extra


def _iso(moment: datetime | None) -> str | None:
    """A timestamp with its offset (SQLite hands back naive UTC)."""
    if moment is None:
        return None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).isoformat()


# --- reads -----------------------------------------------------------------------------------

def _street_filter(user: User, street: str | None) -> int | None:
    """The id of the street asked for (name or id); ApiError 400 unknown, 404 not the caller's."""
    if not street:
        return None
    number = params.parse_int(street)
    try:
        scope = (figures.scope_for(user, street_id=number) if number is not None
                 else figures.scope_for(user, street_name=street))
    except figures.ScopeError as error:
        raise ApiError(404 if error.outside else 400, error.message) from None
    return next(iter(scope.street_ids))


def org_item(org: Organization) -> dict[str, Any]:
    """An organisation as the list gives it."""
    return {
        "credit_code": org.credit_code,
        "name": org.name,
        "street": org.street.name,
        "district": org.street.district.code if org.street.district is not None else None,
        "status": org.status,
        "officer": org.officer.username if org.officer else None,
        "officer_name": org.officer.label if org.officer else None,
        "version": org.version,
    }


def list_orgs(user: User, street: str | None = None, status: str | None = None, q: str = "", page: int = 1,
              per_page: int = 50) -> dict[str, Any]:
    """One page of the organisations `user` may see, filtered: ``{items, page, pages, per_page, total}``."""
    query = org_query(user, OrgFilter(street_id=_street_filter(user, street), status=status or None,
                                      q=(q or "").strip()[:100], sort="credit_code"))
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    orgs = db.session.scalars(
        query.options(selectinload(Organization.street).selectinload(Street.district),
                      selectinload(Organization.officer))
        .limit(per_page).offset((page - 1) * per_page)
    )
    return {"items": [org_item(o) for o in orgs], "page": page, "pages": math.ceil(total / per_page),
            "per_page": per_page, "total": total}


def find_org(user: User, credit_code: str) -> Organization:
    """The organisation with this credit code, if `user` may see it; ApiError 404 otherwise (the same
    answer for one outside the caller's streets as for none at all)."""
    code = normalize_credit_code(credit_code or "")
    usable = code and len(code) <= 18 and not has_control_chars(code)  # else no row can have it (nor NUL reach PG)
    org = db.session.scalar(select(Organization).where(Organization.credit_code == code)) if usable else None
    if org is None or not policy.can_see_org(user, org):
        raise ApiError(404, Message("没有该统一社会信用代码的组织"))
    return org


def visit_json(visit: Visit) -> dict[str, Any]:
    return {"id": visit.id, "visit_date": visit.visit_date, "outcome": visit.outcome, "met_with": visit.met_with,
            "notes": visit.notes, "next_follow_up": visit.next_follow_up,
            "officer": visit.officer.username if visit.officer else None}


def _branch_json(org: Organization) -> dict[str, Any] | None:
    branch = org.branch
    if branch is None:
        return None
    names = ("name", "branch_type", "parent_org", "founded_on", "application_date", "approval_doc_no", "approval_date",
             "election_date", "secretary", "deputy_secretary", "committee_members", "member_count", "youth_count",
             "term_years", "covered_units")
    return {**{n: getattr(branch, n) for n in names}, "covered_orgs": [o.credit_code for o in branch.covered_orgs]}


def org_detail(org: Organization) -> dict[str, Any]:
    """An organisation with its survey fields, visits, branch and onboarding."""
    survey = ("industry", "org_type", "employees", "youth_count", "league_members", "party_members", "has_party_org",
              "party_secretary", "has_league_org", "league_contact", "contact_person", "contact_phone", "address",
              "surveyed_on", "closed_on")
    onboarding = org.onboarding
    return {
        **org_item(org),
        "community": org.community.name if org.community else None,
        **{n: getattr(org, n) for n in survey},
        "has_party_org": bool(org.has_party_org),
        "has_league_org": bool(org.has_league_org),
        "visits": [visit_json(v) for v in org.visits],
        "branch": _branch_json(org),
        "onboarding": ({"onboarded_on": onboarding.onboarded_on, "platform_code": onboarding.platform_code}
                       if onboarding else None),
    }


# --- recording a visit -----------------------------------------------------------------------

@dataclass
class Answer:
    """What the API answers to a write: status code, JSON body, and whether it is a replay."""

    status: int
    body: dict
    replayed: bool = False


def fingerprint(method: str, path: str, body: object) -> str:
    """The SHA-256 of a request (method, path, JSON body with sorted keys): a key reused for another
    request is told apart from a retry."""
    text = json.dumps([method, path, body], sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _submission_key(user: User, key: str) -> str:
    """The campaign's one-time submission key for the client's Idempotency-Key (per user)."""
    return hashlib.sha256(f"api:{user.id}:{key}".encode("utf-8")).hexdigest()


def _kept(user: User, key: str) -> ApiIdempotencyKey | None:
    return db.session.scalar(select(ApiIdempotencyKey).where(ApiIdempotencyKey.user_id == user.id,
                                                             ApiIdempotencyKey.key == key))


def _replay(kept: ApiIdempotencyKey, print_: str) -> Answer:
    if kept.fingerprint != print_:
        raise ApiError(422, Message("该 Idempotency-Key 已用于另一个请求，请为新的请求换一个键"))
    return Answer(kept.status_code, kept.response, replayed=True)


def _visit_of(org: Organization, event: StatusEvent, values: dict) -> Visit | None:
    """The visit a record_visit event wrote (its officer, date and content; the latest such)."""
    return db.session.scalar(
        select(Visit).where(Visit.organization_id == org.id, Visit.officer_id == event.actor_id,
                            Visit.visit_date == values["visit_date"], Visit.outcome == values["outcome"])
        .order_by(Visit.id.desc()).limit(1)
    )


def _result(org: Organization, event: StatusEvent, visit: Visit | None) -> dict[str, Any]:
    """The body of a recorded visit (JSON-ready: dates as ISO strings)."""
    db.session.refresh(org)
    return json.loads(json.dumps({
        "credit_code": org.credit_code,
        "status": org.status,
        "version": org.version,
        "visit": visit_json(visit) if visit is not None else None,
        "status_event": {"id": event.id, "transition": event.transition, "from_status": event.from_status,
                         "to_status": event.to_status, "effective_on": event.effective_on,
                         "created_at": _iso(event.created_at)},
    }, default=lambda v: v.isoformat() if isinstance(v, date) else str(v)))


def record_visit(user: User, org: Organization, key: str, print_: str, values: dict) -> Answer:
    """Record a visit once per Idempotency-Key: 201 and the result; the same key and request again: that
    first answer (replayed); the same key with another request: ApiError 422. Refusals of the status
    machine or the policy: ApiError 422; a change of status since ``version``: ApiError 409."""
    kept = _kept(user, key)
    if kept is not None:
        return _replay(kept, print_)
    request = actions.TransitionRequest(
        "record_visit", visit_date=values["visit_date"], outcome=values["outcome"],
        met_with=(values.get("met_with") or "").strip(), notes=values.get("notes") or "",
        next_follow_up=values.get("next_follow_up"), expected_version=values.get("version"),
        submission_key=_submission_key(user, key),
    )
    try:
        event = actions.apply_transition(org, request, user)
    except actions.Conflict:
        db.session.rollback()
        db.session.refresh(org)
        raise ApiError(409, Message("该组织的状态已在您读取之后改变，请重新读取后再提交"),
                       status_now=org.status, version=org.version) from None
    except actions.ServiceError as error:
        errors: dict[str, list[str]] = {}
        for field, message in error.errors:
            errors.setdefault(field or "_schema", []).append(message)
        raise ApiError(422, error.messages[0] if error.messages else Message("请求未被接受"), errors) from None
    answer = Answer(200 if request.replayed else 201, _result(org, event, _visit_of(org, event, values)),
                    replayed=request.replayed)
    db.session.add(ApiIdempotencyKey(user_id=user.id, key=key, fingerprint=print_, organization_id=org.id,
                                     status_code=answer.status, response=answer.body))
    try:
        db.session.commit()
    except IntegrityError:  # the same key at the same moment: the other request kept its answer first
        db.session.rollback()
        kept = _kept(user, key)
        if kept is None:
            raise
        return _replay(kept, print_)
    return answer
