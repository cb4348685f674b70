"""Who may see and do what: the one place that answers it.

Views, CLI-facing services and the API ask here; nothing else decides. Every query of
organisations goes through :func:`scope_orgs` so that an officer sees only their streets.

Scope, from the narrowest: an officer sees the streets assigned to them; a supervisor or admin
with streets assigned sees those; one without streets but with a district sees that district;
one with neither sees the whole city (every district of the deployment).
"""
from __future__ import annotations

from sqlalchemy import Select, and_, false, or_, select

from .domain.workflow import SUPERVISOR_ROLES
from .models import AuditEvent, District, ImportBatch, Organization, User, import_batch_streets, user_streets

#: Transitions each role may request (the status machine still decides whether they apply).
ROLE_EVENTS = {
    "officer": {"record_visit", "establish", "onboard", "mark_ineligible", "reopen", "close"},
    "supervisor": {"record_visit", "establish", "onboard", "mark_ineligible", "reopen", "close", "revert"},
    "admin": {"record_visit", "establish", "onboard", "mark_ineligible", "reopen", "close", "revert"},
}


def can_sign_in(user: User | None) -> bool:
    """Whether the account may sign in or stay signed in (deactivated accounts may not)."""
    return bool(user is not None and user.active)


def is_supervisor(user: User) -> bool:
    """Supervisors and admins."""
    return bool(user and user.is_authenticated and user.role in SUPERVISOR_ROLES)


def is_secretary(user: User) -> bool:
    """A branch secretary (团支部书记): logs their own branch's life and nothing else."""
    return bool(user and user.is_authenticated and user.role == "secretary")


#: The only pages a branch secretary opens (every other answers 403): signing in and out, their
#: password, and their own branch's life, evidence and self-assessment (the views check the branch).
SECRETARY_ENDPOINTS = frozenset({
    "static", "bootstrap.static", "health.healthz", "auth.login", "auth.logout", "auth.set_language",
    "auth.change_password", "main.home", "quality.life", "quality.membership", "quality.grading",
    "quality.evidence_upload", "quality.evidence", "quality.evidence_thumbnail",
    # public files every signed-in phone may fetch: the web app's manifest, service worker and
    # offline page, and the API's description
    "offline.service_worker", "offline.manifest", "offline.page", "api-docs.openapi_json",
})


def secretary_may_open(user: User, endpoint: str | None) -> bool:
    """Whether a signed-in branch secretary may open the endpoint at all (others: always)."""
    return not is_secretary(user) or endpoint in SECRETARY_ENDPOINTS


def limited_to_streets(user: User) -> bool:
    """Whether the user sees chosen streets rather than whole districts (officers always do; a
    branch secretary sees no street at all, only their branch through can_log_branch_life)."""
    return user.role in ("officer", "secretary") or bool(user.streets)


def street_ids(user: User) -> set[int] | None:
    """The streets the user is limited to, or None for the whole city.

    Officers see only their streets (none assigned: nothing); a supervisor or admin with streets
    assigned sees those; without any, the streets of their district, or without a district the
    whole city.
    """
    if user.role == "secretary":
        return set()
    if limited_to_streets(user):
        return {s.id for s in user.streets}
    if user.district is not None:
        return {s.id for s in user.district.streets}
    return None


def district_ids(user: User) -> set[int] | None:
    """The districts the user works in (those of their streets, else their district), or None for
    the whole city."""
    if limited_to_streets(user):
        return {s.district_id for s in user.streets}
    if user.district_id is not None:
        return {user.district_id}
    return None


def can_see_district(user: User, district_id: int) -> bool:
    """Whether the district is within the user's scope (wholly or by some of its streets)."""
    if not (user and user.is_authenticated and user.active):
        return False
    ids = district_ids(user)
    return ids is None or district_id in ids


def scope_districts(user: User, query: Select | None = None) -> Select:
    """Limit a select of districts to those within the user's scope."""
    query = query if query is not None else select(District)
    if not (user and user.is_authenticated and user.active):
        return query.where(false())
    ids = district_ids(user)
    return query if ids is None else query.where(District.id.in_(ids))


def scope_orgs(user: User, query: Select | None = None) -> Select:
    """Limit a select of organisations to what `user` may see."""
    query = query if query is not None else select(Organization)
    if not (user and user.is_authenticated and user.active):
        return query.where(false())
    ids = street_ids(user)
    if ids is None:
        return query
    if not ids:
        return query.where(false())
    return query.where(Organization.street_id.in_(ids))


