"""The shapes of the JSON API (marshmallow schemas): what a request may carry and what an answer holds.

The views declare them with flask-smorest, which validates requests against them and writes
``/api/v1/openapi.json`` from them, so the description cannot drift from the code. Answers keep
``unknown = EXCLUDE`` (more keys may be added later, DESIGN.md); request bodies refuse unknown keys.
"""
from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from ..domain import rules, workflow
from ..web.params import MAX_DATE, MAX_INT, MIN_DATE

IDEMPOTENCY_KEY = r"^[\x21-\x7e]{1,255}$"


class Answer(ma.Schema):
    """An answer object: more keys may be added later."""

    class Meta:
        unknown = ma.EXCLUDE
        ordered = True


class Problem(Answer):
    """An error (RFC 9457 ``application/problem+json``)."""

    type = fields.String(required=True, metadata={"description": "always about:blank"})
    title = fields.String(required=True, metadata={"description": "the HTTP status phrase"})
    status = fields.Integer(required=True)
    detail = fields.String(metadata={"description": "what went wrong, in the caller's language"})
    errors = fields.Dict(metadata={"description": "field → messages (bad parameters, validation)"})


def _no_control_chars(value: str) -> None:
    if rules.has_control_chars(value):
        raise ma.ValidationError(rules.CONTROL_CHARS_MESSAGE)


def _visible_text(max_length: int) -> list:
    return [validate.Length(max=max_length), _no_control_chars]


# --- query strings ---------------------------------------------------------------------------

class Query(ma.Schema):
    """Query-string arguments: an unknown one (a misspelt filter) is refused, 400, not ignored."""

    class Meta:
        unknown = ma.RAISE


class ProgressQuery(Query):
    year = fields.Integer(validate=validate.Range(2000, 2100), metadata={"description": "campaign year"})
    as_of = fields.Date(validate=validate.Range(MIN_DATE, MAX_DATE),
                        metadata={"description": "YYYY-MM-DD within the year (default: the earlier of today and "
                                                 "31 December)"})
    street = fields.String(validate=_visible_text(100), metadata={"description": "a street's name or id"})
    district = fields.String(validate=_visible_text(100), metadata={"description": "a district's code, name or id"})


class OrgListQuery(Query):
    street = fields.String(validate=_visible_text(100), metadata={"description": "a street's name or id"})
    status = fields.String(validate=validate.OneOf(list(workflow.STATUSES)))
    q = fields.String(validate=_visible_text(100), metadata={"description": "part of the name, or the start of "
                                                                           "the credit code"})
    page = fields.Integer(load_default=1, validate=validate.Range(1, MAX_INT))
    per_page = fields.Integer(load_default=50, validate=validate.Range(1, 200))


class IdempotencyHeaders(ma.Schema):
    class Meta:
        unknown = ma.EXCLUDE

    idempotency_key = fields.String(
        required=True, data_key="Idempotency-Key", validate=validate.Regexp(IDEMPOTENCY_KEY),
        metadata={"description": "a key chosen by the client (1–255 visible ASCII characters), e.g. a UUID: "
                                 "the same key again records nothing and answers the first result"})


# --- request bodies --------------------------------------------------------------------------

class VisitIn(ma.Schema):
    """A visit to record (the fields of the visit form)."""

    class Meta:
        unknown = ma.RAISE
        ordered = True

    visit_date = fields.Date(required=True, validate=validate.Range(MIN_DATE, MAX_DATE))
    outcome = fields.String(required=True, validate=validate.OneOf(list(workflow.VISIT_OUTCOMES)))
    met_with = fields.String(load_default="", validate=_visible_text(120))
    notes = fields.String(load_default="", validate=_visible_text(4000))
    next_follow_up = fields.Date(load_default=None, allow_none=True, validate=validate.Range(MIN_DATE, MAX_DATE))
    version = fields.Integer(validate=validate.Range(1, MAX_INT),
                             metadata={"description": "the organisation's version the client last read: a change of "
                                                      "its status since then answers 409"})

    @ma.validates_schema
    def follow_up_after_visit(self, data, **kwargs):  # noqa: ARG002 - marshmallow's signature
        follow_up, visited = data.get("next_follow_up"), data.get("visit_date")
        if follow_up is not None and visited is not None and follow_up < visited:
            raise ma.ValidationError(rules.N_("下次跟进日期不能早于走访日期"), "next_follow_up")


# --- answers ---------------------------------------------------------------------------------

class _Counts(Answer):
    surveyed = fields.Integer(required=True)
    party_orgs = fields.Integer(required=True)
    party_and_league = fields.Integer(required=True)
    party_no_league = fields.Integer(required=True)
    visited = fields.Integer(required=True)
    visit_coverage_pct = fields.Float(required=True, allow_none=True)
    established = fields.Integer(required=True)
    new_branch_target = fields.Integer(required=True, allow_none=True)
    new_branch_pct = fields.Float(required=True, allow_none=True)
    onboarded = fields.Integer(required=True)
    onboarding_target = fields.Integer(required=True, allow_none=True)
    onboarding_pct = fields.Float(required=True, allow_none=True)
    ineligible = fields.Integer(required=True)


