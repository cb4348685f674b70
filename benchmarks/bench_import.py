"""Benchmark of the survey import against a floor measured in the same run.

    .venv/bin/python benchmarks/bench_import.py [--rows 100000] [--seed 7] [--repeat 3] [--rss-rows 100000,1000000]

Prints, from one run on a generated valid survey file of N rows (seeded, valid credit codes):
- orgbuild's import into a fresh SQLite database, and the re-import of the same file;
- the floor: Python's csv reader plus one sqlite3 ``executemany`` upsert in one transaction, on the
  same file, into the same ``organizations`` table (same columns, indexes and pragmas: WAL, synchronous=NORMAL);
- the ratios (each timing is the best of --repeat attempts, in wall-clock and CPU seconds: CPU time
  is steadier on a shared machine), and the peak RSS of a fresh import at each of --rss-rows, each measured in its own
  subprocess (``resource.getrusage(RUSAGE_CHILDREN).ru_maxrss``).
Goals: first import ≤ 3× the floor; re-import no slower than the first; peak RSS < 250 MB at 1,000,000 rows.
"""
from __future__ import annotations

import argparse
import csv
import os
import random
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

HEADER = ["单位名称", "统一社会信用代码", "所属街道", "所属社区", "行业类别", "单位类型", "从业人员数", "35岁以下青年数",
          "团员数", "党员数", "是否建立党组织", "党组织书记", "是否建立团组织", "团组织负责人及电话", "联系人", "联系电话", "地址"]
STREETS = ["桂园", "黄贝", "东门", "翠竹", "南湖", "笋岗", "东湖", "莲塘", "东晓", "清水河"]
INDUSTRIES = "CFGHIKLMOR"
TYPES = ["私营/民营企业", "外商投资企业", "港澳台商投资企业", "社会团体", "民办非企业单位/社会服务机构"]
SURNAMES = "王李张刘陈杨黄赵吴周"


def generate(path: Path, rows: int, seed: int) -> None:
    """Write a valid survey CSV (UTF-8) of `rows` rows; the same seed gives the same file."""
    from orgbuild.domain.rules import CREDIT_CODE_CHARS, credit_code_check_char

    rng = random.Random(seed)
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        for n in range(rows):
            body, k = "", n * 7919 + 1
            for _ in range(9):
                body = CREDIT_CODE_CHARS[k % 31] + body
                k //= 31
            first17 = "91440303" + body
            employees = rng.randint(1, 500)
            league = rng.randint(0, min(employees, 60))
            youth = rng.randint(league, employees)
            party = rng.random() < 0.25
            street = rng.choice(STREETS)
            writer.writerow([
                f"深圳市测试{n}号科技有限公司", first17 + credit_code_check_char(first17), street + "街道", "",
                rng.choice(INDUSTRIES), rng.choice(TYPES), employees, youth, league, rng.randint(0, 20),
                "是" if party else "否", rng.choice(SURNAMES) + "书记" if party else "", "否", "",
                rng.choice(SURNAMES) + "先生", f"1380000{n % 10000:04d}", f"深圳市罗湖区{street}路{n}号",
            ])


def make_app(db_path: Path):
    """An orgbuild app on a fresh SQLite file holding the Luohu streets."""
    from orgbuild import create_app
    from orgbuild.districts.reference import load_reference
    from orgbuild.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{db_path}", "SECRET_KEY": "bench-secret-0123456789"})
    with app.app_context():
        db.create_all()
        load_reference()
    return app


class Timer:
    """Wall-clock and CPU seconds of a block (CPU time is steadier on a shared, busy machine)."""

    def __enter__(self):
        """Start both clocks."""
        self.wall, self.cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc):
        """Stop both clocks."""
        self.wall, self.cpu = time.perf_counter() - self.wall, time.process_time() - self.cpu

    @staticmethod
    def best(timers: list["Timer"]) -> "Timer":
        """The fastest of several attempts (wall and CPU taken separately)."""
        best = Timer()
        best.wall, best.cpu = min(t.wall for t in timers), min(t.cpu for t in timers)
        return best

    def __str__(self) -> str:
        """Both figures."""
        return f"{self.wall:6.2f} s wall, {self.cpu:6.2f} s CPU"


def orgbuild_import(app, path: Path) -> tuple[Timer, object]:
    """Time one orgbuild import (apply) of `path`."""
    from orgbuild.imports.service import run_import

    with app.app_context(), Timer() as timer:
        report = run_import(str(path), filename=path.name)
    return timer, report


