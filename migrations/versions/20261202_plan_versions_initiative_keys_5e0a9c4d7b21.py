"""plan versions and stable initiative keys; overlap flags versioned

A plan carries a version like a project (a stale save is refused); each initiative gets a key, unique in its
plan, that edits and Plan-file re-imports update by (existing initiatives get i1, i2, … in their order); an
overlap flag carries a version, so of two answers given at once exactly one is saved.

Revision ID: 5e0a9c4d7b21
Revises: 3b7c1d2e9f10
Create Date: 2026-12-02 20:20:00

"""
import sqlalchemy as sa
from alembic import op

revision = '5e0a9c4d7b21'
down_revision = '3b7c1d2e9f10'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('national_plans', schema=None) as batch_op:
        batch_op.add_column(sa.Column('version', sa.Integer(), server_default='1', nullable=False))
    with op.batch_alter_table('overlap_flags', schema=None) as batch_op:
        batch_op.add_column(sa.Column('version', sa.Integer(), server_default='1', nullable=False))

    with op.batch_alter_table('plan_initiatives', schema=None) as batch_op:
        batch_op.add_column(sa.Column('key', sa.String(length=64), nullable=True))
    initiatives = sa.table('plan_initiatives', sa.column('id', sa.Integer), sa.column('plan_id', sa.Integer),
                           sa.column('position', sa.Integer), sa.column('key', sa.String))
    conn = op.get_bind()
    rows = conn.execute(sa.select(initiatives.c.id, initiatives.c.plan_id)
                        .order_by(initiatives.c.plan_id, initiatives.c.position, initiatives.c.id)).all()
    numbers: dict[int, int] = {}
    for initiative_id, plan_id in rows:
        numbers[plan_id] = numbers.get(plan_id, 0) + 1
        conn.execute(initiatives.update().where(initiatives.c.id == initiative_id)
                     .values(key=f'i{numbers[plan_id]}'))
    with op.batch_alter_table('plan_initiatives', schema=None) as batch_op:
        batch_op.alter_column('key', existing_type=sa.String(length=64), nullable=False)
        batch_op.create_unique_constraint(batch_op.f('uq_plan_initiatives_plan_id'), ['plan_id', 'key'])


def downgrade():
    with op.batch_alter_table('plan_initiatives', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_plan_initiatives_plan_id'), type_='unique')
        batch_op.drop_column('key')
    with op.batch_alter_table('overlap_flags', schema=None) as batch_op:
        batch_op.drop_column('version')
    with op.batch_alter_table('national_plans', schema=None) as batch_op:
        batch_op.drop_column('version')
