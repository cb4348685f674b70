"""branch secretaries (users.organization_id), evidence of activities, grading rounds, rectification tasks

Revision ID: quality2_0001
Revises: workload2_0001
Create Date: 2026-12-02 15:50:00
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'quality2_0001'
down_revision = 'workload2_0001'
branch_labels = None
depends_on = None


def upgrade():
    """A secretary's organisation, activity evidence, the grading rounds and the rectification tasks."""
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('organization_id', sa.Integer(), nullable=True))
        batch_op.create_index('ix_users_organization_id', ['organization_id'], unique=False)
    with op.batch_alter_table('attachments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('activity_id', sa.Integer(), nullable=True))
        batch_op.create_index('ix_attachments_activity_id', ['activity_id'], unique=False)
        batch_op.create_foreign_key('fk_attachments_activity_id', 'branch_activities', ['activity_id'], ['id'],
                                    ondelete='CASCADE')
    op.create_table(
        'grading_rounds',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('held_on', sa.Date(), nullable=False),
        sa.Column('cutoff_on', sa.Date(), nullable=False),
        sa.Column('five_star_cap', sa.Integer(), nullable=False),
        sa.Column('note', sa.Text(), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], ),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('year'),
    )
    op.create_table(
        'rectification_tasks',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('organization_id', sa.Integer(), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('items', sa.Text(), nullable=False),
        sa.Column('officer_id', sa.Integer(), nullable=True),
        sa.Column('deadline', sa.Date(), nullable=False),
        sa.Column('opened_on', sa.Date(), nullable=False),
        sa.Column('opened_by_id', sa.Integer(), nullable=True),
        sa.Column('closed_on', sa.Date(), nullable=True),
        sa.Column('closed_by_id', sa.Integer(), nullable=True),
        sa.Column('close_note', sa.Text(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['officer_id'], ['users.id'], ),
        sa.ForeignKeyConstraint(['opened_by_id'], ['users.id'], ),
        sa.ForeignKeyConstraint(['closed_by_id'], ['users.id'], ),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('rectification_tasks', schema=None) as batch_op:
        batch_op.create_index('ix_rectification_tasks_organization_id', ['organization_id'], unique=False)
        batch_op.create_index('ix_rectification_tasks_officer_id', ['officer_id'], unique=False)
        batch_op.create_index('ix_rectification_open', ['closed_on', 'deadline'], unique=False)


def downgrade():
    """Drop them again."""
    op.drop_table('rectification_tasks')
    op.drop_table('grading_rounds')
    with op.batch_alter_table('attachments', schema=None) as batch_op:
        batch_op.drop_constraint('fk_attachments_activity_id', type_='foreignkey')
        batch_op.drop_index('ix_attachments_activity_id')
        batch_op.drop_column('activity_id')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_index('ix_users_organization_id')
        batch_op.drop_column('organization_id')
