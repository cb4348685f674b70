"""Error pages that leak nothing: 400, 403, 404, 405, 413, 429, 500 (the 500 rolls the session back)."""
from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DataError
from werkzeug.exceptions import HTTPException

from ..extensions import db, limiter
from ..web import problems
from .helpers import retry_minutes

HANDLED = (400, 403, 404, 405, 413, 429, 500)


def _retry_minutes() -> int | None:
    """Minutes until the breached rate limit resets, when one was breached in this request."""
    try:
        breached = limiter.current_limit
        return retry_minutes(breached.reset_at) if breached else None
    except Exception:  # noqa: BLE001 - the storage may be unreachable; the page still renders
        return None


def _render(code: int, description: str | None = None, error: Exception | None = None):
    """The error as a problem object for the API, JSON for a client that asks for it, else the error
    page; never the exception's own text."""
    if problems.is_api_request():
        response = problems.from_exception(error, code) if error is not None else problems.problem(code)
        allow = error.get_headers() if isinstance(error, HTTPException) and code == 405 else []
        for name, value in allow:
            if name == "Allow":
                response.headers["Allow"] = value
        return response
    if request.accept_mimetypes.best == "application/json":
        return jsonify({"error": code}), code
    minutes = _retry_minutes() if code == 429 else None
    return render_template("errors/error.html", code=code, description=description, minutes=minutes), code


def init_app(app: Flask) -> None:
    """Register the handlers."""

    def make_handler(code: int):
        def handler(error):
            if code == 500:
                db.session.rollback()
            if code == 429 and getattr(error, "response", None) is not None:
                return error.response  # a page built for this limit (e.g. the sign-in page)
            return _render(code, error=error)

        return handler

    for code in HANDLED:
        app.register_error_handler(code, make_handler(code))

    @app.errorhandler(OverflowError)
    @app.errorhandler(DataError)
    def value_out_of_range(error):
        """Last line behind web/params.py: a number or date the database cannot hold is a 400, not a 500."""
        db.session.rollback()
        return _render(400, error=error)

    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return _render(400, "csrf")
