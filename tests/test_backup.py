"""`flask backup FILE` / `flask restore FILE --yes`: a round trip gives back every row; anything else changes nothing.

Each test runs on a throwaway database of the kind the suite runs on (a temp SQLite file, or `<name>_backup`
beside the TEST_DATABASE_URL PostgreSQL database, dropped afterwards), never the suite's own database.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import subprocess
import tempfile
from datetime import date
from pathlib import Path

import pytest
from support import throwaway_postgres
from flask_migrate import upgrade
from sqlalchemy import delete, inspect, select, table, text, update
from sqlalchemy.engine import make_url

from smartcities import backup, create_app
from smartcities.accounts.models import User
from smartcities.accounts.services import create_user
from smartcities.extensions import db
from smartcities.geo.services import find_city
from smartcities.projects.models import FocusArea, Project
from smartcities.public_version import PublicVersion
from smartcities.reference import seed

IS_POSTGRES = make_url(os.environ.get("TEST_DATABASE_URL") or "sqlite://").get_backend_name() == "postgresql"


pytestmark = pytest.mark.usefixtures("keep_logging")  # migrations/env.py reconfigures logging


@pytest.fixture
def workdir():
    path = Path(tempfile.mkdtemp(prefix="ascn-backup-"))
    yield path
    shutil.rmtree(path)


@pytest.fixture
def scratch_url(workdir):
    """An empty database of the suite's kind, dropped afterwards."""
    if not IS_POSTGRES:
        yield f"sqlite:///{workdir / 'live.db'}"
        return
    with throwaway_postgres(os.environ["TEST_DATABASE_URL"], "backup") as url:
        yield url


