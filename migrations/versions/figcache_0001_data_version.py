"""data version: one counter row that every committed write increments (figcache/version.py), from
a random start

Revision ID: figcache_0001
Revises: quality_0001
Create Date: 2026-12-02 12:40:00

"""
import secrets

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'figcache_0001'
down_revision = 'quality_0001'
branch_labels = None
depends_on = None


def upgrade():
    """Create the table with its one row."""
    table = op.create_table(
        'data_version',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('value', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.bulk_insert(table, [{'id': 1, 'value': secrets.randbits(48)}])  # see figcache.version.initial


def downgrade():
    """Drop the table."""
    op.drop_table('data_version')
