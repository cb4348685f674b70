"""The role × endpoint matrix: every rule of the URL map, the status each role gets, id guessing
(IDOR) on every URL with an id, and POSTs without / with a wrong CSRF token.

Adding a route means adding ONE line to ``MATRIX`` (and, for a new kind of id in its URL, one line to
``ID_ARGS``); ``test_every_route_has_an_entry`` fails until that line exists.

    "endpoint": Entry(GET=<expectation>, POST=<expectation>, args={...}, data={...}),

An expectation maps each role to the status it gets; the shorthands below cover the usual cases:
``SAME(200)`` everyone (signed in or not), ``SIGNED_IN()`` anonymous → 302 to the login page, the
rest 200, ``STREET_A()`` officer of street B → 404 (the object is in street A), ``SUPERVISORS()`` and
``ADMINS()`` the others → 403. ``args`` fills the URL: ``ORG_A`` (an organisation of street A),
``TARGET_USER`` (an officer account), ``STREET_A`` / ``COMMUNITY_A`` (street A and one of its
communities), or a literal. ``data`` is the form posted (default: empty).

Street A lies in district A (Luohu). ``supervisor_b`` is the supervisor of district B (Futian): on
district A's objects it gets what street B's officer gets when that is 404, else what the
supervisor gets (``expect(..., supervisor_b=…)`` says otherwise where needed). ``supervisor_street``
is a supervisor given only street A: it gets what the whole-city supervisor gets, except on the
import batch (its rows are all in street B: 404) and on uploads and jobs of others (404).
"""
from __future__ import annotations

import hashlib
import os
import re
from datetime import date, timedelta
from dataclasses import dataclass, field
from typing import Callable

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from orgbuild.accounts import tokens
from orgbuild.extensions import db
from orgbuild.attachments.service import attach
from orgbuild.campaign import actions
from orgbuild.duplicates import merge as merging
from orgbuild.models import (Attachment, AuditEvent, ImportBatch, Organization, OrgMerge, RectificationTask,
                             ReconcileRun, User, Visit)
from orgbuild.quality import service as quality_service
from orgbuild.districts.reference import load_reference
from orgbuild.jobs import exports as export_jobs
from orgbuild.jobs import service as jobs
from orgbuild.progress.snapshots import create_snapshot
from tests.campaign.images import tiny_png
from tests.conftest import login, street
from tests.flows import TODAY, establish, visit

ROLES = ("anonymous", "officer_a", "officer_b", "supervisor", "admin", "supervisor_b", "supervisor_street",
         "secretary_a", "secretary_b")


def expect(anonymous: int, officer_a: int, officer_b: int, supervisor: int, admin: int,
           supervisor_b: int | None = None, supervisor_street: int | None = None) -> dict[str, int]:
    """The status each role gets, in the order of ROLES (district B's supervisor: see the module's doc;
    the supervisor given only street A gets what the supervisor gets unless said otherwise).

    The branch secretaries (团支部书记: ``secretary_a`` of BRANCH_A in street A, ``secretary_b`` of a
    branch in street B) get 403 on every page that needs signing in, and what an officer gets on
    the public ones, unless ``SECRETARY(...)`` names their statuses."""
    if supervisor_b is None:
        supervisor_b = officer_b if officer_b == 404 else supervisor
    if supervisor_street is None:
        supervisor_street = supervisor
    secretary = 403 if anonymous in (302, 401) else officer_a
    return dict(zip(ROLES, (anonymous, officer_a, officer_b, supervisor, admin, supervisor_b, supervisor_street,
                            secretary, secretary)))


def SECRETARY(expectation: dict[str, int], a: int, b: int | None = None) -> dict[str, int]:  # noqa: N802
    """`expectation` with the statuses of the secretary of BRANCH_A (`a`) and of street B's branch (`b`, default `a`)."""
    return dict(expectation, secretary_a=a, secretary_b=a if b is None else b)


def BRANCH(code: int = 200) -> dict[str, int]:  # noqa: N802
    """A page of BRANCH_A's life: its street's officer, supervisors, admins and its own secretary get
    `code`; street B's officer, district B's supervisor and street B's secretary 404."""
    return SECRETARY(STREET_A(code), code, 404)


def SAME(code: int) -> dict[str, int]:  # noqa: N802 - reads as a table constant
    """Every role, signed in or not, gets `code`."""
    return expect(code, code, code, code, code)


def SIGNED_IN(code: int = 200) -> dict[str, int]:  # noqa: N802
    """Anonymous is sent to the login page; every signed-in role gets `code`."""
    return expect(302, code, code, code, code)


def STREET_A(code: int = 200) -> dict[str, int]:  # noqa: N802
    """An object of street A: its officer, supervisors and admins get `code`; street B's officer 404."""
    return expect(302, code, 404, code, code)


def SUPERVISORS(code: int = 200) -> dict[str, int]:  # noqa: N802
    """Supervisors and admins get `code`; officers 403."""
    return expect(302, 403, 403, code, code)


