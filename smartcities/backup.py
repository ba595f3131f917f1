"""`flask backup FILE` and `flask restore FILE --yes`: a whole-database copy, and putting one back.

SQLite: the online backup API (sqlite3 `Connection.backup`) copies the live file to FILE page by page while the
app keeps running, and restores by copying FILE back into the live file the same way. PostgreSQL: `pg_dump
--format=custom` and `pg_restore --clean --if-exists --no-owner --single-transaction`; the connection goes to
them through PGHOST/PGPORT/PGUSER/PGPASSWORD/PGDATABASE, never on a command line that `ps` shows.

A restore refuses a FILE that is not a backup of this schema (its alembic_version must be the code's head
revision, every model table must be in it) and changes nothing then. Afterwards the public data version is moved
past both the restored one and the one the database had before, so no cache or ETag serves pre-restore answers.
"""
from __future__ import annotations

import glob
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import click
from alembic.script import ScriptDirectory
from flask import current_app
from sqlalchemy import URL, func, inspect, select, table, text, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import SQLAlchemyError

from smartcities.database import utcnow
from smartcities.extensions import db
from smartcities.public_version import PublicVersion, bump


class BackupError(Exception):
    """A backup or restore that could not be done; nothing was changed."""


@dataclass
class Report:
    """What a backup holds or a restore put back: its revision and the rows per table."""

    revision: str
    counts: dict[str, int] = field(default_factory=dict)
    version: tuple[int, int] | None = None  # public data version before -> after a restore

    @property
    def rows(self) -> int:
        return sum(self.counts.values())


def head_revision() -> str:
    """The newest migration in the code (migrations/, the directory Flask-Migrate is configured with)."""
    script = ScriptDirectory(current_app.extensions["migrate"].directory)
    return script.get_current_head()


def _url() -> URL:
    return db.engine.url


def _is_sqlite(url: URL) -> bool:
    return url.get_backend_name() == "sqlite"


def _model_tables() -> set[str]:
    return {t.name for t in db.metadata.sorted_tables}


def _check_schema(source: str, revisions: list[str], tables: set[str]) -> str:
    """Refuse a backup of another schema: the alembic revision must be the code's head, every table present."""
    head = head_revision()
    if revisions != [head]:
        found = ", ".join(revisions) or "none"
        raise BackupError(f"{source} is at schema revision {found}, this code is at {head}: "
                          "not a backup of this schema, refusing to restore it")
    missing = sorted(_model_tables() - tables)
    if missing:
        raise BackupError(f"{source} lacks the tables {', '.join(missing)}: not a backup of this schema")
    return head


# --- SQLite -------------------------------------------------------------------------------------------------

def _sqlite_path(url: URL) -> Path:
    name = url.database or ""
    if name in ("", ":memory:") or name.startswith("file:"):
        raise BackupError(f"the database {url} is not a SQLite file")
    return Path(name).resolve()


def _sqlite_open_ro(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)


def _sqlite_counts(conn: sqlite3.Connection) -> dict[str, int]:
    names = [row[0] for row in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")]
    # the names come from this file's own catalogue, quoted as identifiers
    return {name: conn.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0] for name in names}  # nosec B608


def _sqlite_inspect(path: Path, check: bool = True) -> Report:
    """The revision and row counts of a SQLite file; with `check`, refuse all but a backup of this schema."""
    try:
        conn = _sqlite_open_ro(path)
        try:
            counts = _sqlite_counts(conn)
            revisions = ([row[0] for row in conn.execute("SELECT version_num FROM alembic_version")]
                         if "alembic_version" in counts else [])
        finally:
            conn.close()
    except sqlite3.DatabaseError as error:
        raise BackupError(f"{path} is not a SQLite database ({error})") from None
    if check:
        return Report(_check_schema(str(path), revisions, set(counts)), counts)
    return Report(", ".join(revisions) or "none", counts)


def _same_file(a: Path, b: Path) -> bool:
    return a.exists() and b.exists() and os.path.samefile(a, b)


def _sqlite_backup(url: URL, target: Path) -> Report:
    live = _sqlite_path(url)
    if not live.exists():
        raise BackupError(f"the database file {live} does not exist")
    if _same_file(live, target):
        raise BackupError(f"{target} is the live database itself")
    tmp = _temp_beside(target)
    try:
        source, copy = sqlite3.connect(live), sqlite3.connect(tmp)
        try:
            source.backup(copy)
        finally:
            source.close()
            copy.close()
        report = _sqlite_inspect(tmp, check=False)  # a backup before `flask db upgrade` is the point
        os.replace(tmp, target)
    except sqlite3.Error as error:
        raise BackupError(f"backup of {live} failed: {error}") from None
    finally:
        tmp.unlink(missing_ok=True)
    return report


