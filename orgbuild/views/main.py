"""Home page and an officer's follow-ups."""
from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, url_for
from flask_login import current_user, login_required

from .. import policy
from ..campaign import followups as followup_service
from ..campaign.actions import local_today
from ..quality import rectification

bp = Blueprint("main", __name__)


@bp.get("/")
@login_required
def home():
    """Everyone starts at the dashboard (scoped to their streets); a branch secretary at their
    branch's organisational life."""
    if policy.is_secretary(current_user):
        if current_user.organization_id is None:
            abort(403)
        return redirect(url_for("quality.life", org_id=current_user.organization_id))
    return redirect(url_for("dashboard.index"))


@bp.get("/followups")
@login_required
def followups():
    """My follow-ups: awaiting a first visit, or follow-up date reached."""
    rows = followup_service.followups(current_user)
    return render_template("main/followups.html", rows=rows, today=local_today(),
                           overdue_tasks=rectification.overdue_tasks(current_user))
