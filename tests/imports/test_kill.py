"""A real crash: the import process is killed (SIGKILL) while it writes; the database is as before."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from orgbuild.extensions import db
from orgbuild.models import ImportBatch, Organization
from tests import dbutil
from tests.conftest import credit_code

from .conftest import row


@pytest.mark.skipif(dbutil.test_database_url() is not None, reason="watches the SQLite write-ahead log")
def test_import_killed_mid_apply_leaves_the_database_as_it_was(app, write_csv, make_org, tmp_path):
    org = make_org("翠竹", name="原名")
    path = write_csv([row(org.credit_code, name="改名")] + [row(credit_code(), name="某某有限公司" * 5) for _ in range(40000)])
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    wal = url.removeprefix("sqlite:///") + "-wal"
    start_size = os.path.getsize(wal) if os.path.exists(wal) else 0
    env = {**os.environ, "DATABASE_URL": url, "ORGBUILD_INSTANCE": str(tmp_path)}
    process = subprocess.Popen([sys.executable, "-m", "flask", "--app", "orgbuild", "import-survey", path, "--json"],
                               env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and process.poll() is None:
        if os.path.exists(wal) and os.path.getsize(wal) > start_size + (1 << 20):  # rows are being written
            break
        time.sleep(0.005)
    assert process.poll() is None, "the import ended before it could be killed: " + process.stderr.read().decode()
    process.send_signal(signal.SIGKILL)
    process.wait()
    db.session.remove()
    assert db.session.scalar(db.select(db.func.count(Organization.id))) == 1
    assert db.session.scalar(db.select(db.func.count(ImportBatch.id))) == 0
    assert db.session.get(Organization, org.id).name == "原名"
