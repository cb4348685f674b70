"""The audit trail: one helper that adds an AuditEvent to the caller's transaction.

Services call :func:`record` before they commit, so the audit row lands or vanishes with the change.
"""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from .extensions import db
from .models import AuditEvent, User


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
