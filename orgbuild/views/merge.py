"""Merging two duplicate organisation records (supervisors and admins of both): the confirmation page
from an organisation's page or its duplicate warning, and the undo of a merge."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import func, select
from wtforms import BooleanField, HiddenField, IntegerField, RadioField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from .. import policy
from ..domain.rules import normalize_credit_code
from ..duplicates import merge as merging
from ..duplicates import service as duplicate_service
from ..extensions import db
from ..i18n import translate_message
from ..models import OrgMerge, Organization
from ..web.forms import Form
from ..web import params
from .helpers import org_or_404

bp = Blueprint("merge", __name__)


class FindForm(Form):
    """Which organisation to merge with this one."""

    other = StringField(_l("另一条记录的统一社会信用代码"), validators=[DataRequired(), Length(max=40)])
    find = SubmitField(_l("查找"))


class MergeForm(Form):
    """The confirmation: which record survives, the versions seen, why."""

    other_id = HiddenField(validators=[DataRequired()])
    survivor = RadioField(_l("保留哪一条记录"), choices=[("this", ""), ("other", "")], default="this",
                          validators=[InputRequired()])
    this_version = IntegerField(validators=[InputRequired()])
    other_version = IntegerField(validators=[InputRequired()])
    reason = TextAreaField(_l("合并原因"), validators=[Optional(), Length(max=2000)])
    confirm = BooleanField(_l("我已核对：这两条记录是同一个组织"), validators=[DataRequired(message=_l("请勾选确认"))])
    submit = SubmitField(_l("合并"))


class UndoForm(Form):
    """The undo of a merge (CSRF only)."""

    submit = SubmitField(_l("撤销合并"))


def related_counts(org: Organization) -> dict[str, int]:
    """How many rows of each table point at the organisation (what a merge moves)."""
    return {table.name: db.session.scalar(select(func.count()).select_from(table).where(column == org.id)) or 0
            for table, column in merging.org_links()}


def _other(org: Organization, other_id: str | None) -> Organization | None:
    """The other record, when the user may see it and it is not this one."""
    number = params.parse_int(other_id, 1)
    if number is None:
        return None
    other = db.session.get(Organization, number)
    if other is None or other.id == org.id or not policy.can_see_org(current_user, other):
        return None
    return other


@bp.route("/orgs/<int:org_id>/merge", methods=["GET", "POST"])
@login_required
def start(org_id: int):
    """Find the duplicate, compare both records, and merge on confirmation."""
    org = org_or_404(org_id)
    if not policy.can_merge_orgs(current_user, org, org):
        abort(403)
    find = FindForm(request.args, meta={"csrf": False})
    form = MergeForm()
    other = _other(org, request.form.get("other_id") if request.method == "POST" else request.args.get("with"))
    if other is None and request.method == "GET" and find.other.data:
        found = db.session.scalar(select(Organization).where(
            Organization.credit_code == normalize_credit_code(find.other.data)))
        other = _other(org, str(found.id) if found is not None else None)
        if other is None:
            flash(_("在您负责的范围内找不到该统一社会信用代码的另一个组织"), "warning")
    if request.method == "POST" and other is not None and form.validate_on_submit():
        survivor, merged = (org, other) if form.survivor.data == "this" else (other, org)
        versions = {org.id: form.this_version.data, other.id: form.other_version.data}
        try:
            record = merging.merge_orgs(current_user, survivor, merged, survivor_version=versions[survivor.id],
                                        merged_version=versions[merged.id], reason=form.reason.data or "")
        except merging.MergeError as refused:
            db.session.rollback()
            flash(_("未合并：%(reason)s", reason=translate_message(refused.message)), "danger")
            return redirect(url_for("merge.start", org_id=org_id, **{"with": request.form.get("other_id")}))
        else:
            flash(_("已合并：%(name)s 并入 %(into)s。如有误可撤销。", name=record.merged_name,
                    into=record.survivor.name), "success")
            return redirect(url_for("orgs.detail", org_id=record.survivor_id))
    elif request.method == "POST" and other is None:
        flash(_("请先选择要合并的另一条记录"), "warning")
    problem = None
    if other is not None:
        if request.method == "GET" or form.errors or not form.is_submitted():
            form.other_id.data = str(other.id)
            form.this_version.data = org.version
            form.other_version.data = other.version
        try:
            merging.check_merge(current_user, org, other)
        except merging.MergeError as refused:
            problem = translate_message(refused.message)
    candidates = [] if other is not None else [
        c for c in duplicate_service.likely_duplicates(current_user, org.credit_code, org.name)[:5] if c.org_id]
    return render_template("merge/start.html", org=org, other=other, find=find, form=form, problem=problem,
                           candidates=candidates, counts={o.id: related_counts(o) for o in (org, other) if o},
                           labels=TABLE_LABELS)


TABLE_LABELS = {
    "visits": _l("走访"), "branches": _l("建团记录"), "onboardings": _l("入驻记录"), "status_events": _l("状态变更"),
    "submissions": _l("表单提交记录"), "attachments": _l("佐证材料"), "audit_events": _l("操作日志"),
    "branch_activities": _l("组织生活"), "membership_changes": _l("团员变动"), "gradings": _l("年度定级"),
    "branch_covered_orgs": _l("联合团支部覆盖"), "reconcile_resolutions": _l("比对处理"),
}


@bp.route("/merges/<int:merge_id>/undo", methods=["POST"])
@login_required
def undo(merge_id: int):
    """Undo a merge: every moved row goes back, the merged-away record is restored."""
    record = db.session.get(OrgMerge, merge_id)
    survivor = record.survivor if record is not None else None
    if survivor is None or not policy.can_see_org(current_user, survivor):
        abort(404)
    if not policy.can_merge_orgs(current_user, survivor, survivor):
        abort(403)
    if not UndoForm().validate_on_submit():
        abort(400)
    survivor_id, merged_id, name = record.survivor_id, record.merged_id, record.merged_name
    try:
        merging.undo_merge(current_user, record)
    except merging.MergeError as refused:
        db.session.rollback()
        flash(_("未撤销：%(reason)s", reason=translate_message(refused.message)), "danger")
        return redirect(url_for("orgs.detail", org_id=survivor_id))
    flash(_("已撤销合并，%(name)s 已恢复", name=name), "success")
    return redirect(url_for("orgs.detail", org_id=merged_id))


@bp.app_context_processor
def merge_helpers():
    """``merge_box(org)`` for the organisation page: likely duplicates and merges into it (supervisors)."""

    def merge_box(org: Organization) -> dict | None:
        if not policy.can_merge_orgs(current_user, org, org):
            return None
        duplicates = [c for c in duplicate_service.likely_duplicates(current_user, org.credit_code, org.name)[:5]
                      if c.org_id]
        return {"duplicates": duplicates, "merges": merging.merges_of(org), "undo_form": UndoForm()}

    return {"merge_box": merge_box}