def _sqlite_restore(url: URL, source: Path) -> None:
    live = _sqlite_path(url)
    if _same_file(live, source):
        raise BackupError(f"{source} is the live database itself")
    db.session.remove()
    db.engine.dispose()  # no pooled connection keeps a stale page cache or a lock
    try:
        backup, target = _sqlite_open_ro(source), sqlite3.connect(live)
        try:
            backup.backup(target)
        finally:
            backup.close()
            target.close()
    except sqlite3.Error as error:
        raise BackupError(f"restore into {live} failed: {error}") from None


# --- PostgreSQL ---------------------------------------------------------------------------------------------

QUERY_ENV = {"host": "PGHOST", "port": "PGPORT", "sslmode": "PGSSLMODE", "sslrootcert": "PGSSLROOTCERT",
             "sslcert": "PGSSLCERT", "sslkey": "PGSSLKEY", "connect_timeout": "PGCONNECT_TIMEOUT",
             "application_name": "PGAPPNAME"}


def pg_environment(url: URL) -> dict[str, str]:
    """The process environment plus the connection of `url` as libpq variables (the password stays off argv)."""
    env = dict(os.environ)
    for key, value in url.query.items():
        if key in QUERY_ENV:
            env[QUERY_ENV[key]] = value if isinstance(value, str) else value[-1]
    for name, value in (("PGHOST", url.host), ("PGPORT", url.port), ("PGUSER", url.username),
                        ("PGPASSWORD", url.password), ("PGDATABASE", url.database)):
        if value is not None:
            env[name] = str(value)
    return env


def pg_binary(name: str) -> str:
    """pg_dump / pg_restore from PATH, else from the newest /usr/lib/postgresql/<version>/bin."""
    found = shutil.which(name)
    if found:
        return found
    def version(path: str) -> tuple[int, ...]:
        return tuple(int(n) for n in re.findall(r"\d+", Path(path).parent.parent.name))
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), key=version, reverse=True)
    if not candidates:
        raise BackupError(f"{name} not found on PATH nor in /usr/lib/postgresql/*/bin: "
                          "install the PostgreSQL client programs (postgresql-client)")
    return candidates[0]


def _run_pg(name: str, args: list[str], url: URL) -> subprocess.CompletedProcess:
    argv = [pg_binary(name), *args]
    try:
        result = subprocess.run(argv, env=pg_environment(url), capture_output=True, text=True)
    except OSError as error:
        raise BackupError(f"could not run {name}: {error}") from None
    if result.returncode != 0:
        detail = (result.stderr or result.stdout).strip()
        raise BackupError(f"{name} failed (exit {result.returncode}): {detail}")
    return result


def _table_counts(conn: Connection) -> dict[str, int]:
    names = sorted(inspect(conn).get_table_names())
    return {name: conn.execute(select(func.count()).select_from(table(name))).scalar_one() for name in names}


def _pg_backup(url: URL, target: Path) -> Report:
    tmp = _temp_beside(target)
    try:
        # Count in the very snapshot pg_dump copies, so the report matches the file even while the app writes.
        with db.engine.connect().execution_options(isolation_level="REPEATABLE READ") as conn:
            snapshot = conn.execute(text("SELECT pg_export_snapshot()")).scalar_one()
            counts = _table_counts(conn)
            revisions = [r for r in conn.execute(text("SELECT version_num FROM alembic_version")).scalars()] \
                if "alembic_version" in counts else []
            _run_pg("pg_dump", ["--format=custom", f"--snapshot={snapshot}", f"--file={tmp}"], url)
            conn.rollback()
        os.replace(tmp, target)
    except SQLAlchemyError as error:
        raise BackupError(f"backup failed: {error}") from None
    finally:
        tmp.unlink(missing_ok=True)
    return Report(", ".join(revisions) or "none", counts)


def _pg_inspect(url: URL, source: Path) -> Report:
    """The revision and tables of a pg_dump custom archive, refusing anything else."""
    try:
        listing = _run_pg("pg_restore", ["--list", str(source)], url).stdout
    except BackupError as error:
        raise BackupError(f"{source} is not a pg_dump custom-format archive ({error})") from None
    tables = set(re.findall(r"^\d+; \d+ \d+ TABLE DATA \S+ (\S+) ", listing, flags=re.MULTILINE))
    revisions: list[str] = []
    if "alembic_version" in tables:
        script = _run_pg("pg_restore", ["--data-only", "--table=alembic_version", "--file=-", str(source)],
                         url).stdout
        copying = False
        for line in script.splitlines():
            if line.startswith("COPY ") and "alembic_version" in line:
                copying = True
            elif copying and line == "\\.":
                break
            elif copying:
                revisions.append(line.strip())
    return Report(_check_schema(str(source), revisions, tables), {name: 0 for name in sorted(tables)})


