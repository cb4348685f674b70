"""Service for user accounts: create, change password, roles and streets, deactivate.

Used by the ``create-user`` command and the admin pages; every change is audited.
"""
from __future__ import annotations

import re
import secrets

from sqlalchemy import func, select, update

from .. import audit
from ..districts import service as districts
from ..domain.rules import Message, normalize_credit_code, street_key
from ..extensions import commit_or_rollback, db
from ..models import ROLES, District, Organization, RectificationTask, Street, User

#: ``update_user(district=KEEP)`` leaves the district as it is (None means the whole city).
KEEP = object()

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
    """An account change was refused; the message says why, ``field`` names the form field."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class AccountConflict(AccountError):
    """Someone else changed the account since the form was opened (optimistic locking, as for
    organisations); nothing was written. ``current`` holds what is on record now."""

    def __init__(self, user: User):
        super().__init__(Message("该用户在您打开表单后已被他人修改（见下方当前内容），本次未保存；请核对后重新保存"))
        self.current = {"role": user.role, "display_name": user.display_name or "",
                        "streets": [s.name for s in user.streets],
                        "district": _district_name(user.district), "active": bool(user.active)}


def _claim_version(user: User, expected: int | None) -> None:
    """Bump the account's version, refusing (rolled back) when it is no longer `expected`.

    One guarded UPDATE decides between two saves at once: only one of them finds the version it read."""
    if expected is None:
        user.version = (user.version or 1) + 1
        return
    claimed = db.session.execute(
        update(User).where(User.id == user.id, User.version == expected).values(version=User.version + 1)
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        db.session.rollback()
        raise AccountConflict(db.session.get(User, user.id))
    db.session.expire(user, ["version"])


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


def find_district(text: str | None) -> District | None:
    """The district named by its code, area code or name; None for blank or ``city`` (the whole
    city). Raises AccountError naming the known districts for anything else."""
    if not (text or "").strip() or text.strip().lower() == "city":
        return None
    district = districts.find_district(text)
    if district is None:
        raise AccountError(districts.unknown_district(text), "district_id")
    return district


def _district_for(streets: list[Street], district: District | None | object) -> District | None:
    """The district an account belongs to: the one given (its streets must lie in it), else the one
    its streets share (KEEP with streets spanning districts: the whole city)."""
    if district is KEEP:
        ids = {s.district_id for s in streets}
        return streets[0].district if len(ids) == 1 else None
    outside = [s.name for s in streets if district is not None and s.district_id != district.id]
    if outside:
        raise AccountError(Message("街道不属于%(district)s：%(names)s", district=district.name,
                                   names="、".join(outside)), "street_ids")
    return district


def find_organization(credit_code: str | None) -> Organization:
    """The organisation with this unified social credit code (normalised as everywhere), for a
    branch secretary's account; raises AccountError when blank or unknown."""
    text = (credit_code or "").strip()
    if not text:
        raise AccountError(Message("团支部书记须指定所在组织（统一社会信用代码）"), "org_code")
    code = normalize_credit_code(text)
    org = db.session.scalar(select(Organization).where(Organization.credit_code == code))
    if org is None:
        raise AccountError(Message("没有统一社会信用代码为 %(code)s 的组织", code=code), "org_code")
    return org


def _secretary_home(role: str, organization: Organization | None, streets: list[Street]):
    """A branch secretary belongs to one organisation and to no street (policy.py scopes them to
    their branch alone); other roles to no organisation. Returns the organisation to store."""
    if role != "secretary":
        return None
    if organization is None:
        raise AccountError(Message("团支部书记须指定所在组织（统一社会信用代码）"), "org_code")
    if streets:
        raise AccountError(Message("团支部书记只负责本支部，不分配街道"), "street_ids")
    return organization


def _district_name(district: District | None) -> str | None:
    """The district as audit rows name it (None: the whole city)."""
    return district.name if district is not None else None


