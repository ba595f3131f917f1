"""confidential until published: organisations private to the city that first named them; project revisions;
the public data version behind caches and ETags

Revision ID: 3b7c1d2e9f10
Revises: 81567e49f04f
Create Date: 2026-12-02 17:30:00

"""
from datetime import datetime, timezone

import sqlalchemy as sa
from alembic import op

revision = '3b7c1d2e9f10'
down_revision = '81567e49f04f'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('organisations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('is_public', sa.Boolean(), server_default=sa.true(), nullable=False))
        batch_op.add_column(sa.Column('private_to_city_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_organisations_private_to_city_id_cities'), 'cities',
                                    ['private_to_city_id'], ['id'], ondelete='SET NULL')
        # names: unique among public organisations, and among each city's private ones
        batch_op.drop_constraint('uq_organisations_name', type_='unique')
        batch_op.create_index('uq_organisations_public_name', ['name'], unique=True,
                              sqlite_where=sa.text('is_public'), postgresql_where=sa.text('is_public'))
        batch_op.create_index('uq_organisations_private_name', ['name', 'private_to_city_id'], unique=True,
                              sqlite_where=sa.text('NOT is_public'), postgresql_where=sa.text('NOT is_public'))

    # An organisation named only in unpublished projects becomes private to the city of the first of them;
    # one in a published project, or in none (reference data, admin-made), stays public.
    organisations = sa.table('organisations', sa.column('id', sa.Integer), sa.column('is_public', sa.Boolean),
                             sa.column('private_to_city_id', sa.Integer))
    participations = sa.table('project_participations', sa.column('project_id', sa.Integer),
                              sa.column('organisation_id', sa.Integer))
    projects = sa.table('projects', sa.column('id', sa.Integer), sa.column('city_id', sa.Integer),
                        sa.column('status', sa.String))
    conn = op.get_bind()
    named = conn.execute(
        sa.select(participations.c.organisation_id, projects.c.status, projects.c.city_id)
        .join(projects, projects.c.id == participations.c.project_id)
        .order_by(participations.c.organisation_id, projects.c.id)).all()
    first_city: dict[int, int] = {}
    published: set[int] = set()
    for organisation_id, status, city_id in named:
        first_city.setdefault(organisation_id, city_id)
        if status == 'published':
            published.add(organisation_id)
    for organisation_id, city_id in first_city.items():
        if organisation_id not in published:
            conn.execute(organisations.update().where(organisations.c.id == organisation_id)
                         .values(is_public=False, private_to_city_id=city_id))

    op.create_table(
        'project_revisions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('project_id', sa.Integer(), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('values', sa.JSON(), nullable=False),
        sa.Column('base_version', sa.Integer(), nullable=False),
        sa.Column('review_comment', sa.Text(), nullable=True),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('decided_by_id', sa.Integer(), nullable=True),
        sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("status IN ('pending', 'returned', 'published')",
                           name=op.f('ck_project_revisions_status_valid')),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id'],
                                name=op.f('fk_project_revisions_created_by_id_users'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'],
                                name=op.f('fk_project_revisions_decided_by_id_users'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['project_id'], ['projects.id'],
                                name=op.f('fk_project_revisions_project_id_projects'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_project_revisions')),
    )
    with op.batch_alter_table('project_revisions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_project_revisions_project_id'), ['project_id'], unique=False)


    version = op.create_table(
        'public_version',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_public_version')),
    )
    # Last-Modified of a registry that never changed: the day the ASCN was founded.
    op.bulk_insert(version, [{'id': 1, 'version': 1,
                              'changed_at': datetime(2018, 4, 28, tzinfo=timezone.utc)}])


def downgrade():
    op.drop_table('public_version')
    with op.batch_alter_table('project_revisions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_project_revisions_project_id'))
    op.drop_table('project_revisions')
    with op.batch_alter_table('organisations', schema=None) as batch_op:
        batch_op.drop_index('uq_organisations_private_name')
        batch_op.drop_index('uq_organisations_public_name')
        batch_op.create_unique_constraint('uq_organisations_name', ['name'])
        batch_op.drop_constraint(batch_op.f('fk_organisations_private_to_city_id_cities'), type_='foreignkey')
        batch_op.drop_column('private_to_city_id')
        batch_op.drop_column('is_public')
