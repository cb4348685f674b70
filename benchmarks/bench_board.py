"""Benchmark: the board by stage (GET /board/?street=…) for the largest street at N organisations
(default 100,000; the demo district scaled, 1 visit each), on SQLite or the database given.

Timed (median of several runs) against a floor measured in the same run: the column counts of that
street by one hand-written SQL GROUP BY. Prints the times and the ratio; no assertion. Also times the
weekly summary page (/board/weekly) of that street and of every street (a city-wide supervisor).

    .venv/bin/python benchmarks/bench_board.py [--orgs 100000] [--runs 7] [--database-url URL]
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import text  # noqa: E402

from orgbuild import create_app  # noqa: E402
from orgbuild.board import service as board  # noqa: E402
from orgbuild.districts.reference import load_reference  # noqa: E402
from orgbuild.extensions import db  # noqa: E402
from orgbuild.models import User  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_dashboard import median_ms  # noqa: E402

PASSWORD = "Bench-Password-1"
FLOOR = "SELECT status, COUNT(*) FROM organizations WHERE street_id = :street GROUP BY status"


def main() -> None:
    """Build the database, time the floor, the board's service and the board request."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orgs", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--database-url", help="default: a fresh SQLite file in a temporary directory")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{tmp}/bench.sqlite"
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench-secret-key-0123456789",
                          "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False, "TESTING": False})
        with app.app_context():
            from orgbuild.demo import service as demo

            db.create_all()
            load_reference()
            started = time.perf_counter()
            demo.generate_district(n_orgs=args.orgs, visits_per_org=1, seed=2022, year=2022)
            user = User(username="bench-supervisor", role="supervisor", session_token="t")
            user.set_password(PASSWORD)
            db.session.add(user)
            db.session.commit()
            street_id, size = db.session.execute(text(
                "SELECT street_id, COUNT(*) FROM organizations GROUP BY street_id ORDER BY 2 DESC LIMIT 1")).one()
            print(f"built {args.orgs} organisations in {time.perf_counter() - started:.1f} s "
                  f"({db.engine.dialect.name}); largest street {street_id}: {size} organisations")
            floor = median_ms(lambda: db.session.execute(text(FLOOR), {"street": street_id}).all(), args.runs)
            f = board.BoardFilter(street_id=street_id)
            service = median_ms(lambda: board.board(user, f), args.runs)
            db.session.remove()

        client = app.test_client()
        client.post("/login", data={"username": "bench-supervisor", "password": PASSWORD})
        response = client.get(f"/board/?street={street_id}")
        assert response.status_code == 200, response.status_code
        page = median_ms(lambda: client.get(f"/board/?street={street_id}"), args.runs)
        assert client.get(f"/board/weekly?street={street_id}").status_code == 200
        week_one = median_ms(lambda: client.get(f"/board/weekly?street={street_id}"), args.runs)
        week_all = median_ms(lambda: client.get("/board/weekly"), max(1, args.runs // 2))
        with app.app_context():
            db.engine.dispose()

    print(f"\n{args.orgs} organisations, street of {size}, median of {args.runs} runs")
    print(f"  floor, column counts (one GROUP BY)   {floor:8.1f} ms")
    print(f"  board.board (counts + 4 card pages)   {service:8.1f} ms   ratio {service / floor:.1f}")
    print(f"  GET /board/?street=                    {page:8.1f} ms   ratio {page / floor:.1f}  (goal < 200 ms)")
    print(f"  GET /board/weekly?street=              {week_one:8.1f} ms   ratio {week_one / floor:.1f}")
    print(f"  GET /board/weekly (every street)       {week_all:8.1f} ms   ratio {week_all / floor:.1f}")


if __name__ == "__main__":
    main()
