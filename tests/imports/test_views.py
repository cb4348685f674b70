"""The upload page: access, upload → preview → confirm → result, history, downloads, warnings."""
from __future__ import annotations

import csv
import hashlib
import io
import os
import re

import pytest
from flask import url_for
from openpyxl import load_workbook

from orgbuild.extensions import db
from orgbuild.jobs import service as jobs
from orgbuild.models import ImportBatch, Job, Organization
from orgbuild.web.uploads import AppRequest
from tests.conftest import credit_code, login

from .conftest import HEADER, data_file, row


@pytest.fixture(autouse=True)
def instance_in_tmp(app, tmp_path):
    """Uploads go to a temporary instance folder, not the project's."""
    app.instance_path = str(tmp_path / "instance")


@pytest.fixture
def supervisor(client, make_user):
    """A signed-in district supervisor."""
    make_user("sup", role="supervisor")
    login(client, "sup")
    return client


def csv_bytes(rows, header=HEADER) -> bytes:
    """A UTF-8 CSV file's bytes."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows([header, *rows])
    return buffer.getvalue().encode("utf-8")


def upload(client, data: bytes, name: str = "翠竹街道摸底.csv", **fields):
    """Post a file to the upload form; the preview job runs (immediate mode in tests): returns its
    preview page, or the job page when the preview failed."""
    form = {"file": (io.BytesIO(data), name), "encoding": "auto", **fields}
    job_page = client.post("/imports/", data=form, content_type="multipart/form-data", follow_redirects=True)
    link = re.search(r'href="(/imports/jobs/[0-9]+/preview)"', job_page.get_data(as_text=True))
    return client.get(link.group(1)) if link else job_page


def confirm_url(response) -> str:
    """Where the preview's confirm form posts (the apply job)."""
    return re.search(r'action="(/imports/jobs/[0-9]+/confirm)"', response.get_data(as_text=True)).group(1)


def old_link(client, data: bytes, name: str = "a.csv", suffix: str = ""):
    """An old synchronous preview link to the stored upload of the same file (its SHA-256)."""
    sha = hashlib.sha256(data).hexdigest()
    client.post("/imports/", data={"file": (io.BytesIO(data), name), "encoding": "auto"}, content_type="multipart/form-data")
    return sha, client.get(f"/imports/preview/{sha}{suffix}?name={name}")


def test_officers_may_not_import(client, make_user):
    make_user("off", role="officer", streets=["翠竹"])
    login(client, "off")
    assert client.get("/imports/").status_code == 403
    assert client.get("/imports/template.csv").status_code == 403


def test_anonymous_is_sent_to_login(client):
    response = client.get("/imports/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_nav_link_for_supervisors(supervisor, app):
    page = supervisor.get("/imports/").get_data(as_text=True)
    with app.test_request_context():
        assert url_for("imports.index") in page
    assert "批量导入摸底表" in page and "下载模板（Excel）" in page


def test_preview_shows_counts_errors_and_changes_then_confirm_imports(supervisor, make_org, app):
    org = make_org("翠竹", name="旧名称", employees=50, youth_count=20, league_members=5, industry="I")
    rows = [row(credit_code()), row(org.credit_code, name="新名称"), row("bad-code", name="坏行")]
    response = upload(supervisor, csv_bytes(rows))
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "导入预览" in page
    assert re.search(r'fs-3 fw-bold text-success">1<', page)  # to create
    assert "统一社会信用代码应为18位，实为7位" in page and "bad-code" in page
    assert "旧名称" in page and "新名称" in page  # field change old → new
    assert db.session.scalar(db.select(db.func.count(Organization.id))) == 1  # preview writes nothing
    sha = hashlib.sha256(csv_bytes(rows)).hexdigest()
    assert os.path.isfile(os.path.join(app.instance_path, "uploads", sha))
    result = supervisor.post(confirm_url(response), data={"name": "翠竹街道摸底.csv", "mode": "skip"}, follow_redirects=True)
    text = result.get_data(as_text=True)
    assert "导入写入" in text and "导入完成：新增 1，更新 1，未变 0，拒绝 1" in text
    batch_link = re.search(r'href="(/imports/batches/[0-9]+)"', text).group(1)
    assert "导入结果" in supervisor.get(batch_link).get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count(Organization.id))) == 2
    batch = db.session.scalar(db.select(ImportBatch))
    assert batch.filename == "翠竹街道摸底.csv" and batch.user.username == "sup"
    assert not os.path.exists(os.path.join(app.instance_path, "uploads", sha))
    rejected = supervisor.get(f"/imports/batches/{batch.id}/rejected.csv")
    assert rejected.status_code == 200 and rejected.mimetype == "text/csv"
    assert "坏行" in rejected.get_data().decode("utf-8-sig") and "错误" in rejected.get_data().decode("utf-8-sig")
    history = supervisor.get("/imports/").get_data(as_text=True)
    assert "翠竹街道摸底.csv" in history


def test_strict_choice_imports_nothing(supervisor):
    response = upload(supervisor, csv_bytes([row(credit_code()), row("bad")]))
    assert "导入有效的行，跳过被拒绝的行" in response.get_data(as_text=True)
    result = supervisor.post(confirm_url(response), data={"mode": "strict"}, follow_redirects=True)
    assert result.status_code == 200 and "严格模式下有 1 行被拒绝，什么都没有导入。" in result.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count(Organization.id))) == 0
    assert db.session.scalar(db.select(db.func.count(ImportBatch.id))) == 0


