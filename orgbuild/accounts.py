"""Service for user accounts: create, change password, roles and streets, deactivate.

Used by the ``create-user`` command and the admin pages; every change is audited.
"""
from __future__ import annotations

import secrets

from sqlalchemy import select

from . import audit
from .extensions import db
from .models import ROLES, Street, User
from .rules import Message, street_key

MIN_PASSWORD_LENGTH = 8


def password_problem(password: str, username: str = "") -> str | None:
    """Explain why a password is too weak, or return None (at least 8 characters, letters and digits)."""
    if len(password or "") < MIN_PASSWORD_LENGTH:
        return Message("密码至少%(n)d位", n=MIN_PASSWORD_LENGTH)
    if not any(ch.isalpha() for ch in password) or not any(ch.isdigit() for ch in password):
        return Message("密码须同时包含字母和数字")
    if username and username.lower() in password.lower():
        return Message("密码不能包含用户名")
    return None


class AccountError(ValueError):
    """An account change was refused; the message says why."""


def find_streets(names: list[str]) -> list[Street]:
    """Look up streets by name, with or without 街道; raises AccountError naming unknown ones."""
    by_key = {street_key(s.name): s for s in db.session.scalars(select(Street))}
    found, unknown = [], []
    for name in names:
        street = by_key.get(street_key(name))
        (found.append(street) if street else unknown.append(name))
    if unknown:
        raise AccountError(Message("未知街道：%(names)s", names="、".join(unknown)))
    return found


def create_user(
    username: str,
    password: str,
    role: str,
    streets: list[Street] | None = None,
    display_name: str = "",
    actor: User | None = None,
    check_policy: bool = True,
) -> User:
    """Create an account (password hashed); raises AccountError when refused."""
    username = (username or "").strip()
    if not username:
        raise AccountError(Message("请填写用户名"))
    if role not in ROLES:
        raise AccountError(Message("未知角色：%(role)s", role=role))
    if db.session.scalar(select(User.id).where(User.username == username)) is not None:
        raise AccountError(Message("用户名 %(name)s 已存在", name=username))
    if check_policy:
        problem = password_problem(password, username)
        if problem:
            raise AccountError(problem)
    user = User(username=username, role=role, display_name=display_name, session_token=secrets.token_hex(8))
    user.set_password(password)
    user.streets = list(streets or [])
    db.session.add(user)
    db.session.flush()
    audit.record(
        actor,
        "user",
        "user",
        user.id,
        summary=f"create {username}",
        changes={"role": (None, role), "streets": (None, [s.name for s in user.streets])},
    )
    db.session.commit()
    return user
