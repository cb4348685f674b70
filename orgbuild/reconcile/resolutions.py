"""Resolving the differences of a reconciliation run, one audited action each (a ReconcileResolution
tied to the run, at most one per difference):

- ``link``: a row only in the platform is the organisation here with this credit code: the platform's
  organisation code is written on its onboarding, and later runs match the platform's name to it;
- ``create``: a row only in the platform becomes a new organisation here (in a street of the user's
  scope; surveyed, with a league body and the platform's member count);
- ``correct``: a differing field takes the platform's value here (name, branch type, secretary, member
  count, founding date, credit code), refused when the value here changed since the run;
- ``platform``: the difference is to be fixed on the platform (recorded, shown as such on the run).

Everything is scoped by policy.py: a run is seen by those whose scope it was made in, and an
organisation is touched only when the user may edit it.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from .. import audit, policy
from ..campaign import actions
from ..domain import rules
from ..domain.rules import BRANCH_TYPES, Message, normalize_credit_code
from ..extensions import db
from ..models import Organization, ReconcileResolution, ReconcileRun, User, utcnow
from . import columns
from .service import scope_label

#: the actions, and which kind of difference each applies to
ACTIONS = {"link": ("platform",), "create": ("platform",), "correct": ("field",), "platform": ("platform", "here", "field")}
#: the fields a correction can take from the platform (not "onboarded": that is the onboarding step)
CORRECTABLE = ("name", "branch_type", "secretary", "member_count", "founded_on", "credit_code")


class ResolutionError(ValueError):
    """A resolution was refused; ``message`` (a Message) says why. Nothing was written."""

    def __init__(self, message: Message):
        super().__init__(str(message))
        self.message = message


@dataclass
class Item:
    """One difference of a run and its resolution, if any."""

    key: str
    kind: str  # platform / here / field
    data: dict
    resolution: ReconcileResolution | None = None

    @property
    def actions(self) -> list[str]:
        """The actions offered for this difference."""
        found = [a for a, kinds in ACTIONS.items() if self.kind in kinds]
        if self.kind == "field" and self.data.get("field") not in CORRECTABLE:
            found.remove("correct")
        return found


def run_for(actor: User, run_id: int) -> ReconcileRun | None:
    """The run, when it was made in the actor's scope (None otherwise: the page answers 404)."""
    run = db.session.get(ReconcileRun, run_id)
    if run is None or not policy.can_import(actor) or run.scope != scope_label(actor):
        return None
    return run


def items(run: ReconcileRun) -> list[Item]:
    """Every difference of the run, in the order of the report, with its resolution."""
    result = run.result or {}
    found = [Item(f"platform:{p['row']}", "platform", p) for p in result.get("only_in_platform", [])]
    found += [Item(f"here:{h['credit_code']}", "here", h) for h in result.get("only_here", [])]
    found += [Item(f"field:{m['row']}:{m['field']}", "field", m) for m in result.get("mismatched", [])]
    resolved = {r.item: r for r in db.session.scalars(select(ReconcileResolution).where(ReconcileResolution.run_id == run.id))}
    for item in found:
        item.resolution = resolved.get(item.key)
    return found


def resolved_count(run: ReconcileRun) -> int:
    """How many differences of the run are resolved."""
    return len(db.session.scalars(select(ReconcileResolution.id).where(ReconcileResolution.run_id == run.id)).all())


def _org_by_code(actor: User, code: str) -> Organization:
    """The organisation the actor may edit with this credit code (else refused, never confirming it exists)."""
    org = db.session.scalar(select(Organization).where(Organization.credit_code == normalize_credit_code(code or "")))
    if org is None or not policy.can_edit_org(actor, org):
        raise ResolutionError(Message("在您负责的范围内找不到统一社会信用代码为 %(code)s 的组织", code=code or "—"))
    return org