def create_user(
    username: str,
    password: str,
    role: str,
    streets: list[Street] | None = None,
    display_name: str = "",
    actor: User | None = None,
    check_policy: bool = True,
    district: District | None | object = KEEP,
    organization: Organization | None = None,
    email: str | None = None,
) -> User:
    """Create an account (password hashed); raises AccountError when refused.

    `email`: where the daily digest goes (blank: none).

    `district`: the district the account belongs to, None for the whole city; by default the one
    its streets lie in (none given: the whole city). `organization`: a branch secretary's own
    organisation (required for that role, ignored for the others).
    """
    username = (username or "").strip()
    if not username:
        raise AccountError(Message("请填写用户名"), "username")
    if role not in ROLES:
        raise AccountError(Message("未知角色：%(role)s", role=role), "role")
    if db.session.scalar(select(User.id).where(User.username == username)) is not None:
        raise AccountError(Message("用户名 %(name)s 已存在", name=username), "username")
    if check_policy:
        problem = password_problem(password, username)
        if problem:
            raise AccountError(problem, "password")
    email = clean_email(email)
    streets = list(streets or [])
    own = _secretary_home(role, organization, streets)
    if own is not None and district is KEEP:
        district = own.street.district
    home = _district_for(streets, district)
    user = User(username=username, role=role, display_name=display_name, email=email,
                session_token=secrets.token_hex(8))
    user.organization_id = own.id if own is not None else None
    user.set_password(password)
    user.streets = streets
    user.district = home
    db.session.add(user)
    db.session.flush()
    changes = {"role": (None, role), "streets": (None, [s.name for s in user.streets])}
    if home is not None:
        changes["district"] = (None, home.name)
    if own is not None:
        changes["organization"] = (None, own.credit_code)
    if email is not None:
        changes["email"] = (None, email)
    audit.record(actor, "user", "user", user.id, summary=f"create {username}", changes=changes)
    db.session.commit()
    return user


def new_session_token() -> str:
    """A fresh random session token; storing it on a user signs out every other session."""
    return secrets.token_hex(16)


def end_sessions(user: User) -> None:
    """Sign `user` out everywhere (logout): a fresh session token voids every saved session and
    remember-me cookie, which carry the old one."""
    user.session_token = new_session_token()
    _commit()


def find_user(username: str) -> User:
    """The user with this name; raises AccountError when there is none."""
    user = db.session.scalar(select(User).where(User.username == (username or "").strip()))
    if user is None:
        raise AccountError(Message("用户 %(name)s 不存在", name=username))
    return user


def _check_password(password: str, username: str) -> None:
    """Raise AccountError (on the ``new_password`` field) when the password breaks the policy."""
    problem = password_problem(password, username)
    if problem:
        raise AccountError(problem, "new_password")


def _commit() -> None:
    """Commit the account change with its audit row, or roll both back."""
    commit_or_rollback()


def change_password(user: User, current_password: str, new_password: str) -> str:
    """A user changes their own password; returns the new session token (other sessions end)."""
    if not user.check_password(current_password or ""):
        raise AccountError(Message("当前密码不正确"), "current_password")
    if current_password == new_password:
        raise AccountError(Message("新密码不能与当前密码相同"), "new_password")
    _set_password(user, new_password, actor=user, summary=f"change password {user.username}")
    return user.session_token


def reset_password(user: User, new_password: str, actor: User | None = None) -> None:
    """An admin sets a new password for `user`; every session of `user` ends."""
    _set_password(user, new_password, actor=actor, summary=f"reset password {user.username}")


def _set_password(user: User, new_password: str, actor: User | None, summary: str) -> None:
    """Check the policy, store the new hash, end every session of `user`, audit and commit."""
    _check_password(new_password, user.username)
    user.set_password(new_password)
    user.session_token = new_session_token()
    _claim_version(user, None)
    audit.record(actor, "user", "user", user.id, summary=summary, changes={"password": ("***", "***")})
    _commit()


