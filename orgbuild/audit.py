"""The audit trail: one helper that adds an AuditEvent to the caller's transaction, and the
queries that read the trail back (the audit page, an organisation's own history).

Services call :func:`record` before they commit, so the audit row lands or vanishes with the change.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import Select, select

from . import policy
from .extensions import db
from .models import AuditEvent, User
from .web import params


def _plain(value: Any) -> Any:
    """A JSON-friendly form of a value (dates as ISO strings)."""
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return value


def record(
    actor: User | None,
    action: str,
    object_type: str,
    object_id: int | None = None,
    *,
    organization_id: int | None = None,
    summary: str = "",
    changes: dict[str, tuple[Any, Any]] | None = None,
) -> AuditEvent:
    """Add an audit event (who, what, old → new) to the current transaction; never commits."""
    event = AuditEvent(
        user_id=actor.id if actor is not None else None,
        action=action,
        object_type=object_type,
        object_id=object_id,
        organization_id=organization_id,
        summary=summary,
        changes={k: [_plain(old), _plain(new)] for k, (old, new) in (changes or {}).items()} or None,
    )
    db.session.add(event)
    return event


ACTIONS = ("create", "update", "transition", "import", "user", "reference", "assign", "reconcile", "merge")


@dataclass
class AuditFilter:
    """What the reader of the audit page asked to see."""

    user_id: int | None = None
    organization_id: int | None = None
    action: str | None = None
    date_from: date | None = None
    date_to: date | None = None

    @classmethod
    def from_args(cls, args) -> "AuditFilter":
        """Read the filter from query-string arguments, ignoring values that make no sense."""

        def as_int(name: str) -> int | None:
            return params.parse_int(args.get(name))  # unreadable or out of range: ignored

        def as_date(name: str) -> date | None:
            return params.parse_date(args.get(name))

        action = args.get("action") or None
        return cls(
            user_id=as_int("user"),
            organization_id=as_int("org"),
            action=action if action in ACTIONS else None,
            date_from=as_date("from"),
            date_to=as_date("to"),
        )


def events_query(viewer: User, f: AuditFilter) -> Select:
    """The audit events `viewer` may read that match `f`, newest first."""
    query = policy.scope_audit(viewer, select(AuditEvent))
    if f.user_id is not None:
        query = query.where(AuditEvent.user_id == f.user_id)
    if f.organization_id is not None:
        query = query.where(AuditEvent.organization_id == f.organization_id)
    if f.action:
        query = query.where(AuditEvent.action == f.action)
    if f.date_from:
        query = query.where(AuditEvent.created_at >= _day_start(f.date_from))
    if f.date_to:
        query = query.where(AuditEvent.created_at < _day_start(f.date_to + timedelta(days=1)))
    return query.order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())


def _day_start(day: date) -> datetime:
    """The start of `day` in the district's time zone, as UTC (timestamps are stored in UTC)."""
    zone = ZoneInfo(current_app.config.get("BABEL_DEFAULT_TIMEZONE") or "Asia/Shanghai")
    return datetime.combine(day, time.min, tzinfo=zone).astimezone(UTC)


def org_history(org_id: int, limit: int = 100) -> list[AuditEvent]:
    """An organisation's own audit events, newest first (the caller has checked it may see it)."""
    return list(
        db.session.scalars(
            select(AuditEvent)
            .where(AuditEvent.organization_id == org_id)
            .order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())
            .limit(limit)
        )
    )
