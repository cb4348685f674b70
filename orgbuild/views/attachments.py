"""Evidence files: upload onto a visit, founding or onboarding of an organisation, and serve them
(only to those who may see the organisation; anyone else gets 404)."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf.file import FileField, FileRequired

from .. import policy
from ..attachments import files, service
from ..campaign.actions import ServiceError
from ..extensions import db
from ..models import Attachment
from .helpers import org_or_404, put_errors_on_form
from ..web.forms import Form

bp = Blueprint("attachments", __name__, url_prefix="/orgs")


@bp.app_context_processor
def upload_accept() -> dict:
    """What the upload fields' file chooser offers (HEIC too when pillow-heif is installed)."""
    return {"evidence_accept": files.ACCEPT}


class UploadForm(Form):
    """One evidence file (JPEG/PNG photo or PDF scan)."""

    file = FileField(_l("证明材料（照片或 PDF）"), validators=[FileRequired(message=_l("请选择要上传的文件"))])


@bp.post("/<int:org_id>/<any(visit, branch, onboarding):kind>/<int:record_id>/attachments")
@login_required
def upload(org_id: int, kind: str, record_id: int):
    """Attach one file to a record of the organisation, then go back to its page."""
    org = org_or_404(org_id)
    record = service.record_of(org, kind, record_id)
    if record is None or not policy.can_edit_org(current_user, org):
        abort(404)
    form = UploadForm()
    if form.validate_on_submit():
        upload_file = form.file.data
        try:
            service.attach(org, kind, record, upload_file.read(), upload_file.filename or "", current_user)
        except ServiceError as error:
            put_errors_on_form(form, error.errors)
        else:
            flash(_("已上传：%(name)s", name=upload_file.filename or ""), "success")
            return redirect(url_for("orgs.detail", org_id=org.id))
    for message in [m for f in form for m in f.errors]:
        flash(_("未上传：%(reason)s", reason=message), "danger")
    return redirect(url_for("orgs.detail", org_id=org.id))


@bp.post("/<int:org_id>/attachments/<int:attachment_id>/delete")
@login_required
def delete(org_id: int, attachment_id: int):
    """Remove an evidence file (who may edit the organisation may; audited), then back to its page."""
    attachment = _attachment_or_404(org_id, attachment_id)
    org = org_or_404(org_id)
    if not policy.can_edit_org(current_user, org):
        abort(404)
    name = attachment.original_name
    try:
        service.delete(org, attachment, current_user)
    except ServiceError as error:
        put_errors_on_form(Form(), error.errors)
    else:
        flash(_("已删除：%(name)s", name=name), "success")
    return redirect(url_for("orgs.detail", org_id=org_id))


def _attachment_or_404(org_id: int, attachment_id: int) -> Attachment:
    org = org_or_404(org_id)
    attachment = db.session.get(Attachment, attachment_id)
    if attachment is None or attachment.organization_id != org.id:
        abort(404)
    return attachment


@bp.get("/<int:org_id>/attachments/<int:attachment_id>")
@login_required
def download(org_id: int, attachment_id: int):
    """The file itself (images shown in the browser, PDFs too; never sniffed as anything else)."""
    attachment = _attachment_or_404(org_id, attachment_id)
    response = service.response(attachment)
    if response is None:
        abort(404)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, max-age=3600"
    return response


@bp.get("/<int:org_id>/attachments/<int:attachment_id>/thumbnail")
@login_required
def thumbnail(org_id: int, attachment_id: int):
    """The small JPEG shown on the timeline (images only)."""
    attachment = _attachment_or_404(org_id, attachment_id)
    response = service.response(attachment, thumbnail=True) if attachment.has_thumbnail else None
    if response is None:
        abort(404)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, max-age=3600"
    return response
