"""Survey imports as jobs (immediate mode): checked once, plan kept and applied, re-checked when the
reference data changed, progress JSON, own jobs only, retry of a finished job does nothing."""
from __future__ import annotations

import io
import os
import re

from orgbuild.extensions import db
from orgbuild.imports import service as survey_import
from orgbuild.jobs import service as jobs
from orgbuild.models import Community, ImportBatch, Job, Organization, User
from tests.conftest import credit_code, login, street

from .conftest import csv_bytes, row


def upload(client, data: bytes, name: str = "a.csv"):
    """Post the file; returns the preview job (run at once in immediate mode)."""
    client.post("/imports/", data={"file": (io.BytesIO(data), name), "encoding": "auto"}, content_type="multipart/form-data")
    return db.session.scalar(db.select(Job).order_by(Job.id.desc()))


def test_preview_job_keeps_a_plan_that_the_apply_uses_without_reading_the_file(supervisor, app, monkeypatch):
    codes = [credit_code() for _ in range(5)]
    preview = upload(supervisor, csv_bytes([row(c) for c in codes] + [row("bad")]))
    assert (preview.kind, preview.status) == (jobs.PREVIEW, jobs.DONE)
    assert preview.result["rows"] == 6 and preview.result["created"] == 5 and preview.result["rejected"] == 1
    assert os.path.isfile(jobs.plan_path(preview))
    page = supervisor.get(f"/jobs/{preview.id}").get_data(as_text=True)
    assert "已检查 6 行：将新增 5，更新 0，无变化 0，拒绝 1。" in page
    # the apply must not parse the file again: the reader is out of reach
    monkeypatch.setattr(survey_import, "open_survey", lambda *a, **k: (_ for _ in ()).throw(AssertionError("parsed twice")))
    response = supervisor.post(f"/imports/jobs/{preview.id}/confirm", data={"mode": "skip"})
    applying = db.session.scalar(db.select(Job).where(Job.parent_id == preview.id))
    assert response.headers["Location"].endswith(f"/jobs/{applying.id}")
    assert applying.status == jobs.DONE and applying.result["committed"] and not applying.result["rechecked"]
    assert db.session.scalar(db.select(db.func.count(Organization.id))) == 5
    batch = db.session.get(ImportBatch, applying.batch_id)
    assert (batch.created, batch.rejected) == (5, 1) and "坏" not in (batch.rejected_csv or b"").decode("utf-8-sig")
    assert not os.path.exists(jobs.plan_path(preview))
    finished = supervisor.get(f"/jobs/{applying.id}").get_data(as_text=True)
    assert "导入完成：新增 5，更新 0，未变 0，拒绝 1" in finished and f"/imports/batches/{batch.id}" in finished
    status = supervisor.get(f"/jobs/{applying.id}/status.json").get_json()
    assert status["status"] == "done" and status["done"] == 6 and status["batch_id"] == batch.id
    # a retry of a finished apply does nothing: the import is never written twice
    assert not jobs.retry(applying)
    assert supervisor.post(f"/jobs/{applying.id}/retry", follow_redirects=True).status_code == 200
    assert db.session.scalar(db.select(db.func.count(ImportBatch.id))) == 1


def test_reference_data_changed_after_the_preview_checks_the_file_again(supervisor):
    code = credit_code()
    preview = upload(supervisor, csv_bytes([row(code, **{"所属社区": "新建社区"})]))
    assert preview.result["warning_count"] == 1  # unknown community: a warning
    db.session.add(Community(street_id=street("翠竹").id, name="新建社区"))
    db.session.commit()
    supervisor.post(f"/imports/jobs/{preview.id}/confirm", data={"mode": "skip"})
    applying = db.session.scalar(db.select(Job).where(Job.parent_id == preview.id))
    assert applying.result["rechecked"] and applying.result["warning_count"] == 0
    org = db.session.scalar(db.select(Organization).where(Organization.credit_code == code))
    assert org.community is not None and org.community.name == "新建社区"
    assert "文件已重新检查" in supervisor.get(f"/jobs/{applying.id}").get_data(as_text=True)


