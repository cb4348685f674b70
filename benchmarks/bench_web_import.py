"""A large survey file through the web page as background jobs, one command:

    .venv/bin/python benchmarks/bench_web_import.py [--rows 1000000] [--database-url URL]

Generates a valid survey file of N rows (benchmarks/bench_import.py's generator), seeds a database
(the schema, the districts' streets, a supervisor; SQLite in a temporary folder unless --database-url
names an empty PostgreSQL database), starts gunicorn (gunicorn.conf.py, production settings) and one
job worker (``flask --app orgbuild worker``, huey's SQLite queue) on 127.0.0.1, then does what a user
does: signs in, uploads the file on the import page (``--upload sliced``, the default: as the page's
script does, in slices of a few MB, each with its SHA-256; ``--upload form``: the plain form post of
a browser without JavaScript, streamed from disk, never held in memory here),
follows the preview job's progress by polling its status once a second, opens the preview, confirms,
and follows the apply job to the end (after a few untimed requests that warm each web worker). Prints every request's duration (the longest and how many took
over 2 s), how the progress moved, the rows in the database at the end, and the peak RSS of the worker
and of each web worker (VmHWM from /proc). Goals: no request over 2 s, progress moves, all rows there,
peak memory < 250 MB. Everything started is stopped (try/finally); the database given is left as is.
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_import import generate  # noqa: E402
from load import Gunicorn, stop  # noqa: E402
from load_tools import wait_until_up  # noqa: E402

USERNAME, PASSWORD = "webimport", "Web-import-" + secrets.token_hex(6)
STARTED = time.monotonic()
GOAL_SECONDS, GOAL_MB = 2.0, 250


def say(text: str) -> None:
    print(f"{time.monotonic() - STARTED:7.1f}s  {text}", flush=True)


class Client:
    """A signed-in browser: one cookie, every request timed."""

    def __init__(self, port: int):
        self.port = port
        self.cookie = ""
        self.timings: list[tuple[str, str, float, int]] = []

    def request(self, method: str, path: str, body=None, headers: dict | None = None,
                label: str | None = None) -> tuple[int, dict, bytes]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=600)
        headers = {**(headers or {}), **({"Cookie": self.cookie} if self.cookie else {})}
        started = time.perf_counter()
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        data = response.read()
        seconds = time.perf_counter() - started
        connection.close()
        cookie = response.getheader("Set-Cookie")
        if cookie:
            self.cookie = cookie.split(";", 1)[0]
        self.timings.append((method, label or path, seconds, response.status))
        return response.status, dict(response.getheaders()), data

    def form_token(self, path: str) -> tuple[str, str]:
        status, _headers, data = self.request("GET", path)
        page = data.decode()
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page) or re.search(
            r'value="([^"]+)"[^>]*name="csrf_token"', page)
        if status != 200 or not token:
            raise SystemExit(f"GET {path}: {status}, no CSRF token")
        return token.group(1), page

    def post_form(self, path: str, fields: dict) -> tuple[int, dict, bytes]:
        body = urllib.parse.urlencode(fields).encode()
        return self.request("POST", path, body, {"Content-Type": "application/x-www-form-urlencoded",
                                                 "Referer": f"http://127.0.0.1:{self.port}{path}"})


class MultipartFile:
    """A multipart/form-data body with one file streamed from disk (http.client reads it in blocks)."""

    def __init__(self, fields: dict, name: str, path: Path):
        self.boundary = "----orgbuild" + secrets.token_hex(12)
        head = "".join(f"--{self.boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n"
                       for k, v in fields.items())
        head += (f"--{self.boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{path.name}\"\r\n"
                 "Content-Type: text/csv\r\n\r\n")
        self.parts = [head.encode(), path, f"\r\n--{self.boundary}--\r\n".encode()]
        self.length = len(self.parts[0]) + path.stat().st_size + len(self.parts[2])

    def __iter__(self):
        yield self.parts[0]
        with open(self.parts[1], "rb") as handle:
            while chunk := handle.read(1 << 20):
                yield chunk
        yield self.parts[2]


def sliced_upload(client: Client, base: str, token: str, path: Path) -> str:
    """Send `path` as static/js/sliced_upload.js does: begin, one POST per slice (its SHA-256 in a
    header), finish; returns the Location of the preview job's page."""
    import hashlib

    referer = {"Referer": base + "/imports/"}
    fields = {"csrf_token": token, "name": path.name, "size": path.stat().st_size, "encoding": "auto", "sheet": ""}
    status, _h, data = client.request("POST", "/imports/uploads", urllib.parse.urlencode(fields).encode(),
                                      {"Content-Type": "application/x-www-form-urlencoded", **referer},
                                      label="sliced: begin")
    if status != 201:
        raise SystemExit(f"sliced upload begin answered {status}: {data[:300]!r}")
    upload = json.loads(data)
    offset = 0
    with open(path, "rb") as handle:
        while block := handle.read(upload["slice_bytes"]):
            status, _h, data = client.request(
                "POST", f"{upload['slice_url']}?offset={offset}", block,
                {"Content-Type": "application/octet-stream", "X-CSRFToken": token,
                 "X-Slice-SHA256": hashlib.sha256(block).hexdigest(), **referer}, label="sliced: one slice")
            if status != 200:
                raise SystemExit(f"slice at {offset} answered {status}: {data[:300]!r}")
            offset = json.loads(data)["size"]
    status, _h, data = client.request("POST", upload["finish_url"], urllib.parse.urlencode({"csrf_token": token}).encode(),
                                      {"Content-Type": "application/x-www-form-urlencoded", **referer},
                                      label="sliced: finish")
    if status != 200:
        raise SystemExit(f"sliced upload finish answered {status}: {data[:300]!r}")
    return json.loads(data)["job_url"]


