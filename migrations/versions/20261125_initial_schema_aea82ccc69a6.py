"""initial schema

Revision ID: aea82ccc69a6
Revises:
Create Date: 2026-11-25 18:24:26.772003

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'aea82ccc69a6'
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    # Reviewed by hand: every table, constraint and index of the registry (issue 2).
    op.create_table('countries',
    sa.Column('code', sa.String(length=2), nullable=False),
    sa.Column('alpha3', sa.String(length=3), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('capital', sa.String(length=120), nullable=True),
    sa.Column('representative_body', sa.Text(), nullable=True),
    sa.Column('source', sa.Text(), nullable=True),
    sa.CheckConstraint('length(alpha3) = 3', name=op.f('ck_countries_alpha3_len')),
    sa.CheckConstraint('length(code) = 2', name=op.f('ck_countries_code_alpha2')),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_countries')),
    sa.UniqueConstraint('alpha3', name=op.f('uq_countries_alpha3')),
    sa.UniqueConstraint('name', name=op.f('uq_countries_name'))
    )
    op.create_table('focus_areas',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.Column('slug', sa.String(length=60), nullable=False),
    sa.Column('covers', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_focus_areas')),
    sa.UniqueConstraint('name', name=op.f('uq_focus_areas_name')),
    sa.UniqueConstraint('slug', name=op.f('uq_focus_areas_slug'))
    )
    op.create_table('cities',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=80), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('local_name', sa.String(length=200), nullable=True),
    sa.Column('country_code', sa.String(length=2), nullable=False),
    sa.Column('latitude', sa.Float(), nullable=False),
    sa.Column('longitude', sa.Float(), nullable=False),
    sa.Column('is_member', sa.Boolean(), nullable=False),
    sa.Column('member_since', sa.Integer(), nullable=True),
    sa.Column('source', sa.Text(), nullable=True),
    sa.CheckConstraint('latitude BETWEEN -90 AND 90', name=op.f('ck_cities_latitude_range')),
    sa.CheckConstraint('longitude BETWEEN -180 AND 180', name=op.f('ck_cities_longitude_range')),
    sa.CheckConstraint('member_since IS NULL OR member_since BETWEEN 2018 AND 2100', name=op.f('ck_cities_member_since_range')),
    sa.ForeignKeyConstraint(['country_code'], ['countries.code'], name=op.f('fk_cities_country_code_countries')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cities')),
    sa.UniqueConstraint('slug', name=op.f('uq_cities_slug'))
    )
    with op.batch_alter_table('cities', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cities_country_code'), ['country_code'], unique=False)

    op.create_table('organisations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('country_code', sa.String(length=2), nullable=True),
    sa.Column('origin', sa.String(length=120), nullable=True),
    sa.Column('website', sa.String(length=300), nullable=True),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('is_external_partner', sa.Boolean(), nullable=False),
    sa.Column('partner_since', sa.Integer(), nullable=True),
    sa.Column('source', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('government', 'multilateral', 'private', 'foundation', 'academic', 'civil_society', 'local_government', 'other')", name=op.f('ck_organisations_kind_valid')),
    sa.ForeignKeyConstraint(['country_code'], ['countries.code'], name=op.f('fk_organisations_country_code_countries')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_organisations')),
    sa.UniqueConstraint('name', name=op.f('uq_organisations_name'))
    )
    with op.batch_alter_table('organisations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_organisations_country_code'), ['country_code'], unique=False)

    op.create_table('national_plans',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('external_id', sa.String(length=80), nullable=False),
    sa.Column('country_code', sa.String(length=2), nullable=False),
    sa.Column('level', sa.String(length=10), nullable=False),
    sa.Column('city_id', sa.Integer(), nullable=True),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('start_year', sa.Integer(), nullable=False),
    sa.Column('end_year', sa.Integer(), nullable=True),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('source', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("(level = 'city') = (city_id IS NOT NULL)", name=op.f('ck_national_plans_city_iff_city_level')),
    sa.CheckConstraint("level IN ('national', 'city')", name=op.f('ck_national_plans_level_valid')),
    sa.CheckConstraint('end_year IS NULL OR end_year >= start_year', name=op.f('ck_national_plans_period_ordered')),
    sa.CheckConstraint('start_year BETWEEN 1950 AND 2100', name=op.f('ck_national_plans_start_year_range')),
    sa.ForeignKeyConstraint(['city_id'], ['cities.id'], name=op.f('fk_national_plans_city_id_cities')),
    sa.ForeignKeyConstraint(['country_code'], ['countries.code'], name=op.f('fk_national_plans_country_code_countries')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_national_plans')),
    sa.UniqueConstraint('external_id', name=op.f('uq_national_plans_external_id'))
    )
    with op.batch_alter_table('national_plans', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_national_plans_city_id'), ['city_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_national_plans_country_code'), ['country_code'], unique=False)

    op.create_table('users',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=False),
    sa.Column('display_name', sa.String(length=120), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('country_code', sa.String(length=2), nullable=True),
    sa.Column('city_id', sa.Integer(), nullable=True),
    sa.Column('organisation_id', sa.Integer(), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("role <> 'city_official' OR city_id IS NOT NULL", name=op.f('ck_users_official_city')),
    sa.CheckConstraint("role <> 'focal_point' OR country_code IS NOT NULL", name=op.f('ck_users_focal_point_country')),
    sa.CheckConstraint("role <> 'partner' OR organisation_id IS NOT NULL", name=op.f('ck_users_partner_organisation')),
    sa.CheckConstraint("role IN ('admin', 'focal_point', 'city_official', 'partner')", name=op.f('ck_users_role_valid')),
    sa.ForeignKeyConstraint(['city_id'], ['cities.id'], name=op.f('fk_users_city_id_cities')),
    sa.ForeignKeyConstraint(['country_code'], ['countries.code'], name=op.f('fk_users_country_code_countries')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_users_organisation_id_organisations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users')),
    sa.UniqueConstraint('email', name=op.f('uq_users_email'))
    )
    op.create_table('audit_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('entity_type', sa.String(length=40), nullable=False),
    sa.Column('entity_id', sa.Integer(), nullable=False),
    sa.Column('action', sa.String(length=40), nullable=False),
    sa.Column('changes', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_audit_events_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_events'))
    )
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_events_created_at'), ['created_at'], unique=False)
        batch_op.create_index('ix_audit_events_entity', ['entity_type', 'entity_id'], unique=False)

    op.create_table('plan_focus_areas',
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('focus_area_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['focus_area_id'], ['focus_areas.id'], name=op.f('fk_plan_focus_areas_focus_area_id_focus_areas'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['plan_id'], ['national_plans.id'], name=op.f('fk_plan_focus_areas_plan_id_national_plans'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('plan_id', 'focus_area_id', name=op.f('pk_plan_focus_areas'))
    )
    op.create_table('plan_initiatives',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['plan_id'], ['national_plans.id'], name=op.f('fk_plan_initiatives_plan_id_national_plans'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_initiatives'))
    )
    with op.batch_alter_table('plan_initiatives', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plan_initiatives_plan_id'), ['plan_id'], unique=False)

    op.create_table('projects',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('city_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('stage', sa.String(length=20), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=True),
    sa.Column('end_date', sa.Date(), nullable=True),
    sa.Column('budget_amount', sa.Numeric(precision=18, scale=2), nullable=True),
    sa.Column('currency', sa.String(length=3), nullable=True),
    sa.Column('latitude', sa.Float(), nullable=False),
    sa.Column('longitude', sa.Float(), nullable=False),
    sa.Column('seeking_funding', sa.Boolean(), nullable=False),
    sa.Column('funding_sought', sa.Numeric(precision=18, scale=2), nullable=True),
    sa.Column('review_comment', sa.Text(), nullable=True),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint("stage IN ('concept', 'planning', 'implementation', 'completed')", name=op.f('ck_projects_stage_valid')),
    sa.CheckConstraint("status IN ('draft', 'submitted', 'published', 'returned', 'archived')", name=op.f('ck_projects_status_valid')),
    sa.CheckConstraint('budget_amount IS NULL OR budget_amount >= 0', name=op.f('ck_projects_budget_positive')),
    sa.CheckConstraint('currency IS NULL OR length(currency) = 3', name=op.f('ck_projects_currency_iso4217')),
    sa.CheckConstraint('end_date IS NULL OR start_date IS NULL OR end_date >= start_date', name=op.f('ck_projects_dates_ordered')),
    sa.CheckConstraint('funding_sought IS NULL OR funding_sought >= 0', name=op.f('ck_projects_funding_sought_positive')),
    sa.CheckConstraint('latitude BETWEEN -90 AND 90', name=op.f('ck_projects_latitude_range')),
    sa.CheckConstraint('longitude BETWEEN -180 AND 180', name=op.f('ck_projects_longitude_range')),
    sa.ForeignKeyConstraint(['city_id'], ['cities.id'], name=op.f('fk_projects_city_id_cities')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_projects_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_projects_updated_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_projects'))
    )
    with op.batch_alter_table('projects', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_projects_city_id'), ['city_id'], unique=False)
        batch_op.create_index('ix_projects_published_at', ['published_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_projects_status'), ['status'], unique=False)
        batch_op.create_index('ix_projects_updated_at', ['updated_at'], unique=False)

    op.create_table('follows',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_follows_project_id_projects'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_follows_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_follows')),
    sa.UniqueConstraint('user_id', 'project_id', name='uq_follow_user_project')
    )
    with op.batch_alter_table('follows', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_follows_project_id'), ['project_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_follows_user_id'), ['user_id'], unique=False)

    op.create_table('initiative_focus_areas',
    sa.Column('initiative_id', sa.Integer(), nullable=False),
    sa.Column('focus_area_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['focus_area_id'], ['focus_areas.id'], name=op.f('fk_initiative_focus_areas_focus_area_id_focus_areas'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['initiative_id'], ['plan_initiatives.id'], name=op.f('fk_initiative_focus_areas_initiative_id_plan_initiatives'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('initiative_id', 'focus_area_id', name=op.f('pk_initiative_focus_areas'))
    )
    op.create_table('interests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('amount', sa.Numeric(precision=18, scale=2), nullable=True),
    sa.Column('currency', sa.String(length=3), nullable=True),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('amount IS NULL OR amount >= 0', name=op.f('ck_interests_amount_positive')),
    sa.CheckConstraint('amount IS NULL OR currency IS NOT NULL', name=op.f('ck_interests_amount_has_currency')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_interests_organisation_id_organisations')),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_interests_project_id_projects'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_interests_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_interests'))
    )
    with op.batch_alter_table('interests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_interests_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_interests_project_id'), ['project_id'], unique=False)

    op.create_table('overlap_flags',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=True),
    sa.Column('initiative_id', sa.Integer(), nullable=True),
    sa.Column('other_project_id', sa.Integer(), nullable=True),
    sa.Column('subject', sa.String(length=300), nullable=False),
    sa.Column('score', sa.Float(), nullable=False),
    sa.Column('severity', sa.String(length=10), nullable=False),
    sa.Column('reasons', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=15), nullable=False),
    sa.Column('justification', sa.Text(), nullable=True),
    sa.Column('dismissal_reason', sa.Text(), nullable=True),
    sa.Column('resolved_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('plan', 'project')", name=op.f('ck_overlap_flags_kind_valid')),
    sa.CheckConstraint("severity IN ('high', 'medium', 'low')", name=op.f('ck_overlap_flags_severity_valid')),
    sa.CheckConstraint("status IN ('open', 'acknowledged', 'dismissed')", name=op.f('ck_overlap_flags_status_valid')),
    sa.CheckConstraint('score >= 0 AND score <= 1', name=op.f('ck_overlap_flags_score_range')),
    sa.ForeignKeyConstraint(['initiative_id'], ['plan_initiatives.id'], name=op.f('fk_overlap_flags_initiative_id_plan_initiatives'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['other_project_id'], ['projects.id'], name=op.f('fk_overlap_flags_other_project_id_projects'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['plan_id'], ['national_plans.id'], name=op.f('fk_overlap_flags_plan_id_national_plans'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_overlap_flags_project_id_projects'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['resolved_by_id'], ['users.id'], name=op.f('fk_overlap_flags_resolved_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_overlap_flags'))
    )
    with op.batch_alter_table('overlap_flags', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_overlap_flags_project_id'), ['project_id'], unique=False)

    op.create_table('project_focus_areas',
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('focus_area_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['focus_area_id'], ['focus_areas.id'], name=op.f('fk_project_focus_areas_focus_area_id_focus_areas'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_project_focus_areas_project_id_projects'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('project_id', 'focus_area_id', name=op.f('pk_project_focus_areas'))
    )
    op.create_table('project_participations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('committed_amount', sa.Numeric(precision=18, scale=2), nullable=True),
    sa.Column('committed_currency', sa.String(length=3), nullable=True),
    sa.CheckConstraint("role IN ('funding', 'accountable', 'extending', 'implementing')", name=op.f('ck_project_participations_role_valid')),
    sa.CheckConstraint('committed_amount IS NULL OR committed_amount >= 0', name=op.f('ck_project_participations_committed_positive')),
    sa.CheckConstraint('committed_amount IS NULL OR committed_currency IS NOT NULL', name=op.f('ck_project_participations_committed_has_currency')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_project_participations_organisation_id_organisations')),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_project_participations_project_id_projects'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_project_participations')),
    sa.UniqueConstraint('project_id', 'organisation_id', 'role', name='uq_participation_role')
    )
    with op.batch_alter_table('project_participations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_project_participations_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_project_participations_project_id'), ['project_id'], unique=False)



def downgrade():
    # Reviewed by hand: every table, constraint and index of the registry (issue 2).
    with op.batch_alter_table('project_participations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_project_participations_project_id'))
        batch_op.drop_index(batch_op.f('ix_project_participations_organisation_id'))

    op.drop_table('project_participations')
    op.drop_table('project_focus_areas')
    with op.batch_alter_table('overlap_flags', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_overlap_flags_project_id'))

    op.drop_table('overlap_flags')
    with op.batch_alter_table('interests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_interests_project_id'))
        batch_op.drop_index(batch_op.f('ix_interests_organisation_id'))

    op.drop_table('interests')
    op.drop_table('initiative_focus_areas')
    with op.batch_alter_table('follows', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_follows_user_id'))
        batch_op.drop_index(batch_op.f('ix_follows_project_id'))

    op.drop_table('follows')
    with op.batch_alter_table('projects', schema=None) as batch_op:
        batch_op.drop_index('ix_projects_updated_at')
        batch_op.drop_index(batch_op.f('ix_projects_status'))
        batch_op.drop_index('ix_projects_published_at')
        batch_op.drop_index(batch_op.f('ix_projects_city_id'))

    op.drop_table('projects')
    with op.batch_alter_table('plan_initiatives', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plan_initiatives_plan_id'))

    op.drop_table('plan_initiatives')
    op.drop_table('plan_focus_areas')
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_events_entity')
        batch_op.drop_index(batch_op.f('ix_audit_events_created_at'))

    op.drop_table('audit_events')
    op.drop_table('users')
    with op.batch_alter_table('national_plans', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_national_plans_country_code'))
        batch_op.drop_index(batch_op.f('ix_national_plans_city_id'))

    op.drop_table('national_plans')
    with op.batch_alter_table('organisations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_organisations_country_code'))

    op.drop_table('organisations')
    with op.batch_alter_table('cities', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cities_country_code'))

    op.drop_table('cities')
    op.drop_table('focus_areas')
    op.drop_table('countries')
