"""Load check, one command: ``.venv/bin/python benchmarks/load.py`` (or ``make load``).

For SQLite and for PostgreSQL in turn: seed a database with the demo district scaled to 100,000
organisations (benchmarks/load_seed.py), serve it with gunicorn (gunicorn.conf.py, production
settings) on 127.0.0.1, sign in (CSRF token from the login form, session cookie kept), and drive the
dashboard, the organisation list and one organisation page with wrk for a fixed time each. The same
tool against a trivial Flask endpoint under the same gunicorn configuration gives the ceiling; the
ratio says how close the real pages get to it. Prints requests/s, p50/p99 latency and non-2xx answers.

Only 127.0.0.1 is ever targeted. Everything started is stopped (try/finally, also on Ctrl-C/SIGTERM);
the PostgreSQL pass uses its own database (``orgbuild_load``), created and dropped here.
wrk comes from Debian (installed with apt-get when missing and possible), else a Python load generator.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
HOST = "127.0.0.1"
USERNAME, PASSWORD = "loadcheck", "Load-check-" + secrets.token_hex(6)
PG_SERVER = os.environ.get("LOAD_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
PG_DB = "orgbuild_load"
WARM_UP = 2  # seconds of load before each measured run (workers compile templates, fill caches)
WRK_LUA = r"""
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) non2xx = 0 end
function response(status, headers, body)
  if status < 200 or status > 299 then non2xx = non2xx + 1 end
end
function done(summary, latency, requests)
  local n = 0
  for _, t in ipairs(threads) do n = n + t:get("non2xx") end
  local e = summary.errors
  io.write(string.format("RESULT %d %d %d %f %f %d\n", summary.requests, summary.duration, n,
    latency:percentile(50), latency:percentile(99), e.connect + e.read + e.write + e.timeout))
end
"""

sys.path.insert(0, str(ROOT))  # tests.dbutil; benchmarks/ itself is on the path as the script's folder
from load_tools import python_load, wait_until_up  # noqa: E402


STARTED = time.monotonic()


def say(text: str) -> None:
    """Print a progress line with the seconds elapsed since the start."""
    print(f"{time.monotonic() - STARTED:7.1f}s  {text}", flush=True)


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def ensure_wrk() -> str | None:
    """The wrk binary, installing Debian's package when missing and possible; None: use Python."""
    if shutil.which("wrk"):
        return shutil.which("wrk")
    if os.geteuid() == 0 and shutil.which("apt-get"):
        say("wrk is missing: installing it with apt-get …")
        subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=False,
                       env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"}, stdout=subprocess.DEVNULL)
    return shutil.which("wrk")


class Gunicorn:
    """gunicorn with the project's configuration on a free 127.0.0.1 port; stopped on exit."""

    def __init__(self, env: dict, log: Path, app_uri: list[str] | None = None):
        self.port = free_port()
        self.base = f"http://{HOST}:{self.port}"
        self.env = {**env, "GUNICORN_BIND": f"{HOST}:{self.port}"}
        self.args = [str(BIN / "gunicorn"), "-c", str(ROOT / "gunicorn.conf.py"), *(app_uri or [])]
        self.log = log
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> "Gunicorn":
        with open(self.log, "ab") as out:
            self.process = subprocess.Popen(self.args, cwd=ROOT, env=self.env, stdout=out, stderr=out,
                                            start_new_session=True)
        return self

    def __exit__(self, *exc) -> None:
        stop(self.process)


def stop(process: subprocess.Popen | None) -> None:
    """Stop a process group we started: TERM, then KILL after 15 s."""
    if process is None or process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def sign_in(base: str) -> str:
    """Sign in through the login form; the Cookie header of the signed-in session."""
    with urllib.request.urlopen(f"{base}/login", timeout=30) as response:
        page = response.read().decode()
        cookie = response.headers.get("Set-Cookie", "").split(";", 1)[0]
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page) or re.search(
        r'value="([^"]+)"[^>]*name="csrf_token"', page)
    if not token:
        raise SystemExit("No CSRF token found in the login form.")
    form = urllib.parse.urlencode({"csrf_token": token.group(1), "username": USERNAME, "password": PASSWORD}).encode()
    request = urllib.request.Request(f"{base}/login", data=form, headers={"Cookie": cookie})
    opener = urllib.request.build_opener(NoRedirect)
    try:
        opener.open(request, timeout=30)
        raise SystemExit("Sign-in failed: the login form answered 200 (wrong password or CSRF?).")
    except urllib.error.HTTPError as answer:  # the 302 after a successful sign-in
        if answer.code != 302:
            raise SystemExit(f"Sign-in failed with HTTP {answer.code}.") from None
        return answer.headers.get("Set-Cookie", "").split(";", 1)[0]