def test_preview_rejected_rows_download(supervisor):
    data = csv_bytes([row("bad", name="坏行")])
    link = re.search(r'href="(/imports/jobs/[0-9]+/rejected.csv)"', upload(supervisor, data).get_data(as_text=True)).group(1)
    download = supervisor.get(link)
    lines = list(csv.reader(io.StringIO(download.get_data().decode("utf-8-sig"))))
    assert lines[0][0] == "行号" and lines[0][-1] == "错误" and lines[1][1] == "坏行"


def test_same_file_again_warns_before_importing(supervisor):
    data = open(data_file("survey_utf8.csv"), "rb").read()
    supervisor.post(confirm_url(upload(supervisor, data)), data={"mode": "skip"})
    again = upload(supervisor, data).get_data(as_text=True)
    assert "已于" in again and "导入过" in again
    assert re.search(r'text-secondary">3<', again)  # all unchanged


def test_refused_upload_goes_back_with_the_reason(supervisor):
    response = upload(supervisor, open(data_file("refused_pdf.csv"), "rb").read(), name="survey.csv")
    text = response.get_data(as_text=True)
    assert "文件无法导入：这是 PDF 文件" in text and "返回导入页" in text and "失败" in text


def test_xlsx_upload_with_sheet(supervisor, write_xlsx):
    path = write_xlsx({"封面": [["x"]], "摸底表": [HEADER, row(credit_code())]})
    response = upload(supervisor, open(path, "rb").read(), name="survey.xlsx", sheet="摸底表")
    assert "工作表：摸底表" in response.get_data(as_text=True)


def test_upload_over_the_limit_is_refused(supervisor, app):
    app.config["IMPORT_UPLOAD_MAX_BYTES"] = 1000  # the import page's own limit (ORGBUILD_IMPORT_UPLOAD_MB)
    response = supervisor.post("/imports/", data={"file": (io.BytesIO(b"x" * 5000), "big.csv")}, content_type="multipart/form-data")
    assert response.status_code == 413


def test_unknown_or_malformed_sha_is_not_found(supervisor):
    assert supervisor.get("/imports/preview/../../etc/passwd").status_code == 404
    assert supervisor.get("/imports/preview/" + "a" * 64, follow_redirects=True).get_data(as_text=True).count("上传的文件已过期") == 1


def test_template_downloads(supervisor):
    text = supervisor.get("/imports/template.csv").get_data().decode("utf-8-sig")
    lines = list(csv.reader(io.StringIO(text)))
    assert lines[0][:3] == ["单位名称", "统一社会信用代码", "所属街道"] and len(lines) == 2
    response = supervisor.get("/imports/template.xlsx")
    sheet = load_workbook(io.BytesIO(response.get_data())).active
    assert [c.value for c in sheet[1]][:3] == ["单位名称", "统一社会信用代码", "所属街道"]


def test_template_imports_cleanly(run, tmp_path, supervisor):
    path = tmp_path / "template.xlsx"
    path.write_bytes(supervisor.get("/imports/template.xlsx").get_data())
    report = run(str(path), dry_run=True)
    assert (report.rows, report.created, report.rejected) == (1, 1, 0)


def test_old_synchronous_links_go_through_a_preview_job(supervisor):
    data = csv_bytes([row(credit_code()), row("bad", name="坏行")])
    for suffix in ("", "/rejected.csv"):
        sha, answer = old_link(supervisor, data, suffix=suffix)
        assert answer.status_code == 302 and re.search(r"/jobs/[0-9]+$", answer.headers["Location"])
        job = db.session.scalar(db.select(Job).order_by(Job.id.desc()))
        assert (job.kind, job.sha256, job.status, job.filename) == (jobs.PREVIEW, sha, jobs.DONE, "a.csv")
        assert job.result["created"] == 1 and job.result["rejected"] == 1
    # an old confirm form writes nothing by itself: it too starts a preview, confirmed on its page
    answer = supervisor.post(f"/imports/confirm/{sha}", data={"name": "a.csv", "encoding": "auto", "mode": "skip"})
    assert answer.status_code == 302 and db.session.scalar(db.select(db.func.count(Organization.id))) == 0
    page = supervisor.get(answer.headers["Location"], follow_redirects=True).get_data(as_text=True)
    preview = supervisor.get(re.search(r'href="(/imports/jobs/[0-9]+/preview)"', page).group(1))
    result = supervisor.post(confirm_url(preview), data={"mode": "skip"}, follow_redirects=True)
    assert "导入完成：新增 1，更新 0，未变 0，拒绝 1" in result.get_data(as_text=True)


def test_an_import_upload_streams_to_the_uploads_folder_under_its_own_limit(supervisor, app, monkeypatch):
    app.config["MAX_CONTENT_LENGTH"] = 1000  # every other form's limit
    data = csv_bytes([row(credit_code()) for _ in range(20)])
    assert len(data) > 1000
    streams = []
    spooled = AppRequest._get_file_stream

    def spy(self, *args, **kwargs):
        stream = spooled(self, *args, **kwargs)
        streams.append(getattr(stream, "name", None))
        return stream

    monkeypatch.setattr(AppRequest, "_get_file_stream", spy)
    page = upload(supervisor, data).get_data(as_text=True)
    assert "导入预览" in page and re.search(r'fs-3 fw-bold text-success">20<', page)
    folder = os.path.join(app.instance_path, "uploads")
    assert len(streams) == 1 and os.path.dirname(streams[0]) == folder  # written there as it arrived
    sha = hashlib.sha256(data).hexdigest()
    assert sorted(os.listdir(folder)) == [sha]  # renamed to its SHA-256 by the preview job, no copy left
    app.config["IMPORT_UPLOAD_MAX_BYTES"] = 1000
    refused = supervisor.post("/imports/", data={"file": (io.BytesIO(data), "a.csv")}, content_type="multipart/form-data")
    assert refused.status_code == 413
