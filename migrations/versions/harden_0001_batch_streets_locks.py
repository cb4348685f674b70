"""hardening: the streets of import batches, user versions, shared sign-in throttling, unique platform codes

Revision ID: harden_0001
Revises: api_0001
Create Date: 2026-12-02 15:50:00

- import_batch_streets and import_batches.unplaced: a batch belongs to the streets of its rows (batches
  imported earlier have none recorded: only their uploader and whole-city readers read them);
- users.version: optimistic locking of the user admin page;
- login_throttle: failed sign-ins counted in the database, shared by every worker;
- uq_onboardings_platform_code: a 智慧团建 code held by one live onboarding at most (refused, naming the
  code, when the database already holds a duplicate: fix it by hand first).
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'harden_0001'
down_revision = 'api_0001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('import_batch_streets',
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.Column('street_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['batch_id'], ['import_batches.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['street_id'], ['streets.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('batch_id', 'street_id')
    )
    op.create_table('login_throttle',
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('window_start', sa.DateTime(timezone=True), nullable=False),
    sa.Column('blocked_until', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('key')
    )
    with op.batch_alter_table('import_batches', schema=None) as batch_op:
        batch_op.add_column(sa.Column('unplaced', sa.Integer(), server_default='0', nullable=False))
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('version', sa.Integer(), server_default='1', nullable=False))
    duplicate = op.get_bind().execute(sa.text(
        "SELECT platform_code FROM onboardings WHERE reverted = :no AND platform_code <> '' "
        "GROUP BY platform_code HAVING COUNT(*) > 1"
    ), {"no": False}).first()
    if duplicate is not None:
        raise RuntimeError(f"two organisations hold the 智慧团建 code {duplicate[0]!r}: correct one before upgrading")
    op.create_index('uq_onboardings_platform_code', 'onboardings', ['platform_code'], unique=True,
                    sqlite_where=sa.text("reverted = 0 AND platform_code <> ''"),
                    postgresql_where=sa.text("reverted = false AND platform_code <> ''"))


def downgrade():
    op.drop_index('uq_onboardings_platform_code', table_name='onboardings')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('version')
    with op.batch_alter_table('import_batches', schema=None) as batch_op:
        batch_op.drop_column('unplaced')
    op.drop_table('login_throttle')
    op.drop_table('import_batch_streets')
