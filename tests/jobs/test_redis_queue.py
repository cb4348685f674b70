"""The Redis queue (``REDIS_URL``): a survey import's preview and apply jobs run through a real huey
consumer (``flask --app orgbuild worker``) on RedisHuey, and their progress is kept in Redis.

Redis database ``ORGBUILD_TEST_REDIS_URL`` (default ``redis://127.0.0.1:6379/13``, never database 0);
the test uses a queue name of its own and removes that queue's keys before and after, so that test runs
sharing the database do not disturb each other. Skipped, with the reason, when no Redis answers there
(CI runs one).
"""
from __future__ import annotations

import io
import os
import re
import secrets
import time

import pytest
from huey import RedisHuey

from orgbuild.extensions import db
from orgbuild.jobs import queue
from orgbuild.jobs import service as jobs
from orgbuild.models import Job, Organization
from tests.conftest import credit_code

from .conftest import csv_bytes, row
from .workers import start_worker, stop_worker

REDIS_URL = os.environ.get("ORGBUILD_TEST_REDIS_URL", "redis://127.0.0.1:6379/13")
QUEUE = f"orgbuild-test-{os.getpid()}-{secrets.token_hex(4)}"


def redis_unreachable() -> str | None:
    """Why the test cannot use Redis (None: it can)."""
    try:
        import redis

        client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
        client.ping()
    except Exception as error:  # noqa: BLE001 (any failure means: skip)
        return f"no Redis at {REDIS_URL} ({error.__class__.__name__}: {error}); set ORGBUILD_TEST_REDIS_URL"
    if REDIS_URL.rstrip("/").endswith("/0") or not re.search(r"/\d+$", REDIS_URL):
        return f"{REDIS_URL} is database 0 (or none): the test only uses a numbered database other than 0"
    return None


REASON = redis_unreachable()
pytestmark = pytest.mark.skipif(REASON is not None, reason=REASON or "")


def flush_queue() -> None:
    """Remove every key of this test's queue (and nothing else of the database)."""
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    keys = list(client.scan_iter(match=f"*{QUEUE}*"))
    if keys:
        client.delete(*keys)


def wait_until_finished(job_id: int, worker, seconds: float = 180) -> Job:
    """Poll the jobs table until the job is done or failed (failing if the worker died)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        db.session.expire_all()
        job = db.session.get(Job, job_id)
        if job.status in (jobs.DONE, jobs.FAILED):
            return job
        assert worker.poll() is None, worker.stderr.read().decode()
        time.sleep(0.05)
    pytest.fail("the job did not finish on the Redis queue")


@pytest.mark.app_config(JOBS_IMMEDIATE=False, REDIS_URL=REDIS_URL, JOBS_QUEUE_NAME=QUEUE,
                        CACHE_KEY_PREFIX=f"{QUEUE}:", RATELIMIT_STORAGE_URI="memory://")
def test_an_import_runs_through_a_real_consumer_on_the_redis_queue(app, supervisor):
    assert isinstance(queue.queue(), RedisHuey) and queue.queue().name == QUEUE
    flush_queue()
    worker = start_worker(app)
    try:
        codes = [credit_code() for _ in range(3)]
        supervisor.post("/imports/", data={"file": (io.BytesIO(csv_bytes([row(c) for c in codes])), "a.csv"),
                                           "encoding": "auto"}, content_type="multipart/form-data")
        preview = db.session.scalar(db.select(Job).order_by(Job.id.desc()))
        assert preview.status == jobs.QUEUED  # on the queue, not run inside the request
        preview = wait_until_finished(preview.id, worker)
        assert preview.status == jobs.DONE, jobs.error_message(preview)
        assert preview.result["created"] == 3 and len(preview.sha256) == 64
        status = supervisor.get(f"/jobs/{preview.id}/status.json").get_json()
        assert status["done"] == 3  # the worker's progress, read back from Redis
        supervisor.post(f"/imports/jobs/{preview.id}/confirm", data={"mode": "skip"})
        applying = db.session.scalar(db.select(Job).where(Job.parent_id == preview.id))
        applying = wait_until_finished(applying.id, worker)
        assert applying.status == jobs.DONE and applying.result["committed"], jobs.error_message(applying)
        assert db.session.scalar(db.select(db.func.count(Organization.id))) == 3
    finally:
        stop_worker(worker)
        flush_queue()
