"""Merging two records of one organisation (a supervisor's act), and undoing a merge.

The survivor keeps its id and credit code. Every row that points at the merged-away record — visits,
branches, onboardings, status events, submissions, attachments, branch life, gradings, audit rows, a
joint branch's coverage, reconciliation resolutions: each foreign key to ``organizations.id`` the
schema holds, found from the metadata so that a table added later is moved too — is moved to the
survivor; the merged-away record is deleted. The survivor takes the further workflow stage of the
two, the earlier survey and first-visit dates, and fills its empty survey fields from the other.

An :class:`~orgbuild.models.OrgMerge` keeps both records column by column and the key of every moved
row, so :func:`undo_merge` puts every row back and restores the merged-away record exactly (same id,
same values) and the survivor as it was. Both are audited, scoped by ``policy.can_merge_orgs`` and
optimistically locked (the versions the confirmation page showed). The figures' cache is keyed by the
data version, which every committed write bumps (figcache/version.py): nothing to invalidate here.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, DateTime, Index, Table, UniqueConstraint, delete, insert, or_, select, tuple_, update

from .. import audit, policy
from ..domain.rules import N_, Message
from ..extensions import db
from ..models import Branch, Onboarding, OrgMerge, Organization, User, utcnow

#: workflow stage of a status: the survivor takes the further one (equal: its own)
STAGE = {"surveyed": 0, "ineligible": 0, "closed": 0, "visited": 1, "established": 2, "onboarded": 3}
WORKFLOW_COLUMNS = ("status", "stage_since", "closed_on")
#: survey columns an empty survivor value is filled from the merged-away record
FILLED_COLUMNS = ("community_id", "industry", "org_type", "employees", "youth_count", "league_members",
                  "party_members", "party_secretary", "league_contact", "contact_person", "contact_phone",
                  "address")
#: the merge records themselves point at organisations but are never moved
NOT_MOVED = {"org_merges"}
#: what a person calls the rows of a table (for a conflict's message)
TABLE_LABELS = {"gradings": N_("年度定级"), "submissions": N_("表单提交记录")}


class MergeError(ValueError):
    """A merge or an undo was refused; ``message`` (a Message) says why. Nothing was written."""

    def __init__(self, message: Message):
        super().__init__(str(message))
        self.message = message


def org_links() -> list[tuple[Table, object]]:
    """Every (table, column) with a foreign key to ``organizations.id`` (the merge records excepted)."""
    orgs = Organization.__table__
    return [(table, column) for table in db.metadata.sorted_tables if table.name not in NOT_MOVED and table is not orgs
            for column in table.columns if any(fk.column is orgs.c.id for fk in column.foreign_keys)]


def _key_columns(table: Table, column) -> list:
    """The columns that name a row of `table` across the move (its primary key, without `column`)."""
    return [c for c in table.primary_key.columns if c is not column]


def _plain(value):
    return value.isoformat() if isinstance(value, (date, datetime)) else value


def _dump(table: Table, row) -> dict:
    """A row as JSON-friendly values, column by column."""
    return {c.name: _plain(row[c.name]) for c in table.columns}


def _typed(column, value):
    """A stored JSON value back in the column's Python type (dates and times from ISO strings)."""
    if isinstance(value, str) and isinstance(column.type, DateTime):
        return datetime.fromisoformat(value)
    if isinstance(value, str) and isinstance(column.type, Date):
        return date.fromisoformat(value)
    return value


def _load(table: Table, values: dict) -> dict:
    """The values of :func:`_dump` back in the columns' Python types."""
    return {c.name: _typed(c, values.get(c.name)) for c in table.columns}


def _row(org_id: int) -> dict | None:
    table = Organization.__table__
    found = db.session.execute(select(table).where(table.c.id == org_id)).mappings().first()
    return _dump(table, found) if found is not None else None


def _live(model, org_id: int) -> int:
    return len(db.session.scalars(select(model.id).where(model.organization_id == org_id, model.reverted.is_(False))).all())