def ADMINS(code: int = 200) -> dict[str, int]:  # noqa: N802
    """Admins get `code`; everyone else signed in 403."""
    return expect(302, 403, 403, 403, code)


ORG_A: Callable[[dict], int] = lambda world: world["org_a"].id  # noqa: E731
CREDIT_CODE_A: Callable[[dict], str] = lambda world: world["org_a"].credit_code  # noqa: E731
TARGET_USER: Callable[[dict], int] = lambda world: world["target"].id  # noqa: E731
BATCH: Callable[[dict], int] = lambda world: world["batch"].id  # noqa: E731
SNAPSHOT_A: Callable[[dict], int] = lambda world: world["snapshot"].id  # noqa: E731
STREET_ID_A: Callable[[dict], int] = lambda world: world["org_a"].street_id  # noqa: E731
COMMUNITY_A: Callable[[dict], int] = lambda world: world["community_a"].id  # noqa: E731
VISIT_A: Callable[[dict], int] = lambda world: world["visit_a"].id  # noqa: E731
ATTACHMENT_A: Callable[[dict], int] = lambda world: world["attachment_a"].id  # noqa: E731
JOB: Callable[[dict], int] = lambda world: world["job"].id  # noqa: E731
EXPORT_JOB: Callable[[dict], int] = lambda world: world["export_job"].id  # noqa: E731
BRANCH_A: Callable[[dict], int] = lambda world: world["branch_a"].id  # noqa: E731
ACTIVITY_A: Callable[[dict], int] = lambda world: world["activity_a"].id  # noqa: E731
EVIDENCE_A: Callable[[dict], int] = lambda world: world["evidence_a"].id  # noqa: E731
TASK_A: Callable[[dict], int] = lambda world: world["task_a"].id  # noqa: E731
RUN: Callable[[dict], int] = lambda world: world["run"].id  # noqa: E731
MERGE: Callable[[dict], int] = lambda world: world["merge"].id  # noqa: E731
TOKEN_A: Callable[[dict], int] = lambda world: world["token_a"].id  # noqa: E731
NO_UPLOAD = "0" * 64  # a well-formed SHA-256 with no upload behind it


@dataclass
class Entry:
    """The expected statuses of one rule, per method, and how to fill its URL and form."""

    GET: dict[str, int] | None = None  # noqa: N815 - named after the HTTP method
    POST: dict[str, int] | None = None  # noqa: N815
    args: dict[str, object] = field(default_factory=dict)
    data: dict[str, str] = field(default_factory=dict)
    #: API routes: what each role gets with a read-only / a read-write token instead of a session
    #: (anonymous: an unknown token), and the JSON body a token POSTs
    TOKEN: dict[str, int] | None = None  # noqa: N815
    WRITE_TOKEN: dict[str, int] | None = None  # noqa: N815
    json: dict | None = None

    def methods(self) -> dict[str, dict[str, int]]:
        """{method: expectation} for the methods this entry covers."""
        return {m: e for m, e in (("GET", self.GET), ("POST", self.POST)) if e is not None}


