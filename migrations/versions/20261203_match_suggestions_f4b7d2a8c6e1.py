"""match suggestions: partners opt in to be told of matching projects (partner_profiles.tell_matches), the queue
of published projects whose best matches the worker is to tell (match_suggestions), and the events of kind
match.suggested that tell them

Revision ID: f4b7d2a8c6e1
Revises: c5d9e1f7a2b8
Create Date: 2026-12-03 16:45:00

"""
import sqlalchemy as sa
from alembic import op

revision = 'f4b7d2a8c6e1'
down_revision = 'c5d9e1f7a2b8'
branch_labels = None
depends_on = None

KINDS = ('project.submitted', 'project.returned', 'project.published', 'project.revised', 'project.archived',
         'interest.created', 'plan.updated', 'overlap.flagged')


def _kinds(kinds) -> str:
    return "kind IN (" + ", ".join(f"'{kind}'" for kind in kinds) + ")"


def upgrade():
    op.create_table(
        'match_suggestions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('project_id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('done_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('claim', sa.String(length=32), nullable=True),
        sa.Column('claimed_until', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_match_suggestions_project_id_projects'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_match_suggestions')),
    )
    with op.batch_alter_table('match_suggestions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_match_suggestions_project_id'), ['project_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_match_suggestions_done_at'), ['done_at'], unique=False)
    with op.batch_alter_table('partner_profiles', schema=None) as batch_op:
        batch_op.add_column(sa.Column('tell_matches', sa.Boolean(), server_default=sa.false(), nullable=False))
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_events_kind_valid'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_events_kind_valid'), _kinds(KINDS + ('match.suggested',)))


def downgrade():
    op.execute("DELETE FROM notifications WHERE event_id IN (SELECT id FROM events WHERE kind = 'match.suggested')")
    op.execute("DELETE FROM events WHERE kind = 'match.suggested'")
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_events_kind_valid'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_events_kind_valid'), _kinds(KINDS))
    with op.batch_alter_table('partner_profiles', schema=None) as batch_op:
        batch_op.drop_column('tell_matches')
    op.drop_table('match_suggestions')
