"""progress: covering indexes for the dashboard (organisations by street/officer, latest visit)

Revision ID: b7d1c0a4e2f9
Revises: 8e3662449588
Create Date: 2026-11-29 18:40:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'b7d1c0a4e2f9'
down_revision = '8e3662449588'
branch_labels = None
depends_on = None


def upgrade():
    """Add ix_org_progress (street_id, officer_id, status, has_party_org, has_league_org) and
    ix_visit_latest (organization_id, visit_date, id, next_follow_up)."""
    with op.batch_alter_table('organizations', schema=None) as batch_op:
        batch_op.create_index(
            'ix_org_progress', ['street_id', 'officer_id', 'status', 'has_party_org', 'has_league_org'], unique=False
        )
    with op.batch_alter_table('visits', schema=None) as batch_op:
        batch_op.create_index(
            'ix_visit_latest', ['organization_id', 'visit_date', 'id', 'next_follow_up'], unique=False
        )


def downgrade():
    """Drop both indexes."""
    with op.batch_alter_table('visits', schema=None) as batch_op:
        batch_op.drop_index('ix_visit_latest')
    with op.batch_alter_table('organizations', schema=None) as batch_op:
        batch_op.drop_index('ix_org_progress')
