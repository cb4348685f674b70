"""Plan and apply: create / update / unchanged keyed on the credit code, one transaction, strict or
skip, status and records never touched, ImportBatch, audit, rejected rows and SHA-256 warnings."""
from __future__ import annotations

import csv
import io
from datetime import date

import pytest

from orgbuild.extensions import db
from orgbuild.imports import service as survey_import
from orgbuild.imports.reader import FileRefused
from orgbuild.models import AuditEvent, ImportBatch, Organization, Visit
from tests.conftest import credit_code, street

from .conftest import HEADER, row


def count(model) -> int:
    """Rows of a model."""
    return db.session.scalar(db.select(db.func.count()).select_from(model))


def test_new_rows_are_created_as_surveyed(write_csv, run):
    code = credit_code()
    report = run(write_csv([row(code, name="新公司", **{"所属社区": "水贝"})]))
    assert (report.created, report.committed) == (1, True)
    org = db.session.scalar(db.select(Organization))
    assert (org.credit_code, org.name, org.status, org.version) == (code, "新公司", "surveyed", 1)
    assert org.street_id == street("翠竹").id and org.community.name == "水贝"
    assert org.created_at is not None and org.officer_id is None


def test_existing_rows_update_only_changed_survey_fields(write_csv, run, make_org, make_user):
    officer = make_user("officer1", streets=["翠竹"])
    org = make_org("翠竹", name="旧名称", employees=50, youth_count=20, league_members=5, officer_id=officer.id,
                   status="onboarded", industry="I", has_party_org=True)
    db.session.add(Visit(organization_id=org.id, officer_id=officer.id, visit_date=date(2026, 1, 5), outcome="agreed"))
    db.session.commit()
    version = org.version
    report = run(write_csv([row(org.credit_code, name="新名称", street="笋岗", **{"团员数": "8"})]))
    assert (report.updated, report.created, report.unchanged) == (1, 0, 0)
    assert report.changes[0].changes == {"name": ("旧名称", "新名称"), "street_id": (street("翠竹").id, street("笋岗").id),
                                         "league_members": (5, 8)}
    db.session.expire_all()
    org = db.session.get(Organization, org.id)
    assert (org.name, org.league_members, org.street.short_name) == ("新名称", 8, "笋岗")
    assert org.status == "onboarded"  # never moved backwards
    assert org.officer_id == officer.id and count(Visit) == 1
    assert org.version == version + 1  # forms opened before the import get the conflict page


def test_identical_rows_are_unchanged_and_not_written(write_csv, run, make_org):
    org = make_org("翠竹", employees=50, youth_count=20, league_members=5, industry="I", has_party_org=True)
    before = (org.version, org.updated_at)
    report = run(write_csv([row(org.credit_code, name=org.name)]))
    assert (report.unchanged, report.updated) == (1, 0)
    db.session.expire_all()
    org = db.session.get(Organization, org.id)
    assert (org.version, org.updated_at) == before


def test_reimport_of_the_same_file_is_a_no_op(write_csv, run):
    path = write_csv([row(credit_code()) for _ in range(5)])
    first = run(path)
    versions = list(db.session.scalars(db.select(Organization.version)))
    again = run(path)
    assert (first.created, again.created, again.updated, again.unchanged) == (5, 0, 0, 5)
    assert list(db.session.scalars(db.select(Organization.version))) == versions
    assert [b.id for b in again.previous_batches] == [first.batch_id]


def test_absent_optional_column_leaves_the_field_alone(write_csv, run, make_org):
    org = make_org("翠竹", employees=50, party_members=9)
    report = run(write_csv([[org.name, org.credit_code, "翠竹", "60"]], header=["单位名称", "统一社会信用代码", "所属街道", "从业人员数"]))
    assert report.updated == 1 and report.changes[0].changes == {"employees": (50, 60)}
    db.session.refresh(org)
    assert (org.employees, org.party_members, org.has_party_org) == (60, 9, True)


def test_dry_run_writes_nothing(write_csv, run):
    report = run(write_csv([row(credit_code()), row("bad")]), dry_run=True)
    assert (report.created, report.rejected, report.committed) == (1, 1, False)
    assert count(Organization) == 0 and count(ImportBatch) == 0


def test_skip_rejected_imports_the_valid_rows(write_csv, run):
    report = run(write_csv([row(credit_code()), row("bad"), row(credit_code())]))
    assert (report.created, report.rejected, report.committed) == (2, 1, True)
    assert count(Organization) == 2


def test_strict_imports_nothing_when_a_row_is_rejected(write_csv, run):
    rows = [row(credit_code()) for _ in range(5)] + [row("bad")] + [row(credit_code())]
    report = run(write_csv(rows), strict=True, chunk_size=2)
    assert (report.rejected, report.committed) == (1, False)
    assert count(Organization) == 0 and count(ImportBatch) == 0 and count(AuditEvent) == 0
    assert run(write_csv(rows[:5], name="ok.csv"), strict=True).committed


def test_injected_failure_mid_apply_leaves_the_database_as_it_was(write_csv, run, make_org, monkeypatch):
    org = make_org("翠竹", name="原名", employees=50)
    rows = [row(org.credit_code, name="改名")] + [row(credit_code()) for _ in range(9)]
    calls = {"n": 0}
    original = survey_import._ChunkWriter.write

    def failing(self, new_rows, changed):
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("disk full")
        return original(self, new_rows, changed)

    monkeypatch.setattr(survey_import._ChunkWriter, "write", failing)
    with pytest.raises(RuntimeError):
        run(write_csv(rows), chunk_size=3)
    assert calls["n"] == 3
    db.session.expire_all()
    assert count(Organization) == 1 and count(ImportBatch) == 0
    assert db.session.get(Organization, org.id).name == "原名"


