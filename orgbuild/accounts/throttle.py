"""Failed sign-ins and password checks, counted in the database (table ``login_throttle``) so that
every worker counts them together, Redis or not.

- **Per address first**: ``LOGIN_ADDRESS_LIMIT`` failures (default 20) from one address within
  ``LOGIN_ADDRESS_WINDOW`` seconds (900) block that address until the window ends. A blocked address
  adds nothing to any account's count, so a stranger cannot push an account's back-off far.
- **Per account, a short back-off**: the first ``LOGIN_ACCOUNT_FREE`` failures (5) cost nothing;
  from then on each failure blocks the account for ``LOGIN_BACKOFF_SECONDS`` (30), doubling with
  each further failure up to ``LOGIN_BACKOFF_MAX`` (900). Attempts during a back-off are refused
  without counting; once it has passed, the right password signs in and clears the count. Failures
  are forgotten after ``LOGIN_ACCOUNT_WINDOW`` seconds (3600) without a failure.
- **Password change**: wrong current passwords (only those) of one account, the same back-off.

Writes commit at once (a refused attempt must count even though the request writes nothing else).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from flask import current_app
from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..models import LoginThrottle


def now() -> datetime:
    """The current time (tests move it)."""
    return datetime.now(UTC)


def _aware(moment: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes: they are UTC."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)


@dataclass(frozen=True)
class Rule:
    """How one kind of key is counted: a window, and either a hard limit or a back-off."""

    window: int  # seconds a series of failures is remembered (a back-off: since the last failure)
    free: int  # failures that cost nothing
    backoff: int = 0  # seconds of the first block (0: block until the window ends)
    backoff_max: int = 0


def _setting(name: str, default: int) -> int:
    return int(current_app.config.get(name, default))


def address_rule() -> Rule:
    return Rule(window=_setting("LOGIN_ADDRESS_WINDOW", 900), free=_setting("LOGIN_ADDRESS_LIMIT", 20))


def account_rule() -> Rule:
    return Rule(window=_setting("LOGIN_ACCOUNT_WINDOW", 3600), free=_setting("LOGIN_ACCOUNT_FREE", 5),
                backoff=_setting("LOGIN_BACKOFF_SECONDS", 30), backoff_max=_setting("LOGIN_BACKOFF_MAX", 900))


def enabled() -> bool:
    """Whether attempts are counted (``LOGIN_THROTTLE``; by default as the rate limiter is on)."""
    config = current_app.config
    return bool(config.get("LOGIN_THROTTLE", config.get("RATELIMIT_ENABLED", True)))


def address_key(address: str | None) -> str:
    return f"address:{(address or '-')[:100]}"


def account_key(username: str | None) -> str | None:
    """The key of a user name as typed (case and spaces do not dodge it); None for an empty name."""
    name = (username or "").strip().lower()[:80]
    return f"account:{name}" if name else None


def password_key(user_id: int) -> str:
    return f"password:{user_id}"


def wait_seconds(*keys: str | None) -> int:
    """Seconds until every one of `keys` may try again (0: now). The first key blocked decides."""
    if not enabled():
        return 0
    moment = now()
    for key in keys:
        if key is None:
            continue
        until = _aware(db.session.scalar(select(LoginThrottle.blocked_until).where(LoginThrottle.key == key)))
        if until is not None and until > moment:
            return max(1, int((until - moment).total_seconds() + 0.999))
    return 0


def failed(key: str | None, rule: Rule) -> None:
    """Count one failure of `key` under `rule` and commit."""
    if key is None or not enabled():
        return
    moment = now()
    for _attempt in range(3):
        row = db.session.get(LoginThrottle, key, with_for_update=True, populate_existing=True)
        if row is None:
            _forget_old(moment)
            try:
                db.session.execute(insert(LoginThrottle).values(key=key, failures=0, window_start=moment))
                db.session.flush()
            except IntegrityError:  # another worker inserted it meanwhile: count on its row
                db.session.rollback()
            continue
        start = _aware(row.window_start)
        failures = 1 if start is None or moment - start > timedelta(seconds=rule.window) else row.failures + 1
        values = {"failures": failures, "blocked_until": _blocked_until(failures, moment, start, rule)}
        if failures == 1 or rule.backoff:  # a back-off forgets a series only after a quiet window
            values["window_start"] = moment
        db.session.execute(update(LoginThrottle).where(LoginThrottle.key == key).values(**values)
                           .execution_options(synchronize_session=False))
        db.session.commit()
        return
    db.session.rollback()


def _forget_old(moment: datetime) -> None:
    """Drop the keys quiet for a day (the table never grows with every name a stranger tries)."""
    table = LoginThrottle.__table__
    day = moment - timedelta(days=1)
    db.session.execute(table.delete().where(table.c.window_start < day,
                                            (table.c.blocked_until.is_(None)) | (table.c.blocked_until < moment)))


def _blocked_until(failures: int, moment: datetime, start: datetime | None, rule: Rule) -> datetime | None:
    """When the key may try again after its `failures`-th failure (None: it may now)."""
    if failures < rule.free:
        return None
    if not rule.backoff:  # a hard limit: blocked until the window ends
        return (moment if failures == 1 or start is None else start) + timedelta(seconds=rule.window)
    seconds = min(rule.backoff * 2 ** (failures - rule.free), rule.backoff_max)
    return moment + timedelta(seconds=seconds)


def cleared(key: str | None) -> None:
    """The right password: forget the key's failures (commit)."""
    if key is None or not enabled():
        return
    db.session.execute(LoginThrottle.__table__.delete().where(LoginThrottle.key == key))
    db.session.commit()
