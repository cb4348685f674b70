"""Large downloads as background jobs: the organisation list or the branch list of a whole district or
city (more rows than ``EXPORT_SYNC_MAX_ROWS``) is written by a worker to ``instance/jobs/<id>.<fmt>``
while the page shows its progress; the owner downloads the finished file from the job's page.

The rows are the same as those of the direct download (progress/exports.py), read as the user who
asked (their scope, with the list page's filters and sort) and in their language; they are streamed
from the database and to the file, so memory stays bounded at any size.
"""
from __future__ import annotations

import os

from flask_babel import force_locale, gettext
from sqlalchemy import exists, func, select
from sqlalchemy.orm import joinedload, selectinload
from werkzeug.datastructures import MultiDict

from ..campaign import league
from ..campaign import listing as orglist
from ..domain.rules import N_
from ..extensions import db
from ..models import Branch, Job, Organization, User, utcnow
from ..progress import exports
from . import service

EXPORT = "export"
#: The lists that can be exported: (file name, sheet title).
TABLES = {"orgs": ("organizations", N_("组织列表")), "branches": ("branches", N_("团组织列表"))}
FORMATS = ("csv", "xlsx")
#: Rows read from the database (and let go) at a time.
READ_CHUNK = exports.STATE_CHUNK


def list_query(user: User, table: str, args: MultiDict):
    """The rows' query: the list page's filters and sort within `user`'s scope (branches: those founded)."""
    query = orglist.org_query(user, orglist.OrgFilter.from_args(args))
    if table == "branches":
        founded = exists().where(Branch.organization_id == Organization.id, Branch.reverted.is_(False))
        return query.where(founded).options(joinedload(Organization.street), selectinload(Organization.branches),
                                            selectinload(Organization.onboardings))
    return query.options(joinedload(Organization.street), joinedload(Organization.community),
                         joinedload(Organization.officer))


def count(query) -> int:
    """How many organisations the query lists."""
    return db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))


def table_rows(table: str, orgs, translate=gettext):
    """(header, rows) of the list, as the direct download writes them."""
    if table == "branches":
        return exports.branch_table(orgs, translate)
    return exports.org_table(orgs, translate, states_of=league.states, state_labels=league.STATES)


def start_export(actor: User, table: str, fmt: str, args: MultiDict) -> Job:
    """Queue the export of a list (the request's filters are kept as they were given)."""
    filename = f"{TABLES[table][0]}.{fmt}"
    job = Job(kind=EXPORT, user_id=actor.id, filename=filename,
              options={"table": table, "fmt": fmt, "args": args.to_dict(flat=False)})
    return service.queue_job(job)


def recent(user: User, limit: int = 3) -> list[Job]:
    """The user's latest export jobs, newest first (the list page links them)."""
    query = select(Job).where(Job.kind == EXPORT, Job.user_id == user.id).order_by(Job.id.desc()).limit(limit)
    return list(db.session.scalars(query))


def file_path(job: Job) -> str:
    """Where a finished export's file is kept."""
    return os.path.join(service.job_dir(), f"{job.id}.{job.options['fmt']}")


def run_export(job: Job, meter) -> None:
    """Write the file (to a temporary name, then renamed: a killed worker leaves no half file behind)."""
    actor = db.session.get(User, job.user_id)
    table, fmt = job.options["table"], job.options["fmt"]
    query = list_query(actor, table, MultiDict(job.options.get("args") or {}))
    total = count(query)
    written = {"rows": 0}

    def organisations():
        """The listed organisations, streamed; each chunk is let go once its rows are written."""
        seen = 0
        for org in db.session.scalars(query.execution_options(yield_per=READ_CHUNK)):
            if seen and seen % READ_CHUNK == 0:
                meter.report(seen, total)
            seen += 1
            yield org
        meter.report(seen, total, force=True)

    def counted(rows):
        for row in rows:
            written["rows"] += 1
            yield row

    target = file_path(job)
    partial = target + ".partial"
    with force_locale(actor.locale or "zh_CN"):
        header, rows = table_rows(table, organisations())
        with open(partial, "wb") as handle:
            exports.write_table(handle, fmt, header, counted(rows), gettext(TABLES[table][1]))
    os.replace(partial, target)
    finished = db.session.get(Job, job.id)
    finished.status, finished.finished_at = service.DONE, utcnow()
    finished.result = {"rows": written["rows"], "file": finished.filename}
    db.session.commit()


service.RUNNERS[EXPORT] = run_export
