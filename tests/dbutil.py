"""Where a test's database lives: a SQLite file per test, or a PostgreSQL schema per test
when ``TEST_DATABASE_URL`` points at a PostgreSQL server.

Each PostgreSQL test gets its own schema (``CREATE SCHEMA t_<test>_<random>``) and a URL whose
``options=-csearch_path=<schema>`` makes every connection of the app see that schema only, so tests
never see each other's rows; the schema is dropped afterwards.

``python -m tests.dbutil probe URL`` exits 0 when a PostgreSQL server answers at URL, else prints why
and exits 1 (the Makefile's test target uses it).
"""
from __future__ import annotations

import contextlib
import os
import re
import sys

DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def test_database_url() -> str | None:
    """The PostgreSQL URL the suite runs against too, or None."""
    return os.environ.get("TEST_DATABASE_URL") or None


def postgres_url() -> str:
    """The PostgreSQL server for PostgreSQL-only tests: TEST_DATABASE_URL, else the local default."""
    url = test_database_url()
    return url if url and url.startswith("postgresql") else DEFAULT_PG_URL


def unreachable_reason(url: str) -> str | None:
    """None when a PostgreSQL server answers at `url`, else a one-line reason."""
    import sqlalchemy as sa

    try:
        engine = sa.create_engine(url, connect_args={"connect_timeout": 3}, poolclass=sa.pool.NullPool)
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
        engine.dispose()
    except Exception as error:  # noqa: BLE001 - any failure means "not reachable"
        return f"{type(error).__name__}: {str(error).strip().splitlines()[0] if str(error).strip() else ''}"
    return None


def _hidden(url: str) -> str:
    """`url` with the password masked, for messages."""
    return re.sub(r"://([^:/@]+):[^@]*@", r"://\1:***@", url)


@contextlib.contextmanager
def fresh_database(tmp_path, test_name: str, pg_url: str | None = None):
    """Yield a database URL that no other test uses (PostgreSQL when `pg_url` or TEST_DATABASE_URL is set)."""
    url = pg_url or test_database_url()
    if not url:
        yield "sqlite:///" + str(tmp_path / "test.sqlite")
        return
    import sqlalchemy as sa

    schema = "t_" + re.sub(r"[^a-z0-9]", "_", test_name.lower())[:40] + "_" + os.urandom(4).hex()
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    with engine.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in url else "?"
    try:
        yield f"{url}{sep}options=-csearch_path%3D{schema}"
    finally:
        with engine.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        engine.dispose()


def main(argv: list[str]) -> int:
    """``probe URL``: exit 0 when PostgreSQL answers there, else print the reason and exit 1."""
    if len(argv) != 2 or argv[0] != "probe":
        print("usage: python -m tests.dbutil probe URL", file=sys.stderr)
        return 2
    reason = unreachable_reason(argv[1])
    if reason:
        print(f"PostgreSQL not reachable at {_hidden(argv[1])} ({reason})")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
