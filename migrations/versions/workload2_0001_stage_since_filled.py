"""workload2: every organisation has its stage date (organizations.stage_since): those still in the
status they were surveyed in (or imported / generated without one) take their survey date, and the
stage board's index ends with the id, so that a column's page is read in index order.

Revision ID: workload2_0001
Revises: ledger_0001
Create Date: 2026-12-02 15:50:00
"""
from alembic import op

# revision identifiers, used by Alembic.
revision = 'workload2_0001'
down_revision = 'ledger_0001'
branch_labels = None
depends_on = None


def upgrade():
    """Fill the empty stage dates; rebuild ix_org_board on (street, status, stage date, id)."""
    op.execute("UPDATE organizations SET stage_since = surveyed_on WHERE stage_since IS NULL")
    with op.batch_alter_table('organizations', schema=None) as batch_op:
        batch_op.drop_index('ix_org_board')
        batch_op.create_index('ix_org_board', ['street_id', 'status', 'stage_since', 'id'], unique=False)


def downgrade():
    """Back to the earlier index (the filled dates stay: they are what the board showed anyway)."""
    with op.batch_alter_table('organizations', schema=None) as batch_op:
        batch_op.drop_index('ix_org_board')
        batch_op.create_index('ix_org_board', ['street_id', 'status', 'stage_since', 'surveyed_on'], unique=False)
