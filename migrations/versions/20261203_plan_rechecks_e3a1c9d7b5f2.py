"""plan rechecks: a plan changed, so the worker checks the published projects it covers again

plan_rechecks: one row queued in the transaction that changes a plan; the worker claims it (claim, claimed_until)
and marks it done (done_at). New table only.

Revision ID: e3a1c9d7b5f2
Revises: 4d8e2b6f1a73
Create Date: 2026-12-03 15:50:00

"""
import sqlalchemy as sa
from alembic import op

revision = 'e3a1c9d7b5f2'
down_revision = '4d8e2b6f1a73'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'plan_rechecks',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('plan_id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('done_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('claim', sa.String(length=32), nullable=True),
        sa.Column('claimed_until', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['plan_id'], ['national_plans.id'], name=op.f('fk_plan_rechecks_plan_id_national_plans'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_rechecks')),
    )
    with op.batch_alter_table('plan_rechecks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plan_rechecks_plan_id'), ['plan_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_plan_rechecks_done_at'), ['done_at'], unique=False)


def downgrade():
    with op.batch_alter_table('plan_rechecks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plan_rechecks_done_at'))
        batch_op.drop_index(batch_op.f('ix_plan_rechecks_plan_id'))
    op.drop_table('plan_rechecks')
