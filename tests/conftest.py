"""Shared fixtures: app (migrated, seeded), client, runner, auth, factories; each test starts from the seed.

Requests and CLI commands run as in production: each in its own app context, `g` and database session.
The test keeps a session of its own in its app context; before each request it must hold no unsaved
changes, and it is rolled back (ending its transaction) so that what it reads afterwards is what the
request committed, never what a request merely flushed.
"""
from __future__ import annotations

import contextvars
import logging
import os
import threading
import tempfile
from pathlib import Path

import pytest
from flask import has_app_context
from flask.testing import FlaskCliRunner, FlaskClient
from flask_migrate import upgrade
from sqlalchemy import delete, insert, make_url, select, text
from werkzeug.serving import make_server

from smartcities import create_app
from smartcities.extensions import db, limiter
from smartcities.projects import search_index
from smartcities.reference import seed
from support import PASSWORD, AuthActions, csrf_token

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")
# The sentence model costs ~10 ms a check and hundreds of tests save projects: it runs where a test asks for it
# (tests/test_overlap_semantic.py, the blind set's floors), here and in the commands the tests start.
os.environ.setdefault("OVERLAP_EMBEDDER", "none")


def check_test_database(url: str) -> None:
    """Refuse to wipe a database whose name does not say it is for tests (a mistyped TEST_DATABASE_URL)."""
    name = make_url(url).database or ""
    if "test" not in name.lower():
        raise pytest.UsageError(f"TEST_DATABASE_URL names the database {name!r}; the suite drops its schema, "
                                "so it only runs on a database whose name contains 'test'")


def _reset_schema(url: str) -> None:
    """Start the session from an empty database, as a fresh deployment would."""
    if url.startswith("postgresql"):
        with db.engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))


@pytest.fixture(scope="session")
def app():
    workdir = Path(tempfile.mkdtemp(prefix="ascn-test-"))
    url = TEST_DATABASE_URL or f"sqlite:///{workdir / 'test.db'}"
    check_test_database(url)
    app = create_app({
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": url,
        "SECRET_KEY": "test-secret",
        "LEAFLET_CDN": False,
        "RATELIMIT_STORAGE_URI": "memory://",
        "SHARED_CACHE_URL": (workdir / "answer-cache").as_uri(),
        "OVERLAP_CACHE_DIR": str(workdir / "overlap-cache"),
        "GEOCODER": "offline",
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",  # scrypt's production cost, paid hundreds of times, is slow
    })
    app.test_client_class = IsolatedClient
    app.test_cli_runner_class = IsolatedCliRunner
    with app.app_context():
        _reset_schema(url)
        upgrade()
        seed()
        db.session.commit()
        app.extensions["seed_snapshot"] = _snapshot()
    yield app


def _snapshot() -> list[tuple]:
    """Every seeded row, table by table in dependency order, to restore after each test."""
    tables = [*db.metadata.sorted_tables, *search_index.metadata.sorted_tables]  # and the derived search index
    return [(table, [dict(row._mapping) for row in db.session.execute(select(table))]) for table in tables]


def restore_seed(app) -> None:
    """Put the database back to the seeded state (DELETE keeps sequences ahead of restored ids)."""
    snapshot = app.extensions["seed_snapshot"]
    db.session.rollback()
    for table, _ in reversed(snapshot):
        db.session.execute(delete(table))
    for table, rows in snapshot:
        if rows:
            db.session.execute(insert(table), rows)
    db.session.commit()


def _end_test_transaction() -> None:
    """Refuse unsaved test changes (a request could not see them), then end the test's transaction."""
    session = db.session()
    unsaved = list(session.new) + list(session.dirty) + list(session.deleted)
    if unsaved:
        raise AssertionError(f"commit before making a request; the test session holds unsaved {unsaved[:3]}")
    session.rollback()


def _in_own_context(call, *args, **kwargs):
    """Run `call` outside the test's app context, so Flask pushes a fresh one (new g, new db session)."""
    if not has_app_context():  # a redirect followed inside a request's own context
        return call(*args, **kwargs)
    _end_test_transaction()
    try:
        return contextvars.Context().run(call, *args, **kwargs)
    finally:
        db.session.rollback()


class IsolatedClient(FlaskClient):
    """A test client whose every request runs in its own app context and database session."""

    def open(self, *args, **kwargs):
        return _in_own_context(super().open, *args, **kwargs)


