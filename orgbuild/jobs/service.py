"""The jobs table: starting, claiming, running, retrying and reading jobs, and their live progress.

A survey import is two jobs. The preview reads and checks the file ONCE and keeps the plan (every
checked row) under ``instance/jobs/<id>.plan``, with a fingerprint of the reference data the checks
used. The apply writes that plan in ONE transaction, in which the job is also marked done: a worker
killed mid-apply leaves the database as it was and the job "running" without a heartbeat, so that it
can be retried; a retry of a job whose transaction committed finds it done and does nothing. When the
streets, communities or the user's scope changed after the preview, the apply checks the file again.

Progress (rows done, rows per second, time left, heartbeat) lives in the queue's key-value store,
never in the database the apply holds a transaction on.
"""
from __future__ import annotations

import json
import os
import pickle
import time

from flask import current_app
from sqlalchemy import update

from ..domain.rules import Message
from ..extensions import db
from ..imports import service as survey_import
from ..imports.reader import FileRefused
from ..models import Job, User, utcnow
from . import queue

PREVIEW, APPLY = "import_preview", "import_apply"
QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"
PROGRESS_EVERY_SECONDS = 0.5
COUNTS = ("rows", "created", "updated", "unchanged", "rejected", "warning_count")


def job_dir() -> str:
    """Where plans and previews of jobs are kept."""
    path = os.path.join(current_app.instance_path, "jobs")
    os.makedirs(path, exist_ok=True)
    return path


def plan_path(job: Job) -> str:
    """The kept plan of a preview job."""
    return os.path.join(job_dir(), f"{job.id}.plan")


def report_path(job: Job) -> str:
    """The kept preview report of a preview job (counts, errors, changes, rejected rows)."""
    return os.path.join(job_dir(), f"{job.id}.report")


UPLOAD_PREFIX = "upload-"  # a file just uploaded, not hashed yet (views/imports.py names it)


def upload_path(sha256: str) -> str:
    """The stored upload of this SHA-256 (the preview job keeps it there)."""
    return os.path.join(current_app.instance_path, "uploads", sha256)


def start_preview(actor: User, sha256: str, filename: str, encoding: str, sheet: str | None,
                  upload: str | None = None) -> Job:
    """Queue the preview (check + plan) of a stored upload: by its SHA-256, or (`upload`) by the name
    of a file just uploaded, which the job hashes and then keeps under its SHA-256."""
    options = {"encoding": encoding, "sheet": sheet}
    if upload:
        options["upload"] = os.path.basename(upload)
    job = Job(kind=PREVIEW, user_id=actor.id, filename=filename, sha256=sha256, options=options)
    return queue_job(job)


def start_apply(preview: Job, actor: User, strict: bool) -> Job:
    """Queue the apply of a finished preview's plan."""
    job = Job(kind=APPLY, user_id=actor.id, parent_id=preview.id, filename=preview.filename,
              sha256=preview.sha256, options={**preview.options, "strict": strict})
    return queue_job(job)


def queue_job(job: Job) -> Job:
    """Save a new job and put it on the queue."""
    db.session.add(job)
    db.session.commit()
    job_id = job.id
    queue.enqueue(job_id)
    db.session.expire_all()
    return db.session.get(Job, job_id)


def is_stale(job: Job) -> bool:
    """A running job whose worker stopped beating (killed): it may be retried."""
    if job.status != RUNNING:
        return False
    beat = (progress(job) or {}).get("beat")
    if beat is None:
        started = job.started_at.timestamp() if job.started_at else 0
        beat = started
    return time.time() - beat > current_app.config.get("JOBS_STALE_SECONDS", 60)


def can_retry(job: Job) -> bool:
    """Whether a retry would do something: the job failed, or its worker died."""
    return job.status == FAILED or is_stale(job)


def retry(job: Job) -> bool:
    """Queue a failed or stale job again (False when there is nothing to retry)."""
    if not can_retry(job):
        return False
    claimed = db.session.execute(
        update(Job).where(Job.id == job.id, Job.status == job.status).values(status=QUEUED, error=None)
    ).rowcount
    db.session.commit()
    if claimed:
        queue.enqueue(job.id)
    return bool(claimed)