# fmt: off
MATRIX: dict[str, Entry] = {
    "static":                  Entry(GET=SAME(200), args={"filename": "css/orgbuild.css"}),
    "bootstrap.static":        Entry(GET=SAME(200), args={"filename": "css/bootstrap.min.css"}),
    "health.healthz":          Entry(GET=SAME(200)),
    "auth.login":              Entry(GET=expect(200, 302, 302, 302, 302), POST=expect(200, 302, 302, 302, 302)),
    "auth.logout":             Entry(POST=SECRETARY(SIGNED_IN(302), 302)),
    "auth.set_language":       Entry(POST=SECRETARY(SAME(302), 302), args={"code": "zh_CN"}),
    "auth.change_password":    Entry(GET=SECRETARY(SIGNED_IN(), 200), POST=SECRETARY(SIGNED_IN(), 200)),
    "main.home":               Entry(GET=SECRETARY(SIGNED_IN(302), 302)),
    "tokens.index":            Entry(GET=SIGNED_IN(), POST=SIGNED_IN()),
    # officer_a's own token: only they revoke it; everyone else is told it does not exist
    "tokens.revoke":           Entry(POST=expect(302, 302, 404, 404, 404), args={"token_id": TOKEN_A}),
    "main.followups":          Entry(GET=SIGNED_IN()),
    "orgs.index":              Entry(GET=SIGNED_IN()),
    "orgs.create":             Entry(GET=SIGNED_IN(), POST=SIGNED_IN()),
    "orgs.detail":             Entry(GET=STREET_A(), args={"org_id": ORG_A}),
    "orgs.edit":               Entry(GET=STREET_A(), POST=STREET_A(), args={"org_id": ORG_A}),
    "orgs.step":               Entry(GET=STREET_A(), POST=STREET_A(), args={"org_id": ORG_A, "event": "record_visit"}),
    "audit.index":             Entry(GET=SUPERVISORS()),
    "admin.users":             Entry(GET=ADMINS()),
    "admin.create_user":       Entry(GET=ADMINS(), POST=ADMINS()),
    "admin.edit_user":         Entry(GET=ADMINS(), POST=ADMINS(302), args={"user_id": TARGET_USER}, data={"version": "1"}),
    "admin.reset_password":    Entry(GET=ADMINS(), POST=ADMINS(), args={"user_id": TARGET_USER}),
    "admin.deactivate":        Entry(POST=ADMINS(302), args={"user_id": TARGET_USER}),
    "admin.handover":          Entry(GET=ADMINS(), POST=ADMINS(302), args={"user_id": TARGET_USER}),
    "board.index":             Entry(GET=SIGNED_IN()),
    "board.weekly":            Entry(GET=SIGNED_IN()),
    "assignment.index":        Entry(GET=SUPERVISORS(), POST=SUPERVISORS(302)),
    "assignment.auto":         Entry(GET=SUPERVISORS()),
    "assignment.auto_apply":   Entry(POST=SUPERVISORS(302)),
    "admin.reactivate":        Entry(POST=ADMINS(302), args={"user_id": TARGET_USER}),
    "streets.index":           Entry(GET=ADMINS(), POST=ADMINS(400)),
    "streets.edit":            Entry(GET=ADMINS(), POST=ADMINS(302), args={"street_id": STREET_ID_A}),
    "streets.add_community":   Entry(POST=ADMINS(400), args={"street_id": STREET_ID_A}),
    "streets.rename_community": Entry(POST=ADMINS(302), args={"community_id": COMMUNITY_A}),
    "streets.remove_community": Entry(POST=ADMINS(302), args={"community_id": COMMUNITY_A}),
    "imports.index":           Entry(GET=SUPERVISORS(), POST=SUPERVISORS()),
    # someone else's upload (none here): whole-city readers are told it expired, others 404
    "imports.preview":         Entry(GET=expect(302, 403, 403, 302, 302, 404, 404), args={"sha256": NO_UPLOAD}),
    "imports.preview_rejected": Entry(GET=expect(302, 403, 403, 302, 302, 404, 404), args={"sha256": NO_UPLOAD}),
    "imports.confirm":         Entry(POST=expect(302, 403, 403, 302, 302, 404, 404), args={"sha256": NO_UPLOAD}),
    # a batch whose rows are all in street B (桂园): 404 for district B's and street A's supervisors
    "imports.batch":           Entry(GET=expect(302, 403, 403, 200, 200, 404, 404), args={"batch_id": BATCH}),
    "imports.batch_rejected":  Entry(GET=expect(302, 403, 403, 200, 200, 404, 404), args={"batch_id": BATCH}),
    "imports.sliced_start":    Entry(POST=SUPERVISORS(400)),  # an empty form: no size
    "imports.sliced_slice":    Entry(POST=SUPERVISORS(404), args={"token": "0" * 32}),  # no such upload
    "imports.sliced_finish":   Entry(POST=SUPERVISORS(404), args={"token": "0" * 32}),
    "imports.template_csv":    Entry(GET=SUPERVISORS()),
    "imports.template_xlsx":   Entry(GET=SUPERVISORS()),
    "reconcile.index":         Entry(GET=SUPERVISORS(), POST=SUPERVISORS()),
    # a run made city-wide by "supervisor": seen by the city-wide roles only (a district's or a street's supervisor: 404)
    "reconcile.run":           Entry(GET=expect(302, 403, 403, 200, 200, supervisor_b=404, supervisor_street=404), args={"run_id": RUN}),
    "reconcile.resolve":       Entry(POST=expect(302, 403, 403, 302, 302, supervisor_b=404, supervisor_street=404), args={"run_id": RUN}),
    "merge.start":             Entry(GET=expect(302, 403, 404, 200, 200), POST=expect(302, 403, 404, 200, 200),
                                     args={"org_id": ORG_A}),
    # a merge of two street-A records: the first supervisor's undo goes through, the next is refused (302 both)
    "merge.undo":              Entry(POST=expect(302, 403, 404, 302, 302), args={"merge_id": MERGE}),
    "dashboard.index":         Entry(GET=SIGNED_IN()),
    "targets.index":           Entry(GET=SUPERVISORS(), POST=SUPERVISORS(302)),
    "exports.streets":         Entry(GET=SIGNED_IN(), args={"fmt": "csv"}),
    "exports.orgs":            Entry(GET=SIGNED_IN(), args={"fmt": "xlsx"}),
    "exports.branches":        Entry(GET=SIGNED_IN(), args={"fmt": "xlsx"}),
    "api-docs.openapi_json":   Entry(GET=SAME(200)),
    "api.progress_json":       Entry(GET=expect(401, 200, 200, 200, 200), TOKEN=expect(401, 200, 200, 200, 200)),
    "api.snapshots_json":      Entry(GET=expect(401, 200, 200, 200, 200), TOKEN=expect(401, 200, 200, 200, 200)),
    "api.snapshot_json":       Entry(GET=expect(401, 200, 404, 200, 200), TOKEN=expect(401, 200, 404, 200, 200),
                                     args={"snapshot_id": SNAPSHOT_A}),
    "api.orgs_json":           Entry(GET=expect(401, 200, 200, 200, 200), TOKEN=expect(401, 200, 200, 200, 200)),
    "api.org_json":            Entry(GET=expect(401, 200, 404, 200, 200), TOKEN=expect(401, 200, 404, 200, 200),
                                     args={"credit_code": CREDIT_CODE_A}),
    # a session never writes through the API; a read-only token neither; a read-write one within its streets
    "api.record_visit":        Entry(POST=expect(401, 403, 403, 403, 403), TOKEN=expect(401, 403, 403, 403, 403),
                                     WRITE_TOKEN=expect(401, 201, 404, 201, 201), args={"credit_code": CREDIT_CODE_A},
                                     json={"visit_date": date.today().isoformat(), "outcome": "follow_up"}),
    "bulletins.index":         Entry(GET=SIGNED_IN(), POST=SUPERVISORS(302)),
    "bulletins.show":          Entry(GET=STREET_A(), args={"snapshot_id": SNAPSHOT_A}),
    "quality.life":            Entry(GET=BRANCH(), POST=BRANCH(400), args={"org_id": BRANCH_A}),
    "quality.membership":      Entry(POST=BRANCH(400), args={"org_id": BRANCH_A}),
    "quality.grading":         Entry(GET=BRANCH(), POST=BRANCH(400), args={"org_id": BRANCH_A}),
    "quality.warnings":        Entry(GET=SUPERVISORS()),
    "quality.evidence_upload": Entry(POST=BRANCH(302), args={"org_id": BRANCH_A, "activity_id": ACTIVITY_A}),
    "quality.evidence":        Entry(GET=BRANCH(), args={"org_id": BRANCH_A, "attachment_id": EVIDENCE_A}),
    "quality.evidence_thumbnail": Entry(GET=BRANCH(), args={"org_id": BRANCH_A, "attachment_id": EVIDENCE_A}),
    # officer_a answers for TASK_A: they may close it, not open a task (403)
    "quality.rectification_page": Entry(GET=STREET_A(), POST=expect(302, 403, 404, 400, 400), args={"org_id": BRANCH_A}),
    "quality.rectification_task": Entry(GET=STREET_A(), POST=STREET_A(400), args={"task_id": TASK_A}),
    "quality.rectifications":  Entry(GET=SIGNED_IN()),
    "quality.rounds":          Entry(GET=SUPERVISORS(), POST=SUPERVISORS(400)),
    "bulletins.download":      Entry(GET=STREET_A(), args={"snapshot_id": SNAPSHOT_A, "fmt": "docx"}),
    "offline.service_worker":  Entry(GET=SAME(200)),
    "offline.manifest":        Entry(GET=SAME(200)),
    "offline.page":            Entry(GET=SAME(200)),
    "offline.session_check":   Entry(GET=expect(401, 200, 200, 200, 200)),
    # an empty form: refused (422, nothing recorded); street B's officer 404; signed out 401 (the queue waits)
    "orgs.sync_visit":         Entry(POST=expect(401, 422, 404, 422, 422), args={"org_id": ORG_A}),
    "attachments.upload":      Entry(POST=STREET_A(302), args={"org_id": ORG_A, "kind": "visit", "record_id": VISIT_A}),
    "attachments.download":    Entry(GET=STREET_A(), args={"org_id": ORG_A, "attachment_id": ATTACHMENT_A}),
    "attachments.thumbnail":   Entry(GET=STREET_A(), args={"org_id": ORG_A, "attachment_id": ATTACHMENT_A}),
    # a finished preview job of "supervisor": its owner and admins only (district B's supervisor: 404;
    # officers, who may start export jobs and so reach the jobs pages: 404)
    "jobs.show":               Entry(GET=expect(302, 404, 404, 200, 200, supervisor_b=404, supervisor_street=404), args={"job_id": JOB}),
    "jobs.status":             Entry(GET=expect(302, 404, 404, 200, 200, supervisor_b=404, supervisor_street=404), args={"job_id": JOB}),
    "jobs.retry":              Entry(POST=expect(302, 404, 404, 302, 302, supervisor_b=404, supervisor_street=404), args={"job_id": JOB}),
    # the file of a finished export job of "supervisor": its owner and the city's admins only
    "jobs.download":           Entry(GET=expect(302, 404, 404, 200, 200, supervisor_b=404, supervisor_street=404), args={"job_id": EXPORT_JOB}),
    "imports.job_preview":     Entry(GET=expect(302, 403, 403, 200, 200, supervisor_b=404, supervisor_street=404), args={"job_id": JOB}),
    "imports.job_rejected":    Entry(GET=expect(302, 403, 403, 200, 200, supervisor_b=404, supervisor_street=404), args={"job_id": JOB}),
    "imports.job_confirm":     Entry(POST=expect(302, 403, 403, 302, 302, supervisor_b=404, supervisor_street=404), args={"job_id": JOB}),
    # last, as it removes the file: street A's officer deletes it (302); street B's officer 404; after
    # that it is gone for everyone (404)
    "attachments.delete":      Entry(POST=expect(302, 302, 404, 404, 404), args={"org_id": ORG_A, "attachment_id": ATTACHMENT_A}),
}
# fmt: on