class IsolatedCliRunner(FlaskCliRunner):
    """A CLI runner whose every command runs in its own app context and database session, as `flask` does."""

    def invoke(self, *args, **kwargs):
        return _in_own_context(self._invoke_in_new_app_context, *args, **kwargs)

    def _invoke_in_new_app_context(self, *args, **kwargs):
        with self.app.app_context():
            try:
                return super().invoke(*args, **kwargs)
            finally:
                db.session.remove()


@pytest.fixture(autouse=True)
def _isolated(request):
    if "app" not in request.fixturenames:
        yield
        return
    app = request.getfixturevalue("app")
    ctx = app.app_context()
    ctx.push()
    limiter.reset()
    yield
    db.session.remove()
    restore_seed(app)
    db.session.remove()
    ctx.pop()


@pytest.fixture
def keep_logging():
    """migrations/env.py runs logging.fileConfig on every command; put back the loggers the suite had."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    disabled = {name: logger.disabled for name, logger in logging.Logger.manager.loggerDict.items()
                if isinstance(logger, logging.Logger)}
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
    for name, logger in logging.Logger.manager.loggerDict.items():
        if isinstance(logger, logging.Logger):
            logger.disabled = disabled.get(name, False)


@pytest.fixture(scope="session")
def live_server(app):
    """Base URL of the app running in a background thread (same database as the test)."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def auth(client):
    return AuthActions(client)


@pytest.fixture
def make_user(app):
    """Factory: make_user('city_official', city='bangkok') -> a committed User with PASSWORD."""
    from smartcities.accounts.services import create_user
    counter = iter(range(1, 10_000))

    def factory(role: str, email: str | None = None, **kwargs):
        user = create_user(email or f"{role}{next(counter)}@example.org", role, PASSWORD, **kwargs)
        db.session.commit()
        return user
    return factory


@pytest.fixture
def make_project(app):
    """Factory: make_project(title=..., city='bangkok', status='published', ...) -> a committed Project.

    One site at `latitude`/`longitude` (default: the city centre), or `locations=[(lat, lon, name), …]`."""
    from datetime import date

    from smartcities.geo.services import find_city
    from smartcities.projects.models import FocusArea, Project, ProjectSite

    def factory(title: str = "Flood sensors on canals", city: str = "bangkok", status: str = "published",
                focus_areas: tuple[str, ...] = ("Safety and Security",), **fields):
        place = find_city(city)
        areas = list(db.session.scalars(select(FocusArea).where(FocusArea.name.in_(focus_areas))))
        locations = fields.pop("locations", None) or [
            (fields.pop("latitude", place.latitude), fields.pop("longitude", place.longitude), None)]
        project = Project(title=title, city=place, status=status, summary=fields.pop("summary", ""),
                          sites=[ProjectSite(position=n, latitude=lat, longitude=lon, name=name)
                                 for n, (lat, lon, name) in enumerate(locations)],
                          start_date=fields.pop("start_date", date(2026, 1, 1)),
                          end_date=fields.pop("end_date", date(2027, 12, 31)), **fields)
        project.focus_areas = areas
        if status == "published" and project.published_at is None:
            from smartcities.database import utcnow
            project.published_at = utcnow()
        db.session.add(project)
        db.session.commit()
        return project
    return factory


@pytest.fixture
def people(make_user):
    return {
        "official": make_user("city_official", email="official@bkk.example", city="bangkok",
                              display_name="Somchai"),
        "colleague": make_user("city_official", email="colleague@bkk.example", city="bangkok",
                               display_name="Malee"),
        "focal": make_user("focal_point", email="focal@th.example", country="TH"),
        "admin": make_user("admin", email="admin@example.org"),
        "partner": make_user("partner", email="partner@adb.example", organisation="Asian Development Bank (ADB)"),
        "other_partner": make_user("partner", email="partner@jica.example", organisation="Temasek Foundation"),
    }


@pytest.fixture
def as_user(client, auth, people):
    """as_user('focal') signs the client in as that person (signing out whoever was signed in)."""
    def switch(name: str):
        if client.get("/dashboard").status_code == 200:
            auth.logout()
        assert auth.login(people[name].email).status_code == 302
        return csrf_token(client, "/dashboard")
    return switch
