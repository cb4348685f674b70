"""The 智慧团建 reconciliation page: upload a platform export, see the last run in full and the
history of runs. Supervisors and admins only (``policy.can_import``); the run is scoped by the
user's streets like every figure."""
from __future__ import annotations

import os
import tempfile

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import Length, Optional

from .. import policy
from ..extensions import db
from ..i18n import translate_message
from ..models import Street, street_order
from ..jobs import reconcile as reconcile_jobs
from ..jobs import service as jobs
from ..reconcile import columns, resolutions, service
from ..web.forms import Form

bp = Blueprint("reconcile", __name__, url_prefix="/reconcile")

ENCODING_CHOICES = [("auto", _l("自动识别")), ("utf-8", "UTF-8"), ("gb18030", "GB18030 / GBK")]



class ReconcileForm(Form):
    """The platform export and how to read it."""

    file = FileField(_l("智慧团建导出的组织列表（CSV 或 Excel .xlsx）"), validators=[FileRequired(message=_l("请选择文件"))])
    encoding = SelectField(_l("CSV 编码"), choices=ENCODING_CHOICES, default="auto")
    sheet = StringField(_l("工作表名称（留空为第一个工作表）"), validators=[Optional(), Length(max=100)])
    submit = SubmitField(_l("上传并比对"))


class ResolveForm(Form):
    """One difference's resolution: which, how, and what the action needs."""

    item = HiddenField()
    action = HiddenField()
    credit_code = StringField(_l("统一社会信用代码"), validators=[Optional(), Length(max=40)])
    name = StringField(_l("单位名称"), validators=[Optional(), Length(max=200)])
    street_id = SelectField(_l("所属街道"), coerce=int, validate_choice=False, default=0)
    note = TextAreaField(_l("说明"), validators=[Optional(), Length(max=2000)])


ACTION_LABELS = {action: _l(label) for action, label in resolutions.ACTION_LABELS.items()}


@bp.before_request
@login_required
def only_supervisors():
    """Supervisors and admins only."""
    if not policy.can_import(current_user):
        abort(403)


@bp.route("/", methods=["GET", "POST"])
def index():
    """The upload form, the last run in full and the earlier runs."""
    form = ReconcileForm()
    if form.validate_on_submit():
        storage = form.file.data
        name = os.path.basename((storage.filename or "upload").replace("\\", "/"))[:255] or "upload"
        handle, path = tempfile.mkstemp(prefix="reconcile-", dir=current_app.instance_path)
        try:
            with os.fdopen(handle, "wb") as out:
                for chunk in iter(lambda: storage.stream.read(1 << 20), b""):
                    out.write(chunk)
            job = reconcile_jobs.start_reconcile(current_user, path, name, form.encoding.data, form.sheet.data or None)
        finally:
            if os.path.exists(path):
                os.unlink(path)
        if job.status == jobs.FAILED:  # already refused (a worker that was quick, or jobs run at once)
            flash(_("文件无法比对：%(reason)s", reason=translate_message(jobs.error_message(job))), "danger")
        elif job.status == jobs.DONE:
            flash(_("比对完成"), "success")
            return redirect(url_for("reconcile.index"))
        else:  # a worker compares it: its page shows when the run is ready
            return redirect(url_for("jobs.show", job_id=job.id))
    runs = service.latest_runs(current_user)
    return render_template("reconcile/index.html", form=form, runs=runs, last=runs[0] if runs else None,
                           field_labels=service.FIELD_LABELS)


def _visible_streets() -> list[Street]:
    """The streets of the user's scope (where "create here" may put an organisation)."""
    ids = policy.street_ids(current_user)
    query = db.select(Street).order_by(*street_order())
    if ids is not None:
        query = query.where(Street.id.in_(ids or {0}))
    return list(db.session.scalars(query))


@bp.route("/<int:run_id>")
def run(run_id: int):
    """One run in full: every difference, how it was resolved, and the forms to resolve the rest."""
    found = resolutions.run_for(current_user, run_id)
    if found is None:
        abort(404)
    items = resolutions.items(found)
    form = ResolveForm()
    form.street_id.choices = [(s.id, s.name) for s in _visible_streets()]
    return render_template("reconcile/run.html", run=found, items=items, form=form, field_labels=service.FIELD_LABELS,
                           action_labels=ACTION_LABELS, resolved=sum(1 for i in items if i.resolution),
                           unit_name=columns.unit_name)


@bp.route("/<int:run_id>/resolve", methods=["POST"])
def resolve(run_id: int):
    """Resolve one difference (link, create here, correct here, to be fixed on the platform)."""
    found = resolutions.run_for(current_user, run_id)
    if found is None:
        abort(404)
    form = ResolveForm()
    form.street_id.choices = [(s.id, s.name) for s in _visible_streets()]
    if not form.validate_on_submit():
        flash(_("表单已过期或填写有误，请重试"), "danger")
        return redirect(url_for("reconcile.run", run_id=run_id))
    try:
        resolutions.resolve(found, form.item.data or "", form.action.data or "", current_user,
                            credit_code=form.credit_code.data or "", name=form.name.data or "",
                            street_id=form.street_id.data or None, note=form.note.data or "")
    except resolutions.ResolutionError as refused:
        flash(_("未处理：%(reason)s", reason=translate_message(refused.message)), "danger")
    else:
        flash(_("已处理：%(action)s", action=ACTION_LABELS.get(form.action.data, "")), "success")
    return redirect(url_for("reconcile.run", run_id=run_id) + "#" + request.form.get("item", "").replace(":", "-"))
