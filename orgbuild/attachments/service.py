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
from ..campaign.actions import ServiceError
from ..domain.rules import Message
from ..extensions import db
from ..models import Attachment, Branch, BranchActivity, Onboarding, Organization, User, Visit
from .files import Refused, check_upload

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


def attach(org: Organization, kind: str, record, data: bytes, filename: str, actor: User) -> Attachment:
    """Check, clean and store one file for `record` (of type `kind`) of `org`; commit."""
    allowed = policy.can_log_branch_life(actor, org) if kind == "activity" else policy.can_edit_org(actor, org)
    if not allowed:
        raise ServiceError([(None, Message("您无权修改该组织"))])
    try:
        checked = check_upload(data, filename, current_app.config["ATTACHMENT_MAX_BYTES"])
    except Refused as refused:
        raise ServiceError([("file", refused.args[0])]) from None
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
    written = [file_path(attachment)]
    try:
        written[0].write_bytes(checked.data)
        if checked.thumbnail is not None:
            written.append(file_path(attachment, thumbnail=True))
            written[1].write_bytes(checked.thumbnail)
        db.session.add(attachment)
        db.session.flush()
        audit.record(actor, "create", "attachment", attachment.id, organization_id=org.id,
                     summary=f"{kind} {record.id}: {attachment.original_name}")
        db.session.commit()
    except BaseException:
        db.session.rollback()
        for path in written:
            path.unlink(missing_ok=True)
        raise
    return attachment


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
