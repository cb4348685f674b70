"""Errors of the JSON API as ``application/problem+json`` (RFC 9457): ``type``, ``title``, ``status``,
``detail`` in the caller's language, and ``errors`` (field → messages) for bad parameters or bodies."""
from __future__ import annotations

import time
from http import HTTPStatus
from typing import Any

from flask import Response, json, request

from ..domain.rules import N_, Message
from ..extensions import limiter
from ..i18n import translate_message

CONTENT_TYPE = "application/problem+json"


def is_api_request() -> bool:
    """Whether the request is for the JSON API (its errors are problem objects, not pages)."""
    return request.path.startswith("/api/")


def _translated(value: Any) -> Any:
    """Messages (also inside lists and dicts, as marshmallow gives them) in the caller's language."""
    if isinstance(value, str):
        return translate_message(value)
    if isinstance(value, dict):
        return {str(k): _translated(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_translated(v) for v in value]
    return value


def problem(status: int, detail: str | None = None, *, errors: dict | None = None,
            headers: dict[str, str] | None = None, **extra: Any) -> Response:
    """A problem response with `status`; `detail` and the messages of `errors` are translated."""
    body: dict[str, Any] = {"type": "about:blank", "title": HTTPStatus(status).phrase, "status": status}
    if detail:
        body["detail"] = translate_message(detail)
    if errors:
        body["errors"] = _translated(errors)
    body.update(extra)
    response = Response(json.dumps(body, ensure_ascii=False), status=status, content_type=CONTENT_TYPE)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def from_exception(error: Exception, code: int) -> Response:
    """The problem for an HTTP error raised in an API request (werkzeug's, webargs's with the
    validation messages, Flask-Limiter's 429 with Retry-After)."""
    data = getattr(error, "data", None) or {}
    errors = data.get("messages") or data.get("errors")
    if isinstance(errors, dict) and len(errors) == 1 and next(iter(errors)) in ("json", "query", "headers"):
        errors = next(iter(errors.values()))  # webargs nests the messages under the location
    headers = dict(data.get("headers") or {})
    if code == 429:
        headers["Retry-After"] = str(_retry_after())
    return problem(code, detail(code), errors=errors if isinstance(errors, dict) else None, headers=headers)


def _retry_after() -> int:
    """Seconds until the breached limit resets (1 when unknown)."""
    try:
        breached = limiter.current_limit
        return max(1, int(breached.reset_at - time.time())) if breached else 1
    except Exception:  # noqa: BLE001 - the storage may be unreachable; the answer still goes out
        return 1


#: The detail of each error when nothing more precise is known (N_: translated when answered).
DETAILS = {
    400: N_("请求参数无效"),
    401: N_("请先登录或提供 API 令牌"),
    403: N_("无权执行此操作"),
    404: N_("没有找到该资源"),
    405: N_("不支持该请求方法"),
    409: N_("与当前数据冲突"),
    413: N_("请求内容过大"),
    415: N_("请求内容应为 JSON"),
    422: N_("请求内容未通过校验"),
    429: N_("请求过于频繁，请稍后再试"),
    500: N_("服务器内部错误"),
}


def detail(code: int) -> Message | None:
    """The default detail of an error code."""
    text = DETAILS.get(code)
    return Message(text) if text else None