class StreetProgress(_Counts):
    street = fields.String(required=True)


class Progress(_Counts):
    """The progress object of ``flask progress --json`` (DESIGN.md)."""

    year = fields.Integer(required=True)
    as_of = fields.Date(required=True)
    scope = fields.String(required=True)
    by_street = fields.List(fields.Nested(StreetProgress), required=True)


class SnapshotSummary(Answer):
    id = fields.Integer(required=True)
    title = fields.String(required=True)
    year = fields.Integer(required=True)
    as_of = fields.Date(required=True)
    scope = fields.String(required=True)
    created_by = fields.String(required=True, allow_none=True)
    created_at = fields.String(required=True)
    previous = fields.Integer(required=True, allow_none=True)
    digest = fields.String(required=True, allow_none=True)


class SnapshotList(Answer):
    items = fields.List(fields.Nested(SnapshotSummary), required=True)


class Snapshot(SnapshotSummary):
    progress = fields.Nested(Progress, required=True)
    corrections = fields.List(fields.Dict(), required=True)
    same_date_last_year = fields.Dict(required=True, allow_none=True)


class OrgItem(Answer):
    credit_code = fields.String(required=True)
    name = fields.String(required=True)
    street = fields.String(required=True)
    district = fields.String(required=True, allow_none=True)
    status = fields.String(required=True, validate=validate.OneOf(list(workflow.STATUSES)))
    officer = fields.String(required=True, allow_none=True, metadata={"description": "the responsible officer's user "
                                                                                      "name"})
    officer_name = fields.String(required=True, allow_none=True)
    version = fields.Integer(required=True)


class OrgList(Answer):
    items = fields.List(fields.Nested(OrgItem), required=True)
    page = fields.Integer(required=True)
    pages = fields.Integer(required=True)
    per_page = fields.Integer(required=True)
    total = fields.Integer(required=True)


class VisitOut(Answer):
    id = fields.Integer(required=True)
    visit_date = fields.Date(required=True)
    outcome = fields.String(required=True)
    met_with = fields.String(required=True)
    notes = fields.String(required=True)
    next_follow_up = fields.Date(required=True, allow_none=True)
    officer = fields.String(required=True, allow_none=True)


class BranchOut(Answer):
    name = fields.String(required=True)
    branch_type = fields.String(required=True)
    parent_org = fields.String(required=True)
    founded_on = fields.Date(required=True)
    application_date = fields.Date(required=True, allow_none=True)
    approval_doc_no = fields.String(required=True)
    approval_date = fields.Date(required=True, allow_none=True)
    election_date = fields.Date(required=True, allow_none=True)
    secretary = fields.String(required=True)
    deputy_secretary = fields.String(required=True)
    committee_members = fields.String(required=True)
    member_count = fields.Integer(required=True)
    youth_count = fields.Integer(required=True, allow_none=True)
    term_years = fields.Integer(required=True, allow_none=True)
    covered_units = fields.String(required=True)
    covered_orgs = fields.List(fields.String(), required=True, metadata={"description": "credit codes of the "
                                                                                         "registered units a joint "
                                                                                         "branch covers"})


class OnboardingOut(Answer):
    onboarded_on = fields.Date(required=True)
    platform_code = fields.String(required=True)


class OrgDetail(OrgItem):
    community = fields.String(required=True, allow_none=True)
    industry = fields.String(required=True, allow_none=True)
    org_type = fields.String(required=True, allow_none=True)
    employees = fields.Integer(required=True, allow_none=True)
    youth_count = fields.Integer(required=True, allow_none=True)
    league_members = fields.Integer(required=True, allow_none=True)
    party_members = fields.Integer(required=True, allow_none=True)
    has_party_org = fields.Boolean(required=True)
    party_secretary = fields.String(required=True, allow_none=True)
    has_league_org = fields.Boolean(required=True)
    league_contact = fields.String(required=True, allow_none=True)
    contact_person = fields.String(required=True, allow_none=True)
    contact_phone = fields.String(required=True, allow_none=True)
    address = fields.String(required=True, allow_none=True)
    surveyed_on = fields.Date(required=True)
    closed_on = fields.Date(required=True, allow_none=True)
    visits = fields.List(fields.Nested(VisitOut), required=True)
    branch = fields.Nested(BranchOut, required=True, allow_none=True)
    onboarding = fields.Nested(OnboardingOut, required=True, allow_none=True)


class StatusEventOut(Answer):
    id = fields.Integer(required=True)
    transition = fields.String(required=True)
    from_status = fields.String(required=True)
    to_status = fields.String(required=True)
    effective_on = fields.Date(required=True, allow_none=True)
    created_at = fields.DateTime(required=True)


class VisitRecorded(Answer):
    credit_code = fields.String(required=True)
    status = fields.String(required=True, metadata={"description": "the organisation's status after the visit"})
    version = fields.Integer(required=True)
    visit = fields.Nested(VisitOut, required=True)
    status_event = fields.Nested(StatusEventOut, required=True)
