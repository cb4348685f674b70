"""Merging two duplicate organisation records: every related row moves to the survivor, the merge is
audited, the figures follow, and an undo restores every row and the merged-away record exactly."""
from __future__ import annotations

import uuid
from datetime import date

import pytest
from sqlalchemy import func, select

from orgbuild.attachments.service import attach
from orgbuild.campaign import actions
from orgbuild.duplicates import merge as merging
from orgbuild.extensions import db
from orgbuild.models import (
    AuditEvent, Branch, BranchActivity, Grading, MembershipChange, OrgMerge, Organization, ReconcileResolution,
    ReconcileRun, Visit, branch_covered_orgs,
)
from orgbuild.progress import figures as progress
from orgbuild.progress.scope import Scope
from tests.campaign.images import tiny_png
from tests.conftest import login
from tests.flows import TODAY, establish, visit

SKIP = {"org_merges", "data_version"}


def everything() -> dict:
    """Every row of every table (the merge records and the data version aside), by table."""
    db.session.expire_all()
    found = {}
    for table in db.metadata.sorted_tables:
        if table.name not in SKIP:
            found[table.name] = sorted(tuple(row) for row in db.session.execute(select(table)).all())
    return found


def fresh(scope: Scope) -> dict:
    return progress._compute_with_overdue(scope, TODAY.year, TODAY, 20, TODAY)[0]


def served(scope: Scope) -> dict:
    return progress.compute_with_overdue(scope, TODAY.year, TODAY, 20, as_of=TODAY)[0]


@pytest.fixture
def pair(app, make_user, make_org):
    """Two records of one firm: the survivor only surveyed; the other visited, founded, with a photo,
    branch life, a grading, a joint branch's coverage and a reconciliation resolution."""
    boss = make_user("boss", role="supervisor")
    officer = make_user("clerk", streets=["翠竹"])
    survivor = make_org(name="深圳市甲科技有限责任公司", officer_id=None, address=None)
    merged = make_org(name="甲科技有限公司", officer_id=officer.id, assigned_on=date(2022, 3, 1), address="罗湖区某路1号",
                      has_league_org=False)
    actions.apply_transition(merged, actions.TransitionRequest("record_visit", visit_date=TODAY, outcome="willing",
                                                               met_with="书记", submission_key=uuid.uuid4().hex), officer)
    visit_row = db.session.scalar(select(Visit).where(Visit.organization_id == merged.id))
    attach(merged, "visit", visit_row, tiny_png(), "photo.png", officer)
    establish(merged, officer)
    db.session.add_all([
        BranchActivity(organization_id=merged.id, kind="meeting", held_on=TODAY, attendance=5),
        MembershipChange(organization_id=merged.id, kind="recruited", changed_on=TODAY, count=2, delta=2),
        Grading(organization_id=merged.id, year=TODAY.year, total=80, level="four_star"),
    ])
    joint = make_org(name="深圳市联合体有限公司")
    joint_branch = Branch(organization_id=joint.id, name="联合团支部", branch_type="joint_branch", founded_on=TODAY)
    db.session.add(joint_branch)
    db.session.flush()
    db.session.execute(branch_covered_orgs.insert(), [{"branch_id": joint_branch.id, "organization_id": merged.id},
                                                      {"branch_id": joint_branch.id, "organization_id": survivor.id}])
    run = ReconcileRun(filename="p.csv", sha256="d" * 64, scope="city", result={})
    db.session.add(run)
    db.session.flush()
    db.session.add(ReconcileResolution(run_id=run.id, item="platform:2", action="link", organization_id=merged.id))
    db.session.commit()
    return boss, survivor, merged


def rows_of(org_id: int) -> dict:
    """The keys of the rows pointing at an organisation, by table."""
    found = {}
    for table, column in merging.org_links():
        keys = [c for c in table.primary_key.columns if c is not column]
        rows = sorted(tuple(r) for r in db.session.execute(select(*keys).where(column == org_id)))
        if rows:
            found[table.name] = rows
    return found