def test_integrity_error_at_commit_rolls_everything_back(write_csv, run, monkeypatch):
    def failing_record(report, actor):
        raise RuntimeError("killed")

    monkeypatch.setattr(survey_import, "_record_batch", failing_record)
    with pytest.raises(RuntimeError):
        run(write_csv([row(credit_code()) for _ in range(4)]), chunk_size=2)
    assert count(Organization) == 0


def test_batch_and_audit_event_are_recorded(write_csv, run, make_user):
    admin = make_user("admin1", role="admin")
    report = run(write_csv([row(credit_code()), row("bad", name="坏行")], name="翠竹街道.csv"), actor=admin, filename="翠竹街道.csv")
    batch = db.session.get(ImportBatch, report.batch_id)
    assert (batch.filename, batch.user_id, batch.rows, batch.created, batch.rejected, batch.strict) == ("翠竹街道.csv", admin.id, 2, 1, 1, False)
    assert batch.sha256 == report.sha256 and len(batch.sha256) == 64
    event = db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "import"))
    assert (event.object_type, event.object_id, event.user_id) == ("import_batch", batch.id, admin.id)
    assert "新增 1" in event.summary and "拒绝 1" in event.summary


def test_rejected_rows_csv_has_the_original_cells_and_an_error_column(write_csv, run):
    report = run(write_csv([row(credit_code()), row("bad", name="坏行", **{"团员数": "x"})]))
    batch = db.session.get(ImportBatch, report.batch_id)
    text = batch.rejected_csv.decode("utf-8-sig")
    lines = list(csv.reader(io.StringIO(text)))
    assert lines[0] == ["行号", *HEADER, "错误"]
    assert lines[1][:3] == ["3", "坏行", "bad"]
    assert "统一社会信用代码：统一社会信用代码应为18位，实为3位" in lines[1][-1]
    assert "团员数：应为不小于0的整数" in lines[1][-1]
    assert len(lines) == 2


def test_supervisor_limited_to_streets_cannot_import_elsewhere(write_csv, run, make_user, make_org):
    supervisor = make_user("sup1", role="supervisor", streets=["翠竹"])
    other = make_org("笋岗", name="笋岗公司")
    rows = [row(credit_code()), row(credit_code(), street="桂园"), row(other.credit_code, name="改名", street="翠竹")]
    report = run(write_csv(rows), actor=supervisor)
    assert (report.created, report.rejected) == (1, 2)
    assert [e.message for e in report.errors] == ["您不负责该街道", "无法用该统一社会信用代码登记，请联系团区委核实"]
    db.session.refresh(other)
    assert other.name == "笋岗公司"


def test_an_import_does_not_confirm_that_another_streets_organisation_exists(write_csv, run, make_user, make_org):
    """A code registered in a street the importer does not see gets the create form's answer (ask the
    district committee), word for word: nothing in the report or the rejected rows says it exists,
    where it is or what it is called."""
    from orgbuild.campaign import actions
    from orgbuild.campaign.actions import SurveyData, ServiceError

    supervisor = make_user("sup1", role="supervisor", streets=["翠竹"])
    other = make_org("笋岗", name="笋岗隐藏公司")
    report = run(write_csv([row(other.credit_code, name="随便", street="翠竹")]), actor=supervisor)
    [error] = report.errors
    text = report.rejected_csv.decode("utf-8-sig") + str(error.message)
    assert "已登记" not in text and "不负责的街道" not in text and "笋岗" not in text
    try:
        actions.create_organization(SurveyData(name="随便", credit_code=other.credit_code, street_id=supervisor.streets[0].id,
                                               has_party_org=True), supervisor)
    except ServiceError as refused:
        form_answer = dict(refused.errors)["credit_code"]
    assert str(error.message) == str(form_answer)


def test_many_chunks_insert_and_update_together(write_csv, run, make_org):
    existing = [make_org("翠竹", employees=50) for _ in range(3)]
    rows = [row(o.credit_code, name="新" + o.name) for o in existing] + [row(credit_code()) for _ in range(20)]
    report = run(write_csv(rows), chunk_size=4)
    assert (report.created, report.updated, report.rows) == (20, 3, 23)
    assert count(Organization) == 23


def test_same_code_registered_by_someone_else_during_the_import(write_csv, run, monkeypatch):
    """Another connection registers a planned credit code mid-import: a clear refusal, nothing written."""
    codes = [credit_code() for _ in range(4)]
    original = survey_import._ChunkWriter.write

    def racing(self, new_rows, changed):
        with db.engine.connect() as other:  # a second connection, as another user's request would be
            other.execute(
                db.insert(Organization).values(credit_code=codes[0], name="抢先登记", street_id=street("翠竹").id,
                                               status="surveyed", version=1, has_party_org=False, has_league_org=False)
            )
            other.commit()
        monkeypatch.setattr(survey_import._ChunkWriter, "write", original)
        return original(self, new_rows, changed)

    monkeypatch.setattr(survey_import._ChunkWriter, "write", racing)
    with pytest.raises(FileRefused, match="其他人登记了相同的统一社会信用代码"):
        run(write_csv([row(code) for code in codes]), chunk_size=10)
    db.session.expire_all()
    assert count(Organization) == 1 and count(ImportBatch) == 0
