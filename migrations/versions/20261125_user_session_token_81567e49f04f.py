"""user session token: part of the session id, so a password change or deactivation ends every session

Revision ID: 81567e49f04f
Revises: aea82ccc69a6
Create Date: 2026-11-25 19:51:42.038939

"""
import secrets

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '81567e49f04f'
down_revision = 'aea82ccc69a6'
branch_labels = None
depends_on = None


def upgrade():
    # Existing accounts each get their own token (signing everyone out once), then the column is required.
    op.add_column('users', sa.Column('session_token', sa.String(length=32), nullable=True))
    users = sa.table('users', sa.column('id', sa.Integer), sa.column('session_token', sa.String))
    conn = op.get_bind()
    for (user_id,) in conn.execute(sa.select(users.c.id)).all():
        conn.execute(users.update().where(users.c.id == user_id).values(session_token=secrets.token_hex(16)))
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.alter_column('session_token', existing_type=sa.String(length=32), nullable=False)


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('session_token')