def scope_users(user: User, query: Select) -> Select:
    """Limit a select of users to those sharing a street with `user` (all for city-wide roles)."""
    ids = street_ids(user)
    if ids is None:
        return query
    shared = select(user_streets.c.user_id).where(user_streets.c.street_id.in_(ids))
    return query.where(User.id.in_(shared))


def can_see_org(user: User, org: Organization) -> bool:
    """Whether `user` may open `org` (outside the scope: answer 404, do not confirm it exists)."""
    if not (user and user.is_authenticated and user.active):
        return False
    ids = street_ids(user)
    return ids is None or org.street_id in ids


def can_edit_org(user: User, org: Organization) -> bool:
    """Whether `user` may edit the survey data of `org`."""
    return can_see_org(user, org)


def can_create_org_in(user: User, street_id: int) -> bool:
    """Whether `user` may record a new organisation in the street (or move one there)."""
    if not (user and user.is_authenticated and user.active):
        return False
    ids = street_ids(user)
    return ids is None or street_id in ids


def can_request(user: User, org: Organization, event: str) -> bool:
    """Whether `user`'s role may request `event` on `org` (the machine decides the rest)."""
    return can_see_org(user, org) and event in ROLE_EVENTS.get(user.role, set())


def can_merge_orgs(user: User, survivor: Organization, merged: Organization) -> bool:
    """Merging two records of one organisation (and undoing it): supervisors and admins whose scope
    holds both."""
    return is_supervisor(user) and can_edit_org(user, survivor) and can_edit_org(user, merged)


def can_import(user: User) -> bool:
    """Survey imports: supervisors and admins."""
    return is_supervisor(user)


def can_see_batch(user: User, batch: ImportBatch) -> bool:
    """An applied import (its page, its rejected rows, its file name): it belongs to the streets of its
    rows. Readers of the whole city, and the one who uploaded it, read it; anyone else only when every
    street of its rows is theirs (a batch with a row of no known street: nobody else)."""
    if not can_import(user):
        return False
    ids = street_ids(user)
    if ids is None or (batch.user_id is not None and batch.user_id == user.id):
        return True
    streets = {s.id for s in batch.streets}
    return not batch.unplaced and bool(streets) and streets <= ids


def scope_batches(user: User, query: Select | None = None) -> Select:
    """Limit a select of import batches to those `user` may read (see :func:`can_see_batch`)."""
    query = query if query is not None else select(ImportBatch)
    if not can_import(user):
        return query.where(false())
    ids = street_ids(user)
    if ids is None:
        return query
    links = import_batch_streets.c
    placed = select(links.batch_id)
    elsewhere = select(links.batch_id).where(links.street_id.not_in(ids)) if ids else placed
    return query.where(or_(
        ImportBatch.user_id == user.id,
        and_(ImportBatch.unplaced == 0, ImportBatch.id.in_(placed), ImportBatch.id.not_in(elsewhere)),
    ))


def can_read_upload(user: User, uploader_ids: set[int]) -> bool:
    """A stored upload (previewed by its SHA-256): whoever uploaded it, and readers of the whole city."""
    return can_import(user) and (user.id in uploader_ids or street_ids(user) is None)


def can_assign(user: User) -> bool:
    """Assigning organisations to officers (in bulk, auto-assign): supervisors and admins."""
    return is_supervisor(user)


def can_assign_in(user: User, street_id: int) -> bool:
    """Assigning within one street: supervisors and admins whose scope holds it."""
    if not (can_assign(user) and user.active):
        return False
    ids = street_ids(user)
    return ids is None or street_id in ids


def can_set_targets(user: User) -> bool:
    """Targets: supervisors and admins."""
    return is_supervisor(user)


def can_set_targets_in(user: User, district_id: int) -> bool:
    """The targets of one district (its own and its streets'): supervisors and admins of it."""
    return can_set_targets(user) and can_see_district(user, district_id)


def can_create_snapshot(user: User) -> bool:
    """Progress snapshots (and the bulletins built from them): supervisors and admins."""
    return is_supervisor(user)


def can_see_snapshot(user: User, snapshot_streets: frozenset[int] | None) -> bool:
    """Whether `user` may read a snapshot covering `snapshot_streets` (None: the whole city): only
    when every street it covers is one the user sees (an officer never reads other streets' figures
    through a district snapshot, nor a district supervisor another district's)."""
    if not (user and user.is_authenticated and user.active):
        return False
    ids = street_ids(user)
    if ids is None:
        return True
    return snapshot_streets is not None and bool(snapshot_streets) and snapshot_streets <= ids


