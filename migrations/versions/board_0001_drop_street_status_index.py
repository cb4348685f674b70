"""board: drop ix_org_street_status (street, status), a prefix of ix_org_board (street, status,
stage_since, id), which serves every lookup it served. Without statistics (a bulk load before
autovacuum's ANALYZE) PostgreSQL picked the shorter index for a board column's page, read the whole
column and sorted it (22 ms instead of 0.1 ms for a street of 14,000 organisations).

Revision ID: board_0001
Revises: harden_0001
Create Date: 2026-12-03 09:00:00
"""
from alembic import op

# revision identifiers, used by Alembic.
revision = 'board_0001'
down_revision = 'harden_0001'
branch_labels = None
depends_on = None


def upgrade():
    op.drop_index('ix_org_street_status', table_name='organizations')


def downgrade():
    op.create_index('ix_org_street_status', 'organizations', ['street_id', 'status'], unique=False)
