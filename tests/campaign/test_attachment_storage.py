"""Evidence files in an S3-compatible bucket (ORGBUILD_ATTACHMENT_STORAGE=s3), against moto's
in-process S3: upload, serving through the app's access-checked URLs, removal, and nothing left in
the bucket when the transaction fails."""
from __future__ import annotations

import io
import uuid

import pytest
from PIL import Image
from sqlalchemy import select

from orgbuild.attachments import service
from orgbuild.attachments.storage import LocalStorage, S3Storage
from orgbuild.config import ConfigError, from_environment
from orgbuild.extensions import db
from orgbuild.models import Attachment, Visit
from tests.campaign.images import jpeg_with_gps, minimal_pdf, tiny_png
from tests.campaign.test_attachments import officer, visited  # noqa: F401 (fixtures; each test asks for the bucket)
from tests.conftest import login
from tests.flows import count, visit

moto = pytest.importorskip("moto", reason="the bucket storage's tests need moto (the test extra)")
boto3 = pytest.importorskip("boto3")

BUCKET = "orgbuild-evidence"
S3_SETTINGS = dict(ATTACHMENT_STORAGE="s3", S3_BUCKET=BUCKET, S3_PREFIX="attachments/", S3_REGION="us-east-1",
                   S3_ACCESS_KEY_ID="testing", S3_SECRET_ACCESS_KEY="testing")


@pytest.fixture
def bucket(monkeypatch):
    """moto's S3 with an empty bucket, for as long as the test runs: the bucket's client."""
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.setenv(name, "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    with moto.mock_aws():
        s3 = boto3.client("s3", region_name="us-east-1")
        s3.create_bucket(Bucket=BUCKET)
        yield s3


def keys(s3) -> list[str]:
    return sorted(o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET).get("Contents", []))


def upload(client, org, record, data: bytes, name: str):
    return client.post(f"/orgs/{org.id}/visit/{record.id}/attachments",
                       data={"file": (io.BytesIO(data), name)}, content_type="multipart/form-data",
                       follow_redirects=True)


def local_files(app) -> list[str]:
    folder = LocalStorage(app.config["ATTACHMENTS_DIR"]).folder
    return sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []


@pytest.mark.app_config(**S3_SETTINGS)
def test_an_upload_goes_to_the_bucket_and_is_served_through_the_checked_url(app, client, bucket, visited, make_user):
    org, record = visited
    assert isinstance(service.storage(), S3Storage)
    before_local = local_files(app)
    page = upload(client, org, record, jpeg_with_gps(), "现场照片.jpg")
    assert "已上传：现场照片.jpg" in page.text
    attachment = db.session.scalar(select(Attachment).where(Attachment.visit_id == record.id))
    stem = attachment.stored_name.rsplit(".", 1)[0]
    assert keys(bucket) == sorted([f"attachments/{attachment.stored_name}", f"attachments/{stem}.thumb.jpg"])
    assert local_files(app) == before_local  # nothing in the instance folder
    kept = bucket.get_object(Bucket=BUCKET, Key=f"attachments/{attachment.stored_name}")
    assert kept["ContentType"] == "image/jpeg"
    data = kept["Body"].read()
    assert not Image.open(io.BytesIO(data)).getexif().get_ifd(0x8825)  # cleaned before it was stored

    served = client.get(f"/orgs/{org.id}/attachments/{attachment.id}")
    assert served.status_code == 200 and served.mimetype == "image/jpeg" and served.data == data
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    thumb = client.get(f"/orgs/{org.id}/attachments/{attachment.id}/thumbnail")
    assert thumb.status_code == 200 and Image.open(io.BytesIO(thumb.data)).format == "JPEG"

    make_user("guiyuan1", streets=["桂园"])
    other = app.test_client()
    login(other, "guiyuan1")
    for url in (f"/orgs/{org.id}/attachments/{attachment.id}", f"/orgs/{org.id}/attachments/{attachment.id}/thumbnail"):
        assert other.get(url).status_code == 404


@pytest.mark.app_config(**S3_SETTINGS)
def test_a_pdf_in_the_bucket_is_served_as_it_was_sent(client, bucket, visited):
    org, record = visited
    upload(client, org, record, minimal_pdf(), "批复.pdf")
    attachment = db.session.scalar(select(Attachment).where(Attachment.visit_id == record.id))
    assert keys(bucket) == [f"attachments/{attachment.stored_name}"]  # no thumbnail for a PDF
    served = client.get(f"/orgs/{org.id}/attachments/{attachment.id}")
    assert served.mimetype == "application/pdf" and served.data == minimal_pdf()
    assert client.get(f"/orgs/{org.id}/attachments/{attachment.id}/thumbnail").status_code == 404


@pytest.mark.app_config(**S3_SETTINGS)
def test_a_missing_object_is_404_not_a_server_error(client, bucket, visited):
    org, record = visited
    upload(client, org, record, tiny_png(), "照片.png")
    attachment = db.session.scalar(select(Attachment).where(Attachment.visit_id == record.id))
    bucket.delete_object(Bucket=BUCKET, Key=f"attachments/{attachment.stored_name}")
    assert client.get(f"/orgs/{org.id}/attachments/{attachment.id}").status_code == 404


