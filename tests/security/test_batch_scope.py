"""Import batches belong to the streets of their rows: a supervisor limited to one street never lists,
opens or downloads (rejected rows: names, phones) a batch of another street's rows, nor reads its file
name on the audit page; the uploader and whole-city readers do."""
from __future__ import annotations

import csv
import hashlib
import io
import os

import pytest
from sqlalchemy import select

from orgbuild.extensions import db
from orgbuild.imports import service as survey_import
from orgbuild.jobs import service as jobs
from orgbuild.models import ImportBatch, User
from tests.conftest import credit_code, login

HEADER = ["单位名称", "统一社会信用代码", "所属街道", "联系电话"]


def _csv(tmp_path, name: str, rows: list[list[str]]) -> str:
    path = tmp_path / name
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\r\n")
        writer.writerow(HEADER)
        writer.writerows(rows)
    return str(path)


def _import(tmp_path, name: str, rows: list[list[str]], actor: User | None) -> ImportBatch:
    report = survey_import.run_import(_csv(tmp_path, name, rows), filename=name, actor=actor)
    assert report.committed
    return db.session.get(ImportBatch, report.batch_id)


@pytest.fixture
def batches(app, tmp_path, make_user):
    """A whole-city supervisor's batches: one of 桂园 rows only (one rejected: a bad credit code, with a
    phone), one of 翠竹 rows only, one of both; the 翠竹-limited supervisor's own batch."""
    boss = make_user("city_supervisor", "supervisor")
    limited = make_user("cuizhu_supervisor", "supervisor", ["翠竹"])
    make_user("city_admin", "admin")
    make_user("cuizhu_admin", "admin", ["翠竹"])
    guiyuan = _import(tmp_path, "guiyuan-secret.csv", [["桂园甲有限公司", credit_code(), "桂园", "13800000001"],
                                                        ["桂园乙有限公司", "bad-code", "桂园", "13912345678"]], boss)
    cuizhu = _import(tmp_path, "cuizhu.csv", [["翠竹甲有限公司", credit_code(), "翠竹", ""]], boss)
    both = _import(tmp_path, "both-streets.csv", [["翠竹乙有限公司", credit_code(), "翠竹", ""],
                                                   ["桂园丙有限公司", credit_code(), "桂园", ""]], boss)
    unplaced = _import(tmp_path, "nowhere.csv", [["无名有限公司", credit_code(), "火星", "13700000000"]], boss)
    own = _import(tmp_path, "own.csv", [["翠竹丙有限公司", credit_code(), "翠竹", ""],
                                        ["桂园丁有限公司", credit_code(), "桂园", "13600000000"]], limited)
    return {"guiyuan": guiyuan, "cuizhu": cuizhu, "both": both, "unplaced": unplaced, "own": own}


def _client(app, username: str):
    client = app.test_client()
    assert login(client, username).status_code == 200
    return client


def test_a_batch_records_the_streets_of_its_rows(batches):
    """Written rows and rejected rows alike; a rejected row naming no known street is counted apart."""
    names = lambda batch: sorted(s.short_name for s in batch.streets)  # noqa: E731
    assert names(batches["guiyuan"]) == ["桂园"] and batches["guiyuan"].unplaced == 0
    assert names(batches["cuizhu"]) == ["翠竹"]
    assert names(batches["both"]) == ["桂园", "翠竹"] or names(batches["both"]) == ["翠竹", "桂园"]
    assert batches["unplaced"].unplaced == 1 and batches["unplaced"].rejected == 1


def test_a_street_limited_supervisor_gets_404_on_another_streets_batch(app, batches):
    """Its page and its rejected rows answer 404 like an unknown batch; the phone never shows."""
    client = _client(app, "cuizhu_supervisor")
    for key in ("guiyuan", "both", "unplaced"):
        batch = batches[key]
        assert client.get(f"/imports/batches/{batch.id}").status_code == 404, key
        response = client.get(f"/imports/batches/{batch.id}/rejected.csv")
        assert response.status_code == 404, key
        assert "13912345678" not in response.get_data(as_text=True)
    assert client.get("/imports/batches/987654").status_code == 404
    assert client.get(f"/imports/batches/{batches['cuizhu'].id}").status_code == 200
    assert client.get(f"/imports/batches/{batches['own'].id}").status_code == 200  # the uploader's own


def test_the_batch_list_and_the_audit_page_leave_other_streets_files_out(app, batches):
    """The import history and the audit trail name only the files of batches the reader may open."""
    client = _client(app, "cuizhu_supervisor")
    for page in ("/imports/", "/audit/", "/audit/?action=import"):
        text = client.get(page).get_data(as_text=True)
        assert "guiyuan-secret.csv" not in text and "both-streets.csv" not in text and "nowhere.csv" not in text, page
    assert "cuizhu.csv" in client.get("/imports/").get_data(as_text=True)
    assert "own.csv" in client.get("/audit/?action=import").get_data(as_text=True)
    admin = _client(app, "cuizhu_admin")  # an admin limited to a street is limited the same way
    assert "guiyuan-secret.csv" not in admin.get("/audit/").get_data(as_text=True)
    assert admin.get(f"/imports/batches/{batches['guiyuan'].id}").status_code == 404


def test_whole_city_readers_read_every_batch(app, batches):
    """The city's supervisor and admin list and open all of them, rejected rows included."""
    for username in ("city_supervisor", "city_admin"):
        client = _client(app, username)
        listing = client.get("/imports/").get_data(as_text=True)
        assert "guiyuan-secret.csv" in listing and "nowhere.csv" in listing
        response = client.get(f"/imports/batches/{batches['guiyuan'].id}/rejected.csv")
        assert response.status_code == 200 and "13912345678" in response.get_data(as_text=True)
        assert "guiyuan-secret.csv" in client.get("/audit/").get_data(as_text=True)


def test_someone_elses_upload_and_preview_job_are_not_readable(app, batches):
    """The preview of a stored upload (its rejected rows as CSV) and another's preview job: 404 for a
    street-limited supervisor or admin; the uploader reads them."""
    data = "单位名称,统一社会信用代码,所属街道,联系电话\r\n桂园戊有限公司,bad,桂园,13511112222\r\n".encode()
    sha = hashlib.sha256(data).hexdigest()
    os.makedirs(os.path.join(app.instance_path, "uploads"), exist_ok=True)
    with open(os.path.join(app.instance_path, "uploads", sha), "wb") as out:
        out.write(data)
    boss = db.session.scalar(select(User).where(User.username == "city_supervisor"))
    job = jobs.start_preview(boss, sha, "s.csv", "auto", None)
    for username in ("cuizhu_supervisor", "cuizhu_admin"):
        client = _client(app, username)
        for url in (f"/imports/preview/{sha}/rejected.csv", f"/imports/preview/{sha}", f"/jobs/{job.id}",
                    f"/imports/jobs/{job.id}/rejected.csv"):
            response = client.get(url)
            assert response.status_code == 404, (username, url, response.status_code)
            assert "13511112222" not in response.get_data(as_text=True)
    owner = _client(app, "city_supervisor")  # the uploader: the old link starts a preview job of the file
    response = owner.get(f"/imports/jobs/{job.id}/rejected.csv")
    assert response.status_code == 200 and "13511112222" in response.get_data(as_text=True)
    assert list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert owner.get(f"/imports/preview/{sha}/rejected.csv").status_code == 302