def test_a_merge_moves_every_related_row_and_undo_restores_them_exactly(pair):
    boss, survivor, merged = pair
    survivor_id, merged_id = survivor.id, merged.id
    scope = Scope(user=boss)
    assert served(scope) == fresh(scope)
    before = everything()
    theirs, mine = rows_of(merged_id), rows_of(survivor_id)
    assert {"visits", "branches", "status_events", "attachments", "audit_events", "branch_activities",
            "membership_changes", "gradings", "submissions", "reconcile_resolutions"} <= set(theirs)

    record = merging.merge_orgs(boss, survivor, merged, survivor_version=survivor.version,
                                merged_version=merged.version, reason="同一家企业")
    db.session.expire_all()
    assert db.session.get(Organization, merged_id) is None
    assert rows_of(merged_id) == {}
    after = rows_of(survivor_id)
    for table, keys in theirs.items():
        if table == "branch_covered_orgs":  # the joint branch covered both: one coverage remains
            assert after[table] == mine[table]
        elif table == "audit_events":
            assert set(keys) | set(mine.get(table, [])) < set(after[table])  # plus the merge's own
        else:
            assert set(after[table]) == set(keys) | set(mine.get(table, [])), table
    kept = db.session.get(Organization, survivor_id)
    assert (kept.status, kept.officer_id, kept.address) == ("established", merged.officer_id, "罗湖区某路1号")
    assert kept.branch is not None and kept.first_visited_on == TODAY
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "merge"))
    assert event.organization_id == survivor_id and "甲科技有限公司" in event.summary
    assert served(scope) == fresh(scope)

    merging.undo_merge(boss, db.session.get(OrgMerge, record.id))
    restored = everything()
    marks = {e.id for e in db.session.scalars(select(AuditEvent).where(AuditEvent.action == "merge"))}
    restored["audit_events"] = [r for r in restored["audit_events"] if r[0] not in marks]
    orgs = Organization.__table__.columns.keys()
    skip = (orgs.index("version"), orgs.index("updated_at"))

    def plain(table, rows):  # the survivor's version and time of change move on; everything else is as before
        if table != "organizations":
            return rows
        return [tuple(v for i, v in enumerate(r) if r[0] != survivor_id or i not in skip) for r in rows]

    assert {t: plain(t, r) for t, r in restored.items()} == {t: plain(t, r) for t, r in before.items()}
    merged_row = [r for r in restored["organizations"] if r[0] == merged_id]
    assert merged_row == [r for r in before["organizations"] if r[0] == merged_id]  # exactly, version and all
    assert db.session.get(OrgMerge, record.id).undone_at is not None
    assert served(scope) == fresh(scope)
    with pytest.raises(merging.MergeError, match="已经撤销"):
        merging.undo_merge(boss, db.session.get(OrgMerge, record.id))


def test_figures_follow_the_merge(pair):
    boss, survivor, merged = pair
    scope = Scope(user=boss)
    before = served(scope)
    merging.merge_orgs(boss, survivor, merged, survivor_version=survivor.version, merged_version=merged.version)
    now = served(scope)
    assert now == fresh(scope) and now != before  # two records became one: the cached figures moved too


def test_a_stale_version_or_two_foundings_refuse_and_write_nothing(pair, make_org, make_user):
    boss, survivor, merged = pair
    before, theirs = everything(), rows_of(merged.id)
    with pytest.raises(merging.MergeError, match="修改过"):
        merging.merge_orgs(boss, survivor, merged, survivor_version=survivor.version - 1, merged_version=merged.version)
    assert everything() == before
    other = make_org(name="甲科技（罗湖）有限公司")
    clerk = make_user("clerk2", streets=["翠竹"])
    visit(other, clerk)
    establish(other, clerk)
    with pytest.raises(merging.MergeError, match="都有建团记录"):
        merging.merge_orgs(boss, other, merged, survivor_version=other.version, merged_version=merged.version)
    assert rows_of(merged.id) == theirs and db.session.get(Organization, merged.id) is not None


