"""Resolving a run's differences: link, create here, correct here, to be fixed on the platform; each
audited, tied to the run, shown on the run page, scoped by the user's streets."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from orgbuild.extensions import db
from orgbuild.models import AuditEvent, Organization, ReconcileResolution, ReconcileRun
from orgbuild.reconcile import resolutions
from tests.conftest import credit_code, login, street
from tests.reconcile.test_reconcile import ledger, platform_rows, run_cli, write_csv  # noqa: F401 - the fixture

pytestmark = pytest.mark.usefixtures("ledger")


@pytest.fixture
def run(app, make_user, runner, tmp_path, ledger):  # noqa: F811
    """A city-wide run (made on the page by "boss") with the planted differences."""
    make_user("boss", role="supervisor")
    client = app.test_client()
    login(client, "boss")
    path = write_csv(tmp_path / "platform.csv", platform_rows(ledger))
    with open(path, "rb") as handle:
        assert client.post("/reconcile/", data={"file": (handle, "platform.csv"), "encoding": "auto"},
                           content_type="multipart/form-data").status_code == 302
    found = db.session.scalar(select(ReconcileRun).order_by(ReconcileRun.id.desc()))
    return found, client


def org(code):
    db.session.expire_all()
    return db.session.scalar(select(Organization).where(Organization.credit_code == code))


def post(client, run, item, action, **data):
    return client.post(f"/reconcile/{run.id}/resolve", data={"item": item, "action": action, **data},
                       follow_redirects=True)


def test_the_run_page_lists_every_difference_unresolved(run, ledger):  # noqa: F811
    found, client = run
    page = client.get(f"/reconcile/{found.id}").get_data(as_text=True)
    assert "差异 5 项，已处理 0 项" in page
    assert "深圳市戊科技有限公司团委" in page and ledger["D"] in page and "platform-5" in page


def test_correct_here_takes_the_platforms_value_audited(run, ledger):  # noqa: F811
    found, client = run
    page = post(client, found, "field:3:member_count", "correct", note="平台为准").get_data(as_text=True)
    assert "已处理" in page and 'data-resolution="correct"' in page and "差异 5 项，已处理 1 项" in page
    assert org(ledger["B"]).league_members == 9
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "reconcile"))
    assert event.organization_id == org(ledger["B"]).id and event.changes == {"member_count": [8, 9]}
    resolution = db.session.scalar(select(ReconcileResolution))
    assert (resolution.run_id, resolution.action, resolution.note) == (found.id, "correct", "平台为准")
    # the same difference twice: refused, nothing more written
    assert "已经处理过了" in post(client, found, "field:3:member_count", "correct").get_data(as_text=True)
    assert len(db.session.scalars(select(ReconcileResolution)).all()) == 1


def test_correct_here_is_refused_when_the_value_changed_since_the_run(run, ledger):  # noqa: F811
    found, client = run
    b = org(ledger["B"])
    b.league_members = 12
    db.session.commit()
    page = post(client, found, "field:3:member_count", "correct").get_data(as_text=True)
    assert "与比对时不同" in page
    assert org(ledger["B"]).league_members == 12 and db.session.scalar(select(ReconcileResolution)) is None


def test_correct_a_renamed_organisation(run, ledger):  # noqa: F811
    found, client = run
    post(client, found, "field:4:name", "correct")
    assert org(ledger["C"]).name == "深圳市丙旧名有限公司"  # no founding record: the unit's name, suffix dropped


def test_onboarded_is_not_corrected_here_but_marked_for_the_platform(run, ledger):  # noqa: F811
    found, client = run
    assert "不能这样处理" in post(client, found, "field:6:onboarded", "correct").get_data(as_text=True)
    page = post(client, found, "field:6:onboarded", "platform", note="平台误录").get_data(as_text=True)
    assert 'data-resolution="platform"' in page and "待在平台上更正" in page
    assert org(ledger["F"]).onboarding is None


def test_link_resolves_both_sides_and_the_next_run_matches(run, ledger, runner, tmp_path):  # noqa: F811
    found, client = run
    page = post(client, found, "platform:5", "link", credit_code=ledger["D"]).get_data(as_text=True)
    assert "差异 5 项，已处理 2 项" in page  # the platform row and D, which was only here
    d = org(ledger["D"])
    assert {r.item: (r.action, r.organization_id) for r in db.session.scalars(select(ReconcileResolution))} == {
        "platform:5": ("link", d.id), f"here:{ledger['D']}": ("link", d.id)}
    code, report = run_cli(runner, write_csv(tmp_path / "again.csv", platform_rows(ledger)))
    assert report["only_in_platform"] == [] and report["only_here"] == []


def test_link_to_an_organisation_outside_the_scope_is_refused_like_a_missing_one(app, run, ledger, make_org,  # noqa: F811
                                                                                   make_user):
    found, client = run
    outside = make_org("桂园", name="深圳市桂园某有限公司")
    user = make_user("cuizhu", role="supervisor", streets=["翠竹"])
    limited = resolutions
    run_here = ReconcileRun(user_id=user.id, filename="x.csv", sha256="c" * 64, scope=limited.scope_label(user),
                            result=found.result)
    db.session.add(run_here)
    db.session.commit()
    with pytest.raises(resolutions.ResolutionError) as refused:
        resolutions.resolve(run_here, "platform:5", "link", user, credit_code=outside.credit_code)
    assert "找不到" in str(refused.value)
    with pytest.raises(resolutions.ResolutionError):
        resolutions.resolve(run_here, "platform:5", "create", user, credit_code=credit_code(),
                            street_id=street("桂园").id)
    assert resolutions.run_for(user, found.id) is None  # the city-wide run is not this supervisor's
    assert db.session.scalar(select(ReconcileResolution)) is None


def test_create_here_makes_the_organisation_in_the_chosen_street(run, ledger):  # noqa: F811
    found, client = run
    code = credit_code()
    page = post(client, found, "platform:5", "create", credit_code=code, name="", street_id=str(street("翠竹").id))
    assert 'data-resolution="create"' in page.get_data(as_text=True)
    created = org(code)
    assert created.name == "深圳市戊科技有限公司" and created.has_league_org and created.league_members == 40
    assert created.street_id == street("翠竹").id
    assert db.session.scalar(select(ReconcileResolution)).organization_id == created.id
    bad = post(client, found, "platform:5", "create", credit_code="bad", street_id=str(street("翠竹").id))
    assert "已经处理过了" in bad.get_data(as_text=True)


def test_create_here_with_a_bad_credit_code_writes_nothing(run, ledger):  # noqa: F811
    found, client = run
    count = len(db.session.scalars(select(Organization.id)).all())
    page = post(client, found, "platform:5", "create", credit_code="123", street_id=str(street("翠竹").id))
    assert "未处理" in page.get_data(as_text=True)
    assert len(db.session.scalars(select(Organization.id)).all()) == count
    assert db.session.scalar(select(ReconcileResolution)) is None


def test_officers_cannot_open_a_run(app, run, make_user):
    found, _ = run
    make_user("clerk", role="officer", streets=["翠竹"])
    client = app.test_client()
    login(client, "clerk")
    assert client.get(f"/reconcile/{found.id}").status_code == 403
