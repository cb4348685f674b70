"""Survey import pages: upload → preview (dry run) → confirm → result, the import history with the
rejected rows of each batch, and the template downloads. Supervisors and admins only
(``policy.can_import``). The uploaded file is streamed to ``instance/uploads/`` (web/uploads.py); the
preview job hashes it and keeps it as ``instance/uploads/<sha256>`` until the confirm (never in the
session cookie).

The upload form runs the preview and the apply as background jobs (orgbuild/jobs): the file is
checked once, its plan kept, and the job pages show the progress. The old synchronous
``/preview/<sha256>`` and ``/confirm/<sha256>`` links now start a preview job on the stored upload.
"""
from __future__ import annotations

import os
import re
import secrets
import shutil
import time

from flask import Blueprint, Response, abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf.file import FileField, FileRequired
from sqlalchemy import select
from wtforms import HiddenField, RadioField, SelectField, StringField, SubmitField
from wtforms.validators import Length, Optional

from .. import policy
from ..domain.rules import Message
from ..extensions import db
from ..i18n import translate_message
from ..imports import columns as survey_columns
from ..imports import service as survey_import
from ..jobs import service as jobs
from ..models import Community, ImportBatch, Job, Street
from ..web.forms import Form
from ..web import params
from ..web import uploads as sliced
from ..web.uploads import upload_dir

bp = Blueprint("imports", __name__, url_prefix="/imports")

PREVIEW_LIMIT = 200  # rows of errors / changes shown on the preview page; the full list is a download
UPLOAD_TTL_SECONDS = 24 * 3600
SHA_RE = re.compile(r"^[0-9a-f]{64}$")
ENCODING_CHOICES = [("auto", _l("自动识别")), ("utf-8", "UTF-8"), ("gb18030", "GB18030 / GBK")]


class UploadForm(Form):
    """The survey file and how to read it."""

    file = FileField(_l("摸底表文件（CSV 或 Excel .xlsx）"), validators=[FileRequired(message=_l("请选择文件"))])
    encoding = SelectField(_l("CSV 编码"), choices=ENCODING_CHOICES, default="auto")
    sheet = StringField(_l("工作表名称（留空为第一个工作表）"), validators=[Optional(), Length(max=100)])
    submit = SubmitField(_l("上传并预览"))


class ConfirmForm(Form):
    """Confirm the previewed import, choosing what happens to rejected rows."""

    name = HiddenField()
    encoding = HiddenField()
    sheet = HiddenField()
    mode = RadioField(
        _l("有被拒绝的行时"),
        choices=[("skip", _l("导入有效的行，跳过被拒绝的行")), ("strict", _l("只要有一行被拒绝，就什么都不导入"))],
        default="skip",
    )
    submit = SubmitField(_l("确认导入"))


@bp.before_request
@login_required
def only_importers():
    """Supervisors and admins only."""
    if not policy.can_import(current_user):
        abort(403)


UPLOAD_PREFIX = jobs.UPLOAD_PREFIX


def upload_path(sha256: str) -> str:
    """The stored upload for a SHA-256 (404 for anything that is not one, no longer there, or uploaded
    by someone else whose rows the user may not read: ``policy.can_read_upload``)."""
    if not SHA_RE.match(sha256 or ""):
        abort(404)
    uploaders = set(db.session.scalars(select(Job.user_id).where(Job.sha256 == sha256)))
    if not policy.can_read_upload(current_user, uploaders):
        abort(404)
    path = os.path.join(upload_dir(), sha256)
    if not os.path.isfile(path):
        flash(_("上传的文件已过期，请重新上传"), "warning")
        abort(redirect(url_for("imports.index")))
    return path


def _save_upload(storage) -> str:
    """Keep the upload under a fresh name in the uploads folder; returns that name. The import page's
    uploads arrive there already (web/uploads.py streams them to disk), so this only renames the
    file: nothing is copied or hashed inside the request (the preview job hashes it). Uploads older
    than a day, finished or not, are removed."""
    folder = upload_dir()
    now = time.time()
    for entry in os.scandir(folder):
        if entry.is_file() and now - entry.stat().st_mtime > UPLOAD_TTL_SECONDS:
            os.unlink(entry.path)
    name = f"{UPLOAD_PREFIX}{secrets.token_hex(16)}"
    target = os.path.join(folder, name)
    stream = storage.stream
    spooled = getattr(stream, "name", None)
    if isinstance(spooled, str) and os.path.dirname(os.path.abspath(spooled)) == os.path.abspath(folder):
        stream.flush()
        os.replace(spooled, target)
    else:  # a file Werkzeug kept elsewhere (in memory): written out in chunks
        with open(target, "wb") as out:
            shutil.copyfileobj(stream, out, 1 << 20)
    return name