@pytest.mark.app_config(**S3_SETTINGS)
def test_deleting_a_file_removes_its_objects(client, bucket, visited):
    org, record = visited
    upload(client, org, record, tiny_png(), "现场.png")
    attachment = db.session.scalar(select(Attachment).where(Attachment.visit_id == record.id))
    assert len(keys(bucket)) == 2
    page = client.post(f"/orgs/{org.id}/attachments/{attachment.id}/delete", follow_redirects=True)
    assert "已删除：现场.png" in page.text
    assert keys(bucket) == [] and count(Attachment, organization_id=org.id) == 0


@pytest.mark.app_config(**S3_SETTINGS)
def test_a_failed_commit_leaves_nothing_in_the_bucket(client, bucket, visited, officer, monkeypatch):
    org, record = visited

    def broken_commit():
        raise RuntimeError("the database went away")

    monkeypatch.setattr(db.session, "commit", broken_commit)
    with pytest.raises(RuntimeError):
        service.attach(org, "visit", record, jpeg_with_gps(), "照片.jpg", officer)
    monkeypatch.undo()
    assert keys(bucket) == [] and count(Attachment, organization_id=org.id) == 0


@pytest.mark.app_config(**S3_SETTINGS)
def test_a_step_whose_commit_fails_leaves_no_evidence_in_the_bucket(client, bucket, officer, make_org, monkeypatch):
    """The photo is written while the visit is applied (onto the new visit); the commit then fails:
    the objects are removed again."""
    from orgbuild.campaign.actions import TransitionRequest
    from tests.flows import TODAY

    org = make_org()
    written = []
    real_put = service.storage().put
    monkeypatch.setattr(service.storage(), "put", lambda name, *a: (written.append(name), real_put(name, *a)))

    def broken_commit():
        raise RuntimeError("the database went away")

    monkeypatch.setattr(db.session, "commit", broken_commit)
    request = TransitionRequest("record_visit", visit_date=TODAY, outcome="willing", met_with="书记",
                                expected_version=org.version, submission_key=uuid.uuid4().hex)
    with pytest.raises(RuntimeError):
        service.apply_with_evidence(org, request, officer, [(tiny_png(), "现场.png")])
    monkeypatch.undo()
    db.session.rollback()
    assert len(written) == 2  # the photo and its thumbnail were written...
    assert keys(bucket) == []  # ...and removed again
    assert count(Attachment, organization_id=org.id) == 0 and count(Visit, organization_id=org.id) == 0


@pytest.mark.app_config(**dict(S3_SETTINGS, S3_BUCKET="no-such-bucket"))
def test_an_unreachable_bucket_refuses_the_upload_with_a_message(client, bucket, visited):
    org, record = visited
    page = upload(client, org, record, tiny_png(), "照片.png")
    assert page.status_code == 200
    assert "证明材料暂时无法保存（文件存储不可用）" in page.text
    assert count(Attachment, organization_id=org.id) == 0


@pytest.mark.app_config(**S3_SETTINGS)
def test_the_backup_copies_the_files_from_the_bucket(app, client, bucket, visited, tmp_path):
    org, record = visited
    upload(client, org, record, tiny_png(), "照片.png")
    upload(client, org, record, minimal_pdf(), "批复.pdf")
    result = app.test_cli_runner().invoke(args=["backup", str(tmp_path / "copy.sqlite")])
    if db.engine.dialect.name != "sqlite":
        assert "pg_dump" in result.output
        return
    assert result.exit_code == 0, result.output
    assert "已复制 3 个佐证文件" in result.output
    copied = tmp_path / "copy.sqlite-attachments"
    for attachment in db.session.scalars(select(Attachment)):
        assert (copied / attachment.stored_name).read_bytes() == service.read_bytes(attachment)


def test_the_storage_setting_is_checked(monkeypatch, tmp_path):
    monkeypatch.delenv("ORGBUILD_S3_BUCKET", raising=False)
    monkeypatch.setenv("ORGBUILD_ATTACHMENT_STORAGE", "s3")
    with pytest.raises(ConfigError, match="ORGBUILD_S3_BUCKET"):
        from_environment(str(tmp_path))
    monkeypatch.setenv("ORGBUILD_ATTACHMENT_STORAGE", "ftp")
    with pytest.raises(ConfigError, match="local, s3"):
        from_environment(str(tmp_path))
    monkeypatch.setenv("ORGBUILD_ATTACHMENT_STORAGE", "s3")
    monkeypatch.setenv("ORGBUILD_S3_BUCKET", "evidence")
    monkeypatch.setenv("ORGBUILD_S3_ENDPOINT_URL", "http://127.0.0.1:9000")
    settings = from_environment(str(tmp_path))
    assert settings["ATTACHMENT_STORAGE"] == "s3" and settings["S3_ENDPOINT_URL"] == "http://127.0.0.1:9000"
    monkeypatch.delenv("ORGBUILD_ATTACHMENT_STORAGE")
    assert from_environment(str(tmp_path))["ATTACHMENT_STORAGE"] == "local"  # `make run` keeps the folder