#: URL arguments that name a stored object: how the IDOR test fills them with a street-A object.
ID_ARGS: dict[str, Callable[[dict], int]] = {
    "org_id": ORG_A,
    "user_id": TARGET_USER,
    "batch_id": BATCH,
    "snapshot_id": SNAPSHOT_A,
    "street_id": STREET_ID_A,
    "community_id": COMMUNITY_A,
    "record_id": VISIT_A,
    "attachment_id": ATTACHMENT_A,
    "job_id": JOB,
    "activity_id": ACTIVITY_A,
    "task_id": TASK_A,
    "run_id": RUN,
    "merge_id": MERGE,
    "token_id": TOKEN_A,
}

#: POST endpoints that do not use the CSRF token (JSON APIs with their own protection: a bearer token,
#: which a browser never sends by itself; a session POST there is refused, test_api_routes_with_tokens).
CSRF_EXEMPT: set[str] = {"api.record_visit"}


@pytest.fixture
def world(app, make_user, make_org):
    """Users of every role, street-A and street-B organisations, a community of street A in use, and
    an officer account to manage; district B (Futian) with its supervisor and one organisation."""
    load_reference("futian")
    make_user("officer_a", "officer", ["翠竹"])
    make_user("officer_b", "officer", ["桂园"])
    make_user("supervisor", "supervisor")
    make_user("admin", "admin")
    make_user("supervisor_a", "supervisor", district="luohu")
    make_user("supervisor_b", "supervisor", district="futian")
    make_user("supervisor_street", "supervisor", ["翠竹"])
    org_a = make_org("翠竹", name="翠竹测试科技有限公司")
    org_a.community = org_a.street.communities[0]
    db.session.commit()
    visit_a, attachment_a = _visit_with_photo(org_a)
    return _branches(make_user, make_org) | {
        "visit_a": visit_a,
        "attachment_a": attachment_a,
        "org_a": org_a,
        "community_a": org_a.community,
        "org_b": make_org("桂园", name="桂园测试科技有限公司"),
        "org_futian": make_org("园岭", name="园岭测试科技有限公司"),
        "target": make_user("target_officer", "officer", ["翠竹"]),
        "batch": _batch(),
        "snapshot": create_snapshot(None, 2022, as_of=date(2022, 6, 30), street_id=street("翠竹").id),
        "job": _preview_job(app),
        "export_job": _export_job(),
        "run": _reconcile_run(),
        "merge": _merge(make_org),
        "token_a": tokens.create_token(db.session.scalar(select(User).where(User.username == "officer_a"))).token,
    }


