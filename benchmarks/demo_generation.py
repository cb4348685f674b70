"""Benchmark: how long generate_district() takes, against a floor measured in the same run.

The floor is the time raw sqlite3 ``executemany`` needs to insert the same number of organisation,
visit and status-event rows, pre-built as tuples: what no generator can beat on this machine.

    .venv/bin/python benchmarks/demo_generation.py [N_ORGS] [VISITS_PER_ORG]
"""
from __future__ import annotations

import os
import sqlite3
import sys
import tempfile
import time


def floor_seconds(path: str, orgs: int, visits: int, events: int) -> float:
    """Raw executemany of rows as wide as the real ones (25, 8 and 7 columns)."""
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute(f"CREATE TABLE o (id INTEGER PRIMARY KEY, {', '.join(f'c{i} TEXT' for i in range(24))})")
    conn.execute(f"CREATE TABLE v (id INTEGER PRIMARY KEY, {', '.join(f'c{i} TEXT' for i in range(7))})")
    conn.execute(f"CREATE TABLE e (id INTEGER PRIMARY KEY, {', '.join(f'c{i} TEXT' for i in range(6))})")
    org_rows = [(i, *(["深圳市某某科技有限公司"] * 24)) for i in range(orgs)]
    visit_rows = [("2022-05-01",) * 7] * visits
    event_rows = [("visited",) * 6] * events
    started = time.perf_counter()
    with conn:
        conn.executemany(f"INSERT INTO o VALUES (?{', ?' * 24})", org_rows)
        conn.executemany(f"INSERT INTO v (c0, c1, c2, c3, c4, c5, c6) VALUES (?{', ?' * 6})", visit_rows)
        conn.executemany(f"INSERT INTO e (c0, c1, c2, c3, c4, c5) VALUES (?{', ?' * 5})", event_rows)
    conn.close()
    return time.perf_counter() - started


def main() -> None:
    """Generate the district in a fresh SQLite database and print the time and the ratio to the floor."""
    n_orgs = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    visits = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["DATABASE_URL"] = "sqlite:///" + os.path.join(tmp, "bench.sqlite")
        from orgbuild import create_app
        from orgbuild.demo.service import generate_district
        from orgbuild.districts.reference import load_reference
        from orgbuild.extensions import db

        app = create_app()
        with app.app_context():
            db.create_all()
            load_reference()
            started = time.perf_counter()
            counts = generate_district(n_orgs, visits_per_org=visits)
            seconds = time.perf_counter() - started
            db.engine.dispose()
        floor = floor_seconds(os.path.join(tmp, "floor.sqlite"), n_orgs, counts["visits"], counts["status_events"])
    print(f"generate_district({n_orgs}, visits_per_org={visits}): {seconds:.1f} s "
          f"({counts['visits']} visits, {counts['status_events']} status events)")
    print(f"floor (raw executemany of the same rows): {floor:.1f} s; ratio {seconds / floor:.1f}x")


if __name__ == "__main__":
    main()