def can_write_through_api(token) -> bool:
    """Writes through the JSON API (recording a visit): only with a read-write personal access token,
    never a browser session (the API takes no CSRF token) nor a read-only token. What the token's user
    may do is then decided as for the web forms (:func:`can_request`)."""
    return token is not None and bool(token.can_write)


def can_export(user: User) -> bool:
    """Exports (always scoped): every signed-in user."""
    return bool(user and user.is_authenticated)


def can_manage_users(user: User) -> bool:
    """User management: admins only."""
    return bool(user and user.is_authenticated and user.role == "admin")


def can_manage_streets(user: User, district_id: int | None = None) -> bool:
    """The streets and communities page: admins, for the districts within their scope (`district_id`
    None: whether they may open the page at all)."""
    if not (user and user.is_authenticated and user.active and user.role == "admin"):
        return False
    return district_id is None or can_see_district(user, district_id)


def can_read_audit(user: User) -> bool:
    """The audit page: supervisors and admins."""
    return is_supervisor(user)


def can_read_org_history(user: User, org: Organization) -> bool:
    """An organisation's own audit history: whoever may open the organisation."""
    return can_see_org(user, org)


def scope_audit(user: User, query: Select) -> Select:
    """Limit a select of audit events to what `user` may read.

    Admins of the whole city read everything. Supervisors read the events of the organisations in
    their scope and of the imports they may read (:func:`scope_batches`: the file names are in the
    summaries); account changes are for admins only. Everyone else reads nothing.
    """
    if not can_read_audit(user):
        return query.where(false())
    whole_city = street_ids(user) is None
    if can_manage_users(user) and whole_city:
        return query
    in_scope = scope_orgs(user, select(Organization.id)).scalar_subquery()
    batches = scope_batches(user, select(ImportBatch.id)).scalar_subquery()
    general = and_(AuditEvent.organization_id.is_(None), AuditEvent.action != "import")
    if not can_manage_users(user):
        general = and_(general, AuditEvent.action != "user")
    return query.where(
        or_(
            AuditEvent.organization_id.in_(in_scope),
            general,
            and_(AuditEvent.organization_id.is_(None), AuditEvent.action == "import",
                 or_(AuditEvent.object_type != "import_batch", AuditEvent.object_id.in_(batches))),
        )
    )


def can_see_job(user: User, job) -> bool:
    """A background job: the user who started it, and admins of the whole city (a preview's rejected
    rows may name any street). An import's job only while the user may import; an export's while
    they may export."""
    allowed = can_export(user) if job.kind == "export" else can_import(user)
    return allowed and (job.user_id == user.id or (user.role == "admin" and street_ids(user) is None))


def can_use_jobs(user: User) -> bool:
    """The jobs pages at all: those who may start a job (an import or an export)."""
    return can_import(user) or can_export(user)


def is_own_branch(user: User, org: Organization) -> bool:
    """Whether `org` is the branch secretary's own organisation."""
    return bool(is_secretary(user) and user.active and user.organization_id is not None
                and user.organization_id == org.id)


def can_log_branch_life(user: User, org: Organization) -> bool:
    """A branch's organisational life, membership changes and their evidence: whoever may open the
    organisation, and the branch's own secretary."""
    return can_see_org(user, org) or is_own_branch(user, org)


def can_read_quality(user: User) -> bool:
    """The hollow-branch warnings and quality figures across branches: supervisors and admins."""
    return is_supervisor(user)


def can_grade(user: User, org: Organization, event: str) -> bool:
    """A grading step (对标定级): anyone who may open the organisation self-assesses; supervisors and
    admins confirm or return (the grading machine decides the rest)."""
    if event == "self_assess":
        return can_log_branch_life(user, org)
    return can_see_org(user, org) and is_supervisor(user)


def can_open_rectification(user: User, org: Organization) -> bool:
    """Opening a rectification task (整顿) for a branch: supervisors and admins who see it."""
    return is_supervisor(user) and can_see_org(user, org)


def can_close_rectification(user: User, task) -> bool:
    """Closing one: its responsible officer (while they still see the branch), supervisors, admins."""
    org = task.organization
    return can_see_org(user, org) and (is_supervisor(user) or task.officer_id == user.id)


def can_set_grading_rounds(user: User) -> bool:
    """The year's grading round (date, cut-off, five-star cap): supervisors and admins."""
    return is_supervisor(user)