def _branches(make_user, make_org) -> dict:
    """A founded branch in street A with an activity (a photo attached) and a rectification task
    its officer answers for, one in street B, and the secretary of each."""
    officer_a = db.session.scalar(select(User).where(User.username == "officer_a"))
    officer_b = db.session.scalar(select(User).where(User.username == "officer_b"))
    branch_a, branch_b = make_org("翠竹", name="翠竹支部测试有限公司"), make_org("桂园", name="桂园支部测试有限公司")
    for org, officer in ((branch_a, officer_a), (branch_b, officer_b)):
        visit(org, officer)
        establish(org, officer, founded_on=TODAY - timedelta(days=30), secretary="王书记")
    activity = quality_service.log_activity(branch_a, quality_service.ActivityData("theme_day", TODAY, 8), officer_a,
                                            evidence=(tiny_png(), "theme-day.png"))
    evidence = db.session.scalar(select(Attachment).where(Attachment.activity_id == activity.id))
    task = RectificationTask(organization_id=branch_a.id, reason="", items="每月召开支部委员会", officer_id=officer_a.id,
                             deadline=TODAY + timedelta(days=30), opened_on=TODAY, close_note="")
    db.session.add(task)
    for name, org in (("secretary_a", branch_a), ("secretary_b", branch_b)):
        make_user(name, "secretary").organization_id = org.id
    db.session.commit()
    return {"branch_a": branch_a, "activity_a": activity, "evidence_a": evidence, "task_a": task}
def _merge(make_org) -> OrgMerge:
    """Two street-A records of one firm, merged by "supervisor"."""
    owner = db.session.scalar(select(User).where(User.username == "supervisor"))
    survivor, merged = make_org("翠竹", name="翠竹合并测试有限公司"), make_org("翠竹", name="翠竹合并测试有限责任公司")
    return merging.merge_orgs(owner, survivor, merged, survivor_version=survivor.version, merged_version=merged.version)


