"""Attach an evidence file to a record of an organisation, and find the file to serve.

The bytes are written first (to a new, unguessable name, in the configured storage: storage.py),
then the row and its audit line are committed; when the commit fails the bytes are removed again,
so nothing half-written stays behind.
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
from . import storage as storages
from .files import Checked, Refused, check_upload

RECORDS = {"visit": Visit, "branch": Branch, "onboarding": Onboarding, "activity": BranchActivity}


def storage() -> storages.Storage:
    """Where the files' bytes are kept (ORGBUILD_ATTACHMENT_STORAGE: the instance folder or a bucket)."""
    return storages.current()


def folder() -> Path:
    """The attachments folder of the local storage (``ORGBUILD_ATTACHMENTS_DIR``, default
    instance/attachments), created on first use."""
    path = Path(current_app.config["ATTACHMENTS_DIR"])
    path.mkdir(parents=True, exist_ok=True)
    return path


def _thumbnail_name(stored_name: str) -> str:
    return stored_name.rsplit(".", 1)[0] + ".thumb.jpg"


def stored_name(attachment: Attachment, thumbnail: bool = False) -> str:
    """The name the attachment's bytes (or its thumbnail) are kept under, in any storage."""
    return _thumbnail_name(attachment.stored_name) if thumbnail else attachment.stored_name


def file_path(attachment: Attachment, thumbnail: bool = False) -> Path:
    """Where the local storage keeps the attachment's bytes (or its thumbnail)."""
    return folder() / stored_name(attachment, thumbnail)


def read_bytes(attachment: Attachment, thumbnail: bool = False) -> bytes | None:
    """The attachment's bytes (or its thumbnail's) from the storage; None when they are missing."""
    return storage().read(stored_name(attachment, thumbnail))


def response(attachment: Attachment, thumbnail: bool = False):
    """The file (or its thumbnail) as a response, for a caller that checked who asks; None when missing."""
    if thumbnail:
        return storage().response(stored_name(attachment, True), "image/jpeg", "")
    return storage().response(stored_name(attachment), attachment.content_type, attachment.original_name)


def _remove(names: list[str]) -> None:
    """Remove written bytes again (a failed or replayed transaction); a storage error here is logged,
    not raised over the error that brought us here."""
    for name in names:
        try:
            storage().delete(name)
        except Exception:  # noqa: BLE001 - the first error is the one to report
            current_app.logger.exception("could not remove the evidence file %s", name)


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


def _put(written: list[str], name: str, data: bytes, content_type: str) -> None:
    """Write bytes to the storage, noting the name first (a half-finished write is removed too); a
    storage that cannot be reached refuses the upload with a message, not a server error."""
    written.append(name)
    try:
        storage().put(name, data, content_type)
    except Exception:  # noqa: BLE001 - boto3/botocore or OS errors: the storage is not available
        current_app.logger.exception("could not store the evidence file %s", name)
        raise ServiceError([(None, Message("证明材料暂时无法保存（文件存储不可用），请稍后再试；本次未保存"))]) from None


def _stage(org: Organization, kind: str, record, checked: Checked, filename: str, actor: User,
           written: list[str]) -> Attachment:
    """Write one checked file (and its thumbnail) and add its row and audit line, without committing;
    the names written are appended to ``written`` so that a failed transaction can remove them."""
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
    _put(written, stored, checked.data, checked.content_type)
    if checked.thumbnail is not None:
        _put(written, stored_name(attachment, thumbnail=True), checked.thumbnail, "image/jpeg")
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
    written: list[str] = []
    try:
        attachment = _stage(org, kind, record, checked, filename, actor, written)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        _remove(written)
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
    written: list[str] = []
    kind = STEP_RECORDS.get(request.event)
    if checked and kind is not None:
        request.evidence_files = len(checked)
        request.on_recorded = lambda record: [
            _stage(org, kind, record, item, filename, actor, written) for item, filename in checked]
    try:
        event = actions.apply_transition(org, request, actor)
    except BaseException:
        _remove(written)
        raise
    if request.replayed:  # the first submission was applied already: these copies are not kept
        _remove(written)
    return event


def delete(org: Organization, attachment: Attachment, actor: User) -> None:
    """Remove an evidence file (who may edit the organisation may); audited with what it was. The
    row goes first, in one commit with its audit line; the bytes are removed once that committed."""
    if not policy.can_edit_org(actor, org) or attachment.organization_id != org.id:
        raise ServiceError([(None, Message("您无权修改该组织"))])
    names = [stored_name(attachment)] + ([stored_name(attachment, thumbnail=True)] if attachment.has_thumbnail else [])
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
    _remove(names)


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
