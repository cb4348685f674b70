"""branch quality after founding: organisational life, membership changes, annual gradings

Revision ID: quality_0001
Revises: asof_0001
Create Date: 2026-12-02 12:40:00
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'quality_0001'
down_revision = 'asof_0001'
branch_labels = None
depends_on = None


def upgrade():
    """Add the three tables of branch quality."""
    op.create_table(
        'branch_activities',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('organization_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=30), nullable=False),
        sa.Column('held_on', sa.Date(), nullable=False),
        sa.Column('attendance', sa.Integer(), nullable=False),
        sa.Column('note', sa.Text(), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], ),
        sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('branch_activities', schema=None) as batch_op:
        batch_op.create_index('ix_activity_org_date', ['organization_id', 'held_on'], unique=False)
    op.create_table(
        'membership_changes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('organization_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('changed_on', sa.Date(), nullable=False),
        sa.Column('count', sa.Integer(), nullable=False),
        sa.Column('delta', sa.Integer(), nullable=False),
        sa.Column('note', sa.Text(), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], ),
        sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('membership_changes', schema=None) as batch_op:
        batch_op.create_index('ix_membership_org_date', ['organization_id', 'changed_on'], unique=False)
    op.create_table(
        'gradings',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('organization_id', sa.Integer(), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('state', sa.String(length=20), nullable=False),
        sa.Column('leadership', sa.Integer(), nullable=False),
        sa.Column('members', sa.Integer(), nullable=False),
        sa.Column('org_life', sa.Integer(), nullable=False),
        sa.Column('rules', sa.Integer(), nullable=False),
        sa.Column('impact', sa.Integer(), nullable=False),
        sa.Column('veto', sa.Boolean(), nullable=False),
        sa.Column('total', sa.Integer(), nullable=False),
        sa.Column('level', sa.String(length=20), nullable=False),
        sa.Column('confirmed_on', sa.Date(), nullable=True),
        sa.Column('confirmed_by_id', sa.Integer(), nullable=True),
        sa.Column('note', sa.Text(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['confirmed_by_id'], ['users.id'], ),
        sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('organization_id', 'year'),
    )
    with op.batch_alter_table('gradings', schema=None) as batch_op:
        batch_op.create_index('ix_grading_year_state', ['year', 'state'], unique=False)


def downgrade():
    """Drop the three tables."""
    with op.batch_alter_table('gradings', schema=None) as batch_op:
        batch_op.drop_index('ix_grading_year_state')
    op.drop_table('gradings')
    with op.batch_alter_table('membership_changes', schema=None) as batch_op:
        batch_op.drop_index('ix_membership_org_date')
    op.drop_table('membership_changes')
    with op.batch_alter_table('branch_activities', schema=None) as batch_op:
        batch_op.drop_index('ix_activity_org_date')
    op.drop_table('branch_activities')