def check_merge(actor: User, survivor: Organization, merged: Organization) -> None:
    """Refuse a merge that cannot be done as asked (raises MergeError)."""
    if survivor.id == merged.id:
        raise MergeError(Message("不能把一个组织与它自己合并"))
    if not policy.can_merge_orgs(actor, survivor, merged):
        raise MergeError(Message("您无权合并这两个组织"))
    if _live(Branch, survivor.id) and _live(Branch, merged.id):
        raise MergeError(Message("两个组织都有建团记录：请先撤回其中一个，再合并"))
    if _live(Onboarding, survivor.id) and _live(Onboarding, merged.id):
        raise MergeError(Message("两个组织都已入驻智慧团建：请先撤回其中一个，再合并"))
    for table, column in org_links():
        for constraint in _unique_sets(table, column):
            if set(constraint) == set(table.primary_key.columns) and len(constraint) > 1:
                continue  # a pair table (a joint branch's coverage): a pair held twice is dropped, kept for an undo
            others = [c for c in constraint if c is not column]
            if not others:
                clash = {("—",)} if all(db.session.scalar(select(column).where(column == i).limit(1)) is not None
                                      for i in (survivor.id, merged.id)) else set()
            else:
                mine = set(db.session.execute(select(*others).where(column == survivor.id)).all())
                clash = mine & set(db.session.execute(select(*others).where(column == merged.id)).all())
            if clash:
                values = "、".join(str(v[0]) if len(v) == 1 else str(tuple(v)) for v in sorted(clash))
                raise MergeError(Message("两个组织都有%(what)s（%(values)s）：请先删除其中一个，再合并",
                                         what=Message(TABLE_LABELS.get(table.name, table.name)), values=values))


def _unique_sets(table: Table, column) -> list[list]:
    """The column sets of `table` that must stay unique and include `column`."""
    found = [list(table.primary_key.columns)] if table.primary_key.columns.contains_column(column) else []
    found += [list(c.columns) for c in table.constraints
              if isinstance(c, UniqueConstraint) and c.columns.contains_column(column)]
    found += [list(i.columns) for i in table.indexes if isinstance(i, Index) and i.unique and i.columns.contains_column(column)]
    if column.unique:
        found.append([column])
    return found


def _in(columns: list, values):
    """``columns IN values`` (a select or a list of key tuples), plain for a single column."""
    if len(columns) == 1:
        return columns[0].in_(values if not isinstance(values, list) else [v[0] for v in values])
    return tuple_(*columns).in_(values)


def _conflict() -> MergeError:
    return MergeError(Message("其中一个组织刚被其他人修改过：请查看最新内容后再合并"))


def merge_orgs(actor: User, survivor: Organization, merged: Organization, *, survivor_version: int,
               merged_version: int, reason: str = "") -> OrgMerge:
    """Merge `merged` into `survivor` (one transaction, audited); raises MergeError."""
    check_merge(actor, survivor, merged)
    if survivor.version != survivor_version or merged.version != merged_version:
        raise _conflict()
    table = Organization.__table__
    before, gone = _row(survivor.id), _row(merged.id)
    survivor_id, merged_id = survivor.id, merged.id
    values = _merged_values(before, gone)
    moved: dict[str, dict] = {}
    dropped: dict[str, list] = {}
    db.session.flush()  # nothing of the ORM's is left to write once the rows move under its feet
    db.session.expunge(merged)  # deleted below; the survivor is read afresh after the commit
    try:
        for link_table, column in org_links():
            keys = _key_columns(link_table, column)
            if link_table.primary_key.columns.contains_column(column):  # e.g. a joint branch covering both
                others = [c for c in link_table.primary_key.columns if c is not column]
                both = select(*others).where(column == survivor_id)
                held = _in(others, both)
                clash = list(db.session.execute(select(link_table).where(column == merged_id, held)).mappings())
                if clash:
                    dropped[link_table.name] = [_dump(link_table, r) for r in clash]
                    db.session.execute(delete(link_table).where(column == merged_id, held))
            rows = [list(r) for r in db.session.execute(select(*keys).where(column == merged_id).order_by(*keys))]
            if rows:
                moved[link_table.name] = {"column": column.name, "keys": [[_plain(v) for v in r] for r in rows]}
                db.session.execute(update(link_table).where(column == merged_id).values({column.name: survivor_id}))
        if db.session.execute(delete(table).where(table.c.id == merged_id, table.c.version == merged_version)).rowcount != 1:
            raise _conflict()
        new_version = survivor_version + 1
        result = db.session.execute(update(table).where(table.c.id == survivor_id, table.c.version == survivor_version)
                                    .values(**values, version=new_version, updated_at=utcnow()))
        if result.rowcount != 1:
            raise _conflict()
        record = OrgMerge(survivor_id=survivor_id, merged_id=merged_id, merged_credit_code=gone["credit_code"],
                          merged_name=gone["name"], survivor_version=new_version, merged_row=gone,
                          survivor_before=before, moved={"rows": moved, "dropped": dropped}, reason=(reason or "").strip()[:2000],
                          user_id=actor.id)
        db.session.add(record)
        db.session.flush()
        audit.record(actor, "merge", "org_merge", record.id, organization_id=survivor_id, summary=str(Message(
            "合并重复组织：%(merged)s（%(code)s）并入 %(name)s，移过 %(rows)d 条相关记录",
            merged=gone["name"], code=gone["credit_code"], name=before["name"],
            rows=sum(len(m["keys"]) for m in moved.values()))),
            changes={k: (before[k], _plain(v)) for k, v in values.items() if before[k] != _plain(v)})
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return record


