"""User management for admins: list, create, edit role and streets, deactivate / reactivate,
reset a password. Every change goes through ``accounts`` (which audits it)."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from .. import policy
from ..accounts import service as accounts
from ..assignment import service as assignment
from ..assignment.forms import HandoverForm
from ..accounts.forms import ROLE_LABELS, ConfirmForm, ResetPasswordForm, UserForm
from ..districts import service as districts
from ..extensions import db
from ..i18n import translate_message
from ..models import Street, User, street_order
from .helpers import form_version, put_errors_on_form

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
@login_required
def require_admin():
    """Only admins reach this blueprint (policy.can_manage_users)."""
    if not policy.can_manage_users(current_user):
        abort(403)


def _user_or_404(user_id: int) -> User:
    """The account with this id, or 404."""
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    return user


def _street_choices(form: UserForm) -> bool:
    """Fill the street and district choices of the user form; with one district only, drop the
    district field (the account then belongs to the district of its streets). Returns whether the
    form has the district field."""
    choices = districts.all_districts()
    several = len(choices) > 1
    form.street_ids.choices = [
        (s.id, f"{s.district.name} · {s.name}" if several else s.name)
        for s in db.session.scalars(select(Street).order_by(*street_order()))
    ]
    if not several:
        del form.district_id
        return False
    form.district_id.choices = [(0, _("全市"))] + [(d.id, d.name) for d in choices]
    return True


def _district(form: UserForm, has_field: bool):
    """The district chosen on the form (None: the city), or KEEP without the field (or its value)."""
    if not has_field or not form.district_id.raw_data:
        return accounts.KEEP
    return districts.find_district(form.district_id.data) if form.district_id.data else None


def _streets(ids: list[int]) -> list[Street]:
    """The streets with these ids."""
    return list(db.session.scalars(select(Street).where(Street.id.in_(ids or [])))) if ids else []


def _organization(form: UserForm):
    """A branch secretary's organisation named on the form by its credit code (other roles: None)."""
    if form.role.data != "secretary":
        return None
    return accounts.find_organization(form.org_code.data)


@bp.get("/users")
def users():
    """Every account with its role, streets and state."""
    return render_template("admin/users.html", users=accounts.list_users(), roles=ROLE_LABELS, confirm=ConfirmForm(),
                           several_districts=len(districts.all_districts()) > 1)


@bp.route("/users/new", methods=["GET", "POST"])
def create_user():
    """Create an account with an initial password that meets the policy."""
    form = UserForm()
    has_district = _street_choices(form)
    if form.validate_on_submit():
        try:
            user = accounts.create_user(
                form.username.data, form.password.data or "", form.role.data, _streets(form.street_ids.data),
                display_name=(form.display_name.data or "").strip(), actor=current_user,
                district=_district(form, has_district), email=form.email.data, organization=_organization(form),
            )
        except accounts.AccountError as error:
            put_errors_on_form(form, [(error.field, error.message)])
        else:
            flash(_("已创建用户 %(name)s", name=user.username), "success")
            return redirect(url_for("admin.users"))
    return render_template("admin/user_form.html", form=form, user=None)


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
def edit_user(user_id: int):
    """Change an account's role, streets, display name and e-mail address."""
    user = _user_or_404(user_id)
    form = UserForm(obj=user)
    del form.password
    has_district = _street_choices(form)
    if not form.is_submitted():
        form.street_ids.data = [s.id for s in user.streets]
        form.org_code.data = user.organization.credit_code if user.organization is not None else ""
        if has_district:
            form.district_id.data = user.district_id or 0
    form.username.data = user.username  # the user name itself never changes
    conflict = None
    if form.validate_on_submit():
        expected = form_version(form)
        if expected is None:
            abort(400)  # an edit without the version it was opened at is never applied unchecked
        try:
            changes = accounts.update_user(
                user, role=form.role.data, streets=_streets(form.street_ids.data),
                display_name=form.display_name.data or "", actor=current_user,
                district=_district(form, has_district), organization=_organization(form),
                email=(form.email.data or "") if form.email.raw_data else accounts.KEEP,
                expected_version=expected,
            )
        except accounts.AccountConflict as error:
            conflict = error
            user = _user_or_404(user_id)
            form.version.data = user.version  # saving again now overwrites knowingly what is shown
        except accounts.AccountError as error:
            put_errors_on_form(form, [(error.field or "role", error.message)])
        else:
            flash(_("已保存（%(n)d项修改）", n=len(changes)) if changes else _("没有修改"), "success")
            return redirect(url_for("admin.users"))
    elif not form.is_submitted():
        form.version.data = user.version
    return render_template("admin/user_form.html", form=form, user=user, conflict=conflict, role_labels=ROLE_LABELS,
                           conflict_message=translate_message(conflict.message) if conflict else ""), 409 if conflict else 200