class NoRedirect(urllib.request.HTTPRedirectHandler):
    """Keep the redirect answer (and its Set-Cookie) instead of following it."""

    def redirect_request(self, *args, **kwargs):
        return None


def status_of(base: str, path: str, cookie: str) -> int:
    """The HTTP status of GET path (redirects not followed)."""
    try:
        with urllib.request.build_opener(NoRedirect).open(
                urllib.request.Request(base + path, headers={"Cookie": cookie}), timeout=120) as response:
            return response.status
    except urllib.error.HTTPError as answer:
        return answer.code


def drive(wrk: str | None, url: str, cookie: str, seconds: int, connections: int, workdir: Path) -> dict:
    """Load one URL for `seconds`: requests/s, p50/p99 ms, non-2xx answers, socket errors."""
    if wrk is None:
        return python_load(url, cookie, seconds, connections)
    script = workdir / "count.lua"
    script.write_text(WRK_LUA)
    out = subprocess.run([wrk, "-t2", f"-c{connections}", f"-d{seconds}s", "--timeout", "30s", "-s", str(script),
                          "-H", f"Cookie: {cookie}", url], capture_output=True, text=True, timeout=seconds + 120)
    found = re.search(r"RESULT (\d+) (\d+) (\d+) ([\d.]+) ([\d.]+) (\d+)", out.stdout)
    if not found:
        raise SystemExit(f"wrk gave no result:\n{out.stdout}\n{out.stderr}")
    requests, duration_us, non2xx, p50, p99, errors = found.groups()
    return {"rps": int(requests) / (int(duration_us) / 1e6), "p50": float(p50) / 1000, "p99": float(p99) / 1000,
            "non2xx": int(non2xx), "errors": int(errors), "requests": int(requests)}


def pg_admin(sql: str) -> None:
    """Run one statement on the PostgreSQL server's maintenance database (autocommit)."""
    import sqlalchemy as sa

    engine = sa.create_engine(PG_SERVER, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    with engine.connect() as conn:
        conn.execute(sa.text(sql))
    engine.dispose()


def pg_database_exists() -> bool:
    """Whether the load database exists already."""
    import sqlalchemy as sa

    engine = sa.create_engine(PG_SERVER, poolclass=sa.pool.NullPool)
    with engine.connect() as conn:
        found = conn.execute(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": PG_DB}).scalar()
    engine.dispose()
    return bool(found)


def run_database(kind: str, url: str, args, wrk: str | None, workdir: Path, env: dict, ceiling: float) -> list[tuple]:
    """Seed, serve and load one database; the result rows."""
    env = {**env, "DATABASE_URL": url}
    say(f"[{kind}] seeding {args.orgs:,} organisations …")
    seeded = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "load_seed.py"), str(args.orgs), USERNAME,
                             PASSWORD], cwd=ROOT, env=env, capture_output=True, text=True)
    if seeded.returncode != 0:
        raise SystemExit(f"Seeding failed:\n{seeded.stderr[-3000:]}")
    info = json.loads(seeded.stdout.strip().splitlines()[-1])
    say(f"[{kind}] {info['orgs']:,} organisations by {info['generator']} in {info['seconds']} s")
    rows = []
    with Gunicorn(env, workdir / f"gunicorn-{kind}.log") as server:
        wait_until_up(server.base + "/healthz", server.process)
        cookie = sign_in(server.base)
        say(f"[{kind}] serving on {server.base}, signed in as {USERNAME}")
        dashboard = next((p for p in ("/dashboard/", "/dashboard") if status_of(server.base, p, cookie) == 200), "/orgs/")
        pages = [("dashboard" if dashboard != "/orgs/" else "dashboard→/orgs/", dashboard),
                 ("organisation list", "/orgs/"), ("organisation page", f"/orgs/{info['org_id']}")]
        for label, path in pages:
            code = status_of(server.base, path, cookie)
            if code != 200:
                say(f"[{kind}] warning: {path} answers {code} before the run")
            drive(wrk, server.base + path, cookie, WARM_UP, args.connections, workdir)  # not counted
            result = drive(wrk, server.base + path, cookie, args.seconds, args.connections, workdir)
            rows.append((kind, label, path, result, result["rps"] / ceiling if ceiling else None))
            say(f"[{kind}] {label}: {result['rps']:.1f} req/s")
    return rows


