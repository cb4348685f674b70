"""Error pages that leak nothing: 400, 403, 404, 405, 413, 429, 500 (the 500 rolls the session back)."""
from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from flask_wtf.csrf import CSRFError

from ..extensions import db

HANDLED = (400, 403, 404, 405, 413, 429, 500)


def _render(code: int, description: str | None = None):
    if request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json":
        return jsonify({"error": code}), code
    return render_template("errors/error.html", code=code, description=description), code


def init_app(app: Flask) -> None:
    """Register the handlers."""

    def make_handler(code: int):
        def handler(error):
            if code == 500:
                db.session.rollback()
            return _render(code)

        return handler

    for code in HANDLED:
        app.register_error_handler(code, make_handler(code))

    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return _render(400, "csrf")