def _pg_restore(url: URL, source: Path) -> None:
    db.session.remove()
    db.engine.dispose()  # none of this process's connections holds a lock the DROPs would wait on
    _run_pg("pg_restore", ["--clean", "--if-exists", "--no-owner", "--single-transaction", "--exit-on-error",
                           f"--dbname={url.database}", str(source)], url)


# --- both -----------------------------------------------------------------------------------------------------

def _temp_beside(target: Path) -> Path:
    """A fresh file in FILE's directory, renamed over FILE only once the backup is complete."""
    if not target.parent.is_dir():
        raise BackupError(f"the directory {target.parent} does not exist")
    fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    return Path(name)


def backup_database(target: str | Path) -> Report:
    """Copy the whole database to `target` (replaced atomically once complete)."""
    url, target = _url(), Path(target).resolve()
    return _sqlite_backup(url, target) if _is_sqlite(url) else _pg_backup(url, target)


def check_backup(source: str | Path) -> Report:
    """Refuse (BackupError) unless `source` is a backup of this database kind and schema revision."""
    url, source = _url(), Path(source).resolve()
    if not source.is_file():
        raise BackupError(f"{source} is not a file")
    return _sqlite_inspect(source) if _is_sqlite(url) else _pg_inspect(url, source)


def _public_version() -> int:
    try:
        return db.session.scalar(select(PublicVersion.version).where(PublicVersion.id == 1)) or 0
    except SQLAlchemyError:  # a fresh, empty database
        db.session.rollback()
        return 0
    finally:
        db.session.rollback()


def restore_database(source: str | Path) -> Report:
    """Replace the whole database with the backup `source`, then move the public data version on."""
    url, source = _url(), Path(source).resolve()
    check_backup(source)
    before = _public_version()
    if _is_sqlite(url):
        _sqlite_restore(url, source)
    else:
        _pg_restore(url, source)
    bump(db.session)
    restored = db.session.scalar(select(PublicVersion.version).where(PublicVersion.id == 1)) or 0
    if restored <= before:  # the backup is older than versions caches have already seen: go past them
        db.session.execute(update(PublicVersion).where(PublicVersion.id == 1)
                           .values(version=before + 1, changed_at=utcnow()))
    db.session.commit()
    with db.engine.connect() as conn:
        counts = _table_counts(conn)
        revision = conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
    return Report(revision, counts, (before, _public_version()))



# --- commands -------------------------------------------------------------------------------------------------

def _echo_counts(report: Report) -> None:
    width = max((len(name) for name in report.counts), default=0)
    for name, count in report.counts.items():
        click.echo(f"  {name:{width}} {count:8}")


def _fail(error: BackupError) -> None:
    click.echo(f"error: {error}", err=True)
    sys.exit(1)


def _describe(url: URL) -> str:
    return url.render_as_string(hide_password=True)


@click.command("backup")
@click.argument("file", type=click.Path(dir_okay=False, writable=True))
def backup_command(file: str) -> None:
    """Copy the whole database to FILE (SQLite: online backup; PostgreSQL: pg_dump custom format)."""
    try:
        report = backup_database(file)
    except BackupError as error:
        _fail(error)
    size = Path(file).stat().st_size
    click.echo(f"backed up {_describe(_url())} (schema revision {report.revision}) to {file}:")
    _echo_counts(report)
    click.echo(f"{len(report.counts)} tables, {report.rows} rows, {size:,} bytes written.")


@click.command("restore")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--yes", is_flag=True, help="really replace every row of the database with FILE's")
def restore_command(file: str, yes: bool) -> None:
    """Replace the whole database with the backup FILE (made by `flask backup`). Needs --yes."""
    try:
        checked = check_backup(file)
        if not yes:
            click.echo(f"error: restoring {file} (schema revision {checked.revision}, {len(checked.counts)} tables) "
                       f"replaces every row of {_describe(_url())}; pass --yes to do it. Nothing was changed.",
                       err=True)
            sys.exit(1)
        report = restore_database(file)
    except BackupError as error:
        _fail(error)
    before, after = report.version
    click.echo(f"restored {_describe(_url())} from {file} (schema revision {report.revision}):")
    _echo_counts(report)
    click.echo(f"{len(report.counts)} tables, {report.rows} rows restored; "
               f"public data version {before} -> {after}.")


BACKUP_COMMANDS = (backup_command, restore_command)