def print_table(rows: list[tuple], workers: int, args, tool: str) -> None:
    """The results, one line per (database, page)."""
    print(f"\nLoad check: {args.orgs:,} organisations, {tool}, {args.connections} connections, {args.seconds} s per "
          f"page, gunicorn {workers} sync workers on {HOST}, {os.cpu_count()} cores")
    print(f"{'database':<11}{'page':<20}{'path':<14}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'non-2xx':>9}"
          f"{'errors':>8}{'vs trivial':>11}")
    for kind, label, path, r, ratio in rows:
        ratio_text = f"{ratio:.3f}" if ratio is not None else "-"
        print(f"{kind:<11}{label:<20}{path:<14}{r['rps']:>9.1f}{r['p50']:>9.1f}{r['p99']:>9.1f}{r['non2xx']:>9}"
              f"{r['errors']:>8}{ratio_text:>11}")


def main() -> int:
    """Run the load check."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orgs", type=int, default=100_000, help="organisations in the demo district")
    parser.add_argument("--seconds", type=int, default=10, help="load time per page (bounded)")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--only", choices=["sqlite", "postgresql"], help="one database only")
    args = parser.parse_args()
    args.seconds = max(1, min(args.seconds, 120))

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # so that the finally blocks run
    wrk = ensure_wrk()
    tool = "wrk" if wrk else "Python load generator (wrk unavailable)"
    workdir = Path(tempfile.mkdtemp(prefix="orgbuild-load-"))
    env = {**os.environ, "ORGBUILD_ENV": "production", "SECRET_KEY": secrets.token_hex(32),
           "ORGBUILD_INSTANCE": str(workdir), "PYTHONUNBUFFERED": "1"}
    env.pop("TEST_DATABASE_URL", None)
    created_pg = False
    rows: list[tuple] = []
    try:
        with Gunicorn(env, workdir / "gunicorn-trivial.log", ["--pythonpath", str(ROOT / "benchmarks"),
                                                              "trivial_app:app"]) as trivial:
            wait_until_up(trivial.base + "/", trivial.process)
            drive(wrk, trivial.base + "/", "x=1", WARM_UP, args.connections, workdir)  # not counted
            floor = drive(wrk, trivial.base + "/", "x=1", args.seconds, args.connections, workdir)
        rows.append(("-", "trivial Flask", "/", floor, 1.0))
        say(f"[trivial] {floor['rps']:.1f} req/s")
        if args.only in (None, "sqlite"):
            rows += run_database("sqlite", f"sqlite:///{workdir / 'load.sqlite'}", args, wrk, workdir, env, floor["rps"])
        if args.only in (None, "postgresql"):
            from tests.dbutil import unreachable_reason

            reason = unreachable_reason(PG_SERVER)
            if reason:
                say(f"[postgresql] SKIPPED: PostgreSQL not reachable at {PG_SERVER} ({reason}); set LOAD_PG_URL")
            elif pg_database_exists():
                say(f"[postgresql] SKIPPED: database {PG_DB} exists already (left by an interrupted run?); "
                      f"drop it with: psql -h 127.0.0.1 -U postgres -c 'DROP DATABASE {PG_DB}'")
            else:
                pg_admin(f'CREATE DATABASE "{PG_DB}"')
                created_pg = True
                pg_url = PG_SERVER.rsplit("/", 1)[0] + "/" + PG_DB
                rows += run_database("postgresql", pg_url, args, wrk, workdir, env, floor["rps"])
    finally:
        if created_pg:
            pg_admin(f'DROP DATABASE IF EXISTS "{PG_DB}" WITH (FORCE)')
        shutil.rmtree(workdir, ignore_errors=True)
    workers = int(os.environ.get("GUNICORN_WORKERS") or min(2 * (os.cpu_count() or 1) + 1, 8))
    print_table(rows, workers, args, tool)
    return 0 if all(r[3]["non2xx"] == 0 and r[3]["errors"] == 0 for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
