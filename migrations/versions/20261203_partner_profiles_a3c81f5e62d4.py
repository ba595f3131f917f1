"""partner profiles and dismissed matches: what an organisation funds, and the projects a partner set aside

partner_profiles: one row per organisation that stated what it funds (focus-area slugs, ASEAN countries,
instruments as JSON lists; a typical ticket range with its ISO 4217 currency; a statement; the source of a
seeded profile). match_dismissals: a suggested project a partner dismissed, kept out of its matches.

Revision ID: a3c81f5e62d4
Revises: e3a1c9d7b5f2 (the head when written; the brief's base is 7c2f4e1a9b35 — the lead chains it)
Create Date: 2026-12-03 16:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = 'a3c81f5e62d4'
down_revision = 'e3a1c9d7b5f2'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'partner_profiles',
        sa.Column('organisation_id', sa.Integer(), nullable=False),
        sa.Column('focus_areas', sa.JSON(), nullable=False),
        sa.Column('countries', sa.JSON(), nullable=False),
        sa.Column('instruments', sa.JSON(), nullable=False),
        sa.Column('ticket_min', sa.Numeric(precision=18, scale=2), nullable=True),
        sa.Column('ticket_max', sa.Numeric(precision=18, scale=2), nullable=True),
        sa.Column('currency', sa.String(length=3), nullable=True),
        sa.Column('statement', sa.Text(), nullable=False),
        sa.Column('source', sa.Text(), nullable=True),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint('ticket_min IS NULL OR ticket_min >= 0',
                           name=op.f('ck_partner_profiles_ticket_min_positive')),
        sa.CheckConstraint('ticket_max IS NULL OR ticket_min IS NULL OR ticket_max >= ticket_min',
                           name=op.f('ck_partner_profiles_ticket_ordered')),
        sa.CheckConstraint('(ticket_min IS NULL AND ticket_max IS NULL) OR currency IS NOT NULL',
                           name=op.f('ck_partner_profiles_ticket_has_currency')),
        sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], ondelete='CASCADE',
                                name=op.f('fk_partner_profiles_organisation_id_organisations')),
        sa.PrimaryKeyConstraint('organisation_id', name=op.f('pk_partner_profiles')),
    )
    op.create_table(
        'match_dismissals',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('organisation_id', sa.Integer(), nullable=False),
        sa.Column('project_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], ondelete='CASCADE',
                                name=op.f('fk_match_dismissals_organisation_id_organisations')),
        sa.ForeignKeyConstraint(['project_id'], ['projects.id'], ondelete='CASCADE',
                                name=op.f('fk_match_dismissals_project_id_projects')),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='SET NULL',
                                name=op.f('fk_match_dismissals_user_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_match_dismissals')),
        sa.UniqueConstraint('organisation_id', 'project_id', name=op.f('uq_match_dismissal')),
    )
    with op.batch_alter_table('match_dismissals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_match_dismissals_organisation_id'), ['organisation_id'], unique=False)


def downgrade():
    with op.batch_alter_table('match_dismissals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_match_dismissals_organisation_id'))
    op.drop_table('match_dismissals')
    op.drop_table('partner_profiles')
