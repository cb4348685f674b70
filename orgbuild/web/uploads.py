"""The request class of the app: a survey file posted to the import page is written straight to
``instance/uploads/`` as it arrives (no copy, no hashing inside the request: the preview job hashes
it), under its own size limit (``IMPORT_UPLOAD_MAX_BYTES``, ``ORGBUILD_IMPORT_UPLOAD_MB``); every other
request keeps ``MAX_CONTENT_LENGTH`` and Werkzeug's spooled temporary files. With JavaScript the import
page sends a large file in slices instead (below: no request then carries more than one slice).
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
import tempfile
from typing import IO

from flask import Request, current_app

from ..domain.rules import Message

#: the endpoints whose POST carries a survey file
IMPORT_ENDPOINTS = frozenset({"imports.index"})
PARTIAL_PREFIX = "partial-"


def upload_dir() -> str:
    """Where uploaded survey files wait for their jobs."""
    path = os.path.join(current_app.instance_path, "uploads")
    os.makedirs(path, exist_ok=True)
    return path


class AppRequest(Request):
    """Flask's request, streaming import uploads to the uploads folder."""

    def _is_import_upload(self) -> bool:
        return self.method == "POST" and self.endpoint in IMPORT_ENDPOINTS

    @property
    def max_content_length(self) -> int | None:  # type: ignore[override]
        """The import page's own limit for its uploads, else Flask's (MAX_CONTENT_LENGTH)."""
        if self._max_content_length is None and current_app and self._is_import_upload():
            return current_app.config["IMPORT_UPLOAD_MAX_BYTES"]
        return Request.max_content_length.fget(self)

    @max_content_length.setter
    def max_content_length(self, value: int | None) -> None:
        self._max_content_length = value

    def _get_file_stream(self, total_content_length: int | None, content_type: str | None,
                         filename: str | None = None, content_length: int | None = None) -> IO[bytes]:
        """An import upload goes to a file in the uploads folder (renamed there once complete)."""
        if current_app and self._is_import_upload():
            return tempfile.NamedTemporaryFile(dir=upload_dir(), prefix=PARTIAL_PREFIX, delete=False)
        return super()._get_file_stream(total_content_length, content_type, filename, content_length)


# --- sliced uploads -----------------------------------------------------------------------------
# A large survey file sent by the import page's script (static/js/sliced_upload.js) in slices of
# SLICE_BYTES, each its own short request: the server appends each slice at the offset it names
# (checking the offset against what it holds, the slice against its SHA-256 when the browser sent
# one), then on the last request checks the whole size and hands the file to the preview job.

SLICED_PREFIX = "partial-sliced-"
SLICE_BYTES = 4 << 20  # a slice of 4 MB is a request of a few tens of milliseconds on a LAN
SLICE_TOKEN = re.compile(r"^[0-9a-f]{32}$")


class SliceRefused(Exception):
    """A slice (or the start, or the end) of a sliced upload is refused: ``message`` says why (Chinese,
    translatable), ``status`` the HTTP status, ``size`` how many bytes the server holds (for a resume)."""

    def __init__(self, message: Message, status: int = 400, size: int | None = None):
        super().__init__(str(message))
        self.message, self.status, self.size = message, status, size


def _sliced_paths(token: str) -> tuple[str, str]:
    """The partial file and its description (owner, size announced, name and options)."""
    if not SLICE_TOKEN.match(token or ""):
        raise SliceRefused(Message("上传已过期或不存在，请重新上传"), 404)
    base = os.path.join(upload_dir(), SLICED_PREFIX + token)
    return base, base + ".json"


def start_sliced(user_id: int, size: int, options: dict) -> str:
    """Begin a sliced upload of `size` bytes; returns its token."""
    limit = current_app.config["IMPORT_UPLOAD_MAX_BYTES"]
    if size < 0:
        raise SliceRefused(Message("文件大小有误"))
    if size > limit:
        raise SliceRefused(Message("文件过大（%(size)s MB），上限为 %(limit)s MB",
                                   size=round(size / 1048576, 1), limit=round(limit / 1048576, 1)), 413)
    token = secrets.token_hex(16)
    data, meta = _sliced_paths(token)
    open(data, "wb").close()
    with open(meta, "w", encoding="utf-8") as out:
        json.dump({"user_id": user_id, "size": size, "options": options}, out, ensure_ascii=False)
    return token


def sliced_meta(token: str, user_id: int) -> dict:
    """The description of a sliced upload of this user (404 for anyone else's, or none)."""
    data, meta = _sliced_paths(token)
    try:
        with open(meta, encoding="utf-8") as file:
            found = json.load(file)
    except (OSError, ValueError):
        raise SliceRefused(Message("上传已过期或不存在，请重新上传"), 404) from None
    if found.get("user_id") != user_id or not os.path.isfile(data):
        raise SliceRefused(Message("上传已过期或不存在，请重新上传"), 404)
    return found


def append_slice(token: str, user_id: int, offset: int, stream: IO[bytes], length: int | None,
                 sha256: str | None) -> int:
    """Write one slice at `offset` (the size the server holds: a slice sent again after a lost answer
    is written again over the same bytes); returns the size held afterwards. A slice past the end
    announced, at another offset, longer than a slice or not matching its SHA-256 is refused and
    nothing of it kept."""
    found = sliced_meta(token, user_id)
    data, _meta = _sliced_paths(token)
    held = os.path.getsize(data)
    if length is None or length < 0:
        raise SliceRefused(Message("缺少分片长度"), 411, held)
    if length > SLICE_BYTES:
        raise SliceRefused(Message("分片过大"), 413, held)
    if offset > held or offset < 0:
        raise SliceRefused(Message("分片位置不对：服务器已收到 %(held)d 字节", held=held), 409, held)
    if offset + length > found["size"]:
        raise SliceRefused(Message("分片超出了文件大小"), 400, held)
    digest = hashlib.sha256()
    with open(data, "r+b") as out:
        out.seek(offset)
        written = 0
        while written < length:
            block = stream.read(min(1 << 20, length - written))
            if not block:
                break
            digest.update(block)
            out.write(block)
            written += len(block)
        if written != length or (sha256 and digest.hexdigest() != sha256.lower()):
            out.truncate(offset)
            raise SliceRefused(Message("分片传输不完整或校验失败，请重试"), 400, offset)
        out.truncate(max(held, offset + length))
    return os.path.getsize(data)


def finish_sliced(token: str, user_id: int, name: str) -> dict:
    """Check that every byte arrived and move the file under `name` in the uploads folder (where the
    preview job finds it); returns the upload's options."""
    found = sliced_meta(token, user_id)
    data, meta = _sliced_paths(token)
    held = os.path.getsize(data)
    if held != found["size"]:
        raise SliceRefused(Message("文件还没有传完：已收到 %(held)d 字节，共 %(size)d 字节", held=held, size=found["size"]),
                           409, held)
    os.replace(data, os.path.join(upload_dir(), name))
    os.unlink(meta)
    return found["options"]
