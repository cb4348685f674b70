"""workload: the day the current officer was given the organisation (organizations.assigned_on) and
the day it entered its current status (organizations.stage_since, read by the stage board); the
address of a user's daily digest (users.email)

Revision ID: workload_0001
Revises: jobs_0001
Create Date: 2026-12-02 12:40:00

Organisations that already have an officer are dated from their survey date (the best dated record
there is); unassigned ones stay empty. The stage date is that of the latest live step into the
current status (none: empty, the survey date then stands).
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'workload_0001'
down_revision = 'jobs_0001'
branch_labels = None
depends_on = None


def upgrade():
    """Add the columns; date the existing assignments and stages from the dated records."""
    with op.batch_alter_table('organizations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('assigned_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('stage_since', sa.Date(), nullable=True))
        batch_op.create_index('ix_org_board', ['street_id', 'status', 'stage_since', 'surveyed_on'], unique=False)
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('email', sa.String(length=200), nullable=True))
    op.execute("UPDATE organizations SET assigned_on = surveyed_on WHERE officer_id IS NOT NULL")
    op.execute(
        "UPDATE organizations SET stage_since = (SELECT MAX(e.effective_on) FROM status_events e"
        " WHERE e.organization_id = organizations.id AND e.to_status = organizations.status"
        " AND e.from_status <> e.to_status AND NOT e.undone)"
    )


def downgrade():
    """Drop the columns."""
    with op.batch_alter_table('organizations', schema=None) as batch_op:
        batch_op.drop_index('ix_org_board')
        batch_op.drop_column('stage_since')
        batch_op.drop_column('assigned_on')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('email')
