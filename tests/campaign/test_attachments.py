"""Evidence files: type by content, images cleaned of location data, size limit, scoped serving."""
from __future__ import annotations

import io

import pytest
from PIL import Image
from sqlalchemy import select

from orgbuild.attachments import service
from orgbuild.extensions import db
from orgbuild.models import Attachment, Visit
from tests.campaign.images import jpeg_with_gps, minimal_pdf, tiny_png
from tests.conftest import login
from tests.flows import count, visit


@pytest.fixture
def officer(make_user, client):
    """An officer of 翠竹, signed in."""
    user = make_user("cuizhu1", streets=["翠竹"])
    login(client, "cuizhu1")
    return user


@pytest.fixture
def visited(officer, make_org):
    """An organisation of 翠竹 with one visit: (org, visit)."""
    org = make_org()
    visit(org, officer)
    return org, db.session.scalar(select(Visit).where(Visit.organization_id == org.id))


def upload(client, org, record, data: bytes, name: str, kind: str = "visit"):
    return client.post(f"/orgs/{org.id}/{kind}/{record.id}/attachments",
                       data={"file": (io.BytesIO(data), name)}, content_type="multipart/form-data",
                       follow_redirects=True)


def stored_files() -> list:
    folder = service.folder()
    return sorted(p.name for p in folder.iterdir())


def test_a_photo_loses_its_gps_tag_and_gets_a_thumbnail_on_the_timeline(client, visited):
    org, record = visited
    original = jpeg_with_gps()
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(0x8825)  # the test file does carry GPS
    page = upload(client, org, record, original, "现场照片.JPG")
    assert "已上传：现场照片.JPG" in page.text
    attachment = db.session.scalar(select(Attachment).where(Attachment.visit_id == record.id))
    kept = Image.open(service.file_path(attachment))
    assert kept.format == "JPEG" and kept.size == (64, 48)
    assert not kept.getexif().get_ifd(0x8825) and 0x0110 not in kept.getexif()
    thumb_url = f"/orgs/{org.id}/attachments/{attachment.id}/thumbnail"
    assert thumb_url in page.text
    thumb = client.get(thumb_url)
    assert thumb.status_code == 200 and thumb.mimetype == "image/jpeg"
    served = client.get(f"/orgs/{org.id}/attachments/{attachment.id}")
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    assert served.data == service.file_path(attachment).read_bytes()


def test_a_pdf_scan_is_kept_as_it_is(client, visited):
    org, record = visited
    page = upload(client, org, record, minimal_pdf(), "批复.pdf")
    assert "已上传：批复.pdf" in page.text
    attachment = db.session.scalar(select(Attachment).where(Attachment.visit_id == record.id))
    served = client.get(f"/orgs/{org.id}/attachments/{attachment.id}")
    assert served.mimetype == "application/pdf" and served.data == minimal_pdf()
    assert client.get(f"/orgs/{org.id}/attachments/{attachment.id}/thumbnail").status_code == 404


@pytest.mark.parametrize("data, name, message", [
    (tiny_png() + b"%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF", "照片.png", "文件中夹带了其他格式的内容，不能上传"),
    (tiny_png() + b"PK\x03\x04hidden.zip", "照片.png", "文件中夹带了其他格式的内容，不能上传"),
    (minimal_pdf(), "照片.jpg", "文件内容是PDF，但文件名的扩展名是 .jpg"),
    (tiny_png(), "批复.pdf", "文件内容是PNG，但文件名的扩展名是 .pdf"),
    (b"<html><script>alert(1)</script></html>", "照片.jpg", "文件中夹带了其他格式的内容，不能上传"),
    (b"GIF89a\x01\x00\x01\x00\x00\x00\x00;", "动图.gif", "只能上传 JPEG"),  # HEIC too where pillow-heif is installed
    (minimal_pdf().replace(b"/Type/Catalog", b"/Type/Catalog/OpenAction<</S/JavaScript>>"), "批复.pdf",
     "PDF 中含有脚本或附件，不能上传"),
    (b"%PDF-1.4\n1 0 obj<<>>endobj\n", "批复.pdf", "PDF 文件不完整（缺少结束标记）"),
    (b"", "空.jpg", "文件是空的"),
])
def test_a_polyglot_renamed_or_foreign_file_is_refused(client, visited, data, name, message):
    org, record = visited
    before = stored_files()
    page = upload(client, org, record, data, name)
    assert message in page.text
    assert count(Attachment, organization_id=org.id) == 0 and stored_files() == before


@pytest.mark.app_config(ATTACHMENT_MAX_BYTES=1024)
def test_the_size_limit_is_a_setting(client, visited):
    org, record = visited
    page = upload(client, org, record, jpeg_with_gps() + b"\0" * 2048, "大照片.jpg")
    assert "文件过大：不能超过1 KB" in page.text and count(Attachment, organization_id=org.id) == 0


