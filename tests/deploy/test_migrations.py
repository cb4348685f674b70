"""The schema comes from the migrations only: one initial revision, a single head, models and
migrations agree (autogenerate finds nothing) on SQLite and PostgreSQL, and a database created by
``upgrade`` alone serves the app."""
from __future__ import annotations

from datetime import date, datetime

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, select

from orgbuild.accounts import service as accounts
from orgbuild.campaign import actions
from orgbuild.campaign.actions import SurveyData, TransitionRequest
from orgbuild.config import PROJECT_ROOT
from orgbuild.districts.reference import load_reference
from orgbuild.extensions import db
from orgbuild.models import AuditEvent, ImportBatch, Organization, StatusEvent, Street
from tests.conftest import PASSWORD, credit_code, login

MODEL_TABLES = set(db.metadata.tables)


def script_directory() -> ScriptDirectory:
    """The project's Alembic scripts."""
    return ScriptDirectory(str(PROJECT_ROOT / "migrations"))


def schema_differences(app) -> list:
    """What autogenerate would write: types and server defaults compared too."""
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True, "compare_server_default": True})
        return compare_metadata(context, db.metadata)


def test_one_initial_revision_and_one_head():
    scripts = script_directory()
    roots = [rev.revision for rev in scripts.walk_revisions() if rev.down_revision is None]
    assert len(roots) == 1, f"more than one initial revision: {roots}"
    assert len(scripts.get_heads()) == 1, f"several heads, linearise them: {scripts.get_heads()}"


def test_models_and_migrations_agree(empty_app):
    upgrade()
    differences = schema_differences(empty_app)
    assert differences == [], f"models and migrations differ on {db.engine.dialect.name}: {differences}"


def test_upgrade_creates_every_table_and_downgrade_removes_them(empty_app):
    upgrade()
    tables = set(inspect(db.engine).get_table_names())
    assert MODEL_TABLES | {"alembic_version"} == tables
    with db.engine.connect() as conn:
        assert MigrationContext.configure(conn).get_current_revision() == script_directory().get_current_head()
    downgrade(revision="base")
    assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
    upgrade()
    assert MODEL_TABLES <= set(inspect(db.engine).get_table_names())


def test_database_made_by_migrations_serves_the_app(empty_app):
    upgrade()
    assert load_reference() > 0
    admin = accounts.create_user("admin", PASSWORD, "admin", display_name="管理员")
    street_id = db.session.scalar(select(Street.id).where(Street.short_name == "翠竹"))
    org = actions.create_organization(
        SurveyData(credit_code=credit_code(), name="迁移测试有限公司", street_id=street_id, has_party_org=True,
                   employees=40, league_members=4, youth_count=12),
        admin,
    )
    actions.apply_transition(
        org, TransitionRequest(event="record_visit", visit_date=date.today(), outcome="willing",
                               expected_version=org.version), admin,
    )
    db.session.add(ImportBatch(filename="x.csv", sha256="0" * 64, rejected_csv=b"\xef\xbb\xbfrow,error\n"))
    db.session.commit()
    db.session.expire_all()

    org = db.session.get(Organization, org.id)
    assert (org.status, org.has_league_org, org.version) == ("visited", False, 2)
    assert isinstance(org.created_at, datetime)
    event = db.session.scalar(select(StatusEvent).where(StatusEvent.organization_id == org.id))
    assert (event.from_status, event.to_status) == ("surveyed", "visited")
    user_audit = db.session.scalar(select(AuditEvent).where(AuditEvent.object_type == "user"))
    assert user_audit.changes == {"role": [None, "admin"], "streets": [None, []]}
    assert db.session.scalar(select(ImportBatch.rejected_csv)) == b"\xef\xbb\xbfrow,error\n"

    client = empty_app.test_client()
    assert "管理员" in login(client, "admin").get_data(as_text=True)
    listing = client.get("/orgs/")
    assert listing.status_code == 200 and "迁移测试有限公司" in listing.get_data(as_text=True)
    assert client.get(f"/orgs/{org.id}").status_code == 200
    assert client.get("/healthz").get_json() == {"status": "ok"}