def _options(source) -> dict:
    """File name, encoding and sheet from a form or the query string."""
    name = os.path.basename((source.get("name") or "").replace("\\", "/"))[:255] or "upload"
    encoding = source.get("encoding") or "auto"
    if encoding not in dict(ENCODING_CHOICES):
        encoding = "auto"
    return {"filename": name, "encoding": encoding, "sheet": (source.get("sheet") or "").strip() or None}


def display_values():
    """A function showing a stored value for people: street and community names, 是/否, — for empty."""
    streets = {s.id: s.name for s in db.session.scalars(select(Street))}
    communities = {c.id: c.name for c in db.session.scalars(select(Community))}

    def show(field: str, value) -> str:
        """The value as people read it."""
        if value is None or value == "":
            return "—"
        if field == "street_id":
            return streets.get(value, str(value))
        if field == "community_id":
            return communities.get(value, str(value))
        if isinstance(value, bool):
            return _("是") if value else _("否")
        return str(value)

    return show


def field_label(field: str) -> str:
    """The column title of a survey field, translated."""
    column = survey_columns.BY_FIELD.get(field)
    return _(column.header) if column else field


@bp.route("/", methods=["GET", "POST"])
def index():
    """The upload form and the history of applied imports."""
    form = UploadForm()
    if form.validate_on_submit():
        storage = form.file.data
        upload = _save_upload(storage)
        options = _options({"name": storage.filename, "encoding": form.encoding.data, "sheet": form.sheet.data})
        job = jobs.start_preview(current_user, "", options["filename"], options["encoding"], options["sheet"],
                                 upload=upload)
        return redirect(url_for("jobs.show", job_id=job.id))
    page = db.paginate(policy.scope_batches(current_user).order_by(ImportBatch.id.desc()), per_page=20, max_per_page=100)
    recent = db.session.scalars(select(Job).where(Job.user_id == current_user.id).order_by(Job.id.desc()).limit(10))
    return render_template("imports/index.html", form=form, page=page, recent_jobs=list(recent))


def _refused(refusal: sliced.SliceRefused) -> tuple[Response, int]:
    """A refused step of a sliced upload, as the script reads it: the reason and the size held."""
    return jsonify({"error": translate_message(refusal.message), "size": refusal.size}), refusal.status


@bp.post("/uploads")
def sliced_start():
    """Begin a sliced upload (the import page's script, for a file of any size): name, size, encoding
    and sheet as on the form; answers the upload's URL and the slice size."""
    form = request.form
    if form.get("encoding", "auto") not in dict(ENCODING_CHOICES) or len(form.get("sheet") or "") > 100:
        return _refused(sliced.SliceRefused(Message("上传参数有误")))
    try:
        size = int(form.get("size", ""))
    except ValueError:
        return _refused(sliced.SliceRefused(Message("文件大小有误")))
    options = _options(form)
    try:
        token = sliced.start_sliced(current_user.id, size, options)
    except sliced.SliceRefused as refusal:
        return _refused(refusal)
    return jsonify({"upload": token, "slice_bytes": sliced.SLICE_BYTES, "size": 0,
                    "slice_url": url_for("imports.sliced_slice", token=token),
                    "finish_url": url_for("imports.sliced_finish", token=token)}), 201


@bp.post("/uploads/<token>")
def sliced_slice(token: str):
    """One slice of a sliced upload: the raw bytes at ``?offset=``, with the SHA-256 of the slice in
    ``X-Slice-SHA256`` when the browser can compute it; answers the size the server holds."""
    try:
        sliced.sliced_meta(token, current_user.id)  # someone else's, or none: 404 whatever was sent
        offset = params.parse_int(request.args.get("offset"))
        if offset is None:
            raise sliced.SliceRefused(Message("分片位置有误"))
    except sliced.SliceRefused as refusal:
        return _refused(refusal)
    try:
        held = sliced.append_slice(token, current_user.id, offset, request.stream, request.content_length,
                                   request.headers.get("X-Slice-SHA256"))
    except sliced.SliceRefused as refusal:
        return _refused(refusal)
    return jsonify({"size": held})


@bp.post("/uploads/<token>/finish")
def sliced_finish(token: str):
    """The last step of a sliced upload: every byte is there, the preview job is queued (as by the form)."""
    name = f"{UPLOAD_PREFIX}{secrets.token_hex(16)}"
    try:
        options = sliced.finish_sliced(token, current_user.id, name)
    except sliced.SliceRefused as refusal:
        return _refused(refusal)
    job = jobs.start_preview(current_user, "", options["filename"], options["encoding"], options["sheet"], upload=name)
    return jsonify({"job_url": url_for("jobs.show", job_id=job.id)})


