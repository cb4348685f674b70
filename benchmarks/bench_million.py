"""Benchmark: the city and district dashboards at 1,000,000 organisations on PostgreSQL, across two
districts (罗湖, 福田), against a GROUP BY floor measured in the same run. Prints times and ratios; no
assertion (DESIGN: timed figures belong here, not in the tests).

The data: the demo district generated for each district (``demo.generate_district``, BASE
organisations in all, 3 visits each), then copied inside PostgreSQL with ``generate_series`` until
there are ORGS organisations (each copy keeps its district, with its own credit codes; the copies'
visits, branches, onboardings and status events are copied with them). The database must be your
own: it is emptied first (``drop_all``) and never one named ``test``.

    createdb -h 127.0.0.1 -U postgres orgbuild_million
    .venv/bin/python benchmarks/bench_million.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/orgbuild_million

Timed: the first request (the figures computed, then cached under the data version), then the
median (p50) of the following requests (served from the cache until a write bumps the version), for
a city supervisor's dashboard and a district supervisor's; the floor is the single GROUP BY that
counts the surveyed organisations per street as of the same date, the least any dashboard must do.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import make_url, text  # noqa: E402

from orgbuild import create_app  # noqa: E402
from orgbuild.districts.reference import load_districts  # noqa: E402
from orgbuild.extensions import db  # noqa: E402
from orgbuild.models import Branch, District, Onboarding, Organization, StatusEvent, User, Visit  # noqa: E402

YEAR = 2022
AS_OF = date(YEAR, 12, 31)
PASSWORD = "Bench-Password-1"
DISTRICTS = ("luohu", "futian")
FLOOR = ("SELECT street_id, COUNT(*) FROM organizations WHERE surveyed_on <= :as_of "
         "AND (closed_on IS NULL OR closed_on > :as_of) GROUP BY street_id")


def columns(model, *skip: str) -> list[str]:
    """The column names of a model's table but the id and `skip`."""
    return [c.name for c in model.__table__.columns if c.name not in ("id", *skip)]


def copy_orgs(copies: int) -> None:
    """`copies` copies of every organisation and of its dated records, by INSERT … SELECT."""
    org_cols = columns(Organization, "credit_code")
    cols = ", ".join(org_cols)
    # copy k of organisation n gets the credit code 'Z' || k (2 digits) || n (15 digits): unique
    code = "'Z' || lpad(k::text, 2, '0') || lpad(o.id::text, 15, '0')"
    db.session.execute(text(
        f"INSERT INTO organizations (credit_code, {cols}) SELECT {code}, {', '.join('o.' + c for c in org_cols)} "
        f"FROM organizations o CROSS JOIN generate_series(1, :copies) AS k WHERE o.credit_code NOT LIKE 'Z%'"),
        {"copies": copies})
    original = "CAST(substr(n.credit_code, 4) AS INTEGER)"
    for model in (Visit, Branch, Onboarding, StatusEvent):
        table = model.__table__.name
        rest = columns(model, "organization_id")
        db.session.execute(text(
            f"INSERT INTO {table} (organization_id, {', '.join(rest)}) "
            f"SELECT n.id, {', '.join('r.' + c for c in rest)} FROM organizations n "
            f"JOIN {table} r ON r.organization_id = {original} WHERE n.credit_code LIKE 'Z%'"))
    db.session.commit()


def timed(fn) -> float:
    """The wall time of one call, in milliseconds."""
    started = time.perf_counter()
    fn()
    return (time.perf_counter() - started) * 1000


def dashboard(app, username: str, path: str, runs: int) -> tuple[float, float]:
    """(first request, p50 of `runs` more) in ms for `username` on `path`."""
    client = app.test_client()
    client.post("/login", data={"username": username, "password": PASSWORD})

    def get():
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)

    first = timed(get)
    return first, statistics.median(timed(get) for _ in range(runs))


def build(orgs: int, base: int) -> None:
    """The schema, both districts, the demo data and its copies, two supervisors, ANALYZE."""
    from orgbuild.demo import service as demo

    db.drop_all()
    db.create_all()
    load_districts(DISTRICTS)
    for code in DISTRICTS:
        demo.generate_district(n_orgs=base // len(DISTRICTS), visits_per_org=3, seed=2022, year=YEAR, district=code)
    copies = max(0, round(orgs / base) - 1)
    if copies:
        copy_orgs(copies)
    luohu = db.session.scalar(db.select(District).where(District.code == "luohu"))
    for username, district in (("bench-city", None), ("bench-luohu", luohu)):
        user = User(username=username, role="supervisor", session_token="t", district=district)
        user.set_password(PASSWORD)
        db.session.add(user)
    db.session.commit()
    db.session.execute(text("ANALYZE"))
    db.session.commit()


def main() -> int:
    """Build, then time the floor and the dashboards."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True, help="your own PostgreSQL database (emptied first)")
    parser.add_argument("--orgs", type=int, default=1_000_000)
    parser.add_argument("--base", type=int, default=100_000, help="organisations generated before copying")
    parser.add_argument("--runs", type=int, default=21)
    parser.add_argument("--reuse", action="store_true", help="time the data already there (no rebuild)")
    args = parser.parse_args()
    url = make_url(args.database_url)
    if not url.drivername.startswith("postgresql") or url.database in (None, "", "test", "postgres"):
        print("Give your own PostgreSQL database (not test or postgres): it is emptied first.", file=sys.stderr)
        return 2
    app = create_app({"SQLALCHEMY_DATABASE_URI": args.database_url, "SECRET_KEY": "bench-secret-key-0123456789",
                      "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False, "TESTING": False})
    with app.app_context():
        started = time.perf_counter()
        if not args.reuse:
            build(args.orgs, args.base)
        counts = {t: db.session.scalar(text(f"SELECT COUNT(*) FROM {t}"))
                  for t in ("organizations", "visits", "branches", "onboardings", "status_events")}
        per_district = db.session.execute(text(
            "SELECT d.code, COUNT(*) FROM organizations o JOIN streets s ON s.id = o.street_id "
            "JOIN districts d ON d.id = s.district_id GROUP BY d.code ORDER BY d.code")).all()
        print(f"data ready in {time.perf_counter() - started:.0f} s: {counts}; per district {dict(per_district)}")
        params = {"as_of": AS_OF}
        db.session.execute(text(FLOOR), params).all()
        floor = statistics.median(timed(lambda: db.session.execute(text(FLOOR), params).all())
                                  for _ in range(args.runs))
        luohu_id = db.session.scalar(db.select(District.id).where(District.code == "luohu"))
        db.session.remove()
    path = f"/dashboard/?year={YEAR}&as_of={AS_OF.isoformat()}"
    city_first, city = dashboard(app, "bench-city", path, args.runs)
    district_first, district = dashboard(app, "bench-luohu", path, args.runs)
    picked_first, picked = dashboard(app, "bench-city", path + f"&district={luohu_id}", args.runs)
    with app.app_context():
        db.engine.dispose()
    print(f"\n{counts['organizations']:,} organisations on PostgreSQL, p50 of {args.runs} requests after the first")
    print(f"  floor: one GROUP BY per street (surveyed as of {AS_OF})   {floor:9.1f} ms")
    for label, first, p50, goal in (("city dashboard (city supervisor)", city_first, city, 150),
                                    ("district dashboard (罗湖 supervisor)", district_first, district, 100),
                                    ("district picked by the city supervisor", picked_first, picked, 100)):
        print(f"  {label:<42} first {first:9.1f} ms   p50 {p50:7.1f} ms   ratio p50/floor {p50 / floor:6.3f}"
              f"   (goal p50 < {goal} ms)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
