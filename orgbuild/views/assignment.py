"""Assignment pages for supervisors: bulk assignment from a filtered list, auto-assign of a street
(preview, then apply). The handover on deactivation lives beside the user admin (views/admin.py)."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from .. import policy
from ..assignment import service as assignment
from ..assignment.forms import AutoAssignForm, BulkAssignForm
from ..campaign import listing as orglist
from ..extensions import db
from ..i18n import translate_message
from ..models import Organization, Street
from ..web import params
from .orgs import officers_in_scope, visible_streets

bp = Blueprint("assignment", __name__, url_prefix="/assignment")


@bp.before_request
@login_required
def require_supervisor():
    """Only supervisors and admins assign (policy.can_assign)."""
    if not policy.can_assign(current_user):
        abort(403)


def _filtered_query():
    """The scoped organisation list as the query string filters it (plus 未分配 only)."""
    query = orglist.org_query(current_user, orglist.OrgFilter.from_args(request.args))
    if request.args.get("unassigned") == "1":
        query = query.where(Organization.officer_id.is_(None))
    return query


@bp.route("/", methods=["GET", "POST"])
def index():
    """The filtered list with a tick box per organisation and the officer to give them to."""
    form = BulkAssignForm()
    officers = officers_in_scope()
    form.officer_id.choices = [(0, _("请选择"))] + [(u.id, u.label) for u in officers]
    if request.method == "POST":
        if form.validate_on_submit():
            if form.whole_filter.data:
                orgs = list(db.session.scalars(_filtered_query()))
            else:
                ids = form.org_ids.data or []
                orgs = list(db.session.scalars(policy.scope_orgs(current_user).where(Organization.id.in_(ids))))
                if len(orgs) != len(set(ids)):
                    orgs = []  # an id outside the scope: refuse the whole request below
            officer = next((u for u in officers if u.id == form.officer_id.data), None)
            try:
                if officer is None:
                    raise assignment.AssignmentError(_("请选择负责团干"))
                changed = assignment.assign(orgs, officer, actor=current_user)
            except assignment.AssignmentError as error:
                flash(translate_message(error.message), "danger")
            else:
                flash(_("已将 %(n)d 家组织分配给 %(name)s", n=changed, name=officer.label), "success")
        else:
            for errors in form.errors.values():
                for message in errors:
                    flash(message, "danger")
        return redirect(url_for("assignment.index", **request.args))
    f = orglist.OrgFilter.from_args(request.args)
    page = db.paginate(_filtered_query(), per_page=50, max_per_page=200)
    return render_template("assignment/index.html", form=form, page=page, f=f, streets=visible_streets(),
                           officers=officers, unassigned=request.args.get("unassigned") == "1")


def _street_or_404(street_id: int | None) -> Street:
    """A street within the current user's scope, or 404."""
    street = db.session.get(Street, street_id) if street_id else None
    if street is None or not policy.can_assign_in(current_user, street.id):
        abort(404)
    return street


@bp.get("/auto")
def auto():
    """Pick a street and preview who would get how many of its unassigned organisations."""
    streets = visible_streets()
    street_id = params.parse_int(request.args.get("street"), 1)
    plan, problem = None, None
    if street_id:
        street = _street_or_404(street_id)
        try:
            plan = assignment.plan_auto(street)
        except assignment.AssignmentError as error:
            problem = translate_message(error.message)
    form = AutoAssignForm(street_id=street_id or "")
    return render_template("assignment/auto.html", streets=streets, street_id=street_id, plan=plan,
                           problem=problem, form=form)


@bp.post("/auto")
def auto_apply():
    """Apply the auto-assignment of the street (planned again at this moment)."""
    form = AutoAssignForm()
    if not form.validate_on_submit() or params.parse_int(form.street_id.data, 1) is None:
        flash(_("请先选择街道并预览"), "danger")
        return redirect(url_for("assignment.auto"))
    street = _street_or_404(int(form.street_id.data))
    try:
        plan = assignment.auto_assign(street, actor=current_user)
    except assignment.AssignmentError as error:
        flash(translate_message(error.message), "danger")
    else:
        flash(_("已为 %(street)s 自动分配 %(n)d 家组织", street=street.name, n=len(plan.pairs)), "success")
    return redirect(url_for("assignment.auto", street=street.id))
