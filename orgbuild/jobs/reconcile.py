"""A reconciliation run with a 智慧团建 export as a background job: the page stores the upload and
queues the job; the worker reads and compares the file (reconcile/service.py, one transaction) and
the job's page then links the run. The upload is removed once the run is kept, or the file refused.
"""
from __future__ import annotations

import os
import uuid

from flask import current_app
from flask_babel import force_locale

from ..domain.rules import Message
from ..extensions import db
from ..imports.reader import FileRefused
from ..models import Job, User, utcnow
from ..reconcile import service as reconcile
from . import service

RECONCILE = "reconcile"


def upload_folder() -> str:
    path = os.path.join(current_app.instance_path, "uploads")
    os.makedirs(path, exist_ok=True)
    return path


def start_reconcile(actor: User, path: str, filename: str, encoding: str, sheet: str | None) -> Job:
    """Keep the uploaded file (moved from `path`) and queue its comparison."""
    kept = f"reconcile-{uuid.uuid4().hex}"
    os.replace(path, os.path.join(upload_folder(), kept))
    job = Job(kind=RECONCILE, user_id=actor.id, filename=filename,
              options={"upload": kept, "encoding": encoding, "sheet": sheet})
    return service.queue_job(job)


def run_reconcile(job: Job, meter) -> None:
    """Compare the kept file and keep the run; the job records the run's id and its figures. The file
    is removed once the run is kept, or when it is refused (a retry could not do better); after any
    other failure it stays for the retry."""
    actor = db.session.get(User, job.user_id)
    path = os.path.join(upload_folder(), os.path.basename(job.options.get("upload") or ""))
    if not os.path.isfile(path):
        raise FileRefused(Message("上传的文件已过期，请重新上传"))
    try:
        with force_locale(actor.locale or "zh_CN"):
            run = reconcile.run_reconcile(path, filename=job.filename, actor=actor,
                                          encoding=job.options.get("encoding") or "auto",
                                          sheet=job.options.get("sheet") or None,
                                          max_bytes=current_app.config["MAX_CONTENT_LENGTH"])
    except FileRefused:
        os.unlink(path)
        raise
    finished = db.session.get(Job, job.id)
    finished.status, finished.finished_at = service.DONE, utcnow()
    finished.result = {"run": run.id, "rows": run.rows, "matched": run.matched,
                       "only_in_platform": run.only_in_platform, "only_here": run.only_here,
                       "mismatched": run.mismatched}
    db.session.commit()
    meter.report(finished.result["rows"], finished.result["rows"], force=True)
    os.unlink(path)


service.RUNNERS[RECONCILE] = run_reconcile