def peak_rss_mb(pid: int) -> float:
    """The peak resident set of a process (VmHWM), in MB (0 once it is gone)."""
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0.0
    found = re.search(r"VmHWM:\s+(\d+) kB", text)
    return int(found.group(1)) / 1024 if found else 0.0


def children(pid: int) -> list[int]:
    """The child processes of `pid`."""
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def follow(client: Client, job_id: int, web_pids: set[int], peaks: dict, what: str) -> dict:
    """Poll a job's status once a second until it finishes; the progress seen and the last status."""
    seen = []
    while True:
        status, _h, data = client.request("GET", f"/jobs/{job_id}/status.json", label=f"{what} status.json")
        if status != 200:
            raise SystemExit(f"status.json answered {status}")
        state = json.loads(data)
        seen.append((round(time.monotonic() - STARTED, 1), state.get("done"), state.get("rate"), state.get("left")))
        sample_peaks(web_pids, peaks)
        if state["status"] in ("done", "failed"):
            say(f"{what}: {state['status']}, {state.get('done')} rows, result {state.get('result')}")
            return {"progress": seen, "state": state}
        if len(seen) % 10 == 1:
            say(f"{what}: {state.get('done')} rows done, {state.get('rate')} rows/s, {state.get('left')} s left")
        time.sleep(1)


def sample_peaks(web_pids: set[int], peaks: dict) -> None:
    """Remember each process's peak RSS while it is alive (gunicorn may replace workers)."""
    for pid in list(web_pids) + [peaks["worker_pid"]]:
        peaks[pid] = max(peaks.get(pid, 0.0), peak_rss_mb(pid))


