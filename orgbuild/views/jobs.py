"""Background jobs: the progress page of a job (polling a small JSON endpoint), retrying a failed
job or one whose worker died, and the file a finished export wrote. A user sees their own jobs; admins
of the whole city see all.
"""
from __future__ import annotations

import os

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf import FlaskForm

from .. import policy
from ..extensions import db
from ..jobs import exports as export_jobs
from ..jobs import service as jobs
from ..models import Job

bp = Blueprint("jobs", __name__, url_prefix="/jobs")


@bp.before_request
@login_required
def only_job_starters():
    """Those who may start a job (an import: supervisors and admins; an export: anyone signed in)."""
    if not policy.can_use_jobs(current_user):
        abort(403)


def own_job(job_id: int) -> Job:
    """The job, if it is the current user's (admins: any); 404 otherwise."""
    job = db.session.get(Job, job_id)
    if job is None or not policy.can_see_job(current_user, job):
        abort(404)
    return job


@bp.get("/<int:job_id>")
def show(job_id: int):
    """Live progress while the job runs; what it did once it is finished."""
    job = own_job(job_id)
    return render_template("jobs/show.html", job=job, status=jobs.status_json(job), retry_form=FlaskForm(),
                           can_retry=jobs.can_retry(job), error=jobs.error_message(job))


@bp.get("/<int:job_id>/status.json")
def status(job_id: int):
    """Status, rows done, rows per second, seconds left and (finished) the result, for the page's script."""
    return jsonify(jobs.status_json(own_job(job_id)))


@bp.post("/<int:job_id>/retry")
def retry(job_id: int):
    """Run a failed job, or one whose worker stopped, again (a finished import is never applied twice)."""
    job = own_job(job_id)
    if not FlaskForm().validate_on_submit():
        abort(400)
    if jobs.retry(job):
        flash(_("已重新排队"), "success")
    else:
        flash(_("这个任务正在运行或已完成，无需重试"), "info")
    return redirect(url_for("jobs.show", job_id=job.id))


@bp.get("/<int:job_id>/download")
def download(job_id: int):
    """The file a finished export wrote (404 before it is finished, or for another kind of job)."""
    job = own_job(job_id)
    if job.kind != export_jobs.EXPORT or job.status != jobs.DONE:
        abort(404)
    path = export_jobs.file_path(job)
    if not os.path.isfile(path):
        abort(404)
    return send_file(path, as_attachment=True, download_name=job.filename, max_age=0)
