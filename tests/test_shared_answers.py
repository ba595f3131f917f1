"""Open-data answers built once for every worker (issue 10): a worker with an empty cache serves the answer another
worker built, a data change makes a new one, two workers wanting the same new answer build it once, the store
stays bounded, and a store that is down only costs the shortcut."""
from __future__ import annotations

import gzip
import subprocess
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from http.client import HTTPConnection
from pathlib import Path

import pytest
import redis
from test_proxy import free_port, production_environment, wait_until

from smartcities import config
from smartcities.api import exports, http
from smartcities.api.http import CACHE_KEY, DEFAULT_CACHE_BYTES, Entry, ResponseCache
from smartcities.api.shared_answers import FileAnswers, RedisAnswers, from_url

REPO = Path(__file__).resolve().parent.parent
REDIS_URL = "redis://127.0.0.1:6379/15"
WHOLE_MAP = "/api/v1/projects.geojson"


def another_worker(app) -> None:
    """Give the app an empty cache of its own on the configured shared store, as a second worker would have."""
    config = app.config
    store = from_url(config["SHARED_CACHE_URL"], config["SHARED_CACHE_BYTES"], config["SHARED_CACHE_TTL"])
    app.extensions[CACHE_KEY] = ResponseCache(DEFAULT_CACHE_BYTES, store, config["SHARED_CACHE_MIN_BYTES"])


@pytest.fixture
def builds(app, monkeypatch):
    """How many times the projects' GeoJSON (whole, or a page of it) was built from the database."""
    count = []

    def counted(real):
        def counting(*args, **kwargs):
            count.append(1)
            return real(*args, **kwargs)
        return counting
    for name in ("_whole_collection", "project_page"):
        monkeypatch.setattr(exports, name, counted(getattr(exports, name)))
    saved = app.extensions[CACHE_KEY]
    yield count
    app.extensions[CACHE_KEY] = saved


def test_a_second_worker_serves_what_the_first_built(app, client, make_project, builds):
    for n in range(60):  # a collection past SHARED_CACHE_MIN_BYTES (16 KiB)
        make_project(title=f"Canal water-level sensor {n}")
    another_worker(app)
    first = client.get(WHOLE_MAP)
    another_worker(app)
    second = client.get(WHOLE_MAP)
    assert first.status_code == second.status_code == 200 and len(first.data) >= app.config["SHARED_CACHE_MIN_BYTES"]
    assert second.data == first.data and second.headers["ETag"] == first.headers["ETag"]
    assert len(builds) == 1

    make_project(title="A new sensor, published after both read the map")
    another_worker(app)
    third = client.get(WHOLE_MAP)
    assert len(builds) == 2 and b"A new sensor, published after" in third.data and third.headers["ETag"] != (
        first.headers["ETag"])


def test_the_gzip_form_is_made_once_for_every_worker(app, client, make_project, builds, monkeypatch):
    for n in range(60):
        make_project(title=f"Smart meter pilot {n}")
    another_worker(app)
    plain = client.get(WHOLE_MAP)
    compressions = []
    real = gzip.compress
    monkeypatch.setattr(http.gzip, "compress", lambda data, **kw: compressions.append(1) or real(data, **kw))
    another_worker(app)
    first = client.get(WHOLE_MAP, headers={"Accept-Encoding": "gzip"})
    another_worker(app)
    second = client.get(WHOLE_MAP, headers={"Accept-Encoding": "gzip"})
    assert first.headers["Content-Encoding"] == second.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(second.data) == gzip.decompress(first.data) == plain.data
    assert (len(builds), len(compressions)) == (1, 1)


def test_small_answers_stay_in_each_worker(app, client, builds):
    """A page of one project costs less to build than to fetch: it is not shared."""
    another_worker(app)
    client.get(WHOLE_MAP + "?limit=1")
    another_worker(app)
    client.get(WHOLE_MAP + "?limit=1")
    assert len(builds) == 2


def test_a_refused_request_is_neither_cached_nor_shared(app, client, builds):
    another_worker(app)
    stored = Path(app.extensions[CACHE_KEY].shared.directory)
    before = set(stored.glob("*/*.body"))
    for _ in range(2):
        response = client.get(WHOLE_MAP + "?limit=0")
        assert response.status_code == 400 and [e["name"] for e in response.json["errors"]] == ["limit"]
    assert set(stored.glob("*/*.body")) == before


def test_a_failed_build_stores_nothing_and_holds_no_lock(tmp_path):
    store, version = FileAnswers(tmp_path, 10 * 1024 * 1024), uuid.uuid4().hex

    def broken() -> Entry:
        raise RuntimeError("the database went away")
    with pytest.raises(RuntimeError):
        ResponseCache(DEFAULT_CACHE_BYTES, store, 0).fetch(("k",), version, "n", broken)
    started = time.monotonic()
    entry = ResponseCache(DEFAULT_CACHE_BYTES, store, 0).fetch(
        ("k",), version, "n", lambda: Entry(b"rebuilt", "application/json", {}))
    assert entry.body == b"rebuilt" and time.monotonic() - started < 1
    assert store.get(version, "n")[0] == b"rebuilt"


def stores(tmp_path) -> list:
    return [FileAnswers(tmp_path / "answers", 10 * 1024 * 1024), RedisAnswers(REDIS_URL, 60)]