def _merged_values(survivor: dict, merged: dict) -> dict:
    """The survivor's columns that change: the further stage, the earlier dates, empty fields filled."""
    values: dict = {}
    if STAGE.get(merged["status"], 0) > STAGE.get(survivor["status"], 0):
        values.update({c: merged[c] for c in WORKFLOW_COLUMNS})
    for column in ("surveyed_on", "first_visited_on"):
        dates = [d for d in (survivor[column], merged[column]) if d]
        if dates and min(dates) != survivor[column]:
            values[column] = min(dates)
    for column in FILLED_COLUMNS:
        if survivor[column] in (None, "") and merged[column] not in (None, ""):
            values[column] = merged[column]
    if survivor["community_id"] is not None or merged["street_id"] != survivor["street_id"]:
        values.pop("community_id", None)  # a community of another street does not belong to the survivor
    for flag in ("has_party_org", "has_league_org"):
        if merged[flag] and not survivor[flag]:
            values[flag] = True
    if survivor["officer_id"] is None and merged["officer_id"] is not None:
        values.update(officer_id=merged["officer_id"], assigned_on=merged["assigned_on"])
    loaded = _load(Organization.__table__, {**survivor, **values})
    return {k: loaded[k] for k in values}


def undo_merge(actor: User, record: OrgMerge) -> None:
    """Put every moved row back and restore both records as they were before the merge; raises MergeError."""
    if record.undone_at is not None:
        raise MergeError(Message("这次合并已经撤销过了"))
    survivor = db.session.get(Organization, record.survivor_id) if record.survivor_id else None
    if survivor is None or not policy.can_merge_orgs(actor, survivor, survivor):
        raise MergeError(Message("保留的组织已不存在或您无权操作，无法撤销"))
    if survivor.version != record.survivor_version:
        raise MergeError(Message("合并之后该组织又有修改，无法原样撤销：请手工处理"))
    table = Organization.__table__
    if db.session.scalar(select(table.c.id).where(or_(table.c.id == record.merged_id,
                                                        table.c.credit_code == record.merged_credit_code))) is not None:
        raise MergeError(Message("已有组织使用了被合并组织的编号或统一社会信用代码，无法撤销"))
    survivor_id, merged_id, version = survivor.id, record.merged_id, survivor.version
    links = {t.name: (t, c) for t, c in org_links()}
    db.session.flush()
    try:
        db.session.execute(insert(table).values(**_load(table, record.merged_row)))
        for name, moved in (record.moved or {}).get("rows", {}).items():
            link_table, column = links[name]
            keys = _key_columns(link_table, column)
            wanted = [tuple(_typed(c, v) for c, v in zip(keys, k)) for k in moved["keys"]]
            for start in range(0, len(wanted), 400):
                chunk = wanted[start:start + 400]
                db.session.execute(update(link_table).where(column == survivor_id, _in(keys, chunk))
                                   .values({column.name: merged_id}))
        for name, rows in (record.moved or {}).get("dropped", {}).items():
            link_table, _ = links[name]
            db.session.execute(insert(link_table), [_load(link_table, r) for r in rows])
        before = _load(table, record.survivor_before)
        before.pop("id")
        before.update(version=version + 1, updated_at=utcnow())
        if db.session.execute(update(table).where(table.c.id == survivor_id, table.c.version == version)
                              .values(**before)).rowcount != 1:
            raise MergeError(Message("合并之后该组织又有修改，无法原样撤销：请手工处理"))
        record.undone_at = utcnow()
        record.undone_by_id = actor.id
        summary = str(Message("撤销合并：恢复 %(merged)s（%(code)s）及其相关记录", merged=record.merged_name,
                              code=record.merged_credit_code))
        audit.record(actor, "merge", "org_merge", record.id, organization_id=survivor_id, summary=summary)
        audit.record(actor, "merge", "org_merge", record.id, organization_id=merged_id, summary=summary)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise


def merges_of(org: Organization) -> list[OrgMerge]:
    """The merges into this organisation, newest first."""
    return list(db.session.scalars(select(OrgMerge).where(OrgMerge.survivor_id == org.id)
                                   .order_by(OrgMerge.created_at.desc(), OrgMerge.id.desc())))
