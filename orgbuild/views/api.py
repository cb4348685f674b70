"""The JSON API under /api/v1 (DESIGN.md, HTTP): progress, organisations, snapshots, recording a visit.

Callers are a signed-in browser session (reads only) or ``Authorization: Bearer TOKEN`` with a
personal access token (accounts/tokens.py), which acts as its user: the same role and streets, every
answer scoped by policy.py. Recording a visit needs a read-write token (no CSRF token is involved:
a bearer token is not sent by a browser on its own). Errors are ``application/problem+json``; each
token (or session, or address) has its own rate limit (``ORGBUILD_API_RATE_LIMIT``).

The OpenAPI 3.1 description, ``/api/v1/openapi.json``, is written by flask-smorest from these views
and the marshmallow schemas of api/schemas.py.
"""
from __future__ import annotations

from http import HTTPStatus

import marshmallow as ma
from flask import Flask, current_app, g, jsonify, request
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from flask_login import current_user
from flask_smorest import Api, Blueprint
from flask_smorest.utils import prepare_response
from werkzeug.exceptions import HTTPException

from .. import policy
from ..accounts import tokens
from ..api import schemas
from ..api import service as api
from ..extensions import csrf, limiter
from ..progress import figures as progress
from ..progress import snapshots
from ..web import params, problems

bp = Blueprint("api", __name__, url_prefix="/api/v1",
               description="Progress figures, organisations, snapshots and visits, within the caller's streets.")

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
BEARER = 'Bearer realm="orgbuild"'
IDENTITY = "orgbuild.api_identity"


class ProblemApi(Api):
    """flask-smorest's Api with errors documented as ``application/problem+json`` and no error handler
    of its own for the whole app (views/errors.py answers problems for /api/ and pages elsewhere)."""

    ERROR_SCHEMA = schemas.Problem

    def _register_error_handlers(self):
        """The app's own handlers stay (pages); the API blueprint answers problems (below)."""

    def _register_responses(self):
        for status in HTTPStatus:
            response = {"description": status.phrase}
            if status >= 400:
                response["schema"] = self.ERROR_SCHEMA
            prepare_response(response, self.spec, problems.CONTENT_TYPE)
            self.spec.components.response(status.name, response, lazy=True)
        response = {"description": "Default error response", "schema": self.ERROR_SCHEMA}
        prepare_response(response, self.spec, problems.CONTENT_TYPE)
        self.spec.components.response("DEFAULT_ERROR", response, lazy=True)


def errors(*codes: int):
    """Document the error answers an operation may give (each as a problem object)."""

    def decorate(func):
        for code in sorted(set(codes) | {401, 429}, reverse=True):
            func = bp.alt_response(code, response=HTTPStatus(code).name)(func)
        return func

    return decorate


# --- who is calling ---------------------------------------------------------------------------

def _identity() -> tuple[object | None, tokens.TokenRefused | None]:
    """(token, None) for a valid bearer token, (None, refusal) for a bad one, (None, None) without one;
    worked out once per request (the rate limiter asks first)."""
    found = request.environ.get(IDENTITY)  # the request's own (``g`` may outlive a request in tests)
    if found is None:
        header = request.headers.get("Authorization")
        if header is None:
            found = (None, None)
        else:
            try:
                found = (tokens.authenticate(header), None)
            except tokens.TokenRefused as refused:
                found = (None, refused)
        request.environ[IDENTITY] = found
    return found


def current_token():
    """The token of this request, if it came with one."""
    return _identity()[0]


def rate_key() -> str:
    """The rate-limit bucket: the token, else the signed-in account, else the address."""
    token, refused = _identity()
    if token is not None:
        return f"api-token:{token.id}"
    if refused is None and current_user.is_authenticated:
        return f"api-user:{current_user.id}"
    return f"api-addr:{get_remote_address()}"


def rate_limit() -> str:
    return current_app.config.get("API_RATE_LIMIT", "120 per minute")


limiter.limit(rate_limit, key_func=rate_key)(bp)


@bp.before_request
def authenticate():
    """A bearer token signs the request in as its user (no session is made); without one, a signed-in
    session may read. Writes need a read-write token."""
    token, refused = _identity()
    if refused is not None:
        return problems.problem(401, refused.message, headers={"WWW-Authenticate": BEARER + ', error="invalid_token"'})
    if token is not None:
        g._login_user = token.user  # Flask-Login's current user for this request only
        if not policy.secretary_may_open(token.user, request.endpoint):  # as views.secretary_gate for sessions
            return problems.problem(403, problems.detail(403))
    elif not current_user.is_authenticated:
        return problems.problem(401, problems.detail(401), headers={"WWW-Authenticate": BEARER})
    if request.method not in SAFE_METHODS and not policy.can_write_through_api(current_token()):
        return problems.problem(403, _("写入需要具有写权限的 API 令牌"))
    return None


@bp.errorhandler(HTTPException)
def api_error(error: HTTPException):
    """Validation errors (webargs) and every other HTTP error of the API as a problem object."""
    return problems.from_exception(error, error.code or 500)


@bp.errorhandler(api.ApiError)
def refused(error: api.ApiError):
    return problems.problem(error.status, error.message, errors=error.errors, **error.extra)


# --- reads -----------------------------------------------------------------------------------

