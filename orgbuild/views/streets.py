"""Streets and communities for admins (街道社区管理): per district, add a street, rename it or fill
in its code; add, rename or remove (when unused) a community. Every change goes through
``districts.service`` (policy, audit, one commit)."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import func, select

from .. import policy
from ..accounts.forms import ConfirmForm
from ..campaign.actions import ServiceError
from ..districts import service as districts
from ..districts.forms import CommunityForm, StreetForm
from ..extensions import db
from ..i18n import translate_message
from ..models import Community, Organization, Street
from ..web import params
from .helpers import put_errors_on_form

bp = Blueprint("streets", __name__, url_prefix="/admin/streets")


@bp.before_request
@login_required
def require_admin():
    """Only admins reach this blueprint (policy.can_manage_streets)."""
    if not policy.can_manage_streets(current_user):
        abort(403)


def _street_or_404(street_id: int) -> Street:
    """The street if the admin may edit its district; 404 otherwise."""
    street = db.session.get(Street, street_id)
    if street is None or not policy.can_manage_streets(current_user, street.district_id):
        abort(404)
    return street


def _community_or_404(community_id: int) -> Community:
    """The community if the admin may edit its district; 404 otherwise."""
    community = db.session.get(Community, community_id)
    if community is None or not policy.can_manage_streets(current_user, community.street.district_id):
        abort(404)
    return community


def _flash_errors(error: ServiceError) -> None:
    """Flash a refusal whose form is not on the page being shown."""
    for _field, message in error.errors:
        flash(translate_message(message), "danger")


def _chosen_district():
    """The district asked for (``?district=<id>``, default: the first in the admin's scope), or 404."""
    choices = districts.visible_districts(current_user)
    wanted = params.parse_int(request.args.get("district"))
    district = next((d for d in choices if d.id == wanted), None) if wanted else (choices[0] if choices else None)
    if district is None:
        abort(404)
    return district, choices


def _district_page(district, choices, form: StreetForm, status: int = 200):
    """The district's streets, with how many communities and organisations each has."""
    streets = districts.streets_of(district)
    ids = [s.id for s in streets]

    def per_street(model) -> dict[int, int]:
        rows = select(model.street_id, func.count(model.id)).where(model.street_id.in_(ids)).group_by(model.street_id)
        return dict(db.session.execute(rows).all()) if ids else {}

    return render_template("streets/index.html", district=district, districts=choices, streets=streets, form=form,
                           community_counts=per_street(Community), org_counts=per_street(Organization)), status


@bp.route("/", methods=["GET", "POST"])
def index():
    """A district's streets with their codes and communities; the form adds a street."""
    district, choices = _chosen_district()
    form = StreetForm()
    if form.validate_on_submit():
        try:
            street = districts.add_street(district, form.short_name.data, form.code.data, current_user)
        except ServiceError as error:
            put_errors_on_form(form, error.errors)
        else:
            flash(_("已新增%(name)s", name=street.name), "success")
            return redirect(url_for("streets.index", district=district.id))
    return _district_page(district, choices, form, 400 if request.method == "POST" else 200)


@bp.route("/<int:street_id>", methods=["GET", "POST"])
def edit(street_id: int):
    """One street: its name and code, and its communities (add, rename, remove)."""
    street = _street_or_404(street_id)
    form = StreetForm(obj=street)
    if form.validate_on_submit():
        try:
            changes = districts.update_street(street, form.short_name.data, form.code.data, current_user)
        except ServiceError as error:
            put_errors_on_form(form, error.errors)
        else:
            flash(_("已保存（%(n)d项修改）", n=len(changes)) if changes else _("没有修改"), "success")
            return redirect(url_for("streets.edit", street_id=street.id))
    return _street_page(street, form, CommunityForm(formdata=None), 400 if request.method == "POST" else 200)


def _street_page(street: Street, form: StreetForm, community_form: CommunityForm, status: int = 200):
    """The street page with both forms."""
    return render_template("streets/edit.html", street=street, form=form, community_form=community_form,
                           use=districts.community_use(street), confirm=ConfirmForm()), status


@bp.post("/<int:street_id>/communities")
def add_community(street_id: int):
    """Add a community to the street."""
    street = _street_or_404(street_id)
    form = CommunityForm()
    if form.validate_on_submit():
        try:
            community = districts.add_community(street, form.name.data, current_user)
        except ServiceError as error:
            put_errors_on_form(form, error.errors)
        else:
            flash(_("已新增%(name)s社区", name=community.name), "success")
            return redirect(url_for("streets.edit", street_id=street.id))
    return _street_page(street, StreetForm(obj=street, formdata=None), form, 400)


@bp.post("/communities/<int:community_id>")
def rename_community(community_id: int):
    """Rename a community (its organisations keep it)."""
    community = _community_or_404(community_id)
    street_id = community.street_id
    form = CommunityForm()
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for message in errors:
                flash(message, "danger")
        return redirect(url_for("streets.edit", street_id=street_id))
    try:
        changes = districts.rename_community(community, form.name.data, current_user)
    except ServiceError as error:
        _flash_errors(error)
    else:
        flash(_("已改名为%(name)s", name=community.name) if changes else _("没有修改"), "success")
    return redirect(url_for("streets.edit", street_id=street_id))


@bp.post("/communities/<int:community_id>/remove")
def remove_community(community_id: int):
    """Remove a community that no organisation names."""
    community = _community_or_404(community_id)
    street_id, name = community.street_id, community.name
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        districts.remove_community(community, current_user)
    except ServiceError as error:
        _flash_errors(error)
    else:
        flash(_("已删除%(name)s社区", name=name), "success")
    return redirect(url_for("streets.edit", street_id=street_id))
