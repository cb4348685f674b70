"""Web layer: one blueprint per area, and the navigation bar's links."""
from __future__ import annotations

from typing import Callable

from flask import Flask, abort, current_app, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from .. import policy
from . import (admin, api, assignment, attachments, audit, auth, board, bulletins, dashboard, errors, exports, health,
               imports, jobs, main, merge, offline, orgs, quality, reconcile, streets, targets, tokens)

#: (endpoint, label, who sees it). Links whose endpoint is not registered are left out.
NAV: list[tuple[str, object, Callable]] = [
    ("dashboard.index", _l("看板"), lambda u: True),
    ("board.index", _l("阶段看板"), lambda u: True),
    ("main.followups", _l("我的跟进"), lambda u: True),
    ("orgs.index", _l("组织列表"), lambda u: True),
    ("targets.index", _l("目标"), policy.can_set_targets),
    ("bulletins.index", _l("进度通报"), policy.can_create_snapshot),
    ("quality.warnings", _l("支部预警"), policy.can_read_quality),
    ("quality.rectifications", _l("整顿任务"), policy.can_read_quality),
    ("imports.index", _l("批量导入"), policy.can_import),
    ("assignment.index", _l("分配团干"), policy.can_assign),
    ("reconcile.index", _l("智慧团建比对"), policy.can_import),
    ("audit.index", _l("操作记录"), policy.can_read_audit),
    ("admin.users", _l("用户管理"), policy.can_manage_users),
    ("streets.index", _l("街道社区"), policy.can_manage_streets),
]


def nav_links() -> list[tuple[str, object]]:
    """The navigation links the current user may follow."""
    if not current_user.is_authenticated:
        return []
    if policy.is_secretary(current_user):
        return [("main.home", _l("组织生活"))] if current_user.organization_id is not None else []
    return [
        (endpoint, label)
        for endpoint, label, allowed in NAV
        if endpoint in current_app.view_functions and allowed(current_user)
    ]


def register(app: Flask) -> None:
    """Register every blueprint, the error pages and the navigation helper on `app`."""
    for module in (auth, main, orgs, health, admin, streets, audit, imports, jobs, dashboard, targets, bulletins, exports,
                   quality, assignment, board, attachments, reconcile, offline, merge, tokens):
        app.register_blueprint(module.bp)
    api.init_app(app)  # with its OpenAPI description
    errors.init_app(app)
    app.before_request(secretary_gate)
    app.jinja_env.globals["nav_links"] = nav_links


def secretary_gate():
    """A branch secretary opens only the pages policy.SECRETARY_ENDPOINTS names (403 elsewhere);
    an unknown URL stays a 404."""
    if request.endpoint is not None and not policy.secretary_may_open(current_user, request.endpoint):
        abort(403)
