"""A list longer than EXPORT_SYNC_MAX_ROWS is exported by a background job: the download link leads to
the job's page, the finished job offers the file, which holds exactly the rows the direct download
would (the user's scope, the list's filters); only its owner may fetch it."""
from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from orgbuild.extensions import db
from orgbuild.jobs import exports as export_jobs
from orgbuild.jobs import service as jobs
from orgbuild.models import Job
from tests.conftest import login

pytestmark = pytest.mark.app_config(EXPORT_SYNC_MAX_ROWS=3)


@pytest.fixture
def orgs(make_org):
    """Five organisations in 翠竹 and two in 桂园."""
    return ([make_org("翠竹", name=f"翠竹{i}号科技有限公司") for i in range(5)]
            + [make_org("桂园", name=f"桂园{i}号贸易有限公司") for i in range(2)])


def csv_rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def test_a_long_list_becomes_a_job_whose_file_holds_every_row(client, make_user, orgs):
    make_user("sup", role="supervisor")
    login(client, "sup")
    response = client.get("/exports/orgs.csv")
    job = db.session.scalar(db.select(Job).order_by(Job.id.desc()))
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/jobs/{job.id}")
    assert (job.kind, job.status, job.result) == (export_jobs.EXPORT, jobs.DONE, {"rows": 7, "file": "organizations.csv"})
    page = client.get(f"/jobs/{job.id}").get_data(as_text=True)
    assert "已导出 7 行。" in page and f"/jobs/{job.id}/download" in page
    rows = csv_rows(client.get(f"/jobs/{job.id}/download").data)
    assert rows[0][:3] == ["单位名称", "统一社会信用代码", "所属街道"]
    assert sorted(r[0] for r in rows[1:]) == sorted(o.name for o in orgs)
    listing = client.get("/orgs/").get_data(as_text=True)
    assert "我的导出：" in listing and f"/jobs/{job.id}" in listing


def test_the_job_reads_as_its_owner_with_the_lists_filters(client, make_user, orgs):
    make_user("officer_cz", streets=["翠竹"])
    login(client, "officer_cz")
    client.get("/exports/orgs.xlsx")  # 5 rows of 翠竹 (over the limit of 3); 桂园's are out of scope
    job = db.session.scalar(db.select(Job).order_by(Job.id.desc()))
    assert job.result["rows"] == 5
    sheet = load_workbook(io.BytesIO(client.get(f"/jobs/{job.id}/download").data)).active
    names = [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert sorted(names) == sorted(o.name for o in orgs[:5])
    filtered = client.get("/exports/orgs.csv?q=翠竹1号")  # one row: under the limit, downloaded at once
    assert filtered.status_code == 200 and [r[0] for r in csv_rows(filtered.data)[1:]] == ["翠竹1号科技有限公司"]


def test_branches_are_exported_the_same_way(client, make_user, orgs):
    from datetime import date

    from orgbuild.models import Branch

    for org in orgs[:4]:
        db.session.add(Branch(organization_id=org.id, name=org.name + "团支部", branch_type="branch",
                              founded_on=date(2022, 5, 1), secretary="张三"))
    db.session.commit()
    make_user("sup", role="supervisor")
    login(client, "sup")
    client.get("/exports/branches.csv")
    job = db.session.scalar(db.select(Job).order_by(Job.id.desc()))
    assert job.filename == "branches.csv" and job.result["rows"] == 4
    rows = csv_rows(client.get(f"/jobs/{job.id}/download").data)
    assert sorted(r[3] for r in rows[1:]) == sorted(o.name + "团支部" for o in orgs[:4])


def test_only_the_owner_gets_the_file(app, client, make_user, orgs):
    make_user("sup", role="supervisor")
    login(client, "sup")
    client.get("/exports/orgs.csv")
    job = db.session.scalar(db.select(Job).order_by(Job.id.desc()))
    for other in ("sup2", "officer_gy"):
        make_user(other, role="supervisor" if other == "sup2" else "officer", streets=[] if other == "sup2" else ["桂园"])
        stranger = app.test_client()
        login(stranger, other)
        for url in (f"/jobs/{job.id}", f"/jobs/{job.id}/download", f"/jobs/{job.id}/status.json"):
            assert stranger.get(url).status_code == 404, (other, url)


def test_an_import_job_has_no_file_to_download(client, make_user):
    owner = make_user("sup", role="supervisor")
    login(client, "sup")
    job = jobs.queue_job(Job(kind=jobs.PREVIEW, user_id=owner.id, filename="x.csv", sha256="0" * 64, options={}))
    assert client.get(f"/jobs/{job.id}/download").status_code == 404


def test_a_short_list_is_downloaded_at_once(client, make_user, make_org):
    make_user("sup", role="supervisor")
    login(client, "sup")
    make_org("翠竹", name="唯一科技有限公司")
    response = client.get("/exports/orgs.csv")
    assert response.status_code == 200 and "唯一科技有限公司" in response.data.decode("utf-8-sig")
    assert db.session.scalar(db.select(db.func.count(Job.id))) == 0


def test_the_file_is_in_the_owners_language(client, make_user, orgs):
    make_user("sup", role="supervisor")
    login(client, "sup")
    client.post("/language/en")
    client.get("/exports/orgs.csv")
    job = db.session.scalar(db.select(Job).order_by(Job.id.desc()))
    header = csv_rows(client.get(f"/jobs/{job.id}/download").data)[0]
    assert header[:2] == ["Organisation name", "Unified social credit code"], header