def test_another_streets_officer_gets_404(client, visited, make_user, app):
    org, record = visited
    upload(client, org, record, tiny_png(), "照片.png")
    attachment = db.session.scalar(select(Attachment).where(Attachment.visit_id == record.id))
    make_user("guiyuan1", streets=["桂园"])
    other = app.test_client()
    login(other, "guiyuan1")
    for url in (f"/orgs/{org.id}/attachments/{attachment.id}", f"/orgs/{org.id}/attachments/{attachment.id}/thumbnail"):
        assert other.get(url).status_code == 404
    assert other.post(f"/orgs/{org.id}/visit/{record.id}/attachments",
                      data={"file": (io.BytesIO(tiny_png()), "x.png")}, content_type="multipart/form-data").status_code == 404
    assert count(Attachment, organization_id=org.id) == 1


def test_a_file_is_bound_to_its_own_organisation(client, visited, make_org):
    """An attachment id under another organisation's URL, or another organisation's visit: 404."""
    org, record = visited
    upload(client, org, record, tiny_png(), "照片.png")
    attachment = db.session.scalar(select(Attachment).where(Attachment.visit_id == record.id))
    elsewhere = make_org()
    assert client.get(f"/orgs/{elsewhere.id}/attachments/{attachment.id}").status_code == 404
    assert client.post(f"/orgs/{elsewhere.id}/visit/{record.id}/attachments",
                       data={"file": (io.BytesIO(tiny_png()), "x.png")}, content_type="multipart/form-data").status_code == 404


def test_the_backup_command_copies_the_evidence_files(client, visited, app, tmp_path):
    org, record = visited
    upload(client, org, record, jpeg_with_gps(), "照片.jpg")
    upload(client, org, record, minimal_pdf(), "批复.pdf")
    result = app.test_cli_runner().invoke(args=["backup", str(tmp_path / "copy.sqlite")])
    if db.engine.dialect.name != "sqlite":
        assert "pg_dump" in result.output  # PostgreSQL: the database is dumped with pg_dump, not this command
        return
    assert result.exit_code == 0, result.output
    copied = tmp_path / "copy.sqlite-attachments"
    assert "已复制 3 个佐证文件" in result.output  # the photo, its thumbnail and the PDF
    for attachment in db.session.scalars(select(Attachment)):
        assert (copied / attachment.stored_name).read_bytes() == service.file_path(attachment).read_bytes()


def _heic_with_gps() -> bytes:
    pillow_heif = pytest.importorskip("pillow_heif", reason="HEIC needs the optional pillow-heif")
    pillow_heif.register_heif_opener()
    exif = Image.Exif()
    exif[0x8825] = {1: "N", 2: (22.0, 32.0, 45.0), 3: "E", 4: (114.0, 7.0, 30.0)}
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (30, 160, 90)).save(out, "HEIF", exif=exif.tobytes())
    return out.getvalue()


def test_a_heic_photo_is_kept_as_jpeg_without_its_gps_tag(client, visited):
    org, record = visited
    original = _heic_with_gps()
    page = upload(client, org, record, original, "IMG_0001.HEIC")
    assert "已上传：IMG_0001.HEIC" in page.text
    attachment = db.session.scalar(select(Attachment).where(Attachment.visit_id == record.id))
    assert attachment.content_type == "image/jpeg" and attachment.has_thumbnail
    kept = Image.open(service.file_path(attachment))
    assert kept.format == "JPEG" and kept.size == (64, 48)
    assert not kept.getexif().get_ifd(0x8825)
    renamed = upload(client, org, record, original, "扫描件.pdf")  # a HEIC named .pdf: refused
    assert "文件内容是HEIC" in renamed.text


def test_a_file_is_deleted_by_who_may_edit_the_organisation_and_the_deletion_is_audited(client, visited, make_user):
    from orgbuild.models import AuditEvent

    org, record = visited
    upload(client, org, record, tiny_png(), "现场.png")
    attachment = db.session.scalar(select(Attachment).where(Attachment.visit_id == record.id))
    paths = [service.file_path(attachment), service.file_path(attachment, thumbnail=True)]
    assert all(p.is_file() for p in paths)
    make_user("guiyuan1", streets=["桂园"])
    other = client.application.test_client()
    login(other, "guiyuan1")
    assert other.post(f"/orgs/{org.id}/attachments/{attachment.id}/delete").status_code == 404
    assert count(Attachment, organization_id=org.id) == 1
    page = client.post(f"/orgs/{org.id}/attachments/{attachment.id}/delete", follow_redirects=True)
    assert "已删除：现场.png" in page.text
    assert count(Attachment, organization_id=org.id) == 0 and not any(p.exists() for p in paths)
    audit = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "delete", AuditEvent.object_type == "attachment"))
    assert audit.summary == f"visit {record.id}: 现场.png" and audit.organization_id == org.id
    assert client.get(f"/orgs/{org.id}/attachments/{attachment.id}").status_code == 404
