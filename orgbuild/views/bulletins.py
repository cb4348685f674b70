"""The 进度通报 page: progress snapshots (create, list) and the ranked bulletin built from each, with
its downloads (Word, printable HTML, JSON)."""
from __future__ import annotations

from datetime import date

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from .. import policy
from ..campaign.actions import ServiceError, local_today
from ..i18n import translate_message
from ..progress import bulletins, documents, snapshots
from ..progress.bulletins import FIGURE_NAMES
from . import charts

bp = Blueprint("bulletins", __name__, url_prefix="/bulletins")


def _form_date(text: str | None) -> date | None:
    """A YYYY-MM-DD form value (None when blank); ValueError when unreadable."""
    text = (text or "").strip()
    return date.fromisoformat(text) if text else None


@bp.route("/", methods=["GET", "POST"])
@login_required
def index():
    """The snapshots the user may read; supervisors create one (year, as-of date, title)."""
    can_create = policy.can_create_snapshot(current_user)
    errors: dict[str, str] = {}
    form = {"year": request.values.get("year", ""), "as_of": request.values.get("as_of", ""),
            "title": request.values.get("title", "")}
    if request.method == "POST":
        if not can_create:
            abort(403)
        try:
            year = int(form["year"]) if form["year"].strip() else None
            as_of = _form_date(form["as_of"])
        except ValueError:
            errors["as_of"] = _("年度或截至日期无效")
        else:
            try:
                snapshot = snapshots.create_snapshot(current_user, year, as_of=as_of, title=form["title"])
            except ServiceError as error:
                for field, message in error.errors:
                    errors[field or "title"] = translate_message(message)
            else:
                flash(_("已生成进度快照：%(title)s", title=snapshot.title), "success")
                return redirect(url_for("bulletins.show", snapshot_id=snapshot.id))
    return render_template("bulletins/index.html", items=snapshots.visible(current_user), can_create=can_create,
                           form=form, errors=errors, today=local_today()), (400 if errors else 200)


def _snapshot_or_404(snapshot_id: int):
    """The snapshot if the user may read it; 404 otherwise (do not confirm it exists)."""
    snapshot = snapshots.find(current_user, snapshot_id)
    if snapshot is None:
        abort(404)
    return snapshot


@bp.get("/<int:snapshot_id>")
@login_required
def show(snapshot_id: int):
    """The bulletin of one snapshot: ranking with lights, 环比, 同比, corrections, notes, downloads."""
    snapshot = _snapshot_or_404(snapshot_id)
    bulletin = bulletins.for_snapshot(snapshot)
    return render_template(
        "bulletins/show.html", snapshot=snapshot, b=bulletin, drift=snapshots.drift(snapshot),
        figure_names=FIGURE_NAMES, streets_svg=charts.street_chart(bulletin["district"]["by_street"]),
    )


@bp.get("/<int:snapshot_id>.<fmt>")
@login_required
def download(snapshot_id: int, fmt: str):
    """The bulletin of a snapshot as a Word document, a printable HTML page (shown) or JSON."""
    if fmt not in documents.FORMATS:
        abort(404)
    snapshot = _snapshot_or_404(snapshot_id)
    data = documents.render(bulletins.for_snapshot(snapshot), fmt)
    response = Response(data, mimetype=documents.FORMATS[fmt])
    name = f"bulletin-{snapshot.year}-{snapshot.as_of.isoformat()}-{snapshot.id}.{fmt}"
    response.headers["Content-Disposition"] = f"{'inline' if fmt == 'html' else 'attachment'}; filename={name}"
    return response
