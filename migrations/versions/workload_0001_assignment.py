"""workload: the day the current officer was given the organisation (organizations.assigned_on)

Revision ID: workload_0001
Revises: asof_0001
Create Date: 2026-12-02 12:40:00

Organisations that already have an officer are dated from their survey date (the best dated record
there is); unassigned ones stay empty.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'workload_0001'
down_revision = 'asof_0001'
branch_labels = None
depends_on = None


def upgrade():
    """Add the column and date the existing assignments by the organisation's survey date."""
    with op.batch_alter_table('organizations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('assigned_on', sa.Date(), nullable=True))
    op.execute("UPDATE organizations SET assigned_on = surveyed_on WHERE officer_id IS NOT NULL")


def downgrade():
    """Drop the column."""
    with op.batch_alter_table('organizations', schema=None) as batch_op:
        batch_op.drop_column('assigned_on')