def _claim(job_id: int) -> Job | None:
    """Mark a queued job running (one worker only); None when it is not queued (done, or taken)."""
    claimed = db.session.execute(
        update(Job).where(Job.id == job_id, Job.status == QUEUED)
        .values(status=RUNNING, started_at=utcnow(), attempts=Job.attempts + 1)
    ).rowcount
    db.session.commit()
    return db.session.get(Job, job_id) if claimed else None


def progress(job: Job) -> dict | None:
    """The live progress of a job as its worker last reported it."""
    return queue.queue().get(f"job-progress:{job.id}", peek=True)


class _Progress:
    """Reports rows done, rows per second and time left to the queue's store, at most twice a second."""

    def __init__(self, job_id: int):
        self.key = f"job-progress:{job_id}"
        self.started = time.monotonic()
        self.last = 0.0
        self.report(0, None, force=True)

    def report(self, done: int, total: int | None, force: bool = False) -> None:
        """Store the figures (throttled unless `force`)."""
        now = time.monotonic()
        if not force and now - self.last < PROGRESS_EVERY_SECONDS:
            return
        self.last = now
        elapsed = max(now - self.started, 1e-6)
        rate = done / elapsed
        left = (total - done) / rate if total and rate > 0 and total >= done else None
        queue.queue().put(self.key, {"done": done, "total": total, "rate": round(rate, 1),
                                     "left": round(left, 1) if left is not None else None, "beat": time.time()})


def run(job_id: int) -> None:
    """The body of a queued job: claim it, run it, record what it did or why it failed."""
    job = _claim(job_id)
    if job is None:
        return
    meter = _Progress(job.id)
    try:
        RUNNERS[job.kind](job, meter)
    except FileRefused as refused:
        _fail(job_id, refused.message)
    except Exception:
        current_app.logger.exception("job %s failed", job_id)
        _fail(job_id, Message("后台任务出错，没有写入任何数据；可以重试"))
        raise


def _fail(job_id: int, message: Message) -> None:
    """Record a failed job and its reason (kept as template and parameters, shown translated)."""
    db.session.rollback()
    job = db.session.get(Job, job_id)
    job.status, job.finished_at = FAILED, utcnow()
    params = getattr(message, "params", {})
    job.error = json.dumps({"template": getattr(message, "template", str(message)),
                            "params": {k: _kept(v) for k, v in params.items()}}, ensure_ascii=False)
    db.session.commit()


def _kept(value: object) -> object:
    """A message parameter as JSON keeps it: numbers stay numbers (``%(line)d`` needs one), the rest text."""
    return value if isinstance(value, (int, float)) and not isinstance(value, bool) else str(value)


def error_message(job: Job) -> Message | None:
    """Why a job failed."""
    if not job.error:
        return None
    try:
        kept = json.loads(job.error)
        return Message(kept["template"], **kept["params"])
    except (ValueError, KeyError, TypeError):
        return Message(job.error)


def _counts(report: survey_import.ImportReport) -> dict:
    """The figures of a report that a finished job shows."""
    return {key: getattr(report, key) for key in COUNTS} | {"committed": report.committed}


def _run_preview(job: Job, meter: _Progress) -> None:
    """Check the uploaded file once, keep its plan and its preview report."""
    actor = db.session.get(User, job.user_id)
    fresh = job.options.get("upload")
    path = os.path.join(current_app.instance_path, "uploads", fresh) if fresh else upload_path(job.sha256)
    if not job.sha256 and not fresh or not os.path.isfile(path):
        raise FileRefused(Message("上传的文件已过期，请重新上传"))
    report = survey_import.ImportReport(file=job.filename, errors_kept=survey_import.MAX_CHANGES_KEPT)

    def advance(_units: int, total: int, seen={"position": 0}) -> None:
        seen["position"] += _units
        fraction = seen["position"] / total if total else 0
        meter.report(report.rows, int(report.rows / fraction) if fraction > 0.01 else None)

    survey_import.run_import(
        path, filename=job.filename, actor=actor, dry_run=True, encoding=job.options.get("encoding", "auto"),
        sheet=job.options.get("sheet"), max_bytes=current_app.config["IMPORT_UPLOAD_MAX_BYTES"], progress=advance,
        report=report, plan_path=plan_path(job),
    )
    job = db.session.get(Job, job.id)
    if fresh:  # hashed by the check: kept under its SHA-256 from now on (the apply and old links find it)
        os.replace(path, upload_path(report.sha256))
        job.sha256 = report.sha256
        job.options = {key: value for key, value in job.options.items() if key != "upload"}
    report.previous_batches = []  # ORM rows: read again when the preview is shown
    with open(report_path(job), "wb") as out:
        pickle.dump(report, out, protocol=pickle.HIGHEST_PROTOCOL)
    meter.report(report.rows, report.rows, force=True)
    job.status, job.finished_at, job.result = DONE, utcnow(), _counts(report)
    db.session.commit()