def _reconcile_run() -> ReconcileRun:
    """A city-wide reconciliation run of "supervisor" with one row only in the platform."""
    owner = db.session.scalar(select(User).where(User.username == "supervisor"))
    result = {"file": "platform.csv", "rows": 1, "matched": 0, "only_here": [], "mismatched": [], "errors": [],
              "only_in_platform": [{"row": 2, "name": "翠竹平台测试团支部", "category": "团支部", "credit_code": None,
                                    "platform_code": None}]}
    run = ReconcileRun(user_id=owner.id, filename="platform.csv", sha256="b" * 64, scope="city", rows=1,
                       only_in_platform=1, result=result)
    db.session.add(run)
    db.session.commit()
    return run


def _export_job():
    """A finished export job (the organisation list) of the user "supervisor"."""
    owner = db.session.scalar(select(User).where(User.username == "supervisor"))
    return export_jobs.start_export(owner, "orgs", "csv", MultiDict())


def _preview_job(app):
    """A finished survey preview job (one valid row, one rejected) of the user "supervisor"."""
    data = "单位名称,统一社会信用代码,所属街道\r\n翠竹作业测试有限公司,bad,翠竹\r\n".encode()
    sha = hashlib.sha256(data).hexdigest()
    os.makedirs(os.path.join(app.instance_path, "uploads"), exist_ok=True)
    with open(os.path.join(app.instance_path, "uploads", sha), "wb") as out:
        out.write(data)
    owner = db.session.scalar(select(User).where(User.username == "supervisor"))
    return jobs.start_preview(owner, sha, "s.csv", "auto", None)


def _batch() -> ImportBatch:
    """An applied import with one rejected row, its rows all in street B (桂园)."""
    batch = ImportBatch(filename="survey.csv", sha256="a" * 64, rows=2, created=1, rejected=1,
                        rejected_csv="单位名称,错误\n桂园测试,信用代码错误\n".encode("utf-8-sig"))
    batch.streets = [street("桂园")]
    db.session.add(batch)
    db.session.commit()
    return batch


def _visit_with_photo(org: Organization) -> tuple[Visit, Attachment]:
    """A visit of `org` with one photo attached (through the services)."""
    officer = db.session.scalar(select(User).where(User.username == "officer_a"))
    actions.apply_transition(org, actions.TransitionRequest("record_visit", visit_date=date.today(), outcome="willing"),
                             officer)
    visit = db.session.scalar(select(Visit).where(Visit.organization_id == org.id))
    return visit, attach(org, "visit", visit, tiny_png(), "photo.png", officer)


def signed_in_clients(app) -> dict[str, tuple]:
    """One test client per role, with the session cookie it had right after signing in."""
    clients = {}
    for role in ROLES:
        client = app.test_client()
        if role != "anonymous":
            assert login(client, role).status_code == 200
        cookie = client.get_cookie("session")
        user = db.session.scalar(select(User).where(User.username == role))
        clients[role] = (client, cookie.value if cookie else None, (user.id, user.session_token) if user else None)
    return clients


def fresh(client_and_cookie) -> object:
    """The client with its signed-in session restored (a logout or language switch is undone; a
    logout rotates the account's session token, which is put back)."""
    client, cookie, account = client_and_cookie
    if account is not None:
        user = db.session.get(User, account[0])
        if user.session_token != account[1]:
            user.session_token = account[1]
            db.session.commit()
    if cookie is None:
        client.delete_cookie("session")
    else:
        client.set_cookie("session", cookie)
    return client


def url_for_entry(app, endpoint: str, entry: Entry, world: dict, override: dict | None = None) -> str:
    """The URL of `endpoint` with the entry's arguments filled in."""
    values = {k: (v(world) if callable(v) else v) for k, v in entry.args.items()}
    values.update(override or {})
    with app.test_request_context():
        from flask import url_for

        return url_for(endpoint, **values)


def id_rules(app):
    """(endpoint, id argument names) of every rule whose URL carries an object id."""
    found = []
    for rule in app.url_map.iter_rules():
        ids = sorted(a for a in rule.arguments if a == "id" or a.endswith("_id"))
        if ids:
            found.append((rule.endpoint, ids))
    return found


def snapshot() -> tuple:
    """What a refused request must leave untouched: audit rows, organisations and accounts."""
    db.session.expire_all()
    orgs = tuple(db.session.execute(select(Organization.id, Organization.version, Organization.status, Organization.name)
                                    .order_by(Organization.id)).all())
    users = tuple(db.session.execute(select(User.id, User.active, User.role, User.session_token, User.password_hash)
                                     .order_by(User.id)).all())
    return db.session.scalar(select(func.count(AuditEvent.id))), orgs, users


def test_every_route_has_an_entry(app):
    """Each rule and each of its methods (besides HEAD/OPTIONS) is listed in MATRIX, and nothing else."""
    missing, stale = [], []
    for rule in app.url_map.iter_rules():
        entry = MATRIX.get(rule.endpoint)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            if entry is None or method not in entry.methods():
                missing.append(f"{method} {rule.rule} ({rule.endpoint})")
    registered = {rule.endpoint for rule in app.url_map.iter_rules()}
    stale = sorted(set(MATRIX) - registered)
    assert not missing, "routes without an entry in MATRIX: " + "; ".join(missing)
    assert not stale, "MATRIX names endpoints that no longer exist: " + ", ".join(stale)


