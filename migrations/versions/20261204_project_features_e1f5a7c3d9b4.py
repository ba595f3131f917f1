"""project features: each published project's GeoJSON Feature, serialised (project_features), so the whole
/api/v1/projects.geojson is read in one query instead of built; filled from the projects already there

Revision ID: e1f5a7c3d9b4
Revises: d8e3f1a6b9c2
Create Date: 2026-12-04 20:20:00

"""
import sqlalchemy as sa
from alembic import op

revision = 'e1f5a7c3d9b4'
down_revision = 'd8e3f1a6b9c2'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'project_features',
        sa.Column('project_id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('feature', sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint('project_id', name=op.f('pk_project_features')),
    )
    # Derived data: written by today's builder from the published projects already there.
    from smartcities.projects import search_index
    bind = op.get_bind()
    ids = list(bind.scalars(sa.text("SELECT id FROM projects WHERE status = 'published' ORDER BY id")))
    for start in range(0, len(ids), search_index.BATCH):
        search_index.write_features(bind, ids[start:start + search_index.BATCH])


def downgrade():
    op.drop_table('project_features')