def preview_report(job: Job) -> survey_import.ImportReport | None:
    """The kept report of a finished preview."""
    if job.kind != PREVIEW or job.status != DONE or not os.path.isfile(report_path(job)):
        return None
    with open(report_path(job), "rb") as file:
        report = pickle.load(file)
    report.previous_batches = survey_import.batches_with_sha(job.sha256)
    return report


def _run_apply(job: Job, meter: _Progress) -> None:
    """Apply the preview's plan (or, when the reference data changed, the file checked again) in one
    transaction that also marks this job done."""
    job_id = job.id
    actor = db.session.get(User, job.user_id)
    preview = db.session.get(Job, job.parent_id)
    strict = bool(job.options.get("strict"))
    total = (preview.result or {}).get("rows")
    report = survey_import.ImportReport(file=job.filename, errors_kept=survey_import.MAX_CHANGES_KEPT)
    kept = plan_path(preview)
    rechecked = not os.path.isfile(kept) or (
        survey_import.plan_header(kept)["fingerprint"] != survey_import.reference_fingerprint(actor)
    )

    def mark_done(done: survey_import.ImportReport) -> None:
        """Inside the import's transaction: this job is done, with what it did."""
        finished = db.session.get(Job, job_id)
        finished.status, finished.finished_at, finished.batch_id = DONE, utcnow(), done.batch_id
        finished.result = _counts(done) | {"committed": True, "rechecked": rechecked}
        meter.report(done.rows, done.rows, force=True)  # before the commit: a done job never shows fewer rows

    if rechecked:
        path = upload_path(job.sha256)
        if not os.path.isfile(path):
            raise FileRefused(Message("街道、社区或您的权限在预览后有变化，且上传的文件已过期，请重新上传"))
        survey_import.run_import(
            path, filename=job.filename, actor=actor, strict=strict, encoding=job.options.get("encoding", "auto"),
            sheet=job.options.get("sheet"), max_bytes=current_app.config["IMPORT_UPLOAD_MAX_BYTES"], report=report,
            progress=lambda _units, _total: meter.report(report.rows, total), before_commit=mark_done,
        )
    else:
        done = {"rows": 0}

        def advance(rows: int) -> None:
            done["rows"] += rows
            meter.report(done["rows"], total)

        survey_import.apply_plan(kept, filename=job.filename, sha256=job.sha256, actor=actor, strict=strict,
                                 report=report, progress=advance, before_commit=mark_done)
    meter.report(report.rows, report.rows, force=True)
    if not report.committed:  # strict and some rows rejected: nothing written
        finished = db.session.get(Job, job_id)
        finished.status, finished.finished_at = DONE, utcnow()
        finished.result = _counts(report) | {"rechecked": rechecked}
        db.session.commit()
        return
    for leftover in (kept, upload_path(job.sha256)):
        if os.path.isfile(leftover):
            os.unlink(leftover)


#: The body of each kind of job (jobs/exports.py adds its own).
RUNNERS = {PREVIEW: _run_preview, APPLY: _run_apply}


def status_json(job: Job) -> dict:
    """What the progress page polls."""
    live = progress(job) or {}
    return {
        "id": job.id, "kind": job.kind, "status": job.status, "stale": is_stale(job),
        "done": live.get("done", 0), "total": live.get("total"), "rate": live.get("rate"), "left": live.get("left"),
        "result": job.result, "batch_id": job.batch_id,
    }
