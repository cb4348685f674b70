"""The import page's sliced upload (static/js/sliced_upload.js, benchmarks/bench_web_import.py): a file
sent in slices, each checked against its offset and SHA-256, queues the same preview job as the form;
a slice at the wrong place, a damaged slice, an unfinished file, another user's upload or a file over
the limit is refused with a clear message and nothing of it kept."""
from __future__ import annotations

import hashlib
import os

from orgbuild.extensions import db
from orgbuild.jobs import service as jobs
from orgbuild.models import Job, Organization
from orgbuild.web import uploads
from tests.conftest import credit_code, login

from .conftest import csv_bytes, row


def begin(client, data: bytes, name: str = "大文件.csv"):
    return client.post("/imports/uploads", data={"name": name, "size": str(len(data)), "encoding": "auto", "sheet": ""})


def send(client, url: str, offset: int, block: bytes, sha: str | None = None):
    headers = {"X-Slice-SHA256": sha if sha is not None else hashlib.sha256(block).hexdigest()}
    return client.post(f"{url}?offset={offset}", data=block, content_type="application/octet-stream", headers=headers)


def test_a_file_sent_in_slices_is_checked_and_previewed_like_a_posted_one(supervisor, app, monkeypatch):
    monkeypatch.setattr(uploads, "SLICE_BYTES", 100)
    codes = [credit_code() for _ in range(4)]
    data = csv_bytes([row(c) for c in codes] + [row("bad")])
    assert len(data) > 300
    started = begin(supervisor, data)
    assert started.status_code == 201
    upload = started.get_json()
    assert upload["slice_bytes"] == 100
    slices = [data[i:i + 100] for i in range(0, len(data), 100)]

    assert send(supervisor, upload["slice_url"], 0, slices[0]).get_json() == {"size": 100}
    # a slice past what the server holds: refused, and the answer says where to resume
    ahead = send(supervisor, upload["slice_url"], 200, slices[2])
    assert ahead.status_code == 409 and ahead.get_json()["size"] == 100 and "100" in ahead.get_json()["error"]
    # a damaged slice (its bytes do not match the SHA-256 sent): nothing of it kept
    damaged = send(supervisor, upload["slice_url"], 100, b"x" * len(slices[1]), sha=hashlib.sha256(slices[1]).hexdigest())
    assert damaged.status_code == 400 and damaged.get_json()["size"] == 100 and "校验失败" in damaged.get_json()["error"]
    # the first slice sent again (its answer was lost): written over the same bytes
    assert send(supervisor, upload["slice_url"], 0, slices[0]).get_json() == {"size": 100}
    # finishing before every byte arrived is refused
    early = supervisor.post(upload["finish_url"])
    assert early.status_code == 409 and "还没有传完" in early.get_json()["error"]
    offset = 100
    for block in slices[1:]:
        answer = send(supervisor, upload["slice_url"], offset, block)
        assert answer.status_code == 200, answer.get_json()
        offset = answer.get_json()["size"]
    assert offset == len(data)
    # a slice beyond the size announced
    assert send(supervisor, upload["slice_url"], offset, b"more").status_code == 400

    finished = supervisor.post(upload["finish_url"])
    assert finished.status_code == 200
    preview = db.session.scalar(db.select(Job).order_by(Job.id.desc()))
    assert finished.get_json()["job_url"].endswith(f"/jobs/{preview.id}")
    assert (preview.kind, preview.status, preview.filename) == (jobs.PREVIEW, jobs.DONE, "大文件.csv")
    assert preview.sha256 == hashlib.sha256(data).hexdigest()
    assert preview.result["rows"] == 5 and preview.result["created"] == 4 and preview.result["rejected"] == 1
    assert not [n for n in os.listdir(uploads.upload_dir()) if n.startswith(uploads.SLICED_PREFIX)]
    # the upload is gone once finished: no second preview from it
    assert supervisor.post(upload["finish_url"]).status_code == 404
    supervisor.post(f"/imports/jobs/{preview.id}/confirm", data={"mode": "skip"})
    assert db.session.scalar(db.select(db.func.count(Organization.id))) == 4


def test_a_sliced_upload_is_its_owners_only_and_bounded(supervisor, app, make_user):
    data = csv_bytes([row(credit_code())])
    upload = begin(supervisor, data).get_json()
    make_user("sup2", role="supervisor")
    other = app.test_client()
    login(other, "sup2")
    stranger = send(other, upload["slice_url"], 0, data)
    assert stranger.status_code == 404 and "不存在" in stranger.get_json()["error"]
    assert other.post(upload["finish_url"]).status_code == 404
    assert send(supervisor, upload["slice_url"], 0, data).get_json() == {"size": len(data)}

    app.config["IMPORT_UPLOAD_MAX_BYTES"] = 1000
    too_large = begin(supervisor, b"x" * 1001)
    assert too_large.status_code == 413 and "文件过大" in too_large.get_json()["error"]
    assert begin(supervisor, b"").status_code == 201
    bad = supervisor.post("/imports/uploads", data={"name": "a.csv", "size": "lots"})
    assert bad.status_code == 400 and "文件大小有误" in bad.get_json()["error"]
    assert supervisor.post("/imports/uploads/not-a-token?offset=0", data=b"x",
                           content_type="application/octet-stream").status_code == 404


def test_the_import_page_offers_the_sliced_upload_and_keeps_the_plain_form(supervisor):
    page = supervisor.get("/imports/").get_data(as_text=True)
    assert 'data-sliced-start="/imports/uploads"' in page and "js/sliced_upload.js" in page
    assert 'enctype="multipart/form-data"' in page and 'name="file"' in page  # the form without JavaScript
