"""project search: each project's folded text (project_search) and the words of published projects
(search_words), indexed by each database's own text index (SQLite FTS5 with the trigram tokenizer, kept in step
by triggers; PostgreSQL pg_trgm GIN indexes), filled from the projects already there

Revision ID: d8e3f1a6b9c2
Revises: f4b7d2a8c6e1
Create Date: 2026-12-04 02:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = 'd8e3f1a6b9c2'
down_revision = 'f4b7d2a8c6e1'
branch_labels = None
depends_on = None

# (FTS5 table, its content table, the content's rowid column, the indexed column)
FTS = (("project_search_fts", "project_search", "project_id", "body"),
       ("search_words_fts", "search_words", "id", "word"))


def _sqlite_fts_statements():
    """The FTS5 tables over the content tables, and the triggers of the FTS5 manual's external content tables."""
    for fts, content, rowid, col in FTS:
        yield (f"CREATE VIRTUAL TABLE {fts} USING fts5({col}, content='{content}', content_rowid='{rowid}', "
               f"tokenize='trigram')")
        yield (f"CREATE TRIGGER {fts}_ai AFTER INSERT ON {content} BEGIN "
               f"INSERT INTO {fts}(rowid, {col}) VALUES (new.{rowid}, new.{col}); END")
        yield (f"CREATE TRIGGER {fts}_ad AFTER DELETE ON {content} BEGIN "
               f"INSERT INTO {fts}({fts}, rowid, {col}) VALUES ('delete', old.{rowid}, old.{col}); END")
        yield (f"CREATE TRIGGER {fts}_au AFTER UPDATE ON {content} BEGIN "
               f"INSERT INTO {fts}({fts}, rowid, {col}) VALUES ('delete', old.{rowid}, old.{col}); "
               f"INSERT INTO {fts}(rowid, {col}) VALUES (new.{rowid}, new.{col}); END")


def upgrade():
    op.create_table(
        'project_search',
        sa.Column('project_id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('title', sa.Text(), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint('project_id', name=op.f('pk_project_search')),
    )
    op.create_table(
        'search_words',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('word', sa.String(length=40), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_search_words')),
        sa.UniqueConstraint('word', name=op.f('uq_search_words_word')),
    )
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        for statement in _sqlite_fts_statements():
            op.execute(statement)
    else:
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")  # trusted (PostgreSQL 13+): the owner may add it
        op.execute("CREATE INDEX ix_project_search_body_trgm ON project_search USING gin (body gin_trgm_ops)")
        op.execute("CREATE INDEX ix_search_words_word_trgm ON search_words USING gin (word gin_trgm_ops)")
    # The index is derived data: filled by today's builder from the projects already there (its search rows: the
    # table of stored Features comes with e1f5a7c3d9b4).
    from smartcities.projects import search_index
    search_index.rebuild(bind, with_features=False)


def downgrade():
    if op.get_bind().dialect.name == "sqlite":
        for fts, _content, _rowid, _col in FTS:
            for suffix in ("ai", "ad", "au"):
                op.execute(f"DROP TRIGGER {fts}_{suffix}")
            op.execute(f"DROP TABLE {fts}")
    op.drop_table('search_words')
    op.drop_table('project_search')
