"""DATABASE_READ_URL: anonymous GET/HEAD reads come from a PostgreSQL streaming replica, everything else from the
primary, and a replica that is down or lagging never costs a 500 or hides anyone's own write.

The replica is real: a second PostgreSQL cluster made on this machine with `pg_basebackup -R` from the
TEST_DATABASE_URL server, streaming from it, stopped and removed at the end. Physical replication exists only in
PostgreSQL, so on SQLite only the settings tests are collected (TestReplica.__test__ is IS_POSTGRES).
The primary needs a pg_hba.conf rule letting 127.0.0.1 connect for replication: `allow_replication` adds
`host replication all 127.0.0.1/32 trust` once if no rule does (the same trust its `host all` rule gives), so
these tests run as root or postgres on the machine of that server.
"""
from __future__ import annotations

import logging
import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import click
import psycopg
import pytest
from flask import jsonify
from sqlalchemy import func, make_url, select
from support import AuthActions, csrf_token

from smartcities import config, create_app
from smartcities.extensions import csrf, db
from smartcities.projects.models import FocusArea

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL") or "sqlite://"
IS_POSTGRES = make_url(TEST_DATABASE_URL).get_backend_name() == "postgresql"
SHARED_CONFIG = ("TESTING", "SQLALCHEMY_DATABASE_URI", "SECRET_KEY", "LEAFLET_CDN", "RATELIMIT_STORAGE_URI",
                 "SHARED_CACHE_URL", "GEOCODER", "PASSWORD_HASH_METHOD")
REPLICATION_RULE = "host replication all 127.0.0.1/32 trust"


# --- the settings (every backend) ---------------------------------------------------------------------------------

@pytest.fixture
def environment(monkeypatch, tmp_path):
    """Build the settings from a clean environment with the given variables."""
    for name in ("SMARTCITIES_ENV", "DATABASE_URL", "DATABASE_READ_URL"):
        monkeypatch.delenv(name, raising=False)

    def settings(**variables: str) -> dict:
        for name, value in variables.items():
            monkeypatch.setenv(name, value)
        return config.from_environment(str(tmp_path))
    return settings


def test_the_read_url_is_optional_and_normalised_like_the_primary(environment):
    assert environment()["DATABASE_READ_URL"] == ""
    settings = environment(DATABASE_URL="postgresql://ascn@db1/ascn", DATABASE_READ_URL="postgres://ascn@db2/ascn")
    assert settings["DATABASE_READ_URL"] == "postgresql+psycopg://ascn@db2/ascn"


def test_a_sqlite_replica_is_refused(environment, tmp_path):
    with pytest.raises(config.ConfigError, match="DATABASE_READ_URL must be a PostgreSQL streaming replica"):
        environment(DATABASE_URL="postgresql://ascn@db1/ascn", DATABASE_READ_URL=f"sqlite:///{tmp_path / 'r.db'}")


def test_a_replica_of_a_sqlite_primary_is_refused(environment, tmp_path):
    with pytest.raises(config.ConfigError, match="DATABASE_URL is not PostgreSQL"):
        environment(DATABASE_URL=f"sqlite:///{tmp_path / 'p.db'}", DATABASE_READ_URL="postgresql://ascn@db2/ascn")


def test_without_a_read_url_there_is_no_replica(app):
    assert "replica" not in app.extensions and set(db.engines) == {None}


# --- a real replica (PostgreSQL) ----------------------------------------------------------------------------------

def _psql(url: str, sql: str, autocommit: bool = True) -> list[tuple]:
    with psycopg.connect(url, autocommit=autocommit) as conn:
        cursor = conn.execute(sql)
        return cursor.fetchall() if cursor.description else []