def seed(env: dict) -> None:
    """The schema, the streets of the districts, and the supervisor who imports."""
    script = (
        "from orgbuild import create_app\n"
        "from flask_migrate import upgrade\n"
        "from orgbuild.districts.reference import load_reference\n"
        "from orgbuild.accounts import service as accounts\n"
        "app = create_app()\n"
        "with app.app_context():\n"
        "    upgrade(); load_reference()\n"
        f"    accounts.create_user({USERNAME!r}, {PASSWORD!r}, 'supervisor', display_name='web import', check_policy=False)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"Seeding failed:\n{done.stderr[-3000:]}")


def count_orgs(env: dict) -> int:
    script = ("from orgbuild import create_app\nfrom orgbuild.extensions import db\nfrom orgbuild.models import Organization\n"
              "app = create_app()\nwith app.app_context():\n"
              "    print(db.session.scalar(db.select(db.func.count(Organization.id))))\n")
    return int(subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True,
                              check=True).stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--upload", choices=("sliced", "form"), default="sliced",
                        help="sliced: as the page's script sends a file (default); form: the plain form post")
    parser.add_argument("--database-url", help="an empty PostgreSQL database (default: SQLite in a temporary folder)")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="orgbuild-webimport-"))
    survey = workdir / "survey.csv"
    url = args.database_url or f"sqlite:///{workdir / 'web.sqlite'}"
    size_mb = 0
    env = {**os.environ, "ORGBUILD_ENV": "production", "SECRET_KEY": secrets.token_hex(32), "DATABASE_URL": url,
           "ORGBUILD_INSTANCE": str(workdir / "instance"), "PYTHONUNBUFFERED": "1", "ORGBUILD_REQUEST_LOG": "0"}
    env.pop("TEST_DATABASE_URL", None)
    worker = None
    client = None
    peaks: dict = {}
    upload_seconds = 0.0
    try:
        say(f"generating {args.rows:,} rows …")
        generate(survey, args.rows, args.seed)
        size_mb = survey.stat().st_size / 1e6
        env["ORGBUILD_IMPORT_UPLOAD_MB"] = str(int(size_mb * 1.2) + 10)
        say(f"{survey.name}: {size_mb:.0f} MB; seeding {url.split('@')[-1]} …")
        seed(env)
        worker = subprocess.Popen([str(BIN / "flask"), "--app", "orgbuild", "worker"], cwd=ROOT, env=env,
                                  stdout=open(workdir / "worker.log", "ab"), stderr=subprocess.STDOUT,
                                  start_new_session=True)
        peaks["worker_pid"] = worker.pid
        with Gunicorn(env, workdir / "gunicorn.log") as server:
            wait_until_up(server.base + "/healthz", server.process, timeout=300)
            web_pids = set(children(server.process.pid))
            client = Client(server.port)
            token, _page = client.form_token("/login")
            status, _h, _d = client.post_form("/login", {"csrf_token": token, "username": USERNAME, "password": PASSWORD})
            if status != 302:
                raise SystemExit(f"sign-in answered {status}")
            for _ in range(4 * len(web_pids)):  # each web worker's first requests (imports, templates): not timed
                for path in ("/imports/", "/jobs/1", "/dashboard/"):
                    client.request("GET", path)
            client.timings.clear()
            token, _page = client.form_token("/imports/")
            say(f"uploading ({args.upload}) …")
            uploading = time.perf_counter()
            if args.upload == "sliced":
                job = re.search(r"/jobs/(\d+)$", sliced_upload(client, server.base, token, survey))
            else:
                body = MultipartFile({"csrf_token": token, "encoding": "auto", "sheet": ""}, "survey.csv", survey)
                status, headers, _d = client.request(
                    "POST", "/imports/", body, {"Content-Type": f"multipart/form-data; boundary={body.boundary}",
                                                "Content-Length": str(body.length), "Referer": server.base + "/imports/"},
                    label="upload (POST /imports/)")
                job = re.search(r"/jobs/(\d+)$", headers.get("Location", ""))
                if status != 302 or not job:
                    raise SystemExit(f"upload answered {status} {headers.get('Location')}")
            upload_seconds = time.perf_counter() - uploading
            say(f"uploaded in {upload_seconds:.2f} s; preview job {job.group(1)}")
            client.request("GET", f"/jobs/{job.group(1)}", label="job page")
            preview = follow(client, int(job.group(1)), web_pids, peaks, "preview")
            web_pids |= set(children(server.process.pid))
            status, _h, data = client.request("GET", f"/imports/jobs/{job.group(1)}/preview", label="preview page")
            page = data.decode()
            confirm = re.search(r'action="(/imports/jobs/\d+/confirm)"', page)
            token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
            if status != 200 or not confirm or not token:
                raise SystemExit(f"preview page answered {status} without a confirm form")
            status, headers, _d = client.post_form(confirm.group(1), {"csrf_token": token.group(1), "mode": "skip",
                                                                       "name": "survey.csv"})
            applying = re.search(r"/jobs/(\d+)$", headers.get("Location", ""))
            if status != 302 or not applying:
                raise SystemExit(f"confirm answered {status}")
            client.request("GET", f"/jobs/{applying.group(1)}", label="job page")
            applied = follow(client, int(applying.group(1)), web_pids, peaks, "apply")
            client.request("GET", f"/jobs/{applying.group(1)}", label="finished job page")
            web_pids |= set(children(server.process.pid))
            sample_peaks(web_pids, peaks)
        rows_there = count_orgs(env)
    finally:
        stop(worker)
        keep = os.environ.get("KEEP_WORKDIR")
        if not keep:
            shutil.rmtree(workdir, ignore_errors=True)
    timings = client.timings if client else []
    slow = [t for t in timings if t[2] > GOAL_SECONDS]
    worker_peak = peaks.get(peaks.get("worker_pid"), 0.0)
    web_peak = max((v for k, v in peaks.items() if k not in ("worker_pid", peaks.get("worker_pid"))), default=0.0)
    print(f"\nWeb import: {args.rows:,} rows ({size_mb:.0f} MB), {url.split('://')[0]}, {os.cpu_count()} cores, "
          f"{args.upload} upload ({upload_seconds:.1f} s in all)")
    by_label: dict[str, list[float]] = {}
    for _method, label, seconds, _status in timings:
        by_label.setdefault(label, []).append(seconds)
    print(f"{'request':<28}{'count':>7}{'max s':>9}{'mean s':>9}")
    for label, values in by_label.items():
        print(f"{label:<28}{len(values):>7}{max(values):>9.3f}{sum(values) / len(values):>9.3f}")
    print(f"requests: {len(timings)}, longest {max((t[2] for t in timings), default=0):.3f} s, "
          f"over {GOAL_SECONDS:.0f} s: {len(slow)} {[(t[1], round(t[2], 2)) for t in slow]}")
    for what, followed in (("preview", preview), ("apply", applied)):
        done = [p[1] for p in followed["progress"]]
        print(f"{what} progress: {len(done)} polls, {len(set(done))} distinct values, "
              f"first {followed['progress'][:3]}, last {followed['progress'][-2:]}")
    print(f"rows in the database: {rows_there:,} (file: {args.rows:,})")
    print(f"peak RSS: worker {worker_peak:.0f} MB, largest web worker {web_peak:.0f} MB (goal < {GOAL_MB} MB)")
    ok = not slow and rows_there == args.rows and worker_peak < GOAL_MB and web_peak < GOAL_MB \
        and len({p[1] for p in preview["progress"]}) > 1
    print("goals met" if ok else "goals NOT met")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
