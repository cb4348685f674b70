"""reconciliation resolutions and organisation merges

Revision ID: ledger2_0001
Revises: quality2_0001
Create Date: 2026-12-02 16:00:00

Two new tables only: how each difference of a reconciliation run was resolved, and each merge of two
duplicate organisations (with what an undo needs to restore them).
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'ledger2_0001'
down_revision = 'quality2_0001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('reconcile_resolutions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('item', sa.String(length=80), nullable=False),
    sa.Column('action', sa.String(length=20), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=True),
    sa.Column('platform_name', sa.String(length=200), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('changes', sa.JSON(), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['run_id'], ['reconcile_runs.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('run_id', 'item')
    )
    with op.batch_alter_table('reconcile_resolutions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reconcile_resolutions_organization_id'), ['organization_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_reconcile_resolutions_run_id'), ['run_id'], unique=False)

    op.create_table('org_merges',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('survivor_id', sa.Integer(), nullable=True),
    sa.Column('merged_id', sa.Integer(), nullable=False),
    sa.Column('merged_credit_code', sa.String(length=18), nullable=False),
    sa.Column('merged_name', sa.String(length=200), nullable=False),
    sa.Column('survivor_version', sa.Integer(), nullable=False),
    sa.Column('merged_row', sa.JSON(), nullable=False),
    sa.Column('survivor_before', sa.JSON(), nullable=False),
    sa.Column('moved', sa.JSON(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('undone_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('undone_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['survivor_id'], ['organizations.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['undone_by_id'], ['users.id'], ),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('org_merges', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_org_merges_merged_id'), ['merged_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_org_merges_survivor_id'), ['survivor_id'], unique=False)


def downgrade():
    with op.batch_alter_table('org_merges', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_org_merges_survivor_id'))
        batch_op.drop_index(batch_op.f('ix_org_merges_merged_id'))
    op.drop_table('org_merges')
    with op.batch_alter_table('reconcile_resolutions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reconcile_resolutions_run_id'))
        batch_op.drop_index(batch_op.f('ix_reconcile_resolutions_organization_id'))
    op.drop_table('reconcile_resolutions')
