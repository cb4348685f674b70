"""The request class of the app: a survey file posted to the import page is written straight to
``instance/uploads/`` as it arrives (no copy, no hashing inside the request: the preview job hashes
it), under its own size limit (``IMPORT_UPLOAD_MAX_BYTES``, ``ORGBUILD_IMPORT_UPLOAD_MB``); every other
request keeps ``MAX_CONTENT_LENGTH`` and Werkzeug's spooled temporary files.
"""
from __future__ import annotations

import os
import tempfile
from typing import IO

from flask import Request, current_app

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
