"""The data version: one counter row (``data_version``, id 1) bumped by every transaction that writes.

No write path can forget it: a listener on every SQLAlchemy engine marks a connection when it runs an
INSERT, UPDATE, DELETE (or COPY, MERGE, TRUNCATE, REPLACE) statement, whatever issued it (the ORM's
flushes, bulk ``session.execute(update(...))``, Core on a connection, text SQL); at the commit of that
transaction, just before the database commits, the counter is incremented on the same connection. The
increment and the writes therefore commit together or not at all, and the row lock is held only for
the instant of the commit. A reader reads the version *before* it computes, so anything cached under
version V holds data at least as new as V, and a committed change always shows as a new version.

Until the table exists (during the migrations that create the schema) nothing is bumped. The counter
starts at a random 48-bit number (``initial``), so that a cache kept across databases (the files of
the instance folder, Redis) never takes a recreated database's version for the old one's.
"""
from __future__ import annotations

import re
import secrets

from sqlalchemy import event, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError

from ..extensions import db

TABLE = "data_version"
_WRITE = re.compile(r"^\s*(?:WITH\b.*?\b)?(INSERT|UPDATE|DELETE|REPLACE|MERGE|COPY|TRUNCATE)\b", re.I | re.S)
_FLAG = "figcache_wrote"
_DROP = re.compile(r"^\s*DROP\b", re.I)
#: engines (by id) on which the table has been seen to exist (forgotten when any table is dropped)
_HAS_TABLE: set[int] = set()


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


@event.listens_for(Engine, "commit")
def _bump_on_commit(conn) -> None:
    """Just before the transaction commits: increment the version when it wrote anything."""
    if not conn.info.pop(_FLAG, False):
        return
    dbapi = conn.connection.dbapi_connection
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


def current() -> int | None:
    """The committed data version as the session sees it now (None: no version row, do not cache)."""
    try:
        value = db.session.execute(text(f"SELECT value FROM {TABLE} WHERE id = 1")).scalar()
    except DBAPIError:  # a database without the table (an older schema): never cache then
        db.session.rollback()
        return None
    return None if value is None else int(value)
