"""The data version: one counter row (``data_version``, id 1) bumped by every transaction that writes.

No write path can forget it: a listener on every SQLAlchemy engine marks a connection when it runs an
INSERT, UPDATE, DELETE (or COPY, MERGE, TRUNCATE, REPLACE) statement, whatever issued it (the ORM's
flushes, bulk ``session.execute(update(...))``, Core on a connection, ``exec_driver_sql``, text SQL);
a write on the driver's own cursor, which no SQLAlchemy event sees, is caught at the commit by asking
the database (SQLite's changed-row count, PostgreSQL's transaction id); at the commit of that
transaction, just before the database commits, the counter is incremented on the same connection. The
increment and the writes therefore commit together or not at all, and the row lock is held only for
the instant of the commit. A reader reads the version *before* it computes, so anything cached under
version V holds data at least as new as V, and a committed change always shows as a new version.

A request reads the version at most once, in the same query that loads its signed-in user
(``get_with_version``, called by the user loader): the value is kept in the request's environ and
forgotten at any commit made during the request, after which ``current`` reads the row again. A
cached page therefore costs one primary-key read of the database.

Until the table exists (during the migrations that create the schema) nothing is bumped. The counter
starts at a random 48-bit number (``initial``), so that a cache kept across databases (the files of
the instance folder, Redis) never takes a recreated database's version for the old one's.
"""
from __future__ import annotations

import re
import secrets

from flask import has_request_context, request
from sqlalchemy import event, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import make_transient_to_detached

from ..extensions import db

TABLE = "data_version"
_WRITE = re.compile(r"^\s*(?:WITH\b.*?\b)?(INSERT|UPDATE|DELETE|REPLACE|MERGE|COPY|TRUNCATE)\b", re.I | re.S)
_FLAG = "figcache_wrote"
_CHANGES = "figcache_changes_at_begin"
_DROP = re.compile(r"^\s*DROP\b", re.I)
#: engines (by id) on which the table has been seen to exist (forgotten when any table is dropped)
_HAS_TABLE: set[int] = set()
_REQUEST_KEY = "orgbuild.data_version"  # the version read by this request (request.environ)


def initial() -> int:
    """A random starting value of the counter."""
    return secrets.randbits(48)


def is_write(statement: str) -> bool:
    """Whether an SQL statement changes rows.

    >>> is_write("insert into organizations values (1)"), is_write("SELECT 1"), is_write("WITH x AS (SELECT 1) UPDATE t SET a=1")
    (True, False, True)
    """
    return bool(_WRITE.match(statement))


@event.listens_for(Engine, "before_cursor_execute")
def _mark_write(conn, cursor, statement, parameters, context, executemany) -> None:  # noqa: ARG001
    """Remember that this connection's transaction writes (and forget the table on a DROP)."""
    if not conn.info.get(_FLAG) and is_write(statement):
        conn.info[_FLAG] = True
    elif _DROP.match(statement):
        _HAS_TABLE.discard(id(conn.engine))


@event.listens_for(Engine, "begin")
def _note_changes(conn) -> None:
    """SQLite: the connection's count of changed rows when the transaction begins (see ``_wrote``)."""
    if conn.dialect.name == "sqlite":
        conn.info[_CHANGES] = conn.connection.dbapi_connection.total_changes


def _wrote(conn, dbapi) -> bool:
    """Whether the transaction being committed wrote: a write statement went through SQLAlchemy, or
    the database itself says so (a write on the driver's own cursor, which no SQLAlchemy event sees):
    SQLite's count of changed rows moved since the transaction began, PostgreSQL assigned the
    transaction an id (it does for any row written or locked)."""
    changes_at_begin = conn.info.pop(_CHANGES, None)
    if conn.info.pop(_FLAG, False):
        return True
    if conn.dialect.name == "sqlite":
        return changes_at_begin is not None and dbapi.total_changes != changes_at_begin
    if conn.dialect.name == "postgresql":
        cursor = dbapi.cursor()
        try:
            cursor.execute("SELECT txid_current_if_assigned()")
            return cursor.fetchone()[0] is not None
        finally:
            cursor.close()
    return False


@event.listens_for(Engine, "commit")
def _bump_on_commit(conn) -> None:
    """Just before the transaction commits: increment the version when it wrote anything."""
    forget()
    dbapi = conn.connection.dbapi_connection
    if not _wrote(conn, dbapi):
        return
    cursor = dbapi.cursor()
    try:
        key = id(conn.engine)
        if key not in _HAS_TABLE:
            if conn.dialect.name == "sqlite":
                cursor.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (TABLE,))
                found = cursor.fetchone() is not None
            else:
                cursor.execute("SELECT to_regclass(%s)", (TABLE,))
                found = cursor.fetchone()[0] is not None
            if not found:
                return
            _HAS_TABLE.add(key)
        cursor.execute(f"UPDATE {TABLE} SET value = value + 1 WHERE id = 1")
    finally:
        cursor.close()


@event.listens_for(Engine, "rollback")
def _forget_on_rollback(conn) -> None:
    """A rolled-back transaction changed nothing."""
    conn.info.pop(_FLAG, None)
    conn.info.pop(_CHANGES, None)


def forget() -> None:
    """Drop the version this request read (a commit happened: it may be older than the data now)."""
    if has_request_context():
        request.environ.pop(_REQUEST_KEY, None)


def _remember(value: int | None) -> None:
    """Keep the version read in this request, for ``current``."""
    if value is not None and has_request_context():
        request.environ[_REQUEST_KEY] = int(value)


def get_with_version(model, ident: int):
    """The row of `model` with primary key `ident` (None: no such row), read in ONE query with the
    data version, which the rest of the request then uses (``current``).

    The query runs on a connection of its own in autocommit mode, so that a request served from the
    cache costs that one statement (no BEGIN, no ROLLBACK); the row becomes a persistent object of
    the session without a second query (or the session's own copy when it holds one already)."""
    from ..models import DataVersion

    table = model.__table__
    try:
        with db.engine.connect() as conn:
            row = conn.execution_options(isolation_level="AUTOCOMMIT").execute(
                select(DataVersion.value, *table.c).select_from(DataVersion.__table__)
                .outerjoin(table, table.c.id == ident).where(DataVersion.id == 1)
            ).first()
    except DBAPIError:  # an older schema without the table
        row = None
    if row is None:
        return db.session.get(model, ident)
    _remember(row[0])
    values = row._mapping
    if values[table.c.id] is None:
        return None
    key = db.session.identity_key(model, ident)
    held = db.session.identity_map.get(key)
    if held is not None:
        return db.session.get(model, ident)  # the session's copy (refreshed if it was expired)
    instance = model(**{column.key: values[column] for column in table.c})
    make_transient_to_detached(instance)
    db.session.add(instance)
    return instance


def current() -> int | None:
    """The committed data version as the session sees it now (None: no version row, do not cache):
    the value this request read with its user when no commit happened since, else read now."""
    if has_request_context():
        kept = request.environ.get(_REQUEST_KEY)
        if kept is not None:
            return kept
    try:
        value = db.session.execute(text(f"SELECT value FROM {TABLE} WHERE id = 1")).scalar()
    except DBAPIError:  # a database without the table (an older schema): never cache then
        db.session.rollback()
        return None
    _remember(value)
    return None if value is None else int(value)