@pytest.mark.parametrize("kind", ["file", "redis"])
def test_workers_wanting_the_same_new_answer_build_it_once(tmp_path, kind):
    store = {"file": stores(tmp_path)[0], "redis": stores(tmp_path)[1]}[kind]
    version, name = uuid.uuid4().hex, "whole-map"
    built = []

    def build() -> Entry:
        built.append(threading.get_ident())
        time.sleep(0.3)  # long enough for every other worker to arrive meanwhile
        return Entry(b"x" * 50_000, "application/geo+json", {})

    workers = [ResponseCache(DEFAULT_CACHE_BYTES, store, 16 * 1024) for _ in range(8)]
    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(lambda cache: cache.fetch(("k",), version, name, build), workers))
    assert len(built) == 1 and {a.body for a in answers} == {b"x" * 50_000}


def test_the_file_store_keeps_only_the_current_version_within_its_budget(tmp_path):
    store = FileAnswers(tmp_path, max_bytes=100_000)
    store.put("v1", "a", Entry(b"1" * 40_000, "application/json", {}))
    store.put("v1", "b", Entry(b"2" * 40_000, "application/json", {}))
    store.put("v1", "c", Entry(b"3" * 40_000, "application/json", {}))  # past the budget: not kept
    assert [store.get("v1", n) is not None for n in "abc"] == [True, True, False]
    store.put("v2", "a", Entry(b"4" * 10, "application/json", {"Content-Disposition": "attachment"}))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["v1", "v2"]  # the version before stays (a lagging replica)
    assert store.get("v2", "a") == (b"4" * 10, "application/json", {"Content-Disposition": "attachment"}, None)
    time.sleep(0.01)  # folders are ordered by their time of making
    with store.building("v3", "a"):  # a build of a new version starts: older ones than the last go at once
        assert sorted(p.name for p in tmp_path.iterdir()) == ["v2", "v3"]
    assert store.get("v1", "a") is None and store.get("v2", "a") is not None


def test_a_store_that_is_down_costs_only_the_shortcut():
    store = RedisAnswers(f"redis://127.0.0.1:{free_port()}/0", 60)  # nothing listens there
    cache = ResponseCache(DEFAULT_CACHE_BYTES, store, 0)
    entry = cache.fetch(("k",), "v", "n", lambda: Entry(b"built here", "application/json", {}))
    assert entry.body == b"built here" and cache.get(("k",)) is entry


@pytest.mark.parametrize("value, expected", [
    ("", None), ("none", "none"), ("redis://127.0.0.1:6379/1", "redis://127.0.0.1:6379/1"),
    ("file:///var/cache/ascn", "file:///var/cache/ascn")])
def test_the_setting_names_a_store(monkeypatch, tmp_path, value, expected):
    monkeypatch.setenv("SHARED_CACHE_URL", value)
    url = config.from_environment(str(tmp_path))["SHARED_CACHE_URL"]
    assert url == (expected or (tmp_path / "answer-cache").as_uri())
    assert (from_url(url, 1, 1) is None) == (url == "none")


@pytest.mark.parametrize("value", ["memcached://127.0.0.1", "file://relative/folder", "/var/cache/ascn"])
def test_an_unknown_store_refuses_to_start(monkeypatch, tmp_path, value):
    monkeypatch.setenv("SHARED_CACHE_URL", value)
    with pytest.raises(config.ConfigError, match="SHARED_CACHE_URL"):
        config.from_environment(str(tmp_path))


def get(port: int, path: str) -> tuple[int, bytes]:
    connection = HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


@pytest.mark.parametrize("store", ["file", "redis"])
def test_gunicorn_workers_build_a_new_answer_once(app, tmp_path, store):
    """Four gunicorn workers, sixteen simultaneous first requests for the whole map: built once in all, by
    whichever worker came first, the others served from the shared store (counted by /metrics, all workers)."""
    url = (tmp_path / "answers").as_uri() if store == "file" else REDIS_URL
    if store == "redis":
        redis.Redis.from_url(REDIS_URL).flushdb()
    port, log = free_port(), tmp_path / "gunicorn.log"
    env = production_environment(app, WEB_CONCURRENCY="4", SHARED_CACHE_URL=url, SHARED_CACHE_MIN_BYTES="0",
                                 METRICS_ALLOW="127.0.0.1", TMPDIR=str(tmp_path))
    command = [str(Path(sys.executable).with_name("gunicorn")), "--config", "python:smartcities.gunicorn_config",
               "--bind", f"127.0.0.1:{port}", "app:app"]
    with open(log, "wb") as output:
        gunicorn = subprocess.Popen(command, cwd=REPO, stdout=output, stderr=output, env=env)
    try:
        wait_until(lambda: log.read_text().count("Booting worker with pid") == 4 and get(port, "/readyz")[0] == 200,
                   "four ready workers", 90, gunicorn, log)
        time.sleep(1)  # every worker past its start
        with ThreadPoolExecutor(max_workers=16) as pool:
            answers = list(pool.map(lambda _: get(port, WHOLE_MAP + "?country=TH"), range(16)))
        assert {status for status, _ in answers} == {200} and len({body for _, body in answers}) == 1
        status, metrics = get(port, "/metrics")
        assert status == 200
        lookups = {line.split("{")[1].split("}")[0]: float(line.split()[-1]) for line in metrics.decode().splitlines()
                   if line.startswith("ascn_response_cache_lookups_total{")}
        misses, shared, hits = (lookups.get(f'result="{r}"', 0) for r in ("miss", "shared", "hit"))
        # Each request: a hit in its worker's own cache, or a miss there and then the shared copy or a build.
        assert misses + hits == 16 and misses - shared == 1, lookups
    finally:
        gunicorn.terminate()
        gunicorn.wait(timeout=30)
    assert "Traceback" not in log.read_text(), log.read_text()[-3000:]
