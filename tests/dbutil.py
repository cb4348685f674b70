"""Where a test's database lives: a SQLite file per test, or a PostgreSQL schema per test
when ``TEST_DATABASE_URL`` points at a PostgreSQL server."""
from __future__ import annotations

import contextlib
import os
import re


def test_database_url() -> str | None:
    """The PostgreSQL URL the suite runs against too, or None."""
    return os.environ.get("TEST_DATABASE_URL") or None


@contextlib.contextmanager
def fresh_database(tmp_path, test_name: str):
    """Yield a database URL that no other test uses."""
    url = test_database_url()
    if not url:
        yield "sqlite:///" + str(tmp_path / "test.sqlite")
        return
    import sqlalchemy as sa

    schema = "t_" + re.sub(r"[^a-z0-9]", "_", test_name.lower())[:40] + "_" + os.urandom(4).hex()
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in url else "?"
    try:
        yield f"{url}{sep}options=-csearch_path%3D{schema}"
    finally:
        with engine.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        engine.dispose()