def test_strict_apply_writes_nothing_and_says_so(supervisor):
    preview = upload(supervisor, csv_bytes([row(credit_code()), row("bad")]))
    supervisor.post(f"/imports/jobs/{preview.id}/confirm", data={"mode": "strict"})
    applying = db.session.scalar(db.select(Job).where(Job.parent_id == preview.id))
    assert applying.status == jobs.DONE and not applying.result["committed"]
    assert db.session.scalar(db.select(db.func.count(Organization.id))) == 0
    assert db.session.scalar(db.select(db.func.count(ImportBatch.id))) == 0


def test_refused_file_fails_the_job_with_the_reason(supervisor):
    preview = upload(supervisor, b"%PDF-1.4 not a survey", name="x.csv")
    assert preview.status == jobs.FAILED
    page = supervisor.get(f"/jobs/{preview.id}").get_data(as_text=True)
    assert "文件无法导入：这是 PDF 文件" in page and "重试" in page


def test_a_reason_with_numbers_is_shown_as_a_sentence_in_both_languages(supervisor, app):
    """A refusal whose message holds numbers (%(line)d) is kept with its numbers, not as the raw record."""
    line = "," * (1 << 20) + "\n"
    preview = upload(supervisor, "单位名称,统一社会信用代码,所属街道\n".encode() + line.encode())
    assert preview.status == jobs.FAILED
    assert str(jobs.error_message(preview)) == ("文件第 2 行超过 1048576 个字符，不像调查表：请检查文件内容后重新保存为 CSV")
    page = supervisor.get(f"/jobs/{preview.id}").get_data(as_text=True)
    assert "文件无法导入：文件第 2 行超过 1048576 个字符" in page and "template" not in page
    supervisor.post("/language/en")
    assert "Line 2 of the file is longer than 1048576 characters" in supervisor.get(f"/jobs/{preview.id}").get_data(as_text=True)


def test_jobs_are_their_owners(supervisor, app, make_user):
    preview = upload(supervisor, csv_bytes([row(credit_code())]))
    make_user("other", role="supervisor")
    client = app.test_client()
    login(client, "other")
    for url in (f"/jobs/{preview.id}", f"/jobs/{preview.id}/status.json", f"/imports/jobs/{preview.id}/preview"):
        assert client.get(url).status_code == 404
    assert client.post(f"/imports/jobs/{preview.id}/confirm", data={"mode": "skip"}).status_code == 404
    assert db.session.scalar(db.select(db.func.count(Job.id))) == 1


def test_the_import_page_lists_my_jobs(supervisor):
    preview = upload(supervisor, csv_bytes([row(credit_code())]), name="翠竹.csv")
    page = supervisor.get("/imports/").get_data(as_text=True)
    assert re.search(rf'href="/jobs/{preview.id}">#{preview.id} 导入预览', page) and "已完成" in page
    assert db.session.get(User, preview.user_id).username == "sup"


def test_a_preview_job_keeps_the_first_errors_and_counts_them_all(supervisor, monkeypatch):
    """A file of many rejected rows: the job's report holds only the first errors (bounded memory), the
    page says how many there are in all, and the rejected rows' CSV still lists every one."""
    from orgbuild.views import imports as import_views

    monkeypatch.setattr(survey_import, "MAX_CHANGES_KEPT", 3)
    monkeypatch.setattr(import_views, "PREVIEW_LIMIT", 2)
    preview = upload(supervisor, csv_bytes([row(f"bad{n}") for n in range(7)] + [row(credit_code())]))
    report = jobs.preview_report(preview)
    assert report.rejected == 7 and report.error_count == 7 and len(report.errors) == 3
    assert [e.row for e in report.errors] == [2, 3, 4]
    page = supervisor.get(f"/imports/jobs/{preview.id}/preview").get_data(as_text=True)
    assert "只显示前 2 条，共 7 条" in page
    rejected = supervisor.get(f"/imports/jobs/{preview.id}/rejected.csv").get_data().decode("utf-8-sig")
    assert all(f"bad{n}" in rejected for n in range(7))