def _preview_job(job_id: int) -> tuple[Job, survey_import.ImportReport]:
    """A finished preview job of the current user and its kept report (404 otherwise)."""
    job = db.session.get(Job, job_id)
    if job is None or not policy.can_see_job(current_user, job) or job.kind != jobs.PREVIEW:
        abort(404)
    report = jobs.preview_report(job)
    if report is None:
        return abort(redirect(url_for("jobs.show", job_id=job.id)))
    return job, report


@bp.get("/jobs/<int:job_id>/preview")
def job_preview(job_id: int):
    """The preview a job made: counts, rejected rows with their errors, field changes, the confirm form."""
    job, report = _preview_job(job_id)
    options = {"filename": job.filename, **job.options}
    form = ConfirmForm(name=job.filename)
    return render_template(
        "imports/preview.html", report=report, form=form, sha256=job.sha256, options=options,
        limit=PREVIEW_LIMIT, show=display_values(), field_label=field_label,
        confirm_url=url_for("imports.job_confirm", job_id=job.id),
        rejected_url=url_for("imports.job_rejected", job_id=job.id),
    )


@bp.get("/jobs/<int:job_id>/rejected.csv")
def job_rejected(job_id: int):
    """Every rejected row of a previewed file, from the kept preview."""
    job, report = _preview_job(job_id)
    return _csv_download(report.rejected_csv or _empty_rejected(), f"rejected-{job.sha256[:8]}.csv")


@bp.post("/jobs/<int:job_id>/confirm")
def job_confirm(job_id: int):
    """Queue the apply of the preview's kept plan; strict mode writes nothing when a row is rejected."""
    job, _report = _preview_job(job_id)
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    applying = jobs.start_apply(job, current_user, strict=form.mode.data == "strict")
    return redirect(url_for("jobs.show", job_id=applying.id))


def _preview_as_job(sha256: str, source):
    """An old link to a stored upload (the synchronous preview and confirm are gone): check it as a
    preview job, as the upload form does, and show that job's page (the confirm form is on its preview)."""
    upload_path(sha256)  # 404 for anything that is not a SHA-256, back to the upload page once it expired
    options = _options(source)
    job = jobs.start_preview(current_user, sha256, options["filename"], options["encoding"], options["sheet"])
    return redirect(url_for("jobs.show", job_id=job.id))


@bp.get("/preview/<sha256>")
def preview(sha256: str):
    """An old preview link: the stored upload is checked by a preview job."""
    return _preview_as_job(sha256, request.args)


@bp.get("/preview/<sha256>/rejected.csv")
def preview_rejected(sha256: str):
    """An old rejected-rows link: the preview job's page has the download."""
    return _preview_as_job(sha256, request.args)


@bp.post("/confirm/<sha256>")
def confirm(sha256: str):
    """An old confirm form: nothing is written without a checked plan, so the upload is checked by a
    preview job first, whose preview page confirms the import."""
    if not ConfirmForm().validate_on_submit():
        abort(400)
    return _preview_as_job(sha256, request.form)


def _batch(batch_id: int) -> ImportBatch:
    """An applied import the user may read (404 otherwise, as for an unknown one)."""
    found = db.session.get(ImportBatch, batch_id)
    if found is None or not policy.can_see_batch(current_user, found):
        abort(404)
    return found


@bp.get("/batches/<int:batch_id>")
def batch(batch_id: int):
    """One applied import: who, when, which file, what it did."""
    return render_template("imports/batch.html", batch=_batch(batch_id))


@bp.get("/batches/<int:batch_id>/rejected.csv")
def batch_rejected(batch_id: int):
    """The rejected rows of an applied import, with an error column."""
    found = _batch(batch_id)
    if not found.rejected_csv:
        abort(404)
    return _csv_download(found.rejected_csv, f"rejected-batch-{found.id}.csv")


@bp.get("/template.csv")
def template_csv():
    """The survey template (canonical headers, one example row) as CSV."""
    return _csv_download(survey_columns.template_csv(), "survey-template.csv")


@bp.get("/template.xlsx")
def template_xlsx():
    """The survey template as an Excel workbook."""
    return Response(
        survey_columns.template_xlsx(),
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": "attachment; filename=survey-template.xlsx"},
    )


def _empty_rejected() -> bytes:
    """A rejected-rows CSV with no rows."""
    return "\ufeff行号,错误\r\n".encode("utf-8")  # data: the same header row as imports/service.py


def _csv_download(data: bytes, filename: str) -> Response:
    """A CSV file download."""
    return Response(data, mimetype="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f"attachment; filename={filename}"})
