"""project sites: a project has 1-100 sites (a point with an optional name) instead of one latitude/longitude

Every project's point becomes its site 0 (same coordinates, no name); the columns projects.latitude and
projects.longitude, and their range checks, move to project_sites. Down: each project's site 0 goes back into
the restored columns (a project without a site, which the application never leaves, takes its city's centre);
the other sites are dropped with the table.

Revision ID: 9d4b2c7e1f60
Revises: 7c2f4e1a9b35
Create Date: 2026-12-03 15:10:00

"""
import sqlalchemy as sa
from alembic import op

revision = '9d4b2c7e1f60'
down_revision = '7c2f4e1a9b35'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'project_sites',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('project_id', sa.Integer(), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=True),
        sa.Column('latitude', sa.Float(), nullable=False),
        sa.Column('longitude', sa.Float(), nullable=False),
        sa.CheckConstraint('latitude BETWEEN -90 AND 90', name=op.f('ck_project_sites_latitude_range')),
        sa.CheckConstraint('longitude BETWEEN -180 AND 180', name=op.f('ck_project_sites_longitude_range')),
        sa.CheckConstraint('position >= 0', name=op.f('ck_project_sites_position_positive')),
        sa.ForeignKeyConstraint(['project_id'], ['projects.id'], ondelete='CASCADE',
                                name=op.f('fk_project_sites_project_id_projects')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_project_sites')),
        sa.UniqueConstraint('project_id', 'position', name='uq_project_sites_position'),
    )
    op.execute("INSERT INTO project_sites (project_id, position, name, latitude, longitude) "
               "SELECT id, 0, NULL, latitude, longitude FROM projects ORDER BY id")
    with op.batch_alter_table('projects', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_projects_latitude_range'), type_='check')
        batch_op.drop_constraint(batch_op.f('ck_projects_longitude_range'), type_='check')
        batch_op.drop_column('latitude')
        batch_op.drop_column('longitude')


def downgrade():
    # The columns come back where they were on SQLite (which rebuilds the table); PostgreSQL can only add them
    # last, and rebuilding a table that eight others refer to is not worth a column order nothing relies on.
    rebuild = 'always' if op.get_bind().dialect.name == 'sqlite' else 'auto'
    with op.batch_alter_table('projects', schema=None, recreate=rebuild,
                              partial_reordering=[('currency', 'latitude', 'longitude', 'seeking_funding')]) as batch_op:
        batch_op.add_column(sa.Column('latitude', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('longitude', sa.Float(), nullable=True))
    for column in ('latitude', 'longitude'):
        op.execute(f"UPDATE projects SET {column} = COALESCE("
                   f"(SELECT s.{column} FROM project_sites s WHERE s.project_id = projects.id AND s.position = 0), "
                   f"(SELECT c.{column} FROM cities c WHERE c.id = projects.city_id))")
    with op.batch_alter_table('projects', schema=None) as batch_op:
        batch_op.alter_column('latitude', existing_type=sa.Float(), nullable=False)
        batch_op.alter_column('longitude', existing_type=sa.Float(), nullable=False)
        batch_op.create_check_constraint(batch_op.f('ck_projects_latitude_range'), 'latitude BETWEEN -90 AND 90')
        batch_op.create_check_constraint(batch_op.f('ck_projects_longitude_range'),
                                         'longitude BETWEEN -180 AND 180')
    op.drop_table('project_sites')