@pytest.fixture
def live(scratch_url):
    """An app on the throwaway database: migrated, seeded, with a few projects and accounts."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": scratch_url, "SECRET_KEY": "x", "TESTING": True,
                      "RATELIMIT_STORAGE_URI": "memory://", "GEOCODER": "offline",
                      "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})
    with app.app_context():
        upgrade()
        seed()
        for n, (city, status) in enumerate([("bangkok", "published"), ("da-nang", "published"),
                                            ("bangkok", "draft")]):
            add_project(f"Project {n}", city, status)
        for n, role in enumerate(["admin", "focal_point"]):
            create_user(f"user{n}@example.org", role, "a long enough password",
                        **({"country": "TH"} if role == "focal_point" else {}))
        db.session.commit()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def add_project(title: str, city: str = "bangkok", status: str = "published") -> Project:
    place = find_city(city)
    project = Project(title=title, city=place, status=status, summary="", latitude=place.latitude,
                      longitude=place.longitude, start_date=date(2026, 1, 1), end_date=date(2027, 12, 31))
    project.focus_areas = list(db.session.scalars(select(FocusArea).limit(2)))
    db.session.add(project)
    return project


def fingerprint(app) -> dict[str, tuple[int, str]]:
    """Rows and a checksum of the sorted rows, per table (public_version apart: a restore moves it on)."""
    with app.app_context(), db.engine.connect() as conn:
        result = {}
        for name in sorted(inspect(conn).get_table_names()):
            if name == "public_version":
                continue
            rows = sorted(repr(tuple(row)) for row in conn.execute(select(text("*")).select_from(table(name))))
            result[name] = (len(rows), hashlib.sha256("\n".join(rows).encode()).hexdigest())
        return result


def public_version(app) -> int:
    with app.app_context():
        return db.session.scalar(select(PublicVersion.version))


def invoke(app, *args):
    """Run a command in its own app context and database session, as `flask` does."""
    with app.app_context():
        try:
            return app.test_cli_runner().invoke(args=list(args))
        finally:
            db.session.remove()


def test_round_trip_gives_back_every_row(live, workdir):
    before = fingerprint(live)
    assert before["projects"][0] == 3 and before["users"][0] == 2 and before["alembic_version"][0] == 1
    file = workdir / "ascn.backup"

    result = invoke(live, "backup", str(file))
    assert result.exit_code == 0, result.output
    assert file.stat().st_size > 0
    assert f"{len(before) + 1} tables" in result.output  # public_version is in the file too
    assert any(line.split() == ["projects", "3"] for line in result.output.splitlines())
    with live.app_context():
        assert backup.head_revision() in result.output

    with live.app_context():  # change the data: delete rows, add rows, edit rows
        db.session.execute(delete(User).where(User.email == "user0@example.org"))
        first = db.session.scalars(select(Project).order_by(Project.id)).first()
        first.focus_areas = []
        db.session.delete(first)
        add_project("Added after the backup", "da-nang")
        db.session.execute(update(Project).values(summary="edited"))
        db.session.commit()
    changed, changed_version = fingerprint(live), public_version(live)
    assert changed != before and changed["users"][0] == 1

    refused = invoke(live, "restore", str(file))
    assert refused.exit_code != 0 and "--yes" in refused.output and "Nothing was changed" in refused.output
    assert fingerprint(live) == changed and public_version(live) == changed_version

    result = invoke(live, "restore", str(file), "--yes")
    assert result.exit_code == 0, result.output
    assert fingerprint(live) == before
    assert public_version(live) > changed_version  # no cache keyed by an earlier version serves old answers
    assert f"public data version {changed_version} -> {public_version(live)}" in result.output
    assert "projects" in result.output and f"{len(before) + 1} tables" in result.output

    with live.app_context():  # the app works on the restored database, in a fresh session
        assert db.session.scalar(select(User.email).where(User.email == "user0@example.org"))


def test_restore_of_an_older_backup_still_moves_the_version_past_everything_seen(live, workdir):
    file = workdir / "old.backup"
    assert invoke(live, "backup", str(file)).exit_code == 0
    backed_up = public_version(live)
    with live.app_context():
        for n in range(3):  # three public changes: versions caches may have served
            add_project(f"Later {n}")
            db.session.commit()
    seen = public_version(live)
    assert seen >= backed_up + 3
    assert invoke(live, "restore", str(file), "--yes").exit_code == 0
    assert public_version(live) == seen + 1


def _refused(live, file: Path, message: str) -> None:
    before, version = fingerprint(live), public_version(live)
    result = invoke(live, "restore", str(file), "--yes")
    assert result.exit_code != 0, result.output
    assert message in result.output, result.output
    assert "Traceback" not in result.output
    assert fingerprint(live) == before and public_version(live) == version


def test_a_file_that_is_not_a_backup_is_refused(live, workdir):
    text_file = workdir / "notes.txt"
    text_file.write_text("not a backup\n" * 100)
    _refused(live, text_file, "not a SQLite database" if not IS_POSTGRES else "not a pg_dump custom-format archive")
    empty = workdir / "empty"
    empty.write_bytes(b"")
    _refused(live, empty, "not a backup of this schema" if not IS_POSTGRES else "not a pg_dump")


def test_a_backup_of_another_schema_revision_is_refused(live, workdir):
    file = workdir / "other.backup"
    with live.app_context():
        head = backup.head_revision()
        db.session.execute(text("UPDATE alembic_version SET version_num = 'aea82ccc69a6'"))
        db.session.commit()
    assert invoke(live, "backup", str(file)).exit_code == 0
    with live.app_context():
        db.session.execute(text("UPDATE alembic_version SET version_num = :head"), {"head": head})
        db.session.commit()
    _refused(live, file, f"is at schema revision aea82ccc69a6, this code is at {head}")


def test_a_sqlite_database_of_another_schema_is_refused(live, workdir):
    other = workdir / "other.db"
    conn = sqlite3.connect(other)
    conn.execute("CREATE TABLE things (id INTEGER PRIMARY KEY)")
    conn.commit()
    conn.close()
    _refused(live, other, "schema revision none" if not IS_POSTGRES else "not a pg_dump custom-format archive")


def test_backup_failure_is_a_clear_error(live, workdir):
    result = invoke(live, "backup", str(workdir / "missing" / "ascn.backup"))
    assert result.exit_code != 0 and "does not exist" in result.output and "Traceback" not in result.output
    assert not (workdir / "missing").exists()


def test_a_failed_backup_leaves_no_partial_file(live, workdir, monkeypatch):
    file = workdir / "ascn.backup"
    file.write_bytes(b"the previous backup")
    def broken(*args, **kwargs):
        raise backup.BackupError("disk full")
    monkeypatch.setattr(backup, "_sqlite_inspect" if not IS_POSTGRES else "_run_pg", broken)
    result = invoke(live, "backup", str(file))
    assert result.exit_code == 1 and "error: disk full" in result.output
    assert file.read_bytes() == b"the previous backup" and [p.name for p in workdir.iterdir()
                                                             if p.name.startswith(".")] == []


def test_postgres_connection_goes_through_the_environment(monkeypatch):
    url = make_url("postgresql+psycopg://ascn:s3cret@db.example:6543/ascn?sslmode=require")
    calls = []

    def run(argv, env, **kwargs):
        calls.append((argv, env))
        return subprocess.CompletedProcess(argv, 0, "", "")
    monkeypatch.setattr(subprocess, "run", run)
    backup._run_pg("pg_restore", ["--clean", "--if-exists", "--no-owner", f"--dbname={url.database}", "f"], url)
    argv, env = calls[0]
    assert not any("s3cret" in arg or "db.example" in arg for arg in argv)
    assert (env["PGHOST"], env["PGPORT"], env["PGUSER"], env["PGPASSWORD"], env["PGDATABASE"], env["PGSSLMODE"]) \
        == ("db.example", "6543", "ascn", "s3cret", "ascn", "require")
    assert Path(argv[0]).name == "pg_restore" and os.access(argv[0], os.X_OK)


def test_pg_binaries_are_found_off_path(monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")
    found = backup.pg_binary("pg_dump")
    assert found.startswith("/usr/lib/postgresql/") and found.endswith("/bin/pg_dump")
