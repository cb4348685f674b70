"""districts: several districts in one deployment (districts table; streets, users and district-wide
targets belong to a district; a street's code may be unknown)

Existing rows belong to Luohu, the only district before this revision: when streets exist, the
Luohu district is created, every street and every district-wide target is given to it, and so is
every account but the admins (a supervisor who saw "the whole district" keeps seeing Luohu only,
also once a second district is loaded; admins stay city-wide).

Revision ID: districts_0001
Revises: b7d1c0a4e2f9
Create Date: 2026-12-02 04:02:29

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'districts_0001'
down_revision = 'b7d1c0a4e2f9'
branch_labels = None
depends_on = None

LUOHU = {"code": "luohu", "name": "罗湖区", "area_code": "440303"}

districts = sa.table("districts", sa.column("id", sa.Integer), sa.column("code", sa.String),
                     sa.column("name", sa.String), sa.column("area_code", sa.String))
streets = sa.table("streets", sa.column("id", sa.Integer), sa.column("code", sa.String),
                   sa.column("district_id", sa.Integer))
users = sa.table("users", sa.column("role", sa.String), sa.column("district_id", sa.Integer))
targets = sa.table("targets", sa.column("street_id", sa.Integer), sa.column("district_id", sa.Integer))


def upgrade():
    """Create districts, add the district columns, give the existing rows to Luohu, then make
    streets.district_id required and streets.code optional."""
    op.create_table('districts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=30), nullable=False),
    sa.Column('name', sa.String(length=50), nullable=False),
    sa.Column('area_code', sa.String(length=12), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('area_code'),
    sa.UniqueConstraint('code'),
    sa.UniqueConstraint('name')
    )
    with op.batch_alter_table('streets', schema=None) as batch_op:
        batch_op.add_column(sa.Column('district_id', sa.Integer(), nullable=True))
    with op.batch_alter_table('targets', schema=None) as batch_op:
        batch_op.add_column(sa.Column('district_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key('fk_targets_district_id', 'districts', ['district_id'], ['id'])
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('district_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_users_district_id'), ['district_id'], unique=False)
        batch_op.create_foreign_key('fk_users_district_id', 'districts', ['district_id'], ['id'])

    conn = op.get_bind()
    if conn.execute(sa.select(sa.func.count()).select_from(streets)).scalar():
        conn.execute(districts.insert().values(**LUOHU))
        luohu = conn.execute(sa.select(districts.c.id).where(districts.c.code == LUOHU["code"])).scalar_one()
        conn.execute(streets.update().values(district_id=luohu))
        conn.execute(targets.update().where(targets.c.street_id.is_(None)).values(district_id=luohu))
        conn.execute(users.update().where(users.c.role != "admin").values(district_id=luohu))

    with op.batch_alter_table('streets', schema=None) as batch_op:
        batch_op.alter_column('district_id', existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column('code', existing_type=sa.VARCHAR(length=12), nullable=True)
        batch_op.create_index(batch_op.f('ix_streets_district_id'), ['district_id'], unique=False)
        batch_op.create_foreign_key('fk_streets_district_id', 'districts', ['district_id'], ['id'])


def downgrade():
    """Back to one district: refused while a street has no code (the old schema requires one)."""
    conn = op.get_bind()
    if conn.execute(sa.select(sa.func.count()).select_from(streets).where(streets.c.code.is_(None))).scalar():
        raise RuntimeError("streets without a code exist: fill in their codes (or remove them) before downgrading")
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_constraint('fk_users_district_id', type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_users_district_id'))
        batch_op.drop_column('district_id')
    with op.batch_alter_table('targets', schema=None) as batch_op:
        batch_op.drop_constraint('fk_targets_district_id', type_='foreignkey')
        batch_op.drop_column('district_id')
    with op.batch_alter_table('streets', schema=None) as batch_op:
        batch_op.drop_constraint('fk_streets_district_id', type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_streets_district_id'))
        batch_op.alter_column('code', existing_type=sa.VARCHAR(length=12), nullable=False)
        batch_op.drop_column('district_id')
    op.drop_table('districts')
