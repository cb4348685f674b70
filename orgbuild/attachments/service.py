"""Attach an evidence file to a record of an organisation, and find the file to serve.

The bytes are written first (to a new, unguessable name), then the row and its audit line are
committed; when the commit fails the file is removed again, so nothing half-written stays behind.
"""
from __future__ import annotations

import os
import uuid
from pathlib import Path

from flask import current_app

from .. import audit, policy
from ..campaign import actions
from ..campaign.actions import ServiceError, TransitionRequest
from ..domain.rules import Message
from ..extensions import db
from ..models import Attachment, Branch, BranchActivity, Onboarding, Organization, StatusEvent, User, Visit
from .files import Checked, Refused, check_upload

RECORDS = {"visit": Visit, "branch": Branch, "onboarding": Onboarding, "activity": BranchActivity}


def folder() -> Path:
    """The attachments folder (``ORGBUILD_ATTACHMENTS_DIR``, default instance/attachments), created on first use."""
    path = Path(current_app.config["ATTACHMENTS_DIR"])
    path.mkdir(parents=True, exist_ok=True)
    return path


def _thumbnail_name(stored_name: str) -> str:
    return stored_name.rsplit(".", 1)[0] + ".thumb.jpg"


def file_path(attachment: Attachment, thumbnail: bool = False) -> Path:
    """Where the attachment's bytes (or its thumbnail) are kept."""
    name = attachment.stored_name
    return folder() / (_thumbnail_name(name) if thumbnail else name)


def stored_names() -> list[str]:
    """The names of every file the database refers to (files and thumbnails), for the backup."""
    names: list[str] = []
    for stored, has_thumbnail in db.session.execute(db.select(Attachment.stored_name, Attachment.has_thumbnail)):
        names.append(stored)
        if has_thumbnail:
            names.append(_thumbnail_name(stored))
    return names


def record_of(org: Organization, kind: str, record_id: int):
    """The visit, founding or onboarding `record_id` of `org`, or None."""
    model = RECORDS.get(kind)
    record = db.session.get(model, record_id) if model is not None else None
    return record if record is not None and record.organization_id == org.id else None


def _stage(org: Organization, kind: str, record, checked: Checked, filename: str, actor: User,
           written: list[Path]) -> Attachment:
    """Write one checked file (and its thumbnail) and add its row and audit line, without committing;
    the paths written are appended to ``written`` so that a failed transaction can remove them."""
    stored = f"{uuid.uuid4().hex}.{checked.suffix}"
    attachment = Attachment(
        organization_id=org.id,
        content_type=checked.content_type,
        original_name=os.path.basename(filename or "")[:200],
        stored_name=stored,
        size=len(checked.data),
        has_thumbnail=checked.thumbnail is not None,
        uploaded_by_id=actor.id,
        **{f"{kind}_id": record.id},
    )
    path = file_path(attachment)
    written.append(path)
    path.write_bytes(checked.data)
    if checked.thumbnail is not None:
        thumb = file_path(attachment, thumbnail=True)
        written.append(thumb)
        thumb.write_bytes(checked.thumbnail)
    db.session.add(attachment)
    db.session.flush()
    audit.record(actor, "create", "attachment", attachment.id, organization_id=org.id,
                 summary=f"{kind} {record.id}: {attachment.original_name}")
    return attachment


def _check(data: bytes, filename: str) -> Checked:
    try:
        return check_upload(data, filename, current_app.config["ATTACHMENT_MAX_BYTES"])
    except Refused as refused:
        raise ServiceError([("file", refused.args[0])]) from None


def attach(org: Organization, kind: str, record, data: bytes, filename: str, actor: User) -> Attachment:
    """Check, clean and store one file for `record` (of type `kind`) of `org`; commit."""
    allowed = policy.can_log_branch_life(actor, org) if kind == "activity" else policy.can_edit_org(actor, org)
    if not allowed:
        raise ServiceError([(None, Message("您无权修改该组织"))])
    checked = _check(data, filename)
    written: list[Path] = []
    try:
        attachment = _stage(org, kind, record, checked, filename, actor, written)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        for path in written:
            path.unlink(missing_ok=True)
        raise
    return attachment


#: The kind of record each step creates, as attachments name it.
STEP_RECORDS = {"record_visit": "visit", "establish": "branch", "onboard": "onboarding"}


def apply_with_evidence(org: Organization, request: TransitionRequest, actor: User,
                        uploads: list[tuple[bytes, str]]) -> StatusEvent:
    """Apply a step together with the evidence files sent with it, in one transaction.

    Every file is checked first (a refused file refuses the step, naming the file); the status
    machine sees how many came (a step that needs evidence, ORGBUILD_EVIDENCE_REQUIRED, is refused
    without one); the files are stored onto the new visit, founding or onboarding before the
    commit, and removed again when the step does not go through.
    """
    checked = []
    for data, filename in uploads:
        try:
            checked.append((_check(data, filename), filename))
        except ServiceError as error:
            raise ServiceError([("evidence", Message("%(name)s：%(reason)s", name=os.path.basename(filename or ""),
                                                     reason=error.errors[0][1]))]) from None
    written: list[Path] = []
    kind = STEP_RECORDS.get(request.event)
    if checked and kind is not None:
        request.evidence_files = len(checked)
        request.on_recorded = lambda record: [
            _stage(org, kind, record, item, filename, actor, written) for item, filename in checked]
    try:
        event = actions.apply_transition(org, request, actor)
    except BaseException:
        for path in written:
            path.unlink(missing_ok=True)
        raise
    if request.replayed:  # the first submission was applied already: these copies are not kept
        for path in written:
            path.unlink(missing_ok=True)
    return event


def delete(org: Organization, attachment: Attachment, actor: User) -> None:
    """Remove an evidence file (who may edit the organisation may); audited with what it was. The
    row goes first, in one commit with its audit line; the bytes are removed once that committed."""
    if not policy.can_edit_org(actor, org) or attachment.organization_id != org.id:
        raise ServiceError([(None, Message("您无权修改该组织"))])
    paths = [file_path(attachment)] + ([file_path(attachment, thumbnail=True)] if attachment.has_thumbnail else [])
    record = next((f"{kind} {getattr(attachment, f'{kind}_id')}" for kind in RECORDS
                   if getattr(attachment, f"{kind}_id") is not None), "")
    try:
        audit.record(actor, "delete", "attachment", attachment.id, organization_id=org.id,
                     summary=f"{record}: {attachment.original_name}",
                     changes={"file": (attachment.original_name, None), "size": (attachment.size, None)})
        db.session.delete(attachment)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    for path in paths:
        path.unlink(missing_ok=True)


def attachments_of(org: Organization) -> dict[tuple[str, int], list[Attachment]]:
    """The organisation's files by the record they belong to: {("visit", 12): [...], ...}."""
    rows = db.session.scalars(
        db.select(Attachment).where(Attachment.organization_id == org.id).order_by(Attachment.id)
    )
    found: dict[tuple[str, int], list[Attachment]] = {}
    for row in rows:
        for kind in RECORDS:
            record_id = getattr(row, f"{kind}_id")
            if record_id is not None:
                found.setdefault((kind, record_id), []).append(row)
    return found
