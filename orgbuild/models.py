"""The data model: districts and their streets, organisations, their visits, branches, onboarding
and status history, users, targets, import batches, the audit trail and the progress snapshots
(SQLAlchemy 2.0 typed models).

Models hold data and small derived properties only; they never commit (services do).
"""
from __future__ import annotations

from datetime import UTC, date, datetime

from flask import current_app, has_app_context
from flask_login import UserMixin
from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    UniqueConstraint,
    event,
    or_,
    text,
    update,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from .domain.rules import today_in
from .extensions import db


def utcnow() -> datetime:
    """The current time in UTC (a callable default, evaluated per row)."""
    return datetime.now(UTC)


def local_date() -> date:
    """Today in the district's time zone (the app's setting; UTC outside an app): the default of the
    dates that say when something was recorded (survey date, a step's effective date)."""
    if has_app_context():
        return today_in(current_app.config.get("BABEL_DEFAULT_TIMEZONE", "Asia/Shanghai"))
    return datetime.now(UTC).date()


ROLES = ("admin", "supervisor", "officer", "secretary")

user_streets = Table(
    "user_streets",
    db.metadata,
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("street_id", ForeignKey("streets.id", ondelete="CASCADE"), primary_key=True),
)

#: The streets of an import batch's rows (written, unchanged or rejected): who may read the batch
#: (policy.scope_batches).
import_batch_streets = Table(
    "import_batch_streets",
    db.metadata,
    Column("batch_id", ForeignKey("import_batches.id", ondelete="CASCADE"), primary_key=True),
    Column("street_id", ForeignKey("streets.id", ondelete="CASCADE"), primary_key=True),
)

branch_covered_orgs = Table(
    "branch_covered_orgs",
    db.metadata,
    Column("branch_id", ForeignKey("branches.id", ondelete="CASCADE"), primary_key=True),
    Column("organization_id", ForeignKey("organizations.id", ondelete="CASCADE"), primary_key=True),
)


class Street(db.Model):
    """A street (街道) of a district."""

    __tablename__ = "streets"
    id: Mapped[int] = mapped_column(primary_key=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("districts.id"), index=True)
    #: the 9-digit administrative code (440303001); None where the reference data does not know it
    code: Mapped[str | None] = mapped_column(String(12), unique=True)
    name: Mapped[str] = mapped_column(String(50), unique=True)  # full name, e.g. 桂园街道
    short_name: Mapped[str] = mapped_column(String(50), unique=True)  # e.g. 桂园
    communities: Mapped[list[Community]] = relationship(
        back_populates="street", order_by="Community.name", cascade="all, delete-orphan"
    )
    district: Mapped[District] = relationship(back_populates="streets")

    def __repr__(self) -> str:
        return f"<Street {self.name}>"


def street_order() -> tuple:
    """The order streets are listed in everywhere: by district, then code (streets without a code
    last, the same on SQLite and PostgreSQL), then as they were added."""
    return Street.district_id, Street.code.asc().nulls_last(), Street.id