def resolve(run: ReconcileRun, key: str, action: str, actor: User, *, credit_code: str = "", name: str = "",
            street_id: int | None = None, note: str = "") -> ReconcileResolution:
    """Resolve one difference of the run (one transaction, audited); raises ResolutionError."""
    if not policy.can_import(actor) or run.scope != scope_label(actor):
        raise ResolutionError(Message("您无权处理这次比对"))
    item = next((i for i in items(run) if i.key == key), None)
    if item is None:
        raise ResolutionError(Message("这次比对中没有这一项"))
    if item.resolution is not None:
        raise ResolutionError(Message("这一项已经处理过了"))
    if action not in item.actions:
        raise ResolutionError(Message("这一项不能这样处理"))
    note = (note or "").strip()[:2000]
    resolution = ReconcileResolution(run_id=run.id, item=key, action=action, note=note, user_id=actor.id)
    org: Organization | None = None
    if action == "link":
        org = _org_by_code(actor, credit_code)
        resolution.changes = _link(org, item.data)
        resolution.platform_name = item.data.get("name", "")[:200]
    elif action == "create":
        org = _create(actor, item.data, credit_code, name, street_id)
    elif action == "correct":
        org = _org_by_code(actor, item.data["credit_code"])
        resolution.changes = _correct(org, item.data)
    else:
        code = item.data.get("credit_code") if item.kind != "platform" else None
        org = db.session.scalar(select(Organization).where(Organization.credit_code == code)) if code else None
        if org is not None and not policy.can_see_org(actor, org):
            org = None
    resolution.organization_id = org.id if org is not None else None
    db.session.add(resolution)
    try:
        db.session.flush()
        if action == "link":
            _also_resolve_only_here(run, org, actor, key)
        audit.record(actor, "reconcile", "reconcile_resolution", resolution.id,
                     organization_id=resolution.organization_id, changes=resolution.changes and
                     {f: tuple(v) for f, v in resolution.changes.items()},
                     summary=str(Message("智慧团建比对 #%(run)d 第 %(item)s 项：%(action)s", run=run.id, item=key,
                                         action=Message(ACTION_LABELS[action]))))
        db.session.commit()
    except (IntegrityError, StaleDataError):
        db.session.rollback()
        raise ResolutionError(Message("这一项刚被其他人处理过，或该组织刚被修改，请刷新后再试")) from None
    except Exception:
        db.session.rollback()
        raise
    return resolution


ACTION_LABELS = {"link": rules.N_("关联本系统的组织"), "create": rules.N_("在本系统新建"),
                 "correct": rules.N_("按平台更正本系统"), "platform": rules.N_("待在平台上更正")}


def _touch(org: Organization) -> None:
    """Mark the organisation changed (its version moves on: forms opened before are stale)."""
    org.updated_at = utcnow()


def _link(org: Organization, row: dict) -> dict | None:
    """Write the platform's organisation code on the organisation's onboarding in force."""
    code = (row.get("platform_code") or "").strip()
    onboarding = org.onboarding
    if not code or onboarding is None or onboarding.platform_code == code:
        return None
    changes = {"platform_code": [onboarding.platform_code or "", code]}
    onboarding.platform_code = code[:80]
    _touch(org)
    return changes


def _also_resolve_only_here(run: ReconcileRun, org: Organization, actor: User, key: str) -> None:
    """A linked organisation that the run listed as only here is resolved by the same link."""
    here = f"here:{org.credit_code}"
    if any(i.key == here and i.resolution is None for i in items(run)):
        db.session.add(ReconcileResolution(run_id=run.id, item=here, action="link", organization_id=org.id,
                                           note=str(Message("与第 %(item)s 项一并关联", item=key)), user_id=actor.id))
        db.session.flush()


def _create(actor: User, row: dict, credit_code: str, name: str, street_id: int | None) -> Organization:
    """A new organisation here for the platform's row (the survey service's checks apply)."""
    data = actions.SurveyData(
        credit_code=credit_code or row.get("credit_code") or "",
        name=(name or "").strip() or columns.unit_name(row.get("name", "")),
        street_id=street_id, has_league_org=True,
        league_members=row.get("member_count") if isinstance(row.get("member_count"), int) else None,
    )
    try:
        return actions.create_organization(data, actor, commit=False)
    except actions.ServiceError as error:
        raise ResolutionError(error.messages[0]) from None


def _correct(org: Organization, diff: dict) -> dict:
    """Take the platform's value of one field; refuse when the value here is no longer the run's."""
    fld, platform = diff["field"], diff["platform"]
    branch = org.branch
    if fld == "name":
        target, attr = (branch, "name") if branch is not None else (org, "name")
        value = platform if branch is not None else columns.unit_name(platform)
    elif fld == "member_count":
        target, attr = (branch, "member_count") if branch is not None else (org, "league_members")
        value = platform
    elif fld == "credit_code":
        target, attr, value = org, "credit_code", normalize_credit_code(platform)
        problem = rules.credit_code_error(value)
        if problem:
            raise ResolutionError(problem)
        if db.session.scalar(select(Organization.id).where(Organization.credit_code == value)) is not None:
            raise ResolutionError(Message("该统一社会信用代码已登记"))
    else:
        if branch is None:
            raise ResolutionError(Message("该组织没有建团记录，无法按平台更正"))
        target, attr = branch, fld
        if fld == "branch_type":
            value = columns.category_code(platform)
            if value is None:
                raise ResolutionError(Message("未知的组织类别（应为团支部、团总支、团委或联合团支部），本行不比对组织类别"))
        elif fld == "founded_on":
            value = date.fromisoformat(platform)
        else:
            value = platform
    current = getattr(target, attr)
    shown = current
    if fld == "branch_type":
        shown = str(BRANCH_TYPES.get(current, current))
    elif fld == "founded_on" and current is not None:
        shown = current.isoformat()
    if shown != diff["here"]:
        raise ResolutionError(Message("本系统的值已改为“%(now)s”，与比对时不同：请重新比对后再处理", now=shown))
    setattr(target, attr, value)
    _touch(org)
    return {fld: [diff["here"], platform]}
