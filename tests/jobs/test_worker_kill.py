"""A real worker (``flask --app orgbuild worker``, huey's SQLite queue) is killed (SIGKILL) while it
applies an import: the database is as before the job; a retry on a new worker completes, once."""
from __future__ import annotations

import os
import signal
import subprocess
import time

import pytest

from orgbuild.extensions import db
from orgbuild.jobs import queue, service as jobs
from orgbuild.models import ImportBatch, Job, Organization, User
from tests.conftest import credit_code

from .conftest import row
from .workers import start_worker, stop_worker

ROWS = 40000


def wait_for(check, process: subprocess.Popen, seconds: float = 180, step: float = 0.01):
    """Poll `check()` until it returns something true, failing if the worker died."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        assert process.poll() is None, process.stderr.read().decode()
        time.sleep(step)
    pytest.fail("timed out")


@pytest.mark.app_config(JOBS_IMMEDIATE=False, JOBS_STALE_SECONDS=0)
def test_worker_killed_mid_apply_leaves_the_database_as_before_and_the_retry_completes(app, write_csv, make_org, make_user):
    org = make_org("翠竹", name="原名")
    org_id, org_code = org.id, org.credit_code
    user = make_user("sup", role="supervisor")
    path = write_csv([row(org_code, name="改名")] + [row(credit_code(), name="某某有限公司" * 5) for _ in range(ROWS)])
    uploads = os.path.join(app.instance_path, "uploads")
    os.makedirs(uploads, exist_ok=True)
    sha = "f" * 63 + "0"
    os.replace(path, os.path.join(uploads, sha))
    huey = queue.queue()
    huey.flush()
    preview = Job(kind=jobs.PREVIEW, user_id=user.id, filename="big.csv", sha256=sha, options={"encoding": "auto"})
    db.session.add(preview)
    db.session.commit()
    jobs.run(preview.id)  # the preview's body, here in the test process
    preview = db.session.get(Job, preview.id)
    assert preview.status == jobs.DONE and preview.result["rows"] == ROWS + 1
    applying = jobs.start_apply(preview, db.session.get(User, user.id), strict=False)
    apply_id = applying.id

    worker = start_worker(app)
    try:
        wait_for(lambda: (huey.get(f"job-progress:{apply_id}", peek=True) or {}).get("done", 0) >= 1000, worker, step=0.005)
        worker.send_signal(signal.SIGKILL)
        worker.wait()
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()
    db.session.remove()
    assert db.session.scalar(db.select(db.func.count(Organization.id))) == 1
    assert db.session.scalar(db.select(db.func.count(ImportBatch.id))) == 0
    assert db.session.get(Organization, org_id).name == "原名"
    killed = db.session.get(Job, apply_id)
    assert killed.status == jobs.RUNNING and jobs.is_stale(killed) and jobs.can_retry(killed)

    worker = start_worker(app)
    try:
        assert jobs.retry(killed)
        def finished():
            db.session.remove()
            job = db.session.get(Job, apply_id)
            return job if job.status in (jobs.DONE, jobs.FAILED) else None
        done = wait_for(finished, worker, step=0.2)
    finally:
        stop_worker(worker)
    assert done.status == jobs.DONE and done.attempts == 2, jobs.error_message(done)
    assert done.result["created"] == ROWS and done.result["updated"] == 1
    assert db.session.scalar(db.select(db.func.count(Organization.id))) == ROWS + 1
    assert db.session.scalar(db.select(db.func.count(ImportBatch.id))) == 1
    assert db.session.get(Organization, org_id).name == "改名"
    assert not jobs.retry(done)  # finished: a further retry does nothing
