"""The board by stage (阶段看板): columns per status with cards; moving a card opens the step's form."""
from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_login import current_user, login_required

from ..board import service as board
from ..domain.rules import INDUSTRIES
from .orgs import officers_in_scope, visible_streets

bp = Blueprint("board", __name__, url_prefix="/board")


@bp.get("/")
@login_required
def index():
    """Every column with its count and first cards, or (``column=``) one column page by page."""
    f = board.BoardFilter.from_args(request.args)
    column = request.args.get("column")
    column = column if column in board.MAIN_COLUMNS + board.FOLDED_COLUMNS else None
    columns = board.board(current_user, f, column=column, page=request.args.get("page", 1, type=int))
    return render_template("board/index.html", columns=columns, f=f, column=column, streets=visible_streets(),
                           officers=officers_in_scope(), industries=INDUSTRIES, stale_days=board.stale_days(),
                           folded=board.FOLDED_COLUMNS)
