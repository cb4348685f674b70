"""Zip bombs, shared-string bombs and a CSV line of 40 million commas, through the web upload and the command line, each in a child
process with an address-space guard: refused with a clear message (the CLI exits 2), nothing written,
and the child's peak resident memory stays under 250 MB. A workbook just under the shared-string
limit is read, within the same bound."""
from __future__ import annotations

import json
import os
import subprocess
import tempfile
import sys

import pytest
from sqlalchemy import func, select

from orgbuild.extensions import db
from orgbuild.models import Organization
from tests.imports import bombs

PEAK_LIMIT_MB = 250
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
GUARD = 2 << 30


RUNNER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "peak_runner.py")


def _run(args: list[str], env: dict) -> tuple[int, str, float]:
    """Run a child under the guard; (exit code, its output, its own peak resident memory in MB),
    measured by a small launcher (peak_runner.py: a child forked from this large test process would
    start its peak at this process's size)."""
    with tempfile.NamedTemporaryFile("r", suffix=".peak") as peak, open(os.devnull, "rb") as stdin:
        child = subprocess.run([sys.executable, RUNNER, str(GUARD), peak.name, *args], stdin=stdin,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env, cwd=ROOT)
        return child.returncode, child.stdout.decode(), int(peak.read() or 0) / 1024


def _env(app) -> dict:
    return {**os.environ, "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"], "ORGBUILD_LANG": "zh_CN",
            "ORGBUILD_INSTANCE": app.instance_path, "PYTHONPATH": ROOT}


BOMBS = {
    "zip_bomb": (lambda path: bombs.zip_bomb(path), "Excel 文件解压后过大"),
    "shared_strings_5m": (lambda path: bombs.shared_string_bomb(path), "Excel 文件中的文字过多"),
    "shared_strings_undeclared": (lambda path: bombs.shared_string_bomb(path, item=b"<si/>", declared=False),
                                  "Excel 文件中的不同文字过多"),
    "comma_bomb.csv": (lambda path: bombs.comma_bomb(path), "文件第 2 行超过 1048576 个字符"),
}


@pytest.fixture(scope="module")
def bomb_files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("bombs")
    files = {name: make(str(folder / (name if name.endswith(".csv") else f"{name}.xlsx")))
             for name, (make, _message) in BOMBS.items()}
    assert os.path.getsize(files["zip_bomb"]) < 2 << 20  # about a megabyte, unpacking to a gibibyte
    files["under_limit"] = bombs.many_strings(str(folder / "under.xlsx"), 100_000)
    return files


def _orgs() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count(Organization.id)))


@pytest.mark.parametrize("name", list(BOMBS))
def test_the_command_line_refuses_a_bomb_with_exit_2_in_bounded_memory(app, bomb_files, name):
    code, output, peak = _run([sys.executable, "-m", "flask", "--app", "orgbuild", "import-survey", bomb_files[name]], _env(app))
    print(f"CLI {name}: exit {code}, peak {peak:.0f} MB")
    assert code == 2, output
    assert BOMBS[name][1] in output
    assert peak < PEAK_LIMIT_MB, f"{name}: {peak:.0f} MB"
    assert _orgs() == 0


def test_the_web_upload_refuses_every_bomb_in_bounded_memory(app, make_user, bomb_files):
    """One web process receives the bombs in turn: each page names the refusal."""
    make_user("bomber", "supervisor")
    code, output, peak = _run([sys.executable, os.path.join(ROOT, "tests", "imports", "bomb_child.py"),
                               app.config["SQLALCHEMY_DATABASE_URI"], *(bomb_files[name] for name in BOMBS)], _env(app))
    print(f"web, {len(BOMBS)} bombs: peak {peak:.0f} MB")
    assert code == 0, output
    answers = [json.loads(line) for line in output.strip().splitlines() if line.startswith('{"path"')]
    assert [a["path"] for a in answers] == [bomb_files[name] for name in BOMBS]
    for name, answer in zip(BOMBS, answers):
        assert answer["status"] == 200 and BOMBS[name][1] in answer["text"], name
    assert peak < PEAK_LIMIT_MB, f"{peak:.0f} MB"
    assert _orgs() == 0


def test_a_workbook_under_the_limits_is_read_in_bounded_memory(app, bomb_files):
    """100,000 distinct shared strings (a large survey's worth): read and imported by the CLI."""
    code, output, peak = _run([sys.executable, "-m", "flask", "--app", "orgbuild", "import-survey", bomb_files["under_limit"]],
                              _env(app))
    print(f"CLI under the limits: exit {code}, peak {peak:.0f} MB")
    assert code == 0, output
    assert peak < PEAK_LIMIT_MB
    assert _orgs() == 1
