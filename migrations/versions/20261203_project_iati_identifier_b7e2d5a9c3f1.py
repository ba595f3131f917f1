"""project iati identifier: the iati-identifier of a project imported from an IATI activities file

`flask projects import-iati` matches activities to projects by it, so a re-import updates instead of
duplicating. Registered projects have none (NULL); each identifier names at most one project.

Revision ID: b7e2d5a9c3f1
Revises: 9d4b2c7e1f60
Create Date: 2026-12-03 15:40:00

"""
import sqlalchemy as sa
from alembic import op

revision = 'b7e2d5a9c3f1'
down_revision = '9d4b2c7e1f60'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('projects', schema=None) as batch_op:
        batch_op.add_column(sa.Column('iati_identifier', sa.String(length=200), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_projects_iati_identifier'), ['iati_identifier'])


def downgrade():
    with op.batch_alter_table('projects', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_projects_iati_identifier'), type_='unique')
        batch_op.drop_column('iati_identifier')
