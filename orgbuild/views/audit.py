"""The audit page: who changed what and when, filterable by user, organisation, action and date."""
from __future__ import annotations

from flask import Blueprint, abort, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import select

from .. import audit as audit_service
from .. import policy
from ..campaign.actions import SURVEY_FIELDS
from ..campaign.forms import SurveyForm
from ..demo.service import demo_summary_message
from ..extensions import db
from ..i18n import translate_message
from ..imports.service import batch_summary_message
from ..models import Organization, User
from .helpers import FILTER_IGNORED, requested_date

bp = Blueprint("audit", __name__, url_prefix="/audit")

ACTION_LABELS = {
    "create": _l("登记"),
    "update": _l("修改"),
    "transition": _l("状态变更"),
    "import": _l("批量导入"),
    "user": _l("用户管理"),
    "reference": _l("街道社区"),
    "assign": _l("分配团干"),
    "reconcile": _l("处理比对差异"),
    "merge": _l("合并重复组织"),
}

#: Labels of the fields that audit rows name: the survey form's own labels, plus account fields.
FIELD_LABELS = {
    **{name: getattr(SurveyForm, name).args[0] for name in SURVEY_FIELDS if hasattr(SurveyForm, name)},
    "status": _l("状态"),
    "role": _l("角色"),
    "streets": _l("负责街道"),
    "active": _l("是否启用"),
    "password": _l("密码"),
    "display_name": _l("姓名"),
    "district": _l("所属区"),
    "street_name": _l("街道名称"),
    "street_code": _l("街道代码"),
    "community_name": _l("社区名称"),
}


#: Account changes are summarised as "<verb> <username>" by accounts/service.py; the page shows the verb translated.
USER_VERBS = {
    "change password": _l("修改密码"),
    "reset password": _l("重置密码"),
    "deactivate": _l("停用"),
    "reactivate": _l("启用"),
    "create": _l("新建用户"),
    "update": _l("修改用户"),
}


#: Street and community changes are summarised as "<verb> <names>" by districts/service.py.
REFERENCE_VERBS = {
    "add street": _l("新增街道"),
    "update street": _l("修改街道"),
    "add community": _l("新增社区"),
    "rename community": _l("社区改名"),
    "remove community": _l("删除社区"),
}


def event_summary(event) -> str:
    """What an audit row is about, for people: account, street and community changes get their verb
    translated."""
    verbs = {"user": USER_VERBS, "reference": REFERENCE_VERBS}.get(event.action, {})
    for verb, label in verbs.items():
        if event.summary.startswith(verb + " "):
            return _("%(verb)s：%(name)s", verb=label, name=event.summary[len(verb) + 1:])
    if event.object_type == "demo":
        message = demo_summary_message(event.summary)
        if message is not None:
            return translate_message(message)
    if event.action == "import" and event.object_type == "import_batch":
        message = batch_summary_message(event.summary)
        if message is not None:
            return translate_message(message)
    return event.summary


def field_label(name: str) -> str:
    """The label of a field named in an audit row (the raw name when unknown)."""
    return FIELD_LABELS.get(name, name)


@bp.app_context_processor
def audit_helpers() -> dict:
    """Template helpers for audit rows, also used by the organisation page."""
    return {"field_label": field_label, "audit_actions": ACTION_LABELS, "event_summary": event_summary}


@bp.get("/")
@login_required
def index():
    """The audit trail the reader may see, newest first, with old → new values."""
    if not policy.can_read_audit(current_user):
        abort(403)
    for name in ("from", "to"):  # the filter ignores a date it cannot read: say so
        requested_date(name, FILTER_IGNORED)
    f = audit_service.AuditFilter.from_args(request.args)
    page = db.paginate(audit_service.events_query(current_user, f), per_page=50, max_per_page=200)
    users = list(db.session.scalars(select(User).order_by(User.username)))
    org = None
    if f.organization_id is not None:
        org = db.session.get(Organization, f.organization_id)
        org = org if org is not None and policy.can_see_org(current_user, org) else None
    org_ids = {e.organization_id for e in page.items if e.organization_id is not None}
    names = select(Organization.id, Organization.name).where(Organization.id.in_(org_ids))
    org_names = dict(db.session.execute(names).all()) if org_ids else {}
    return render_template(
        "audit/index.html", page=page, f=f, users=users, org=org, actions=ACTION_LABELS, org_names=org_names
    )