class Community(db.Model):
    """A community (社区) within a street; editable, since communities change."""

    __tablename__ = "communities"
    __table_args__ = (UniqueConstraint("street_id", "name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    street_id: Mapped[int] = mapped_column(ForeignKey("streets.id"), index=True)
    name: Mapped[str] = mapped_column(String(50))
    street: Mapped[Street] = relationship(back_populates="communities")


class User(UserMixin, db.Model):
    """A person who signs in: admin, supervisor or field officer."""

    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    display_name: Mapped[str] = mapped_column(String(80), default="")
    password_hash: Mapped[str] = mapped_column(String(256))
    role: Mapped[str] = mapped_column(String(20), default="officer")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    locale: Mapped[str | None] = mapped_column(String(10))
    #: where the daily digest goes (reminders/service.py); None: printed only
    email: Mapped[str | None] = mapped_column(String(200))
    #: bumped when the password changes or the user is deactivated: old sessions stop working
    session_token: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    #: bumped by every change made on the user admin page: a form saved over a newer one is refused
    #: (accounts/service.py), as for organisations
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1, server_default="1")
    #: the district the user belongs to; None: the whole city (policy.py reads it with the streets)
    district_id: Mapped[int | None] = mapped_column(ForeignKey("districts.id"), index=True)
    streets: Mapped[list[Street]] = relationship(secondary=user_streets, order_by=lambda: list(street_order()))
    district: Mapped[District | None] = relationship()
    #: a branch secretary's (团支部书记) own organisation: the one branch whose life they log (policy.py)
    #: (no foreign key: users and organisations would refer to each other, a cycle for create/drop)
    organization_id: Mapped[int | None] = mapped_column(Integer, index=True)
    organization: Mapped["Organization | None"] = relationship(
        primaryjoin="foreign(User.organization_id) == Organization.id", viewonly=True)

    @property
    def is_active(self) -> bool:  # Flask-Login: inactive users cannot sign in
        return bool(self.active)

    @property
    def label(self) -> str:
        return self.display_name or self.username

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    def __repr__(self) -> str:
        return f"<User {self.username} {self.role}>"


def _surveyed_on(context) -> date:
    """Default of ``Organization.stage_since``: the row's survey date (else today, as surveyed_on's)."""
    return context.get_current_parameters().get("surveyed_on") or local_date()


class Organization(db.Model):
    """A surveyed "two new" organisation and where it stands in the campaign."""

    __tablename__ = "organizations"
    __table_args__ = (
        Index("ix_org_party_league", "has_party_org", "has_league_org"),
        # covering index of the progress scan as of a date (GROUP BY street, officer): progress/queries.py
        Index("ix_org_asof", "street_id", "officer_id", "has_party_org", "has_league_org", "surveyed_on", "closed_on",
              "first_visited_on"),
        # covering index of the stage board's columns, longest in the stage first (board/service.py); it serves
        # every (street, status) lookup too (ix_org_street_status, its prefix, was dropped: board_0001)
        Index("ix_org_board", "street_id", "status", "stage_since", "id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    credit_code: Mapped[str] = mapped_column(String(18), unique=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    street_id: Mapped[int] = mapped_column(ForeignKey("streets.id"))
    community_id: Mapped[int | None] = mapped_column(ForeignKey("communities.id"))
    industry: Mapped[str | None] = mapped_column(String(1))  # GB/T 4754-2017 section letter
    org_type: Mapped[str | None] = mapped_column(String(40))
    employees: Mapped[int | None] = mapped_column(Integer)
    youth_count: Mapped[int | None] = mapped_column(Integer)  # young employees aged 35 or under
    league_members: Mapped[int | None] = mapped_column(Integer)
    party_members: Mapped[int | None] = mapped_column(Integer)
    has_party_org: Mapped[bool] = mapped_column(Boolean, default=False)
    party_secretary: Mapped[str | None] = mapped_column(String(80))
    has_league_org: Mapped[bool] = mapped_column(Boolean, default=False)
    league_contact: Mapped[str | None] = mapped_column(String(120))  # 团组织负责人及电话
    contact_person: Mapped[str | None] = mapped_column(String(80))
    contact_phone: Mapped[str | None] = mapped_column(String(40))
    address: Mapped[str | None] = mapped_column(String(300))
    officer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    #: the day the current officer was given the organisation (assignment/service.py); None unassigned
    assigned_on: Mapped[date | None] = mapped_column(Date)
    #: the effective date of the step that brought it into its current status (kept by
    #: campaign/actions.py); still in the status it was surveyed in: ``surveyed_on`` (the default, and
    #: what imports and the demo write), so that the board orders its columns by an index
    stage_since: Mapped[date | None] = mapped_column(Date, default=_surveyed_on)
    status: Mapped[str] = mapped_column(String(20), default="surveyed", index=True)
    #: the survey date (摸排日期): the file's column, else the day of the import or of the creation
    surveyed_on: Mapped[date] = mapped_column(Date, default=local_date)
    #: the day the organisation was closed (deregistered / moved away); None while it is not closed
    closed_on: Mapped[date | None] = mapped_column(Date)
    #: the date of its earliest visit (kept by :func:`_date_first_visit`), so that "visited by a date"
    #: is read from the organisations' covering index
    first_visited_on: Mapped[date | None] = mapped_column(Date)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)

    street: Mapped[Street] = relationship()
    community: Mapped[Community | None] = relationship()
    officer: Mapped[User | None] = relationship()
    visits: Mapped[list[Visit]] = relationship(
        back_populates="organization", order_by="Visit.visit_date.desc(), Visit.id.desc()"
    )
    branches: Mapped[list[Branch]] = relationship(
        back_populates="organization", foreign_keys="Branch.organization_id", order_by="Branch.id"
    )
    onboardings: Mapped[list[Onboarding]] = relationship(back_populates="organization", order_by="Onboarding.id")
    events: Mapped[list[StatusEvent]] = relationship(
        back_populates="organization", order_by="StatusEvent.created_at, StatusEvent.id"
    )

    __mapper_args__ = {"version_id_col": version}

    @property
    def branch(self) -> Branch | None:
        """The founding record in force (not reverted), if any."""
        live = [b for b in self.branches if not b.reverted]
        return live[-1] if live else None

    @property
    def onboarding(self) -> Onboarding | None:
        """The onboarding record in force (not reverted), if any."""
        live = [o for o in self.onboardings if not o.reverted]
        return live[-1] if live else None

    def __repr__(self) -> str:
        return f"<Organization {self.credit_code} {self.status}>"


class Visit(db.Model):
    """A visit by an officer to the organisation's party organisation."""

    __tablename__ = "visits"
    __table_args__ = (
        Index("ix_visit_org_date", "organization_id", "visit_date"),
        # covering index of "the latest visit's next follow-up" (progress/queries.py: latest_follow_up)
        Index("ix_visit_latest", "organization_id", "visit_date", "id", "next_follow_up"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    officer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    visit_date: Mapped[date] = mapped_column(Date)
    met_with: Mapped[str] = mapped_column(String(120), default="")
    outcome: Mapped[str] = mapped_column(String(20))
    notes: Mapped[str] = mapped_column(Text, default="")
    next_follow_up: Mapped[date | None] = mapped_column(Date, index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    organization: Mapped[Organization] = relationship(back_populates="visits")
    officer: Mapped[User | None] = relationship()


@event.listens_for(Visit, "after_insert")
def _date_first_visit(mapper, connection, visit: Visit) -> None:  # noqa: ARG001 - SQLAlchemy's signature
    """Keep ``Organization.first_visited_on`` the earliest visit date, in the visit's own flush
    (every visit written through the ORM; the demo's bulk insert sets it itself)."""
    table = Organization.__table__
    connection.execute(
        update(table)
        .where(table.c.id == visit.organization_id,
               or_(table.c.first_visited_on.is_(None), table.c.first_visited_on > visit.visit_date))
        .values(first_visited_on=visit.visit_date)
    )


class Branch(db.Model):
    """The founding record of a league organisation (团支部 / 团总支 / 团委 / 联合团支部)."""

    __tablename__ = "branches"
    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    branch_type: Mapped[str] = mapped_column(String(20))
    parent_org: Mapped[str] = mapped_column(String(200), default="")  # parent league organisation
    application_date: Mapped[date | None] = mapped_column(Date)
    approval_doc_no: Mapped[str] = mapped_column(String(80), default="")
    approval_date: Mapped[date | None] = mapped_column(Date)
    election_date: Mapped[date | None] = mapped_column(Date)
    founded_on: Mapped[date] = mapped_column(Date, index=True)
    secretary: Mapped[str] = mapped_column(String(80), default="")
    deputy_secretary: Mapped[str] = mapped_column(String(80), default="")
    committee_members: Mapped[str] = mapped_column(String(300), default="")
    member_count: Mapped[int] = mapped_column(Integer, default=0)
    youth_count: Mapped[int | None] = mapped_column(Integer)
    term_years: Mapped[int | None] = mapped_column(Integer)
    covered_units: Mapped[str] = mapped_column(Text, default="")  # joint branch: units not on record
    reverted: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    organization: Mapped[Organization] = relationship(back_populates="branches", foreign_keys=[organization_id])
    covered_orgs: Mapped[list[Organization]] = relationship(secondary=branch_covered_orgs)
    created_by: Mapped[User | None] = relationship()


class Onboarding(db.Model):
    """The organisation's league body entered on the 智慧团建 platform."""

    __tablename__ = "onboardings"
    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    onboarded_on: Mapped[date] = mapped_column(Date, index=True)
    platform_code: Mapped[str] = mapped_column(String(80), default="")
    reverted: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    organization: Mapped[Organization] = relationship(back_populates="onboardings")
    created_by: Mapped[User | None] = relationship()


#: A 智慧团建 code is held by one organisation's onboarding at most (reverted ones and blanks aside):
#: the service checks it first with a clear message; this index decides a race (migration harden_0001).
PLATFORM_CODE_UNIQUE = Index(
    "uq_onboardings_platform_code", Onboarding.platform_code, unique=True,
    sqlite_where=text("reverted = 0 AND platform_code <> ''"),
    postgresql_where=text("reverted = false AND platform_code <> ''"),
)


class StatusEvent(db.Model):
    """One applied transition: from, to, which, who, when and why."""

    __tablename__ = "status_events"
    __table_args__ = (
        # the ineligibility of an organisation as of a date (progress/queries.py: ineligible_counts)
        Index("ix_event_transition", "transition", "organization_id", "effective_on"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    from_status: Mapped[str] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    transition: Mapped[str] = mapped_column(String(30))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    #: the day the step took effect: the visit, founding or onboarding date; the day it was recorded otherwise
    effective_on: Mapped[date] = mapped_column(Date, default=local_date)
    #: a later revert undid this step: figures as of any date ignore it (and the revert)
    undone: Mapped[bool] = mapped_column(Boolean, default=False)

    organization: Mapped[Organization] = relationship(back_populates="events")
    actor: Mapped[User | None] = relationship()


class Submission(db.Model):
    """A step form that was applied, by its one-time submission key (hidden in the form, or the key an
    offline visit was queued with): sending the same form again answers this result, changes nothing."""

    __tablename__ = "submissions"
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    transition: Mapped[str] = mapped_column(String(30))
    status_event_id: Mapped[int] = mapped_column(ForeignKey("status_events.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    status_event: Mapped[StatusEvent] = relationship()


class Attachment(db.Model):
    """An evidence file (photo or PDF scan) of a visit, a founding or an onboarding; the bytes live in
    the attachments folder under ``stored_name`` (attachments/storage.py)."""

    __tablename__ = "attachments"
    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    visit_id: Mapped[int | None] = mapped_column(ForeignKey("visits.id", ondelete="CASCADE"), index=True)
    branch_id: Mapped[int | None] = mapped_column(ForeignKey("branches.id", ondelete="CASCADE"), index=True)
    onboarding_id: Mapped[int | None] = mapped_column(ForeignKey("onboardings.id", ondelete="CASCADE"), index=True)
    #: evidence of a branch activity (organisational life, quality/)
    activity_id: Mapped[int | None] = mapped_column(ForeignKey("branch_activities.id", ondelete="CASCADE"), index=True)
    content_type: Mapped[str] = mapped_column(String(40))
    original_name: Mapped[str] = mapped_column(String(200), default="")
    stored_name: Mapped[str] = mapped_column(String(80), unique=True)
    size: Mapped[int] = mapped_column(Integer)
    has_thumbnail: Mapped[bool] = mapped_column(Boolean, default=False)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    uploaded_by: Mapped[User | None] = relationship()

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")


class Target(db.Model):
    """A campaign target: year, metric, scope (a street, or the district named when street is empty)
    and value, with an optional baseline (保底) and stretch (冲刺) value beside it."""

    __tablename__ = "targets"
    __table_args__ = (UniqueConstraint("year", "metric", "street_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(Integer)
    metric: Mapped[str] = mapped_column(String(30))  # new_branches / onboarded / visited
    street_id: Mapped[int | None] = mapped_column(ForeignKey("streets.id"))
    #: for a district-wide target (street empty): which district
    district_id: Mapped[int | None] = mapped_column(ForeignKey("districts.id"))
    value: Mapped[int] = mapped_column(Integer)
    baseline: Mapped[int | None] = mapped_column(Integer)
    stretch: Mapped[int | None] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)

    street: Mapped[Street | None] = relationship()

    __mapper_args__ = {"version_id_col": version}


class ImportBatch(db.Model):
    """One applied survey import: who, when, which file and what it did."""

    __tablename__ = "import_batches"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    filename: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    strict: Mapped[bool] = mapped_column(Boolean, default=False)
    rows: Mapped[int] = mapped_column(Integer, default=0)
    created: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    unchanged: Mapped[int] = mapped_column(Integer, default=0)
    rejected: Mapped[int] = mapped_column(Integer, default=0)
    rejected_csv: Mapped[bytes | None] = mapped_column(LargeBinary)
    #: rows whose street is not known (rejected rows naming no street of the district): only the
    #: uploader and whole-city readers may read such a batch (policy.can_see_batch)
    unplaced: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    user: Mapped[User | None] = relationship()
    streets: Mapped[list[Street]] = relationship(secondary=import_batch_streets)


class AuditEvent(db.Model):
    """The audit trail: every create, update, transition, import and user change."""

    __tablename__ = "audit_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    action: Mapped[str] = mapped_column(String(30))  # create / update / transition / import / user
    object_type: Mapped[str] = mapped_column(String(30))
    object_id: Mapped[int | None] = mapped_column(Integer)
    organization_id: Mapped[int | None] = mapped_column(
        ForeignKey("organizations.id", ondelete="SET NULL"), index=True
    )
    summary: Mapped[str] = mapped_column(Text, default="")
    changes: Mapped[dict | None] = mapped_column(JSON)  # {"field": [old, new]}

    user: Mapped[User | None] = relationship()


class LoginThrottle(db.Model):
    """Failed attempts of one key (an address, an account, a password change) in the database, so that
    every worker counts them together without Redis (accounts/throttle.py)."""

    __tablename__ = "login_throttle"
    key: Mapped[str] = mapped_column(String(200), primary_key=True)  # address:… / account:… / password:…
    failures: Mapped[int] = mapped_column(Integer, default=0)
    window_start: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    blocked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Setting(db.Model):
    """A small key/value store for installation settings (e.g. that the demo district is loaded)."""

    __tablename__ = "settings"
    key: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[str] = mapped_column(Text, default="")


# --- districts (a city holds several) ----------------------------------------------------------

class District(db.Model):
    """A district (区) of the city, e.g. 罗湖区; its streets and communities come from the reference
    data file ``districts/data/<code>.json``."""

    __tablename__ = "districts"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(30), unique=True)  # the data file's name: luohu
    name: Mapped[str] = mapped_column(String(50), unique=True)  # 罗湖区
    area_code: Mapped[str | None] = mapped_column(String(12), unique=True)  # 440303
    streets: Mapped[list[Street]] = relationship(
        back_populates="district", order_by=lambda: [Street.code.asc().nulls_last(), Street.id]
    )

    def __repr__(self) -> str:
        return f"<District {self.code}>"


# --- snapshots (progress/snapshots.py) ------------------------------------------------------------

class Snapshot(db.Model):
    """A frozen progress object: scope, year, as-of date, who, when and title. Never changes.

    ``figures`` is the canonical JSON text written once (so that a bulletin built from it is the
    same byte for byte every time); ``digest`` is its SHA-256.
    """

    __tablename__ = "snapshots"
    __table_args__ = (Index("ix_snapshot_scope_year", "street_ids", "year", "as_of"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(Integer)
    as_of: Mapped[date] = mapped_column(Date)
    #: the streets covered, as sorted ids joined by commas; empty for the whole city
    street_ids: Mapped[str] = mapped_column(String(200), default="")
    scope: Mapped[str] = mapped_column(String(300))  # "city", "district" or the street names, as in the progress object
    title: Mapped[str] = mapped_column(String(200))
    previous_id: Mapped[int | None] = mapped_column(ForeignKey("snapshots.id"))
    figures: Mapped[str] = mapped_column(Text)
    digest: Mapped[str] = mapped_column(String(64))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    created_by: Mapped[User | None] = relationship()
    previous: Mapped[Snapshot | None] = relationship(remote_side="Snapshot.id")


class Job(db.Model):
    """One background job (orgbuild/jobs): what it is, whose, its state and, once finished, what it did.

    Live progress (rows done, rows per second) is kept in the queue's own store, not here, so that a
    long apply never has to write to the table its own transaction may lock.
    """

    __tablename__ = "jobs"
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(30))  # import_preview / import_apply
    status: Mapped[str] = mapped_column(String(20), default="queued", index=True)  # queued/running/done/failed
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("jobs.id"))  # an apply's preview
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    filename: Mapped[str] = mapped_column(String(255), default="")
    sha256: Mapped[str] = mapped_column(String(64), default="")
    options: Mapped[dict] = mapped_column(JSON, default=dict)  # encoding, sheet, strict
    result: Mapped[dict | None] = mapped_column(JSON)  # the counts of what it did
    error: Mapped[str | None] = mapped_column(Text)  # the reason it failed (Chinese msgid)
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("import_batches.id"))

    user: Mapped[User | None] = relationship()


# --- the data version (figcache/version.py) ------------------------------------------------------

class DataVersion(db.Model):
    """One row (id 1) whose ``value`` every committed write increments: cached figures are keyed by it."""

    __tablename__ = "data_version"
    id: Mapped[int] = mapped_column(primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger, default=0)


@event.listens_for(DataVersion.__table__, "after_create")
def _first_version(table, connection, **kw) -> None:  # noqa: ARG001
    """The one row, at a random start (see ``figcache.version.initial``)."""
    from .figcache.version import initial

    connection.execute(table.insert().values(id=1, value=initial()))


class BranchActivity(db.Model):
    """One meeting or activity of a founded branch's organisational life (三会两制一课), dated."""

    __tablename__ = "branch_activities"
    __table_args__ = (Index("ix_activity_org_date", "organization_id", "held_on"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(30))  # domain/quality.py ACTIVITY_KINDS
    held_on: Mapped[date] = mapped_column(Date)
    attendance: Mapped[int] = mapped_column(Integer, default=0)
    note: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    organization: Mapped[Organization] = relationship()
    created_by: Mapped[User | None] = relationship()


class MembershipChange(db.Model):
    """A dated change of a branch's membership: members recruited, transferred in or out."""

    __tablename__ = "membership_changes"
    __table_args__ = (Index("ix_membership_org_date", "organization_id", "changed_on"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))  # domain/quality.py MEMBERSHIP_KINDS
    changed_on: Mapped[date] = mapped_column(Date)
    count: Mapped[int] = mapped_column(Integer)
    #: +count for recruited / transferred in, -count for transferred out (sums give the net change)
    delta: Mapped[int] = mapped_column(Integer)
    note: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    organization: Mapped[Organization] = relationship()
    created_by: Mapped[User | None] = relationship()


class Grading(db.Model):
    """A branch's annual grading (对标定级) for one year: the five area scores, the veto, the level
    derived from them (domain/quality.py), and where the grading stands."""

    __tablename__ = "gradings"
    __table_args__ = (UniqueConstraint("organization_id", "year"), Index("ix_grading_year_state", "year", "state"))
    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    year: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(20), default="draft")
    leadership: Mapped[int] = mapped_column(Integer, default=0)
    members: Mapped[int] = mapped_column(Integer, default=0)
    org_life: Mapped[int] = mapped_column(Integer, default=0)
    rules: Mapped[int] = mapped_column(Integer, default=0)
    impact: Mapped[int] = mapped_column(Integer, default=0)
    veto: Mapped[bool] = mapped_column(Boolean, default=False)
    total: Mapped[int] = mapped_column(Integer, default=0)
    level: Mapped[str] = mapped_column(String(20), default="")
    #: the day the grading was confirmed (复核认定); figures as of a date count it from then on
    confirmed_on: Mapped[date | None] = mapped_column(Date)
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    organization: Mapped[Organization] = relationship()
    confirmed_by: Mapped[User | None] = relationship()


class GradingRound(db.Model):
    """The year's grading round (对标定级) as a record: its date, the cut-off eligibility counts back
    from (founded at least six months before it), and the cap on the share of five-star branches."""

    __tablename__ = "grading_rounds"
    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(Integer, unique=True)
    held_on: Mapped[date] = mapped_column(Date)
    #: branches founded six months before this day or earlier are graded (domain/quality.py)
    cutoff_on: Mapped[date] = mapped_column(Date)
    five_star_cap: Mapped[int] = mapped_column(Integer, default=20)
    note: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    #: the day the round was closed (no grading step of its year after that), None while it is open
    closed_on: Mapped[date | None] = mapped_column(Date)
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class RectificationTask(db.Model):
    """A rectification (整顿) of a weak (软弱涣散) or warned branch: what must be done (one item a
    line), who answers for it, by when; closed with a note."""

    __tablename__ = "rectification_tasks"
    __table_args__ = (Index("ix_rectification_open", "closed_on", "deadline"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    reason: Mapped[str] = mapped_column(Text, default="")
    items: Mapped[str] = mapped_column(Text, default="")
    officer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    deadline: Mapped[date] = mapped_column(Date)
    opened_on: Mapped[date] = mapped_column(Date)
    opened_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    closed_on: Mapped[date | None] = mapped_column(Date)
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    close_note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    organization: Mapped[Organization] = relationship()
    officer: Mapped[User | None] = relationship(foreign_keys=[officer_id])
    opened_by: Mapped[User | None] = relationship(foreign_keys=[opened_by_id])
    closed_by: Mapped[User | None] = relationship(foreign_keys=[closed_by_id])

    @property
    def item_list(self) -> list[str]:
        return [line.strip() for line in self.items.splitlines() if line.strip()]


# --- reconciliation with 智慧团建 (reconcile/) -----------------------------------------------------

class ReconcileRun(db.Model):
    """One comparison of orgbuild with an organisation list exported from 智慧团建: the file (name,
    SHA-256), who, when, the scope, the counts and the whole result (the JSON of ``reconcile --json``)."""

    __tablename__ = "reconcile_runs"
    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    #: the district's local date of the run: the records here were read as they stood that day
    run_on: Mapped[date] = mapped_column(Date, default=local_date)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    filename: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64))
    scope: Mapped[str] = mapped_column(String(300))
    rows: Mapped[int] = mapped_column(Integer, default=0)
    matched: Mapped[int] = mapped_column(Integer, default=0)
    only_in_platform: Mapped[int] = mapped_column(Integer, default=0)
    only_here: Mapped[int] = mapped_column(Integer, default=0)
    mismatched: Mapped[int] = mapped_column(Integer, default=0)
    result: Mapped[dict] = mapped_column(JSON)

    user: Mapped[User | None] = relationship()


class ReconcileResolution(db.Model):
    """How one difference of a reconciliation run was resolved: linked to an organisation here,
    created here, corrected here (the platform's value taken), or marked to be fixed on the platform.

    ``item`` names the difference within the run's result: ``platform:<row>`` (a row only in the
    platform), ``here:<credit code>`` (onboarded here, not in the platform), ``field:<row>:<field>``
    (a field that differs). One resolution per difference."""

    __tablename__ = "reconcile_resolutions"
    __table_args__ = (UniqueConstraint("run_id", "item"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("reconcile_runs.id", ondelete="CASCADE"), index=True)
    item: Mapped[str] = mapped_column(String(80))
    action: Mapped[str] = mapped_column(String(20))  # link / create / correct / platform
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id", ondelete="SET NULL"), index=True)
    #: the platform's name and codes of a linked row (a later run matches that name to the organisation)
    platform_name: Mapped[str] = mapped_column(String(200), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    changes: Mapped[dict | None] = mapped_column(JSON)  # {"field": [old, new]} of a correction or a link
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    user: Mapped[User | None] = relationship()
    organization: Mapped[Organization | None] = relationship()


# --- merging duplicate organisations (duplicates/merge.py) ----------------------------------------

class OrgMerge(db.Model):
    """Two records of one organisation merged into one: the survivor keeps its id; every row of the
    merged-away record (visits, branches, events, attachments, audit …) was moved to it, and the
    merged-away record deleted. ``merged_row`` and ``survivor_before`` hold both records column by
    column and ``moved`` the keys of every moved row, so that an undo restores them exactly."""

    __tablename__ = "org_merges"
    id: Mapped[int] = mapped_column(primary_key=True)
    survivor_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id", ondelete="SET NULL"), index=True)
    merged_id: Mapped[int] = mapped_column(Integer, index=True)  # the deleted record's id (restored by an undo)
    merged_credit_code: Mapped[str] = mapped_column(String(18))
    merged_name: Mapped[str] = mapped_column(String(200))
    #: the survivor's version right after the merge: an undo refuses once it changed again
    survivor_version: Mapped[int] = mapped_column(Integer)
    merged_row: Mapped[dict] = mapped_column(JSON)
    survivor_before: Mapped[dict] = mapped_column(JSON)
    moved: Mapped[dict] = mapped_column(JSON)  # {table: {"column": c, "keys": [[primary key…], …]}}
    reason: Mapped[str] = mapped_column(Text, default="")
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    undone_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    undone_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    user: Mapped[User | None] = relationship(foreign_keys=[user_id])
    undone_by: Mapped[User | None] = relationship(foreign_keys=[undone_by_id])
    survivor: Mapped[Organization | None] = relationship()
# --- the JSON API (accounts/tokens.py, api/) -------------------------------------------------------

class ApiToken(db.Model):
    """A personal access token of the JSON API. Only the SHA-256 of the secret is kept; ``prefix`` (its
    first characters) lets a person tell their tokens apart. A token acts with its user's role and
    streets; ``can_write`` lets it record visits too."""

    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(80), default="")
    prefix: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    can_write: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    user: Mapped[User] = relationship(foreign_keys=[user_id])


class ApiIdempotencyKey(db.Model):
    """The first answer to an API write sent with an ``Idempotency-Key``: the same key again (same
    user, same request) answers it again and records nothing; the same key with another request is
    refused. ``fingerprint`` is the SHA-256 of the method, path and body."""

    __tablename__ = "api_idempotency_keys"
    __table_args__ = (UniqueConstraint("user_id", "key", name="uq_api_idempotency_user_key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(255))
    fingerprint: Mapped[str] = mapped_column(String(64))
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    status_code: Mapped[int] = mapped_column(Integer)
    response: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
