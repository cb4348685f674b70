"""Personal access tokens of the JSON API: create (the secret is shown once), list, revoke, and check
the ``Authorization: Bearer …`` of a request.

A token is ``orgb_`` followed by 40 random URL-safe characters; only its SHA-256 is stored (the secret
has 240 random bits, so a plain hash is enough, and it lets a request be checked by one indexed
lookup). A token acts with its user's role and streets, as they are at each request: never more.
Read-write tokens may also record visits. Every token expires; revoking is immediate. Creating and
revoking are audited as account changes (read by admins).
"""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update

from .. import audit, policy
from ..domain.rules import Message
from ..extensions import commit_or_rollback, db
from ..models import ApiToken, User, utcnow

PREFIX = "orgb_"
SECRET_CHARS = 40
#: how many characters of a token are kept in clear, to tell tokens apart in a list
SHOWN = len(PREFIX) + 6
DEFAULT_DAYS = 90
MAX_DAYS = 366
MAX_NAME = 80
#: active (neither revoked nor expired) tokens one account may hold
MAX_ACTIVE = 20
#: ``last_used_at`` is written at most this often per token (one UPDATE a minute, not one per request)
TOUCH_EVERY = timedelta(minutes=1)


class TokenError(ValueError):
    """A token request was refused; the message says why."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class TokenRefused(Exception):
    """A request's token does not open the API (answered 401); ``message`` says why."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass
class NewToken:
    """A token just created: the stored row and the secret, which is shown this once only."""

    token: ApiToken
    secret: str


def hash_secret(secret: str) -> str:
    """The stored form of a token's secret."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _aware(moment: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes (stored as UTC): make them comparable with ``utcnow()``."""
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment


def state(token: ApiToken, now: datetime | None = None) -> str:
    """``active``, ``expired`` or ``revoked``."""
    now = now or utcnow()
    if token.revoked_at is not None:
        return "revoked"
    if _aware(token.expires_at) <= now:
        return "expired"
    return "active"


def create_token(user: User, name: str = "", write: bool = False, expires_days: int = DEFAULT_DAYS,
                 actor: User | None = None) -> NewToken:
    """A new token for `user`; raises TokenError when refused (bad name or period, too many tokens,
    account deactivated)."""
    name = (name or "").strip()
    if len(name) > MAX_NAME:
        raise TokenError(Message("令牌名称最多%(n)d个字", n=MAX_NAME))
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in name):
        raise TokenError(Message("令牌名称不能包含控制字符"))
    if not isinstance(expires_days, int) or not 1 <= expires_days <= MAX_DAYS:
        raise TokenError(Message("有效期应为1至%(n)d天", n=MAX_DAYS))
    if not policy.can_sign_in(user):
        raise TokenError(Message("该账号已停用，不能创建令牌"))
    if len(active_tokens(user)) >= MAX_ACTIVE:
        raise TokenError(Message("每个账号最多%(n)d个有效令牌，请先撤销不用的令牌", n=MAX_ACTIVE))
    secret = PREFIX + secrets.token_urlsafe(SECRET_CHARS)[:SECRET_CHARS]
    token = ApiToken(user_id=user.id, name=name, prefix=secret[:SHOWN],
                     token_hash=hash_secret(secret), can_write=bool(write),
                     expires_at=utcnow() + timedelta(days=expires_days),
                     created_by_id=actor.id if actor is not None else None)
    db.session.add(token)
    db.session.flush()
    audit.record(actor, "user", "api_token", token.id,
                 summary=f"create token {token.prefix}… for {user.username}",
                 changes={"token": (None, {"name": token.name, "write": token.can_write,
                                           "expires_at": token.expires_at.isoformat()})})
    commit_or_rollback()
    return NewToken(token, secret)


def tokens_of(user: User | None = None) -> list[ApiToken]:
    """The tokens of `user` (None: every account's), newest first."""
    query = select(ApiToken).order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
    if user is not None:
        query = query.where(ApiToken.user_id == user.id)
    return list(db.session.scalars(query))


def active_tokens(user: User) -> list[ApiToken]:
    """The tokens of `user` that still open the API."""
    now = utcnow()
    return [t for t in tokens_of(user) if state(t, now) == "active"]


def find_token(token_id: int) -> ApiToken | None:
    """A token by its id."""
    return db.session.get(ApiToken, token_id)


def revoke_token(token: ApiToken, actor: User | None = None) -> bool:
    """Revoke a token at once; False when it was revoked already (nothing changes)."""
    if token.revoked_at is not None:
        return False
    token.revoked_at = utcnow()
    audit.record(actor, "user", "api_token", token.id,
                 summary=f"revoke token {token.prefix}… of {token.user.username}",
                 changes={"revoked_at": (None, token.revoked_at.isoformat())})
    commit_or_rollback()
    return True


def revoke_own_token(user: User, token_id: int) -> bool:
    """A user revokes one of their own tokens; raises TokenError when it is not theirs (or unknown)."""
    token = find_token(token_id)
    if token is None or token.user_id != user.id:
        raise TokenError(Message("令牌不存在"))
    return revoke_token(token, actor=user)


def authenticate(header: str | None) -> ApiToken:
    """The active token of an ``Authorization: Bearer …`` header value, its last use recorded;
    raises TokenRefused (malformed, unknown, expired, revoked, account deactivated)."""
    scheme, _, secret = (header or "").strip().partition(" ")
    secret = secret.strip()
    if scheme.lower() != "bearer" or not secret:
        raise TokenRefused(Message("Authorization 头应为 “Bearer 令牌”"))
    if not secret.startswith(PREFIX) or len(secret) != len(PREFIX) + SECRET_CHARS:
        raise TokenRefused(Message("令牌无效"))
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_secret(secret)))
    if token is None:
        raise TokenRefused(Message("令牌无效"))
    now = utcnow()
    current = state(token, now)
    if current == "revoked":
        raise TokenRefused(Message("令牌已撤销"))
    if current == "expired":
        raise TokenRefused(Message("令牌已过期"))
    if not policy.can_sign_in(token.user):
        raise TokenRefused(Message("该账号已停用"))
    _touch(token, now)
    return token


def _touch(token: ApiToken, now: datetime) -> None:
    """Record the token's use (at most once a minute), in its own small transaction."""
    last = _aware(token.last_used_at)
    if last is not None and now - last < TOUCH_EVERY:
        return
    db.session.execute(update(ApiToken).where(ApiToken.id == token.id).values(last_used_at=now))
    commit_or_rollback()


def as_json(token: ApiToken) -> dict:
    """A token as ``token list --json`` and the account page show it (never the secret)."""
    return {"id": token.id, "user": token.user.username, "name": token.name, "prefix": token.prefix,
            "write": token.can_write, "state": state(token),
            "created_at": _aware(token.created_at).isoformat(),
            "expires_at": _aware(token.expires_at).isoformat(),
            "last_used_at": _aware(token.last_used_at).isoformat() if token.last_used_at else None,
            "revoked_at": _aware(token.revoked_at).isoformat() if token.revoked_at else None}
