"""No write path leaves the cached figures different from a fresh aggregate: each kind of write is
run after the figures were cached, then the cached answer is compared with a fresh GROUP BY."""
from __future__ import annotations

import dataclasses
import hashlib
import os
import re
import threading

import pytest
from cachelib import FileSystemCache
from sqlalchemy import event, text, update

from orgbuild.assignment import service as assignment
from orgbuild.campaign import actions
from orgbuild.extensions import cache, db
from orgbuild.figcache import cache as figcache
from orgbuild.figcache import version
from orgbuild.imports import service as survey_import
from orgbuild.jobs import service as jobs
from orgbuild.models import Organization, Target, User
from orgbuild.progress import figures as progress
from orgbuild.progress.scope import Scope
from tests.conftest import credit_code, login, street
from tests.flows import TODAY, establish, onboard, visit
from tests.imports.conftest import HEADER, row, write_csv  # noqa: F401 (the fixture)

YEAR = TODAY.year


def fresh(scope: Scope) -> dict:
    """The progress object computed now, bypassing the cache (the GROUP BY queries themselves)."""
    return progress._compute_with_overdue(scope, YEAR, TODAY, 20, TODAY)[0]


def served(scope: Scope) -> dict:
    """The progress object as the dashboard and the API get it (through the cache)."""
    return progress.compute_with_overdue(scope, YEAR, TODAY, 20, as_of=TODAY)[0]


class Statements:
    """Counts the SQL statements run while it is active."""

    def __init__(self):
        self.count = 0

    def __call__(self, *args):
        self.count += 1

    def __enter__(self):
        event.listen(db.engine, "before_cursor_execute", self)
        return self

    def __exit__(self, *exc):
        event.remove(db.engine, "before_cursor_execute", self)


@pytest.fixture
def people(make_user):
    return make_user("officer1", streets=["翠竹", "桂园"]), make_user("boss", role="supervisor")


def test_a_repeated_read_is_served_from_the_cache(app, make_org, people):
    make_org("翠竹")
    scope = Scope(user=people[1])
    first = served(scope)
    with Statements() as second:
        assert served(scope) == first
    with Statements() as uncached:
        fresh(scope)
    assert second.count <= 2 < uncached.count  # the version and the overdue rows' organisations at most


def test_every_write_path_moves_the_cached_figures_like_a_fresh_group_by(app, make_org, make_user, people, write_csv):  # noqa: F811
    officer, boss = people
    second_officer = make_user("officer2", streets=["翠竹"])
    city, own, one_street = Scope(user=boss), Scope(user=officer), Scope(street_ids=frozenset({street("翠竹").id}))
    org = make_org("翠竹", officer_id=officer.id)
    other = make_org("桂园", officer_id=officer.id, has_league_org=True)
    db.session.commit()

    def transition(target, event_name, **values):
        actions.apply_transition(target, actions.TransitionRequest(event_name, **values), boss)

    def edit():
        data = actions.SurveyData(**{f: getattr(org, f) for f in actions.SURVEY_FIELDS})
        actions.update_organization(org, dataclasses.replace(data, has_party_org=False), boss, org.version)

    def survey_new():
        actions.create_organization(actions.SurveyData(credit_code=credit_code(), name="新登记公司",
                                                       street_id=street("翠竹").id, has_party_org=True), boss)

    def import_file():
        path = write_csv([row(credit_code(), name="导入新公司"), row(other.credit_code, name=other.name,
                                                                       **{"是否建立党组织": "否"})])
        assert survey_import.run_import(path, actor=boss).committed

    def set_target():
        db.session.add(Target(year=YEAR, metric="new_branches", value=7, street_id=street("翠竹").id))
        db.session.commit()

    def bulk_correction():  # a Core UPDATE through the session, as the import and corrections issue them
        db.session.execute(update(Organization).where(Organization.id == other.id).values(has_league_org=False))
        db.session.commit()

    def other_connection():  # another process (a command, a worker) writing on its own connection
        with db.engine.begin() as conn:
            conn.execute(text("UPDATE organizations SET has_party_org = :yes WHERE id = :id"),
                         {"yes": True, "id": org.id})

    def import_as_job():  # the web page's path: a preview job keeps the plan, the apply job writes it
        path = write_csv([row(credit_code(), name="后台导入公司")], name="job.csv")
        with open(path, "rb") as handle:
            data = handle.read()
        sha = hashlib.sha256(data).hexdigest()
        os.makedirs(os.path.dirname(jobs.upload_path(sha)), exist_ok=True)
        with open(jobs.upload_path(sha), "wb") as out:
            out.write(data)
        preview = jobs.start_preview(boss, sha, "job.csv", "auto", None)
        applied = jobs.start_apply(preview, boss, strict=False)
        assert applied.status == jobs.DONE and applied.result["committed"] and not applied.result["rechecked"]

    def driver_cursor():  # SQL on the driver's own cursor: no SQLAlchemy statement event sees it
        raw = db.session.connection().connection.driver_connection
        cursor = raw.cursor()
        cursor.execute(f"UPDATE organizations SET has_party_org = NOT has_party_org WHERE id = {int(other.id)}")
        cursor.close()
        db.session.commit()

    def reassign():
        assignment.assign([org], second_officer, boss)

    writes = [
        ("visit", lambda: visit(org, officer)),
        ("establish", lambda: establish(org, officer)),
        ("revert establish", lambda: transition(org, "revert", reason="名称错误")),
        ("establish again", lambda: establish(org, officer, name="第二次团支部")),
        ("onboard", lambda: onboard(org, officer)),
        ("revert onboard", lambda: transition(org, "revert", reason="重复入驻")),
        ("mark ineligible", lambda: transition(other, "mark_ineligible", reason="不符合条件")),
        ("reopen", lambda: transition(other, "reopen", reason="重新核实")),
        ("close", lambda: transition(other, "close", reason="已注销")),
        ("edit survey", edit),
        ("survey a new organisation", survey_new),
        ("import a file", import_file),
        ("set a target", set_target),
        ("bulk correction", bulk_correction),
        ("write on another connection", other_connection),
        ("import as a background job", import_as_job),
        ("write on the driver's cursor", driver_cursor),
        ("reassign an organisation", reassign),
    ]
    for name, write in writes:
        for scope in (city, own, one_street):
            served(scope)  # cached before the write
        before = version.current()
        write()
        db.session.expire_all()
        assert version.current() > before, name
        for scope in (city, own, one_street):
            assert served(scope) == fresh(scope), name