def floor(path: Path, db_path: Path) -> Timer:
    """csv reader + one sqlite3 executemany upsert in one transaction, into the same table."""
    make_app(db_path)  # same schema and reference streets
    connection = sqlite3.connect(db_path)
    for pragma in ("journal_mode=WAL", "foreign_keys=ON", "synchronous=NORMAL"):  # as orgbuild's connections
        connection.execute(f"PRAGMA {pragma}")
    streets = {name + "街道": sid for sid, name in connection.execute("SELECT id, short_name FROM streets")}
    columns = ["name", "credit_code", "street_id", "industry", "org_type", "employees", "youth_count", "league_members",
               "party_members", "has_party_org", "party_secretary", "has_league_org", "contact_person", "contact_phone", "address"]
    sql = (f"INSERT INTO organizations ({', '.join(columns)}, status, version, created_at, updated_at) "
           f"VALUES ({', '.join('?' * len(columns))}, 'surveyed', 1, '2026-01-01', '2026-01-01') "
           f"ON CONFLICT(credit_code) DO UPDATE SET " + ", ".join(f"{c} = excluded.{c}" for c in columns if c != "credit_code"))
    with Timer() as timer, open(path, encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        next(reader)
        rows = ((r[0], r[1], streets[r[2]], r[4], r[5], r[6], r[7], r[8], r[9], r[10] == "是", r[11], r[12] == "是", r[14], r[15], r[16])
                for r in reader)
        with connection:
            connection.executemany(sql, rows)
    connection.close()
    return timer


def child_import(path: str, db_path: str) -> None:
    """Subprocess body for the RSS measurement: one fresh import."""
    app = make_app(Path(db_path))
    timer, report = orgbuild_import(app, Path(path))
    print(f"{report.created} {timer.wall:.2f}")


def peak_rss(rows: int, seed: int, workdir: Path) -> tuple[float, str]:
    """Peak RSS (MB) of a subprocess importing a fresh file of `rows` rows into a fresh database."""
    path = workdir / f"survey_{rows}.csv"
    if not path.exists():
        generate(path, rows, seed)
    db_path = workdir / f"rss_{rows}.sqlite"
    for suffix in ("", "-wal", "-shm"):
        Path(str(db_path) + suffix).unlink(missing_ok=True)
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    out = subprocess.run([sys.executable, __file__, "--child", str(path), str(db_path)], check=True,
                         capture_output=True, text=True).stdout.strip()
    after = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    if after <= before:
        print(f"  (note: ru_maxrss of children did not grow; peak may be ≤ {before / 1024:.0f} MB)")
    return after / 1024, out


def main() -> None:
    """Run the whole benchmark and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=3, help="attempts per timing; the best is printed")
    parser.add_argument("--rss-rows", default="100000,1000000", help="comma-separated row counts ('' to skip)")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child_import(*args.child)
        return
    with tempfile.TemporaryDirectory(prefix="bench_import_") as tmp:
        workdir = Path(tmp)
        path = workdir / f"survey_{args.rows}.csv"
        generate(path, args.rows, args.seed)
        print(f"file: {args.rows:,} rows, {path.stat().st_size / 1048576:.1f} MB, seed {args.seed}")
        bases, firsts, agains = [], [], []
        for attempt in range(args.repeat):  # fresh databases each time; the best of the attempts is kept
            bases.append(floor(path, workdir / f"floor{attempt}.sqlite"))
            app = make_app(workdir / f"orgbuild{attempt}.sqlite")
            first, first_report = orgbuild_import(app, path)
            again, again_report = orgbuild_import(app, path)
            assert first_report.created == args.rows and again_report.unchanged == args.rows, first_report.as_json()
            firsts.append(first)
            agains.append(again)
        base, first, again = (Timer.best(t) for t in (bases, firsts, agains))
        print(f"best of {args.repeat} attempt(s):")
        print(f"floor (csv + sqlite3 executemany upsert, 1 transaction): {base}")
        print(f"orgbuild first import (fresh database):                 {first}   "
              f"ratio {first.wall / base.wall:.2f}x floor wall, {first.cpu / base.cpu:.2f}x CPU (goal <= 3x)")
        print(f"orgbuild re-import (all unchanged):                     {again}   "
              f"ratio {again.wall / first.wall:.2f}x first import wall, {again.cpu / first.cpu:.2f}x CPU (goal <= 1x)")
        for rows in [int(x) for x in args.rss_rows.split(",") if x.strip()]:
            rss, out = peak_rss(rows, args.seed, workdir)
            created, seconds = out.split()
            print(f"peak RSS, fresh import of {rows:>9,} rows: {rss:7.1f} MB  ({created} created in {seconds} s; goal < 250 MB at 1,000,000)")
            for name in (f"survey_{rows}.csv", f"rss_{rows}.sqlite", f"rss_{rows}.sqlite-wal"):
                (workdir / name).unlink(missing_ok=True)


if __name__ == "__main__":
    os.environ.setdefault("ORGBUILD_INSTANCE", tempfile.gettempdir())
    main()
