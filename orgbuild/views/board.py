"""The board by stage (阶段看板): columns per status with cards; moving a card opens the step's form.
Beside it, the weekly summary per street (每周汇总), the one ``digest --weekly`` prints."""
from __future__ import annotations

from flask import Blueprint, abort, render_template, request, url_for
from flask_babel import get_translations
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..board import service as board
from ..domain.rules import INDUSTRIES
from ..domain.workflow import EVENTS, STATUSES
from ..reminders import weekly as weekly_service
from ..web import params
from .orgs import officers_in_scope, visible_streets

bp = Blueprint("board", __name__, url_prefix="/board")

#: the organisation id in a link built once for the page (each card puts its own id in its place)
ID_MARK = 987654321


@bp.get("/")
@login_required
def index():
    """Every column with its count and first cards, or (``column=``) one column page by page."""
    f = board.BoardFilter.from_args(request.args)
    column = request.args.get("column")
    column = column if column in board.MAIN_COLUMNS + board.FOLDED_COLUMNS else None
    columns = board.board(current_user, f, column=column, page=params.parse_int(request.args.get("page"), 1) or 1)
    # the cards' texts and links, translated and built once for the page rather than once per card
    texts = {"days": _("本阶段 %(n)d 天"), "follow_up": _("下次跟进 %(day)s"), "unassigned": _("未分配"),
             "stale": _("停滞"), "steps": {step: _(EVENTS[step]) for step in set(board.NEXT_STEP.values())}}
    # the industry filter's labels through one catalogue lookup (each _() in the template looks it up again)
    catalogue = get_translations()
    industries = [(code, catalogue.gettext(label)) for code, label in INDUSTRIES]
    links = {"detail": url_for("orgs.detail", org_id=ID_MARK),
             "steps": {step: url_for("orgs.step", org_id=ID_MARK, event=step) for step in set(board.NEXT_STEP.values())}}
    return render_template("board/index.html", columns=columns, f=f, column=column, streets=visible_streets(),
                           officers=officers_in_scope(), industries=industries, stale_days=board.stale_days(),
                           folded=board.FOLDED_COLUMNS, texts=texts, links=links, id_mark=str(ID_MARK))


@bp.get("/weekly")
@login_required
def weekly():
    """The weekly summary of each street of the reader's scope (an officer: their own streets), or
    of the one street chosen (``street=``; outside the scope: 404), computed by the service that
    ``digest --weekly`` prints and e-mails."""
    chosen = params.parse_int(request.args.get("street"), 1)
    weeks = weekly_service.weekly_for(current_user, chosen)
    if weeks is None:
        abort(404)
    return render_template("board/weekly.html", weeks=weeks, streets=visible_streets(), chosen=chosen,
                           statuses=STATUSES)