def test_a_rolled_back_write_keeps_the_version(app, make_org, people):
    make_org("翠竹")
    before = version.current()
    db.session.execute(update(Organization).values(employees=1))
    db.session.rollback()
    assert version.current() == before
    db.session.execute(text("SELECT COUNT(*) FROM organizations"))
    db.session.commit()
    assert version.current() == before


def test_the_cached_dashboard_page_follows_a_write(client, make_org, people):
    officer, _boss = people
    org = make_org("翠竹", officer_id=officer.id)
    login(client, "boss")

    def page() -> str:
        html = client.get("/dashboard/").get_data(as_text=True)
        return re.sub(r'name="csrf_token" value="[^"]*"', "", html)

    before = page()
    assert page() == before  # served again from the cache
    visit(org, officer)
    after = page()
    cache.clear()
    figcache.clear_local()
    assert after != before and after == page()  # what a fresh render shows


def test_a_cached_dashboard_costs_one_statement(client, make_org, people):
    make_org("翠竹")
    login(client, "boss")
    assert client.get("/dashboard/").status_code == 200  # computed and cached
    with Statements() as hit:
        assert client.get("/dashboard/").status_code == 200
    assert hit.count == 1  # the signed-in user and the data version, in one query


def test_a_deactivated_user_is_signed_out_although_the_page_is_cached(client, make_org, people):
    make_org("翠竹")
    login(client, "boss")
    assert client.get("/dashboard/").status_code == 200
    db.session.execute(update(User).where(User.username == "boss").values(active=False))
    db.session.commit()
    assert client.get("/dashboard/").status_code == 302  # to the sign-in page


@pytest.mark.parametrize("backend", ["SimpleCache", "FileSystemCache"])
def test_readers_missing_the_same_entry_compute_it_once(app, backend, tmp_path, monkeypatch):
    if backend == "FileSystemCache":  # the gunicorn workers' store: a file lock per key
        monkeypatch.setitem(app.extensions["cache"], cache, FileSystemCache(str(tmp_path / "figcache")))
    computed, first_started, second_missed = [], threading.Event(), threading.Event()
    real_get = cache.get

    def get(key):  # the second reader signals once it has missed the entry
        value = real_get(key)
        if value is None and threading.current_thread().name == "second":
            second_missed.set()
        return value

    monkeypatch.setattr(cache, "get", get)

    def compute():
        computed.append(threading.current_thread().name)
        first_started.set()
        assert second_missed.wait(30)  # the first computes until the second has missed too
        return {"figure": 42}

    results = {}

    def read():
        with app.app_context():
            results[threading.current_thread().name] = figcache.cached("test", ("x",), compute)

    first = threading.Thread(target=read, name="first")
    first.start()
    assert first_started.wait(30)
    second = threading.Thread(target=read, name="second")
    second.start()
    first.join(60)
    second.join(60)
    assert computed == ["first"] and results == {"first": {"figure": 42}, "second": {"figure": 42}}
