"""The request log of a served app: one JSON line per request on stdout with method, path, status,
duration and request id (``REQUEST_LOG``, from ``ORGBUILD_REQUEST_LOG``, on by default in production).
Trusted proxies (ProxyFix, ``ORGBUILD_TRUSTED_PROXIES``) are set up in web/setup.py.
"""
from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid
from datetime import UTC, datetime

from flask import Flask, g, request

REQUEST_LOGGER = "orgbuild.request"
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")


def init_app(app: Flask) -> None:
    """Turn on the request log when configured."""
    if app.config.get("REQUEST_LOG"):
        init_request_log(app)


def request_logger() -> logging.Logger:
    """The logger of the request lines: bare messages on stdout, not propagated to the root logger."""
    logger = logging.getLogger(REQUEST_LOGGER)
    if not getattr(logger, "_orgbuild_configured", False):
        handler = logging.StreamHandler(sys.stdout)
        handler.setFormatter(logging.Formatter("%(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        logger.propagate = False
        logger._orgbuild_configured = True  # type: ignore[attr-defined]
    return logger


def request_id_from(header: str | None) -> str:
    """The caller's X-Request-ID when it is a sane token, else a fresh random one."""
    if header and _REQUEST_ID.match(header):
        return header
    return uuid.uuid4().hex


def log_record(response_status: int, duration_ms: float) -> dict:
    """The fields of one request line (called inside the request context)."""
    user = getattr(g, "_login_user", None)  # only if already loaded: logging never queries
    return {
        "ts": datetime.now(UTC).isoformat(timespec="milliseconds"),
        "request_id": g.get("request_id"),
        "method": request.method,
        "path": request.path,
        "status": response_status,
        "duration_ms": round(duration_ms, 1),
        "remote_addr": request.remote_addr,
        "user_id": getattr(user, "id", None) if getattr(user, "is_authenticated", False) else None,
    }


def init_request_log(app: Flask) -> None:
    """Give each request an id (echoed in X-Request-ID) and log one JSON line when it is answered."""
    logger = request_logger()

    @app.before_request
    def start_request_clock() -> None:
        g.request_started = time.perf_counter()
        g.request_id = request_id_from(request.headers.get("X-Request-ID"))

    @app.after_request
    def log_request(response):
        started = g.get("request_started")
        duration = (time.perf_counter() - started) * 1000 if started is not None else 0.0
        if g.get("request_id"):
            response.headers["X-Request-ID"] = g.request_id
        logger.info(json.dumps(log_record(response.status_code, duration), ensure_ascii=False))
        return response