def _libpq(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _as_postgres(*command: str | Path, check: bool = True) -> subprocess.CompletedProcess:
    """Run a PostgreSQL program as the postgres user (the clusters' owner), as the tests run as root or postgres."""
    prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    result = subprocess.run([*prefix, *map(str, command)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 or not check, f"{Path(command[0]).name} failed: {result.stderr}"
    return result


def allow_replication(primary: str) -> None:
    """Give 127.0.0.1 a replication rule in the primary's pg_hba.conf unless one is there (idempotent)."""
    rules = _psql(primary, "SELECT count(*) FROM pg_hba_file_rules WHERE 'replication' = ANY(database) "
                           "AND address = '127.0.0.1' AND error IS NULL")
    if rules[0][0]:
        return
    hba_file = Path(_psql(primary, "SHOW hba_file")[0][0])
    hba_file.write_text(hba_file.read_text().rstrip("\n") + f"\n{REPLICATION_RULE}\n")
    _psql(primary, "SELECT pg_reload_conf()")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Cluster:
    """A streaming replica of the test server, in a temporary data directory."""

    primary: str       # libpq URL of the test database on the primary
    data: Path
    port: int
    bindir: Path

    @property
    def url(self) -> str:
        return str(make_url(TEST_DATABASE_URL).set(host="127.0.0.1", port=self.port))

    @property
    def libpq(self) -> str:
        return _libpq(self.url)

    def start(self) -> None:
        _as_postgres(self.bindir / "pg_ctl", "-D", self.data, "-l", self.data / "server.log", "-w", "start")
        self.wait_streaming()

    def stop(self) -> None:
        _as_postgres(self.bindir / "pg_ctl", "-D", self.data, "-m", "fast", "-w", "stop", check=False)

    def wait_streaming(self, seconds: float = 20) -> None:
        deadline = time.monotonic() + seconds
        while not _psql(self.primary, "SELECT 1 FROM pg_stat_replication "
                                      f"WHERE application_name = 'ascn_replica_{self.port}' AND state = 'streaming'"):
            assert time.monotonic() < deadline, (self.data / "server.log").read_text()[-2000:]
            time.sleep(0.1)

    def lag_bytes(self) -> int:
        """How far the replica's replay is behind the primary's WAL now."""
        return self._behind(_psql(self.primary, "SELECT pg_current_wal_lsn()::text")[0][0])

    def _behind(self, lsn: str) -> int:
        return _psql(self.libpq, f"SELECT pg_wal_lsn_diff('{lsn}', pg_last_wal_replay_lsn())::bigint")[0][0]

    def wait_caught_up(self, seconds: float = 20) -> float:
        """Wait until the replica has replayed what the primary had written when asked (other databases of the
        server may go on writing); how long that took."""
        target = _psql(self.primary, "SELECT pg_current_wal_lsn()::text")[0][0]
        started = time.monotonic()
        while self._behind(target) > 0:
            assert time.monotonic() - started < seconds, "the replica did not catch up"
            time.sleep(0.02)
        return time.monotonic() - started

    @contextmanager
    def paused(self) -> Iterator[None]:
        """Replay stopped: the replica keeps receiving WAL but shows nothing new, as a badly lagging one does."""
        self.wait_caught_up()
        _psql(self.libpq, "SELECT pg_wal_replay_pause()")
        try:
            yield
        finally:
            _psql(self.libpq, "SELECT pg_wal_replay_resume()")


def make_replica(primary: str, workdir: Path) -> Cluster:
    """pg_basebackup -R of the whole primary server, with the few settings a cluster outside /etc needs."""
    version = int(_psql(primary, "SHOW server_version_num")[0][0]) // 10000
    limits = dict(_psql(primary, "SELECT name, setting FROM pg_settings WHERE name IN ('max_connections', "
                                 "'max_worker_processes', 'max_wal_senders', 'max_prepared_transactions', "
                                 "'max_locks_per_transaction')"))
    cluster = Cluster(primary, workdir / "data", free_port(), Path(f"/usr/lib/postgresql/{version}/bin"))
    host = make_url(primary)
    _as_postgres(cluster.bindir / "pg_basebackup", "-h", host.host or "127.0.0.1", "-p", host.port or 5432,
                 "-U", host.username or "postgres", "-D", cluster.data, "-R", "-X", "stream", "--checkpoint=fast",
                 "--no-sync")  # a throwaway copy: no need to wait for it to reach the disk
    settings = {"port": cluster.port, "listen_addresses": "'127.0.0.1'", "unix_socket_directories": f"'{workdir}'",
                "hot_standby": "on", "cluster_name": f"'ascn_replica_{cluster.port}'", "fsync": "off", **limits}
    (cluster.data / "postgresql.conf").write_text("".join(f"{k} = {v}\n" for k, v in settings.items()))
    (cluster.data / "pg_hba.conf").write_text("local all all trust\nhost all all 127.0.0.1/32 trust\n")
    (cluster.data / "pg_ident.conf").write_text("")
    return cluster


@pytest.fixture(scope="module")
def replica(app) -> Iterator[Cluster]:
    """A streaming replica of the test server, made for this module and removed after it."""
    primary = _libpq(TEST_DATABASE_URL)
    allow_replication(primary)
    workdir = Path(tempfile.mkdtemp(prefix="ascn-replica-"))
    shutil.chown(workdir, "postgres", "postgres")
    cluster = make_replica(primary, workdir)
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.stop()
        shutil.rmtree(workdir)


IN_RECOVERY = select(func.pg_is_in_recovery())  # true on the replica, false on the primary


def probe_routes(target) -> None:
    """/_where says which server answered the request's reads: before and after it writes (and undoes) a change;
    `flask where` says which one a command reads."""
    @target.route("/_where", methods=["GET", "POST"])
    @csrf.exempt
    def where():
        before = db.session.scalar(IN_RECOVERY)
        isolation = db.session.scalar(select(func.current_setting("transaction_isolation")))
        area = db.session.scalars(select(FocusArea).order_by(FocusArea.id)).first()
        area.name += " (probe)"
        db.session.flush()  # the replica would refuse this UPDATE; it must reach the primary
        after = db.session.scalar(IN_RECOVERY)
        db.session.rollback()
        response = jsonify(before=before, after=after, isolation=isolation)
        response.headers["X-Read-From"] = "replica" if before else "primary"
        return response

    @target.cli.command("where")
    def where_command():
        click.echo("replica" if db.session.scalar(IN_RECOVERY) else "primary")


@contextmanager
def portal_reading(app, replica: Cluster):
    """The portal with DATABASE_READ_URL naming the replica, on the suite's test database (as `app` is)."""
    target = create_app({key: app.config[key] for key in SHARED_CONFIG} | {"DATABASE_READ_URL": replica.url})
    target.test_client_class, target.test_cli_runner_class = app.test_client_class, app.test_cli_runner_class
    probe_routes(target)
    try:
        yield target
    finally:
        with target.app_context():
            for engine in db.engines.values():
                engine.dispose()


@pytest.fixture(scope="module")
def read_app(app, replica):
    with portal_reading(app, replica) as target:
        yield target


def where(client, method: str = "GET") -> dict:
    """Which server answered /_where's reads, before and after it wrote: {"before": in recovery, "after": ...}."""
    response = client.open("/_where", method=method)
    assert response.status_code == 200, response.get_data(as_text=True)
    answer = response.get_json()
    assert answer.pop("isolation") == ("repeatable read" if answer["before"] else "read committed")
    return answer


def sign_in(client, person) -> str:
    assert AuthActions(client).login(person.email).status_code == 302
    return csrf_token(client, "/dashboard")


def project_answers(client) -> tuple[str, list[str]]:
    """The ETag and the titles of /api/v1/projects."""
    response = client.get("/api/v1/projects?limit=200")
    assert response.status_code == 200
    return response.headers["ETag"], [item["title"] for item in response.get_json()["items"]]


class TestReplica:
    """Routing against the real replica (PostgreSQL only)."""

    __test__ = IS_POSTGRES

    def test_anonymous_reads_come_from_the_replica_and_writes_from_the_primary(self, read_app):
        visitor = read_app.test_client()
        assert where(visitor) == {"before": True, "after": False}   # read the replica; the flush moved it over
        assert visitor.head("/_where").headers["X-Read-From"] == "replica"
        assert where(visitor, "POST") == {"before": False, "after": False}

    def test_signed_in_people_cli_and_threads_read_the_primary(self, read_app, people):
        official = read_app.test_client()
        sign_in(official, people["official"])
        assert where(official) == {"before": False, "after": False}
        remembered = read_app.test_client()
        remembered.set_cookie("remember_token", "1:not-a-real-token")  # a sign-in to try: its user is read there
        assert where(remembered) == {"before": False, "after": False}
        assert read_app.test_cli_runner().invoke(args=["where"]).output == "primary\n"
        answers = []

        def warm_up():  # as smartcities.overlap.index.warm_up's thread reads
            with read_app.app_context():
                answers.append(db.session.scalar(IN_RECOVERY))
                db.session.remove()
        thread = threading.Thread(target=warm_up)
        thread.start()
        thread.join(timeout=10)
        assert answers == [False]

    def test_a_lagging_replica_hides_new_data_from_visitors_but_never_from_its_author(
            self, read_app, replica, make_project, people, capsys):
        project = make_project(title="Canal level sensors, Thonburi", status="submitted")
        visitor, focal = read_app.test_client(), read_app.test_client()
        token = sign_in(focal, people["focal"])
        with replica.paused():
            etag_before, titles = project_answers(visitor)
            assert project.title not in titles
            response = focal.post(f"/projects/{project.id}/publish", data={"csrf_token": token})
            assert response.status_code == 302
            lag = replica.lag_bytes()
            assert lag > 0
            assert focal.get(f"/api/v1/projects/{project.id}").status_code == 200   # the API has published ones only
            etag_primary, titles = project_answers(focal)
            assert project.title in titles and etag_primary != etag_before
            assert visitor.get(f"/api/v1/projects/{project.id}").status_code == 404
            assert visitor.get(f"/projects/{project.id}").status_code == 404
            assert project_answers(visitor) == (etag_before, [t for t in titles if t != project.title])
        caught_up = replica.wait_caught_up()
        assert project_answers(visitor) == (etag_primary, titles)
        assert visitor.get(f"/projects/{project.id}").status_code == 200
        with capsys.disabled():
            print(f"\n[replica lag] paused replay: {lag} bytes of WAL behind; caught up "
                  f"{caught_up * 1000:.0f} ms after resuming")

    def test_a_replica_that_is_down_falls_back_to_the_primary(self, app, replica, make_project, caplog):
        make_project(title="Smart street lights, Sathon")
        replica.stop()
        try:
            with portal_reading(app, replica) as fresh, caplog.at_level(logging.WARNING):
                # Straight to the app's logger, enabled: other tests of this process may have built a JSON-logging
                # app (the logger then no longer propagates to caplog's root) or run Alembic in-process (its
                # logging.fileConfig disables the loggers that existed).
                disabled, fresh.logger.disabled = fresh.logger.disabled, False
                fresh.logger.addHandler(caplog.handler)
                try:
                    visitor = fresh.test_client()
                    _, titles = project_answers(visitor)
                    assert "Smart street lights, Sathon" in titles
                    assert where(visitor) == {"before": False, "after": False}
                    assert visitor.get("/").status_code == 200
                finally:
                    fresh.logger.removeHandler(caplog.handler)
                    fresh.logger.disabled = disabled
            assert "read replica" in caplog.text and "use the primary" in caplog.text
        finally:
            replica.start()