def test_matrix_detects_an_unlisted_route(app):
    """A route added without an entry is reported by name (the guard itself works)."""
    app.add_url_rule("/unlisted-for-test", "unlisted_for_test", lambda: "x")
    with pytest.raises(AssertionError, match="unlisted_for_test"):
        test_every_route_has_an_entry(app)


def test_role_matrix(app, world):
    """Every role gets exactly the status the matrix names, for every route and method."""
    clients = signed_in_clients(app)
    failures = []
    for endpoint, entry in MATRIX.items():
        url = url_for_entry(app, endpoint, entry, world)
        for method, expected in entry.methods().items():
            for role in ROLES:
                client = fresh(clients[role])
                response = client.open(url, method=method, data=entry.data if method == "POST" else None)
                if response.status_code != expected[role]:
                    failures.append(f"{role} {method} {url}: {response.status_code}, expected {expected[role]}")
                if role == "anonymous" and expected[role] == 302 and method == "GET":
                    assert "/login" in response.headers["Location"], url
    assert not failures, "\n".join(failures)


def test_idor_every_url_with_an_id(app, world):
    """Street B's officer on street A's objects: 403/404 and nothing changes; unknown ids: 404."""
    clients = signed_in_clients(app)
    rules = id_rules(app)
    assert rules, "the URL map has routes with ids"
    for endpoint, id_names in rules:
        unknown = [name for name in id_names if name not in ID_ARGS]
        assert not unknown, f"{endpoint}: add {unknown} to ID_ARGS"
        entry = MATRIX[endpoint]
        url = url_for_entry(app, endpoint, entry, world, {n: ID_ARGS[n](world) for n in id_names})
        guessed = url_for_entry(app, endpoint, entry, world, {n: 987654 for n in id_names})
        for method in entry.methods():
            before = snapshot()
            response = fresh(clients["officer_b"]).open(url, method=method, data=entry.data)
            assert response.status_code in (403, 404), f"officer_b {method} {url}: {response.status_code}"
            assert "翠竹测试科技有限公司" not in response.get_data(as_text=True)
            assert snapshot() == before, f"officer_b {method} {url} changed data"
            response = fresh(clients["admin"]).open(guessed, method=method, data=entry.data)
            assert response.status_code == 404, f"admin {method} {guessed}: {response.status_code}"
            assert snapshot() == before


def test_org_ids_of_another_street_answer_404_like_unknown_ids(app, world):
    """An officer cannot tell an existing organisation of another street from a missing one."""
    client = app.test_client()
    login(client, "officer_b")
    hidden = client.get(f"/orgs/{world['org_a'].id}")
    missing = client.get("/orgs/987654")
    assert hidden.status_code == missing.status_code == 404
    hidden_page = hidden.get_data(as_text=True).replace(f"/orgs/{world['org_a'].id}", "/orgs/ID")
    assert hidden_page == missing.get_data(as_text=True).replace("/orgs/987654", "/orgs/ID")


def _post_endpoints(app):
    """(endpoint, entry) for every POST route the matrix lists."""
    return [(e, entry) for e, entry in MATRIX.items() if entry.POST is not None and e not in CSRF_EXEMPT]


def test_posts_without_or_with_a_wrong_csrf_token_are_refused(app, world):
    """With CSRF on, every POST without a token or with a wrong one is a 400 and changes nothing."""
    clients = signed_in_clients(app)
    app.config["WTF_CSRF_ENABLED"] = True
    for endpoint, entry in _post_endpoints(app):
        url = url_for_entry(app, endpoint, entry, world)
        for role in ("anonymous", "admin"):
            for token in (None, "wrong-token"):
                before = snapshot()
                data = dict(entry.data, **({"csrf_token": token} if token else {}))
                response = fresh(clients[role]).post(url, data=data)
                assert response.status_code == 400, f"{role} POST {url} token={token}: {response.status_code}"
                assert "表单已过期或来源无效" in response.get_data(as_text=True)
                assert snapshot() == before, f"{role} POST {url} token={token} changed data"


def test_post_with_the_right_csrf_token_goes_through(app, world):
    """The CSRF check is real: the token from the page lets the same POST through."""
    client = app.test_client()
    login(client, "admin")
    app.config["WTF_CSRF_ENABLED"] = True
    page = client.get("/admin/users").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"', page)
    assert token
    value = token.group(1) or token.group(2)
    target = world["target"]
    response = client.post(f"/admin/users/{target.id}/deactivate", data={"csrf_token": value})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(User, target.id).active is False


#: Pages that list organisations within the reader's scope: none may name another district's.
LIST_PAGES = ("/orgs/", "/orgs/?q=测试", "/followups", "/dashboard/", "/exports/orgs.csv", "/api/v1/progress",
              "/audit/")