def test_two_gradings_of_one_year_refuse(pair):
    boss, survivor, merged = pair
    db.session.add(Grading(organization_id=survivor.id, year=TODAY.year, total=60, level="three_star"))
    db.session.commit()
    with pytest.raises(merging.MergeError, match="年度定级"):
        merging.merge_orgs(boss, survivor, merged, survivor_version=survivor.version, merged_version=merged.version)


def test_undo_is_refused_once_the_survivor_changed_again(pair):
    boss, survivor, merged = pair
    record = merging.merge_orgs(boss, survivor, merged, survivor_version=survivor.version, merged_version=merged.version)
    kept = db.session.get(Organization, record.survivor_id)
    kept.employees = 99
    db.session.commit()
    with pytest.raises(merging.MergeError, match="又有修改"):
        merging.undo_merge(boss, db.session.get(OrgMerge, record.id))


def test_an_officer_cannot_merge(pair, make_user):
    _, survivor, merged = pair
    clerk = make_user("clerk3", streets=["翠竹"])
    with pytest.raises(merging.MergeError, match="无权"):
        merging.merge_orgs(clerk, survivor, merged, survivor_version=survivor.version, merged_version=merged.version)


def test_the_page_from_the_duplicate_warning_confirms_merges_and_undoes(app, client, pair):
    boss, survivor, merged = pair
    survivor_id, merged_id = survivor.id, merged.id
    login(client, "boss")
    page = client.get(f"/orgs/{survivor_id}").get_data(as_text=True)
    assert "duplicate-warning" in page and f"/orgs/{survivor_id}/merge?with={merged_id}" in page
    page = client.get(f"/orgs/{survivor_id}/merge?with={merged_id}").get_data(as_text=True)
    assert "甲科技有限公司" in page and "merge-compare" in page
    form = {"other_id": str(merged_id), "survivor": "this", "this_version": str(survivor.version),
            "other_version": str(merged.version)}
    unconfirmed = client.post(f"/orgs/{survivor_id}/merge", data=form)
    assert unconfirmed.status_code == 200 and "请勾选确认" in unconfirmed.get_data(as_text=True)
    assert db.session.get(Organization, merged_id) is not None
    stale = client.post(f"/orgs/{survivor_id}/merge", data={**form, "confirm": "y", "this_version": "0"},
                        follow_redirects=True)
    assert "修改过" in stale.get_data(as_text=True) and db.session.get(Organization, merged_id) is not None
    done = client.post(f"/orgs/{survivor_id}/merge", data={**form, "confirm": "y"})
    assert done.status_code == 302 and done.headers["Location"].endswith(f"/orgs/{survivor_id}")
    db.session.expire_all()
    assert db.session.get(Organization, merged_id) is None
    record = db.session.scalar(select(OrgMerge))
    page = client.get(f"/orgs/{survivor_id}").get_data(as_text=True)
    assert "merge-record" in page and f"/merges/{record.id}/undo" in page
    undone = client.post(f"/merges/{record.id}/undo")
    assert undone.status_code == 302 and undone.headers["Location"].endswith(f"/orgs/{merged_id}")
    db.session.expire_all()
    assert db.session.get(Organization, merged_id).name == "甲科技有限公司"
    assert db.session.scalar(select(func.count()).select_from(Visit).where(Visit.organization_id == merged_id)) == 1


def test_the_merge_page_is_for_supervisors(app, client, pair, make_user):
    _, survivor, merged = pair
    make_user("clerk4", streets=["翠竹"])
    login(client, "clerk4")
    assert client.get(f"/orgs/{survivor.id}/merge?with={merged.id}").status_code == 403
