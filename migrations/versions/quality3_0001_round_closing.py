"""grading rounds can be closed (grading_rounds.closed_on, closed_by_id): no grading step after

Revision ID: quality3_0001
Revises: board_0001
Create Date: 2026-12-03 09:00:00
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'quality3_0001'
down_revision = 'board_0001'
branch_labels = None
depends_on = None


def upgrade():
    """The day a grading round was closed and who closed it (both empty while it is open)."""
    with op.batch_alter_table('grading_rounds', schema=None) as batch_op:
        batch_op.add_column(sa.Column('closed_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('closed_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key('fk_grading_rounds_closed_by_id', 'users', ['closed_by_id'], ['id'])


def downgrade():
    with op.batch_alter_table('grading_rounds', schema=None) as batch_op:
        batch_op.drop_constraint('fk_grading_rounds_closed_by_id', type_='foreignkey')
        batch_op.drop_column('closed_by_id')
        batch_op.drop_column('closed_on')
