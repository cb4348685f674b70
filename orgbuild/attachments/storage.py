"""Where evidence files' bytes are kept: the instance folder (the default) or an S3-compatible bucket.

``ORGBUILD_ATTACHMENT_STORAGE=local`` keeps them in ``ORGBUILD_ATTACHMENTS_DIR``;
``ORGBUILD_ATTACHMENT_STORAGE=s3`` keeps them in the bucket ``ORGBUILD_S3_BUCKET`` (any
S3-compatible service: ``ORGBUILD_S3_ENDPOINT_URL`` names MinIO, Ceph, an OSS/COS S3 endpoint...).

Both offer the same few operations, by stored name (unique, never rewritten): ``put``, ``read``,
``delete`` and ``response`` (the bytes served as a Flask response). Who may read a file is decided by
the app before it asks the storage (views/attachments.py); the bucket itself stays private: files
are never served from it directly.
"""
from __future__ import annotations

import io
from pathlib import Path
from typing import Protocol

from flask import Flask, Response, current_app, send_file

EXTENSION_KEY = "orgbuild_attachment_storage"


class Storage(Protocol):
    """The bytes of evidence files, by stored name."""

    def put(self, name: str, data: bytes, content_type: str) -> None: ...

    def read(self, name: str) -> bytes | None: ...

    def delete(self, name: str) -> None: ...

    def response(self, name: str, mimetype: str, download_name: str) -> Response | None: ...


class LocalStorage:
    """Files in one folder (instance/attachments unless configured), created on first write."""

    def __init__(self, folder: str | Path):
        self.folder = Path(folder)

    def path(self, name: str) -> Path:
        return self.folder / Path(name).name  # a stored name, never a path: nothing outside the folder

    def put(self, name: str, data: bytes, content_type: str) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        self.path(name).write_bytes(data)

    def read(self, name: str) -> bytes | None:
        path = self.path(name)
        return path.read_bytes() if path.is_file() else None

    def delete(self, name: str) -> None:
        self.path(name).unlink(missing_ok=True)

    def response(self, name: str, mimetype: str, download_name: str) -> Response | None:
        path = self.path(name)
        if not path.is_file():
            return None
        return send_file(path, mimetype=mimetype, download_name=download_name or path.name,
                         as_attachment=False, conditional=True)


class S3Storage:
    """Files as objects of one bucket (under an optional key prefix), through boto3."""

    def __init__(self, bucket: str, prefix: str = "", client=None, **client_settings):
        self.bucket = bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
        self._client = client
        self._settings = client_settings

    @property
    def client(self):
        if self._client is None:
            import boto3
            from botocore.config import Config

            settings = {k: v for k, v in self._settings.items() if v}
            # path-style addresses work with every S3-compatible service (MinIO has no bucket subdomains);
            # short timeouts and few retries: an upload waits on this inside a request
            config = Config(s3={"addressing_style": settings.pop("addressing_style", "path")},
                            connect_timeout=5, read_timeout=30, retries={"max_attempts": 3, "mode": "standard"})
            self._client = boto3.client("s3", config=config, **settings)
        return self._client

    def key(self, name: str) -> str:
        return self.prefix + Path(name).name

    def put(self, name: str, data: bytes, content_type: str) -> None:
        self.client.put_object(Bucket=self.bucket, Key=self.key(name), Body=data, ContentType=content_type)

    def read(self, name: str) -> bytes | None:
        from botocore.exceptions import ClientError

        try:
            answer = self.client.get_object(Bucket=self.bucket, Key=self.key(name))
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in ("NoSuchKey", "404", "NotFound"):
                return None
            raise
        return answer["Body"].read()

    def delete(self, name: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self.key(name))  # a missing key is no error in S3

    def response(self, name: str, mimetype: str, download_name: str) -> Response | None:
        data = self.read(name)
        if data is None:
            return None
        return send_file(io.BytesIO(data), mimetype=mimetype, download_name=download_name or name,
                         as_attachment=False, conditional=True, etag=name, last_modified=None)


def build(config: dict) -> Storage:
    """The storage the settings name (checked by config.py: "local" or "s3" with a bucket)."""
    if config.get("ATTACHMENT_STORAGE", "local") == "s3":
        return S3Storage(
            config["S3_BUCKET"], config.get("S3_PREFIX", ""),
            endpoint_url=config.get("S3_ENDPOINT_URL"), region_name=config.get("S3_REGION"),
            aws_access_key_id=config.get("S3_ACCESS_KEY_ID"), aws_secret_access_key=config.get("S3_SECRET_ACCESS_KEY"),
        )
    return LocalStorage(config["ATTACHMENTS_DIR"])


def current(app: Flask | None = None) -> Storage:
    """The app's storage, built on first use."""
    app = app or current_app._get_current_object()
    storage = app.extensions.get(EXTENSION_KEY)
    if storage is None:
        storage = app.extensions[EXTENSION_KEY] = build(app.config)
    return storage
