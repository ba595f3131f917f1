"""documents: the document library (an uploaded file or a link attached to one plan, city, country or project)

Revision ID: c5d9e1f7a2b8
Revises: a3c81f5e62d4
Create Date: 2026-12-03 16:05:00

"""
import sqlalchemy as sa
from alembic import op

revision = 'c5d9e1f7a2b8'
down_revision = 'a3c81f5e62d4'
branch_labels = None
depends_on = None

ONE_TARGET = ("CASE WHEN plan_id IS NULL THEN 0 ELSE 1 END + CASE WHEN city_id IS NULL THEN 0 ELSE 1 END + "
              "CASE WHEN country_code IS NULL THEN 0 ELSE 1 END + CASE WHEN project_id IS NULL THEN 0 ELSE 1 END = 1")
FILE_OR_LINK = "CASE WHEN url IS NULL THEN 0 ELSE 1 END + CASE WHEN stored_name IS NULL THEN 0 ELSE 1 END = 1"


def upgrade():
    op.create_table(
        'documents',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('title', sa.String(length=300), nullable=False),
        sa.Column('language', sa.String(length=2), nullable=False),
        sa.Column('category', sa.String(length=3), nullable=True),
        sa.Column('document_date', sa.Date(), nullable=True),
        sa.Column('format', sa.String(length=120), nullable=False),
        sa.Column('url', sa.String(length=2000), nullable=True),
        sa.Column('stored_name', sa.String(length=64), nullable=True),
        sa.Column('file_name', sa.String(length=255), nullable=True),
        sa.Column('size_bytes', sa.Integer(), nullable=True),
        sa.Column('sha256', sa.String(length=64), nullable=True),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('source', sa.Text(), nullable=False),
        sa.Column('plan_id', sa.Integer(), nullable=True),
        sa.Column('city_id', sa.Integer(), nullable=True),
        sa.Column('country_code', sa.String(length=2), nullable=True),
        sa.Column('project_id', sa.Integer(), nullable=True),
        sa.Column('added_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(ONE_TARGET, name=op.f('ck_documents_one_target')),
        sa.CheckConstraint(FILE_OR_LINK, name=op.f('ck_documents_file_or_link')),
        sa.CheckConstraint('size_bytes IS NULL OR size_bytes >= 0', name=op.f('ck_documents_size_positive')),
        sa.ForeignKeyConstraint(['added_by_id'], ['users.id'], ondelete='SET NULL',
                                name=op.f('fk_documents_added_by_id_users')),
        sa.ForeignKeyConstraint(['city_id'], ['cities.id'], ondelete='CASCADE',
                                name=op.f('fk_documents_city_id_cities')),
        sa.ForeignKeyConstraint(['country_code'], ['countries.code'], ondelete='CASCADE',
                                name=op.f('fk_documents_country_code_countries')),
        sa.ForeignKeyConstraint(['plan_id'], ['national_plans.id'], ondelete='CASCADE',
                                name=op.f('fk_documents_plan_id_national_plans')),
        sa.ForeignKeyConstraint(['project_id'], ['projects.id'], ondelete='CASCADE',
                                name=op.f('fk_documents_project_id_projects')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_documents')),
        sa.UniqueConstraint('stored_name', name=op.f('uq_documents_stored_name')),
    )
    with op.batch_alter_table('documents', schema=None) as batch_op:
        for column in ('city_id', 'country_code', 'plan_id', 'project_id'):
            batch_op.create_index(batch_op.f(f'ix_documents_{column}'), [column], unique=False)


def downgrade():
    op.drop_table('documents')
