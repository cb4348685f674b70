"""campaign years: survey, first-visit and closing dates, effective dates of steps, target
baseline/stretch and version, progress snapshots

Revision ID: asof_0001
Revises: districts_0001
Create Date: 2026-12-02 04:30:00

Existing rows are dated from what they hold: an organisation's survey date is the day it was
created, its first-visit date that of its earliest visit, a closed organisation's closing date the day of its last close step, a step's effective
date the day it was recorded (in ORGBUILD_TIMEZONE, Asia/Shanghai by default).
"""
import os
from datetime import datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'asof_0001'
down_revision = 'districts_0001'
branch_labels = None
depends_on = None


def _local_date_sql(column: str) -> str:
    """SQL for the district's local date of a timestamp column, on this database."""
    tz = os.environ.get("ORGBUILD_TIMEZONE", "Asia/Shanghai")
    if op.get_bind().dialect.name == "postgresql":
        return f"CAST(({column} AT TIME ZONE '{tz}') AS DATE)"
    offset = ZoneInfo(tz).utcoffset(datetime.now()) if tz else None
    minutes = int(offset.total_seconds() // 60) if offset else 0
    return f"date({column}, '{minutes:+d} minutes')"


def upgrade():
    """Add the columns, date the existing rows, then make the dates required; add the snapshots."""
    with op.batch_alter_table('organizations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('surveyed_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('closed_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('first_visited_on', sa.Date(), nullable=True))
    with op.batch_alter_table('status_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('effective_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('undone', sa.Boolean(), nullable=True))
    with op.batch_alter_table('targets', schema=None) as batch_op:
        batch_op.add_column(sa.Column('baseline', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('stretch', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('version', sa.Integer(), nullable=True))

    op.execute(f"UPDATE organizations SET surveyed_on = {_local_date_sql('created_at')}")
    op.execute(f"UPDATE status_events SET effective_on = {_local_date_sql('created_at')}, undone = false")
    op.execute(
        "UPDATE organizations SET closed_on = (SELECT MAX(e.effective_on) FROM status_events e "
        "WHERE e.organization_id = organizations.id AND e.to_status = 'closed') WHERE status = 'closed'"
    )
    op.execute(f"UPDATE organizations SET closed_on = {_local_date_sql('updated_at')} "
               "WHERE status = 'closed' AND closed_on IS NULL")
    op.execute("UPDATE organizations SET first_visited_on = (SELECT MIN(v.visit_date) FROM visits v "
               "WHERE v.organization_id = organizations.id)")
    op.execute("UPDATE targets SET version = 1")

    with op.batch_alter_table('organizations', schema=None) as batch_op:
        batch_op.alter_column('surveyed_on', existing_type=sa.Date(), nullable=False)
        batch_op.drop_index('ix_org_progress')
        batch_op.create_index(
            'ix_org_asof',
            ['street_id', 'officer_id', 'has_party_org', 'has_league_org', 'surveyed_on', 'closed_on', 'first_visited_on'],
            unique=False,
        )
    with op.batch_alter_table('status_events', schema=None) as batch_op:
        batch_op.alter_column('effective_on', existing_type=sa.Date(), nullable=False)
        batch_op.alter_column('undone', existing_type=sa.Boolean(), nullable=False)
        batch_op.create_index('ix_event_transition', ['transition', 'organization_id', 'effective_on'], unique=False)
    with op.batch_alter_table('targets', schema=None) as batch_op:
        batch_op.alter_column('version', existing_type=sa.Integer(), nullable=False)

    op.create_table(
        'snapshots',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('as_of', sa.Date(), nullable=False),
        sa.Column('street_ids', sa.String(length=200), nullable=False),
        sa.Column('scope', sa.String(length=300), nullable=False),
        sa.Column('title', sa.String(length=200), nullable=False),
        sa.Column('previous_id', sa.Integer(), nullable=True),
        sa.Column('figures', sa.Text(), nullable=False),
        sa.Column('digest', sa.String(length=64), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], ),
        sa.ForeignKeyConstraint(['previous_id'], ['snapshots.id'], ),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('snapshots', schema=None) as batch_op:
        batch_op.create_index('ix_snapshot_scope_year', ['street_ids', 'year', 'as_of'], unique=False)


def downgrade():
    """Drop the snapshots and the new columns; restore the previous covering index."""
    with op.batch_alter_table('snapshots', schema=None) as batch_op:
        batch_op.drop_index('ix_snapshot_scope_year')
    op.drop_table('snapshots')
    with op.batch_alter_table('targets', schema=None) as batch_op:
        batch_op.drop_column('version')
        batch_op.drop_column('stretch')
        batch_op.drop_column('baseline')
    with op.batch_alter_table('status_events', schema=None) as batch_op:
        batch_op.drop_index('ix_event_transition')
        batch_op.drop_column('undone')
        batch_op.drop_column('effective_on')
    with op.batch_alter_table('organizations', schema=None) as batch_op:
        batch_op.drop_index('ix_org_asof')
        batch_op.create_index(
            'ix_org_progress', ['street_id', 'officer_id', 'status', 'has_party_org', 'has_league_org'], unique=False
        )
        batch_op.drop_column('first_visited_on')
        batch_op.drop_column('closed_on')
        batch_op.drop_column('surveyed_on')