def test_district_supervisors_cannot_reach_each_others_organisations(app, world):
    """District A's supervisor on district B's organisation and B's on A's, on every URL with an
    organisation id: 404 like an unknown id, no name shown, nothing changed; the list pages, exports
    and figures of each leave the other district's organisations out."""
    clients = signed_in_clients(app) | {"supervisor_a": _signed_in(app, "supervisor_a")}
    org_rules = [(endpoint, ids) for endpoint, ids in id_rules(app) if "org_id" in ids]
    assert org_rules
    pairs = (("supervisor_b", world["org_a"], "翠竹测试科技有限公司"),
             ("supervisor_a", world["org_futian"], "园岭测试科技有限公司"))
    for role, org, name in pairs:
        for endpoint, id_names in org_rules:
            entry = MATRIX[endpoint]
            url = url_for_entry(app, endpoint, entry, world, {"org_id": org.id})
            for method in entry.methods():
                before = snapshot()
                response = fresh(clients[role]).open(url, method=method, data=entry.data)
                assert response.status_code == 404, f"{role} {method} {url}: {response.status_code}"
                assert name not in response.get_data(as_text=True)
                assert snapshot() == before, f"{role} {method} {url} changed data"
        for path in LIST_PAGES:
            response = fresh(clients[role]).get(path)
            assert response.status_code == 200, f"{role} {path}: {response.status_code}"
            assert name not in response.get_data(as_text=True), f"{role} {path} names {name}"
    own = fresh(clients["supervisor_b"]).get("/orgs/").get_data(as_text=True)
    assert "园岭测试科技有限公司" in own and "桂园测试科技有限公司" not in own
    city = fresh(clients["supervisor"]).get("/orgs/").get_data(as_text=True)
    assert "园岭测试科技有限公司" in city and "翠竹测试科技有限公司" in city


def _signed_in(app, username: str) -> tuple:
    """A client signed in as `username`, with its session cookie (as signed_in_clients keeps them)."""
    client = app.test_client()
    assert login(client, username).status_code == 200
    user = db.session.scalar(select(User).where(User.username == username))
    return client, client.get_cookie("session").value, (user.id, user.session_token)


def test_every_api_route_has_token_expectations():
    """The API's routes say what a token gets, not only what a session gets (and only they do)."""
    api = {e for e in MATRIX if e.startswith("api.")}
    assert api, "the matrix lists the API routes"
    assert not [e for e in api if MATRIX[e].TOKEN is None], "API routes without TOKEN expectations"
    assert not [e for e, entry in MATRIX.items() if entry.TOKEN is not None and e not in api]


def test_api_routes_with_tokens(app, world):
    """Every API route and method with a read-only and a read-write token of each role (anonymous: an
    unknown token): exactly the matrix's status, and a refused write changes nothing."""
    secrets = {}
    for role in ROLES[1:]:
        user = db.session.scalar(select(User).where(User.username == role))
        secrets[role] = {write: tokens.create_token(user, f"matrix {role}", write=write).secret
                         for write in (False, True)}
    unknown = "orgb_" + "0" * 40
    client = app.test_client()
    failures = []
    for endpoint, entry in MATRIX.items():
        if entry.TOKEN is None:
            continue
        url = url_for_entry(app, endpoint, entry, world)
        for write, expected_by_role in ((False, entry.TOKEN), (True, entry.WRITE_TOKEN or entry.TOKEN)):
            for method in entry.methods():
                for role in ROLES:
                    secret = unknown if role == "anonymous" else secrets[role][write]
                    headers = {"Authorization": f"Bearer {secret}", "Idempotency-Key": f"matrix-{role}-{write}"}
                    before = snapshot()
                    response = client.open(url, method=method, headers=headers,
                                           json=entry.json if method == "POST" else None)
                    expected = expected_by_role[role]
                    if response.status_code != expected:
                        failures.append(f"{role} {'rw' if write else 'ro'} token {method} {url}: "
                                        f"{response.status_code}, expected {expected}")
                    if response.status_code >= 400:
                        assert response.content_type == "application/problem+json", url
                        if method == "POST":
                            assert snapshot() == before, f"{role} {method} {url} changed data"
    assert not failures, "\n".join(failures)


def test_logout_and_the_remember_me_cookie_for_every_role(app, world):
    """Every signed-in role: the 记住我 cookie alone (browser closed) opens the dashboard; after 退出,
    neither the saved session cookie nor the remember-me cookie opens anything again."""
    for role in ROLES[1:]:
        client = app.test_client()
        response = client.post("/login", data={"username": role, "password": "Secret123", "remember": "y"})
        assert response.status_code == 302, role
        remember = client.get_cookie("remember_token")
        assert remember is not None, role
        saved_session = client.get_cookie("session").value
        client.delete_cookie("session")  # the browser was closed: only the remember-me cookie is left
        page = "/account/password" if role.startswith("secretary") else "/dashboard/"  # a secretary's pages
        assert client.get(page).status_code == 200, role
        assert client.post("/logout").status_code == 302
        for cookies in ({"session": saved_session}, {"remember_token": remember.value}):
            replay = app.test_client()
            for name, value in cookies.items():
                replay.set_cookie(name, value)
            response = replay.get(page)
            assert response.status_code == 302 and "/login" in response.headers["Location"], (role, cookies.keys())