def _set_active(user_id: int, active: bool):
    """Deactivate or reactivate, then back to the list."""
    user = _user_or_404(user_id)
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    if not active and (assignment.assigned_orgs(user) or assignment.open_tasks_of(user)):
        flash(_("%(name)s 仍负责组织：请选择接手的团干", name=user.label), "warning")
        return redirect(url_for("admin.handover", user_id=user.id))
    try:
        changed = accounts.set_active(user, active, actor=current_user)
    except accounts.AccountError as error:
        flash(translate_message(error.message), "danger")
    else:
        if changed:
            flash(_("已启用 %(name)s", name=user.username) if active else _("已停用 %(name)s，其登录已失效", name=user.username), "success")
    return redirect(url_for("admin.users"))


@bp.post("/users/<int:user_id>/deactivate")
def deactivate(user_id: int):
    """Deactivate an account: signed out at its next request, cannot sign in."""
    return _set_active(user_id, False)


@bp.post("/users/<int:user_id>/reactivate")
def reactivate(user_id: int):
    """Reactivate an account."""
    return _set_active(user_id, True)


@bp.route("/users/<int:user_id>/password", methods=["GET", "POST"])
def reset_password(user_id: int):
    """Set a new password for someone (their sessions end)."""
    user = _user_or_404(user_id)
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            accounts.reset_password(user, form.new_password.data, actor=current_user)
        except accounts.AccountError as error:
            put_errors_on_form(form, [("new_password", error.message)])
        else:
            flash(_("已重置 %(name)s 的密码", name=user.username), "success")
            return redirect(url_for("admin.users"))
    return render_template("admin/reset_password.html", form=form, user=user)


@bp.route("/users/<int:user_id>/handover", methods=["GET", "POST"])
def handover(user_id: int):
    """Deactivate an officer who still has organisations or open rectification tasks: ask who takes
    them over (or, chosen explicitly, leave them unassigned), then move them and deactivate in one step."""
    user = _user_or_404(user_id)
    orgs = assignment.assigned_orgs(user)
    tasks = assignment.open_tasks_of(user)
    street_ids = {o.street_id for o in orgs} | {t.organization.street_id for t in tasks}
    candidates = [u for u in db.session.scalars(select(User).where(User.active.is_(True), User.role == "officer",
                                                                   User.id != user.id).order_by(User.username))
                  if street_ids <= {s.id for s in u.streets}]
    form = HandoverForm()
    form.to_id.choices = [(0, _("暂不分配（组织将无负责团干）"))] + [(u.id, u.label) for u in candidates]
    if form.validate_on_submit():
        to = next((u for u in candidates if u.id == form.to_id.data), None)
        try:
            moved = assignment.handover(user, to, actor=current_user, unassign=to is None)
        except assignment.AssignmentError as error:
            flash(translate_message(error.message), "danger")
        else:
            flash(_("已停用 %(name)s，移交 %(n)d 家组织", name=user.username, n=moved), "success")
            return redirect(url_for("admin.users"))
    return render_template("admin/handover.html", form=form, user=user, orgs=orgs, tasks=tasks, candidates=candidates)
