"""Benchmark: the progress computation as of a date, the quality figures and the dashboard request at
N organisations (default 100,000) with 3 visits each and the status mix of the demo district, on SQLite.

Both are timed (median of several runs) against a floor measured in the same run: the same counts
as of the same date done by one hand-written SQL GROUP BY per figure. Prints the times and the
ratios; no assertion.

    .venv/bin/python benchmarks/bench_dashboard.py [--orgs 100000] [--runs 7] [--database-url URL]
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import text  # noqa: E402

from orgbuild import create_app  # noqa: E402
from orgbuild.districts.reference import load_reference  # noqa: E402
from orgbuild.extensions import db  # noqa: E402
from orgbuild.models import User  # noqa: E402
from orgbuild.progress import figures as progress  # noqa: E402
from orgbuild.quality.grading import quality_figures  # noqa: E402

YEAR = 2022
AS_OF = date(YEAR, 12, 31)
PASSWORD = "Bench-Password-1"

#: One hand-written GROUP BY per figure of the progress object (DESIGN.md keys), per street.
COUNTED = "o.surveyed_on <= :as_of AND (o.closed_on IS NULL OR o.closed_on > :as_of)"
CORE_FLOOR = {
    "surveyed": f"SELECT o.street_id, COUNT(*) FROM organizations o WHERE {COUNTED} GROUP BY o.street_id",
    "party_orgs": f"SELECT o.street_id, COUNT(*) FROM organizations o WHERE {COUNTED} AND o.has_party_org "
                  "GROUP BY o.street_id",
    "party_and_league": f"SELECT o.street_id, COUNT(*) FROM organizations o WHERE {COUNTED} AND o.has_party_org "
                        "AND o.has_league_org GROUP BY o.street_id",
    "party_no_league": f"SELECT o.street_id, COUNT(*) FROM organizations o WHERE {COUNTED} AND o.has_party_org "
                       "AND NOT o.has_league_org GROUP BY o.street_id",
    "visited": "SELECT o.street_id, COUNT(DISTINCT o.id) FROM organizations o JOIN visits v ON v.organization_id = o.id "
               f"WHERE {COUNTED} AND v.visit_date <= :as_of AND o.has_party_org AND NOT o.has_league_org "
               "GROUP BY o.street_id",
    "established": "SELECT o.street_id, COUNT(DISTINCT b.organization_id) FROM branches b JOIN organizations o "
                   f"ON o.id = b.organization_id WHERE {COUNTED} AND NOT b.reverted "
                   "AND b.founded_on >= :start AND b.founded_on <= :as_of GROUP BY o.street_id",
    "onboarded": "SELECT o.street_id, COUNT(DISTINCT n.organization_id) FROM onboardings n JOIN organizations o "
                 f"ON o.id = n.organization_id WHERE {COUNTED} AND NOT n.reverted AND n.onboarded_on <= :as_of "
                 "AND o.has_party_org AND o.has_league_org GROUP BY o.street_id",
    "ineligible": "SELECT o.street_id, COUNT(DISTINCT o.id) FROM status_events e JOIN organizations o "
                  f"ON o.id = e.organization_id WHERE {COUNTED} AND e.transition = 'mark_ineligible' AND NOT e.undone "
                  "AND e.effective_on <= :as_of GROUP BY o.street_id",
    "targets": "SELECT metric, street_id, value FROM targets WHERE year = :year",
}

#: The rest of the full computation: per responsible officer, funnel, per month, overdue follow-ups.
EXTRA_FLOOR = {
    "officer_" + name: sql.replace("street_id", "officer_id")
    for name, sql in CORE_FLOOR.items()
    if name != "targets"
}
EXTRA_FLOOR.update({
    "established_onboarded": "SELECT o.street_id, COUNT(DISTINCT b.organization_id) FROM branches b "
                             "JOIN organizations o ON o.id = b.organization_id JOIN onboardings n "
                             f"ON n.organization_id = o.id AND NOT n.reverted AND n.onboarded_on <= :as_of WHERE {COUNTED} "
                             "AND NOT b.reverted AND b.founded_on >= :start AND b.founded_on <= :as_of GROUP BY o.street_id",
    "monthly_founded": "SELECT strftime('%m', b.founded_on), COUNT(*) FROM branches b JOIN organizations o "
                       f"ON o.id = b.organization_id WHERE {COUNTED} AND NOT b.reverted "
                       "AND b.founded_on >= :start AND b.founded_on <= :as_of GROUP BY 1",
    "monthly_onboarded": "SELECT strftime('%m', n.onboarded_on), COUNT(*) FROM onboardings n JOIN organizations o "
                         f"ON o.id = n.organization_id WHERE {COUNTED} AND NOT n.reverted "
                         "AND o.has_party_org AND o.has_league_org AND n.onboarded_on <= :as_of GROUP BY 1",
    "overdue": "SELECT COUNT(*) FROM organizations o WHERE o.has_party_org AND o.status IN ('surveyed', 'visited') "
               "AND (SELECT v.next_follow_up FROM visits v WHERE v.organization_id = o.id "
               "ORDER BY v.visit_date DESC, v.id DESC LIMIT 1) < :today",
})


#: The quality figures' floor (DESIGN.md ``quality``): one hand-written GROUP BY per ingredient —
#: branches founded by the date per street, the last activity and the net membership change per
#: branch, the confirmed levels per street, the onboarded organisations that had a league body.
QUALITY_FLOOR = {
    "branches": "SELECT o.street_id, COUNT(*) FROM branches b JOIN organizations o ON o.id = b.organization_id "
                "WHERE NOT b.reverted AND b.founded_on <= :as_of AND (o.closed_on IS NULL OR o.closed_on > :as_of) "
                "GROUP BY o.street_id",
    "already": "SELECT o.street_id, COUNT(*) FROM onboardings n JOIN organizations o ON o.id = n.organization_id "
               "WHERE NOT n.reverted AND o.has_league_org AND n.onboarded_on <= :as_of GROUP BY o.street_id",
    "last_life": "SELECT organization_id, MAX(held_on) FROM branch_activities WHERE held_on <= :as_of "
                 "GROUP BY organization_id",
    "net_members": "SELECT organization_id, SUM(delta) FROM membership_changes WHERE changed_on <= :as_of "
                   "GROUP BY organization_id",
    "levels": "SELECT o.street_id, g.level, COUNT(*) FROM gradings g JOIN organizations o ON o.id = g.organization_id "
              "WHERE g.year = :year AND g.state = 'confirmed' AND g.confirmed_on <= :as_of GROUP BY o.street_id, g.level",
}


def median_ms(fn, runs: int) -> float:
    """Median wall time of `fn` in milliseconds, after one warm-up call."""
    fn()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def run_floor(queries: dict[str, str]) -> None:
    """Run each hand-written query once and fetch its rows."""
    params = {"start": date(YEAR, 1, 1), "as_of": AS_OF, "year": YEAR, "today": date.today()}
    for sql in queries.values():
        db.session.execute(text(sql), params).all()


def build(n_orgs: int) -> None:
    """The demo district scaled to `n_orgs` organisations, 3 visits each (orgbuild.demo)."""
    from orgbuild.demo import service as demo

    demo.generate_district(n_orgs=n_orgs, visits_per_org=3, seed=2022, year=YEAR)


def main() -> None:
    """Build the database, time the floor, the progress computation and the dashboard request."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orgs", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--database-url", help="default: a fresh SQLite file in a temporary directory")
    parser.add_argument("--analyze", action="store_true", help="run ANALYZE after loading (SQLite statistics)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{tmp}/bench.sqlite"
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench-secret-key-0123456789",
                          "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False, "TESTING": False})
        with app.app_context():
            db.create_all()
            load_reference()
            started = time.perf_counter()
            build(args.orgs)
            user = User(username="bench-supervisor", role="supervisor", session_token="t")
            user.set_password(PASSWORD)
            db.session.add(user)
            db.session.commit()
            if args.analyze and db.engine.dialect.name == "sqlite":
                db.session.execute(text("ANALYZE"))
                db.session.commit()
            counts = {t: db.session.scalar(text(f"SELECT COUNT(*) FROM {t}"))
                      for t in ("organizations", "visits", "branches", "onboardings")}
            print(f"built in {time.perf_counter() - started:.1f} s: {counts} ({db.engine.dialect.name})")

            p = progress.progress_for(None, year=YEAR)
            print(f"figures: surveyed {p['surveyed']}, party {p['party_orgs']}, visited {p['visited']}, "
                  f"established {p['established']}/{p['new_branch_target']} = {p['new_branch_pct']} %, "
                  f"onboarded {p['onboarded']}/{p['onboarding_target']} = {p['onboarding_pct']} %")

            floor_core = median_ms(lambda: run_floor(CORE_FLOOR), args.runs)
            floor_full = median_ms(lambda: run_floor({**CORE_FLOOR, **EXTRA_FLOOR}), args.runs)
            scope = progress.Scope()
            core = median_ms(lambda: (progress.street_counts(scope, YEAR, AS_OF), progress.load_targets(YEAR)), args.runs)
            full = median_ms(lambda: progress.compute(scope, YEAR), args.runs)
            q = quality_figures(scope, YEAR, AS_OF)
            print(f"quality: branches {q['branches']}, eligible {q['eligible']}, graded {q['graded']}, "
                  f"levels {q['levels']}, warnings {q['warnings']}")
            floor_quality = median_ms(lambda: run_floor(QUALITY_FLOOR), args.runs)
            quality = median_ms(lambda: quality_figures(scope, YEAR, AS_OF), args.runs)
            db.session.remove()

        client = app.test_client()
        client.post("/login", data={"username": "bench-supervisor", "password": PASSWORD})
        response = client.get(f"/dashboard/?year={YEAR}")
        assert response.status_code == 200, response.status_code
        dashboard = median_ms(lambda: client.get(f"/dashboard/?year={YEAR}"), args.runs)
        api = median_ms(lambda: client.get(f"/api/v1/progress?year={YEAR}"), args.runs)
        with app.app_context():
            db.engine.dispose()

    print(f"\n{args.orgs} organisations, median of {args.runs} runs")
    print(f"  floor, DESIGN counts ({len(CORE_FLOOR)} GROUP BYs)        {floor_core:8.1f} ms")
    print(f"  progress counts (street_counts + targets)  {core:8.1f} ms   ratio {core / floor_core:.2f}")
    print(f"  floor, every figure ({len(CORE_FLOOR) + len(EXTRA_FLOOR)} queries)         {floor_full:8.1f} ms")
    print(f"  progress.compute (full object)             {full:8.1f} ms   ratio {full / floor_full:.2f}  (goal ≤ 2)")
    print(f"  floor, quality ({len(QUALITY_FLOOR)} GROUP BYs)                 {floor_quality:8.1f} ms")
    print(f"  quality_figures (the quality object)       {quality:8.1f} ms   ratio {quality / floor_quality:.2f}"
          "  (goal ≤ 2)")
    print(f"  GET /dashboard/ (with the quality section) {dashboard:8.1f} ms   (goal < 150 ms)")
    print(f"  GET /api/v1/progress                        {api:8.1f} ms")


if __name__ == "__main__":
    main()