def update_user(
    user: User,
    role: str | None = None,
    streets: list[Street] | None = None,
    display_name: str | None = None,
    actor: User | None = None,
    district: District | None | object = KEEP,
    organization: Organization | None | object = KEEP,
    email: str | None | object = KEEP,
    expected_version: int | None = None,
) -> dict:
    """Change role, streets, district, display name and e-mail address; returns {field: (old, new)}
    of what changed (`email` KEEP: unchanged; blank: cleared). A branch secretary keeps (or,
    `organization`, changes) their organisation; another role drops it.

    `district` KEEP: unchanged, unless new streets are given, which then decide it (as in
    :func:`create_user`); with no streets the district stays. `expected_version`: the account's
    version the form was opened at; a save over a newer one raises :class:`AccountConflict`.
    """
    if expected_version is not None and expected_version != user.version:
        raise AccountConflict(user)
    if role is not None and role not in ROLES:
        raise AccountError(Message("未知角色：%(role)s", role=role))
    if actor is not None and actor.id == user.id and role is not None and role != user.role:
        raise AccountError(Message("不能修改自己的角色"))
    if role is not None and user.role == "admin" and role != "admin" and _other_active_admins(user) == 0:
        raise AccountError(Message("至少需要保留一个启用的管理员"))
    if email is not KEEP:
        email = clean_email(email)
    new_streets = list(streets) if streets is not None else list(user.streets)
    new_role = role if role is not None else user.role
    if organization is KEEP:
        organization = user.organization if new_role == "secretary" else None
    own = _secretary_home(new_role, organization, new_streets)
    if district is KEEP and (streets is None or not new_streets):
        district = own.street.district if own is not None else user.district
    home = _district_for(new_streets, district)
    changes: dict = {}
    if (own.id if own is not None else None) != user.organization_id:
        old_org = user.organization
        changes["organization"] = (old_org.credit_code if old_org else None, own.credit_code if own else None)
        user.organization_id = own.id if own is not None else None
    if home is not user.district:
        changes["district"] = (_district_name(user.district), _district_name(home))
        user.district = home
    if role is not None and role != user.role:
        changes["role"] = (user.role, role)
        user.role = role
    if streets is not None:
        old = [s.name for s in user.streets]
        new = [s.name for s in sorted(streets, key=lambda s: (s.district_id, s.code is None, s.code or "", s.id))]
        if sorted(old) != sorted(new):
            changes["streets"] = (old, new)
            user.streets = list(streets)
    if display_name is not None and display_name.strip() != (user.display_name or ""):
        changes["display_name"] = (user.display_name, display_name.strip())
        user.display_name = display_name.strip()
    if email is not KEEP and email != user.email:
        changes["email"] = (user.email, email)
        user.email = email
    if not changes:
        return {}
    _claim_version(user, expected_version)
    audit.record(actor, "user", "user", user.id, summary=f"update {user.username}", changes=changes)
    _commit()
    return changes


def set_active(user: User, active: bool, actor: User | None = None) -> bool:
    """Deactivate or reactivate `user`; deactivating signs them out at their next request.

    Returns whether anything changed.
    """
    if bool(user.active) == bool(active):
        return False
    if not active and actor is not None and actor.id == user.id:
        raise AccountError(Message("不能停用自己的账号"))
    if not active and user.role == "admin" and _other_active_admins(user) == 0:
        raise AccountError(Message("至少需要保留一个启用的管理员"))
    if not active and db.session.scalar(select(func.count()).where(Organization.officer_id == user.id)):
        raise AccountError(Message("%(name)s 仍负责组织，请先移交再停用", name=user.label))
    if not active and db.session.scalar(select(func.count()).where(RectificationTask.officer_id == user.id,
                                                                   RectificationTask.closed_on.is_(None))):
        raise AccountError(Message("%(name)s 仍负责未完成的整顿任务，请先移交再停用", name=user.label))
    user.active = bool(active)
    user.session_token = new_session_token()
    _claim_version(user, None)
    audit.record(actor, "user", "user", user.id,
                 summary=f"{'reactivate' if active else 'deactivate'} {user.username}",
                 changes={"active": (not active, bool(active))})
    _commit()
    return True


def _other_active_admins(user: User) -> int:
    """How many active admins there are besides `user`."""
    return len(db.session.scalars(
        select(User.id).where(User.role == "admin", User.active.is_(True), User.id != user.id)
    ).all())


_EMAIL = re.compile(r"[^@\s]+@[^@\s.]+(\.[^@\s.]+)*")


def clean_email(email: str | None) -> str | None:
    """The address as stored (trimmed; blank: None); raises AccountError for one that cannot be an
    e-mail address (one @, no spaces, a non-empty name and domain, at most 200 characters)."""
    email = (email or "").strip() or None
    if email is not None and (len(email) > 200 or not _EMAIL.fullmatch(email)):
        raise AccountError(Message("邮箱地址格式不正确：%(email)s", email=email), "email")
    return email


def set_email(user: User, email: str, actor: User | None = None) -> bool:
    """Set (blank: clear) where the user's daily digest goes; returns whether it changed."""
    email = clean_email(email)
    if email == user.email:
        return False
    audit.record(actor, "user", "user", user.id, summary=f"update {user.username}", changes={"email": (user.email, email)})
    user.email = email
    _commit()
    return True


LANGUAGES = ("zh_CN", "en")


def set_locale(user: User, code: str) -> str:
    """Remember `user`'s interface language (an unknown code means zh_CN); returns the code kept."""
    code = code if code in LANGUAGES else "zh_CN"
    if user.locale != code:
        user.locale = code
        _commit()
    return code


def list_users() -> list[User]:
    """Every account, admins first, then by name."""
    order = {"admin": 0, "supervisor": 1, "officer": 2, "secretary": 3}
    return sorted(db.session.scalars(select(User)), key=lambda u: (order.get(u.role, 9), u.username))