@bp.get("/progress")
@bp.arguments(schemas.ProgressQuery, location="query", error_status_code=400, unknown=ma.RAISE)
@bp.response(200, schemas.Progress)
@errors(400, 404)
def progress_json(args: dict):
    """The progress object of ``flask progress --json`` for the caller's scope, as of a date.

    ``street`` is a street's name (翠竹 or 翠竹街道) or id, ``district`` a district's code, name or id;
    unknown: 400, not the caller's: 404. ``as_of`` (YYYY-MM-DD) must fall within ``year``.
    """
    street, district = args.get("street", "").strip() or None, args.get("district", "").strip() or None
    try:
        if street and params.parse_int(street) is not None:
            scope = progress.scope_for(current_user, street_id=params.parse_int(street))
        else:
            scope = progress.scope_for(current_user, street_name=street, district=district)
    except progress.ScopeError as error:
        raise api.ApiError(404 if error.outside else 400, error.message) from None
    try:
        return jsonify(progress.compute(scope, args.get("year"), as_of=args.get("as_of")))
    except progress.AsOfError as error:
        raise api.ApiError(400, error.message) from None


@bp.get("/orgs")
@bp.arguments(schemas.OrgListQuery, location="query", error_status_code=400, unknown=ma.RAISE)
@bp.response(200, schemas.OrgList)
@errors(400, 404)
def orgs_json(args: dict):
    """The organisations the caller may see, by credit code, one page at a time.

    Filters: ``street`` (name or id; not the caller's: 404), ``status``, ``q`` (part of the name or the
    start of the credit code). ``page`` from 1, ``per_page`` up to 200 (default 50).
    """
    return api.list_orgs(current_user, street=(args.get("street") or "").strip() or None, status=args.get("status"),
                         q=args.get("q", ""), page=args["page"], per_page=args["per_page"])


@bp.get("/orgs/<credit_code>")
@bp.response(200, schemas.OrgDetail)
@errors(404)
def org_json(credit_code: str):
    """One organisation by its credit code: survey fields, visits (newest first), branch, onboarding.

    One outside the caller's streets answers 404, like one that does not exist.
    """
    return api.org_detail(api.find_org(current_user, credit_code))


@bp.get("/snapshots")
@bp.response(200, schemas.SnapshotList)
@errors()
def snapshots_json():
    """The snapshots the caller may see, newest first: id, title, year, as_of, scope, who and when."""
    return jsonify({"items": [snapshots.summary(s) for s in snapshots.visible(current_user)]})


@bp.get("/snapshots/<int:snapshot_id>")
@bp.response(200, schemas.Snapshot)
@errors(404)
def snapshot_json(snapshot_id: int):
    """One snapshot with its frozen progress object (404: unknown or outside the caller's scope)."""
    snapshot = snapshots.find(current_user, snapshot_id)
    if snapshot is None:
        raise api.ApiError(404, problems.detail(404))
    return jsonify(snapshots.as_json(snapshot))


# --- the write -------------------------------------------------------------------------------

@bp.post("/orgs/<credit_code>/visits")
@bp.arguments(schemas.IdempotencyHeaders, location="headers", error_status_code=400)
@bp.arguments(schemas.VisitIn)
@bp.response(201, schemas.VisitRecorded)
@bp.alt_response(200, schema=schemas.VisitRecorded, success=True,
                 description="the same visit was recorded before (the answer of that time)")
@errors(400, 403, 404, 409, 422)
def record_visit(headers: dict, body: dict, credit_code: str):
    """Record a visit (a read-write token), through the same status machine as the visit form.

    The ``Idempotency-Key`` header makes a retry safe: the same key with the same request records
    nothing more and answers the first result again (header ``Idempotent-Replayed: true``); the same
    key with another request answers 422. ``version`` (optional): the organisation's version the
    client read; a change of its status since then answers 409.
    """
    org = api.find_org(current_user, credit_code)
    key = headers["idempotency_key"]
    raw = request.get_json(silent=True)
    answer = api.record_visit(current_user._get_current_object(), org, key,
                              api.fingerprint("POST", request.path, raw), body)
    response = jsonify(answer.body)
    response.status_code = answer.status
    if answer.replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return response


def init_app(app: Flask) -> None:
    """The API blueprint, its OpenAPI description (flask-smorest), CSRF exemption and rate limit."""
    app.config.setdefault("API_TITLE", "orgbuild")
    app.config.setdefault("API_VERSION", "v1")
    app.config.setdefault("OPENAPI_VERSION", "3.1.0")
    app.config.setdefault("OPENAPI_URL_PREFIX", "/api/v1")
    app.config.setdefault("OPENAPI_JSON_PATH", "openapi.json")
    app.config.setdefault("API_SPEC_OPTIONS", {
        "info": {"description": "The JSON API of orgbuild: read the campaign's figures and organisations, record "
                                "visits. Authenticate with `Authorization: Bearer TOKEN` (a personal access "
                                "token from the account page or `flask token create`)."},
        "security": [{"bearer": []}],
    })
    docs = ProblemApi(app)
    docs.spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer",
                                                    "description": "a personal access token (orgb_…)"})
    docs.register_converter(params.BoundedIntConverter,
                            lambda converter: {"type": "integer", "minimum": 0, "maximum": params.MAX_INT})
    csrf.exempt(bp)  # writes need a bearer token (checked above), which a browser never sends by itself
    docs.register_blueprint(bp)
