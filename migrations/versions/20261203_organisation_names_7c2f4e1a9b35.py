"""organisation names: the keys an organisation is found under (its name, aliases, acronym, IATI identifier)

One row per key (smartcities.organisations.names: case, diacritics, punctuation and legal forms ignored), with
the name it came from and its kind. Existing organisations get the keys of their names; the seed adds the
seeded partners' aliases, acronyms and IATI identifiers.

Revision ID: 7c2f4e1a9b35
Revises: 5e0a9c4d7b21
Create Date: 2026-12-03 12:10:00

"""
import sqlalchemy as sa
from alembic import op

from smartcities.organisations.names import name_keys

revision = '7c2f4e1a9b35'
down_revision = '5e0a9c4d7b21'
branch_labels = None
depends_on = None


def upgrade():
    names = op.create_table(
        'organisation_names',
        sa.Column('organisation_id', sa.Integer(), nullable=False),
        sa.Column('key', sa.String(length=200), nullable=False),
        sa.Column('kind', sa.String(length=10), nullable=False),
        sa.Column('label', sa.String(length=200), nullable=False),
        sa.CheckConstraint("kind IN ('name', 'alias', 'acronym', 'iati')", name=op.f('ck_organisation_names_kind_valid')),
        sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], ondelete='CASCADE',
                                name=op.f('fk_organisation_names_organisation_id_organisations')),
        sa.PrimaryKeyConstraint('organisation_id', 'key', name=op.f('pk_organisation_names')),
    )
    with op.batch_alter_table('organisation_names', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_organisation_names_key'), ['key'], unique=False)
    organisations = sa.table('organisations', sa.column('id', sa.Integer), sa.column('name', sa.String))
    rows = op.get_bind().execute(sa.select(organisations.c.id, organisations.c.name)).all()
    keyed = [{'organisation_id': org_id, 'key': key, 'kind': 'name', 'label': name}
             for org_id, name in rows for key in sorted(name_keys(name))]
    if keyed:
        op.bulk_insert(names, keyed)


def downgrade():
    with op.batch_alter_table('organisation_names', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_organisation_names_key'))
    op.drop_table('organisation_names')
