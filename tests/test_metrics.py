"""/metrics: refused (an ordinary 404) without the token or an allowed address; counts by route template, not
path; overlap-check latency and answer-cache lookups; under gunicorn the workers' counts add up exactly."""
from __future__ import annotations

import ipaddress
import os
import re
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from http.client import HTTPConnection
from pathlib import Path
from types import SimpleNamespace

import pytest
from prometheus_client import CollectorRegistry, multiprocess
from prometheus_client.parser import text_string_to_metric_families
from test_proxy import free_port, production_environment, sibling_app, wait_until

from smartcities import config, gunicorn_config
from smartcities.api.http import CACHE_KEY, DEFAULT_CACHE_BYTES, ResponseCache
from smartcities.metrics import UNMATCHED

REPO = Path(__file__).resolve().parent.parent
TOKEN = "scrape-" + "t" * 32
OUTSIDER = "203.0.113.9"
REQUESTS = "ascn_http_requests_total"
DRAFT = {"title": "Flood sensors on canals", "summary": "Water level sensors and early warning for floods",
         "city": "bangkok", "focus_areas": ["Safety and Security"]}

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def parse(text: str) -> Samples:
    """Every sample of an exposition, by name and labels (the parser raises on anything malformed)."""
    return {(sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(text) for sample in family.samples}


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def moved(before: Samples, after: Samples, name: str, **labels: str) -> float:
    """How much one sample grew between two scrapes."""
    return value(after, name, **labels) - value(before, name, **labels)


def scrape(client) -> Samples:
    response = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"},
                          environ_base={"REMOTE_ADDR": OUTSIDER})
    assert response.status_code == 200, response.status_code
    assert response.content_type.startswith("text/plain; version=")
    return parse(response.get_data(as_text=True))


@pytest.fixture
def token(app, monkeypatch):
    monkeypatch.setitem(app.config, "METRICS_TOKEN", TOKEN)


def without_nonce(body: bytes) -> bytes:
    return re.sub(rb'nonce="[^"]*"', b"", body)


# --- who may see it -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("remote, headers, allow, status", [
    ("127.0.0.1", {}, None, 200),                                    # the defaults: this machine only
    ("::1", {}, None, 200),
    ("::ffff:127.0.0.1", {}, None, 200),                             # IPv4 loopback on a dual-stack socket
    (OUTSIDER, {}, None, 404),
    ("127.0.0.2", {}, None, 404),                                    # 127.0.0.1 itself, not all of 127/8
    (OUTSIDER, {"Authorization": f"Bearer {TOKEN}"}, None, 200),
    (OUTSIDER, {"Authorization": f"bearer {TOKEN}"}, None, 200),     # the scheme in any case
    (OUTSIDER, {"Authorization": f"Bearer {TOKEN}x"}, None, 404),
    (OUTSIDER, {"Authorization": f"Basic {TOKEN}"}, None, 404),
    (OUTSIDER, {"Authorization": TOKEN}, None, 404),
    ("127.0.0.1", {}, "", 404),                                      # METRICS_ALLOW empty: the token only
    ("127.0.0.1", {"Authorization": f"Bearer {TOKEN}"}, "", 200),
    ("10.1.2.3", {}, "10.0.0.0/8", 200),
    ("10.1.2.3", {}, "10.0.0.0/16", 404),
    ("", {}, None, 404),                                             # a unix socket's empty address
    # TRUSTED_PROXIES=0, yet a proxy sent it on: the loopback address is that proxy's, not the client's
    ("127.0.0.1", {"X-Forwarded-For": OUTSIDER}, None, 404),
])
def test_who_may_see_the_metrics(app, client, token, monkeypatch, remote, headers, allow, status):
    if allow is not None:
        monkeypatch.setitem(app.config, "METRICS_ALLOW", config._networks("METRICS_ALLOW", allow))
    response = client.get("/metrics", headers=headers, environ_base={"REMOTE_ADDR": remote})
    assert response.status_code == status
    assert (b"ascn_http_requests_total" in response.data) == (status == 200)


def test_a_refusal_is_the_404_of_an_unknown_page(client, token):
    """Nothing tells an outsider that /metrics exists, and no token means no token matches, not even an empty one."""
    unknown = client.get("/no-such-page", environ_base={"REMOTE_ADDR": OUTSIDER})
    for headers in ({}, {"Authorization": "Bearer "}, {"Authorization": "Bearer wrong-token-of-some-length"}):
        refused = client.get("/metrics", headers=headers, environ_base={"REMOTE_ADDR": OUTSIDER})
        assert (refused.status_code, refused.content_type) == (unknown.status_code, unknown.content_type) == \
            (404, "text/html; charset=utf-8")
        assert without_nonce(refused.data) == without_nonce(unknown.data)


def test_without_a_token_setting_an_empty_bearer_is_refused(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "METRICS_TOKEN", "")
    assert client.get("/metrics", headers={"Authorization": "Bearer "},
                      environ_base={"REMOTE_ADDR": OUTSIDER}).status_code == 404


def test_the_address_is_the_one_the_trusted_proxy_saw(app):
    """Behind nginx (TRUSTED_PROXIES=1) the proxy's own loopback address counts for nothing."""
    behind = sibling_app(app, TRUSTED_PROXIES=1).test_client()
    outsider = behind.get("/metrics", headers={"X-Forwarded-For": OUTSIDER})
    forged = behind.get("/metrics", headers={"X-Forwarded-For": f"127.0.0.1, {OUTSIDER}"})
    local = behind.get("/metrics", headers={"X-Forwarded-For": "127.0.0.1"})
    assert (outsider.status_code, forged.status_code, local.status_code) == (404, 404, 200)


def test_settings_are_checked_at_start(monkeypatch, tmp_path):
    monkeypatch.delenv("METRICS_TOKEN", raising=False)
    monkeypatch.delenv("METRICS_ALLOW", raising=False)
    defaults = config.from_environment(str(tmp_path))
    assert defaults["METRICS_TOKEN"] == ""
    assert defaults["METRICS_ALLOW"] == (ipaddress.ip_network("127.0.0.1/32"), ipaddress.ip_network("::1/128"))
    monkeypatch.setenv("METRICS_ALLOW", "10.0.0.0/8, 192.168.1.300")
    with pytest.raises(config.ConfigError, match="METRICS_ALLOW must be addresses or networks .*'192.168.1.300'"):
        config.from_environment(str(tmp_path))
    monkeypatch.setenv("METRICS_ALLOW", "")
    assert config.from_environment(str(tmp_path))["METRICS_ALLOW"] == ()
    for weak in ("short-secret", "has spaces in the middle of it"):
        monkeypatch.setenv("METRICS_TOKEN", weak)
        with pytest.raises(config.ConfigError, match="METRICS_TOKEN must be at least 16") as refused:
            config.from_environment(str(tmp_path))
        assert weak not in str(refused.value)


# --- what it counts -------------------------------------------------------------------------------------------

def test_requests_are_counted_by_route_template_method_and_status_class(app, client, token):
    before = scrape(client)
    for path in ("/cities/bangkok", "/cities/hanoi", "/cities/atlantis", "/no-such-page", "/nor/this/one"):
        client.get(path)
    client.open("/healthz", method="BREW")  # an invented method: 405, and no label of its own
    after = scrape(client)
    assert moved(before, after, REQUESTS, route="/cities/<slug>", method="GET", status="2xx") == 2
    assert moved(before, after, REQUESTS, route="/cities/<slug>", method="GET", status="4xx") == 1
    assert moved(before, after, REQUESTS, route=UNMATCHED, method="GET", status="4xx") == 2
    assert moved(before, after, REQUESTS, route=UNMATCHED, method="OTHER", status="4xx") == 1
    assert moved(before, after, "ascn_http_request_duration_seconds_count", route="/cities/<slug>") == 3
    assert moved(before, after, "ascn_http_request_duration_seconds_sum", route="/cities/<slug>") > 0
    assert moved(before, after, REQUESTS, route="/metrics", method="GET", status="2xx") == 1  # the first scrape
    total = sum(v - value(before, name, **dict(labels)) for (name, labels), v in after.items() if name == REQUESTS)
    assert total == 7  # every request exactly once, nothing else
    rules = {rule.rule for rule in app.url_map.iter_rules()} | {UNMATCHED}
    routes = {dict(labels)["route"] for name, labels in after if name == REQUESTS}
    assert routes <= rules and "/cities/<slug>" in routes
    assert {dict(labels)["method"] for name, labels in after if name == REQUESTS} <= {"GET", "HEAD", "POST", "PUT",
                                                                                      "PATCH", "DELETE", "OPTIONS",
                                                                                      "OTHER"}


def test_an_overlap_check_is_timed(client, token):
    before = scrape(client)
    assert client.post("/api/v1/overlap-check", json=DRAFT).status_code == 200
    assert client.post("/api/v1/overlap-check", json={"title": ""}).status_code == 400  # no check runs
    after = scrape(client)
    assert moved(before, after, "ascn_overlap_check_duration_seconds_count") == 1
    assert moved(before, after, "ascn_overlap_check_duration_seconds_sum") > 0
    assert moved(before, after, REQUESTS, route="/api/v1/overlap-check", method="POST", status="2xx") == 1
    assert moved(before, after, REQUESTS, route="/api/v1/overlap-check", method="POST", status="4xx") == 1


def test_the_answer_cache_counts_a_miss_then_a_hit(app, client, token, monkeypatch):
    monkeypatch.setitem(app.extensions, CACHE_KEY, ResponseCache(DEFAULT_CACHE_BYTES))  # empty, whatever ran before
    lookups = "ascn_response_cache_lookups_total"
    start = scrape(client)
    first = client.get("/api/v1/projects")
    middle = scrape(client)
    second = client.get("/api/v1/projects")
    end = scrape(client)
    assert first.status_code == second.status_code == 200 and first.data == second.data
    assert (moved(start, middle, lookups, result="miss"), moved(start, middle, lookups, result="hit")) == (1, 0)
    assert (moved(middle, end, lookups, result="miss"), moved(middle, end, lookups, result="hit")) == (0, 1)


# --- gunicorn's hooks and workers -------------------------------------------------------------------------------

def test_the_master_empties_a_named_metrics_directory(monkeypatch, tmp_path):
    directory = tmp_path / "metrics"
    directory.mkdir()
    (directory / "counter_1.db").write_bytes(b"from an earlier run")
    (directory / "notes.txt").write_text("not prometheus_client's")
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(directory))
    gunicorn_config.on_starting(None)
    assert sorted(p.name for p in directory.iterdir()) == ["notes.txt"]
    gunicorn_config.on_exit(None)
    assert directory.is_dir()  # a named directory stays


def test_without_a_directory_the_master_makes_a_private_one(monkeypatch, tmp_path):
    # Blank rather than deleted: monkeypatch then takes the variable away again at the end, so the directory
    # on_starting names (and on_exit removes) does not leak into later tests' subprocesses.
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", "")
    gunicorn_config.on_starting(None)
    made = Path(os.environ["PROMETHEUS_MULTIPROC_DIR"])
    assert made.is_dir() and made.stat().st_mode & 0o777 == 0o700
    gunicorn_config.on_exit(None)
    assert not made.exists()


def test_a_dead_workers_live_gauges_go_and_its_counters_stay(monkeypatch, tmp_path):
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    for name in ("gauge_livesum_4242.db", "counter_4242.db", "gauge_livesum_4343.db"):
        (tmp_path / name).write_bytes(b"")
    gunicorn_config.child_exit(None, SimpleNamespace(pid=4242))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["counter_4242.db", "gauge_livesum_4343.db"]


def get(port: int, path: str, headers: dict | None = None) -> tuple[int, bytes]:
    connection = HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("GET", path, headers=headers or {})
        reply = connection.getresponse()
        return reply.status, reply.read()
    finally:
        connection.close()


def per_worker(directory: Path, tmp_path: Path) -> dict[int, Samples]:
    """Each worker's own values: its files alone, read the way /metrics reads them all."""
    found = {}
    for pid in {int(f.stem.rsplit("_", 1)[1]) for f in directory.glob("counter_*.db")}:
        alone = tmp_path / f"worker-{pid}"
        alone.mkdir(exist_ok=True)
        for f in directory.glob(f"*_{pid}.db"):
            (alone / f.name).write_bytes(f.read_bytes())
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry, path=str(alone))
        found[pid] = {(s.name, tuple(sorted(s.labels.items()))): s.value
                      for family in registry.collect() for s in family.samples}
    return found


def test_gunicorn_workers_add_up(app, tmp_path):
    """Two workers: /metrics, served by either, reports exactly the requests both served, even once one is gone.

    No PROMETHEUS_MULTIPROC_DIR, as with a plain `gunicorn` command: the master makes one (here in tmp_path).
    """
    port, log = free_port(), tmp_path / "gunicorn.log"
    env = production_environment(app, WEB_CONCURRENCY="2", METRICS_TOKEN=TOKEN, METRICS_ALLOW="",
                                 TMPDIR=str(tmp_path), XDG_RUNTIME_DIR=str(tmp_path))
    command = [str(Path(sys.executable).with_name("gunicorn")), "--config", "python:smartcities.gunicorn_config",
               "--bind", f"127.0.0.1:{port}", "app:app"]
    bearer = {"Authorization": f"Bearer {TOKEN}"}
    healthz = (REQUESTS, (("method", "GET"), ("route", "/healthz"), ("status", "2xx")))
    with open(log, "wb") as output:
        gunicorn = subprocess.Popen(command, cwd=REPO, stdout=output, stderr=output, env=env)
    try:
        wait_until(lambda: get(port, "/readyz")[0] == 200, "a ready worker", 90, gunicorn, log)
        [directory] = tmp_path.glob("ascn-metrics-*")
        sent = 0
        with ThreadPoolExecutor(max_workers=6) as pool:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:  # until both workers have answered some
                statuses = list(pool.map(lambda _: get(port, "/healthz")[0], range(12)))
                assert statuses == [200] * 12
                sent += len(statuses)
                workers = per_worker(directory, tmp_path)
                if len(workers) == 2 and all(samples.get(healthz) for samples in workers.values()):
                    break
        counts = {pid: samples.get(healthz, 0) for pid, samples in workers.items()}
        assert len(counts) == 2 and all(counts.values()), f"one worker answered everything: {counts}"
        assert get(port, "/metrics")[0] == 404  # METRICS_ALLOW empty: even this machine needs the token
        status, body = get(port, "/metrics", bearer)
        assert status == 200 and sum(counts.values()) == sent
        assert parse(body.decode())[healthz] == sent

        os.kill(min(counts), signal.SIGTERM)  # a worker goes (as --max-requests makes them); its counts stay
        wait_until(lambda: log.read_text().count("Booting worker with pid") == 3, "a worker in its place", 60,
                   gunicorn, log)
        status, body = get(port, "/metrics", bearer)
        assert status == 200 and parse(body.decode())[healthz] == sent
    finally:
        gunicorn.terminate()
        gunicorn.wait(timeout=30)
    assert "Traceback" not in log.read_text(), log.read_text()[-3000:]
    assert not directory.exists()  # the master removes the directory it made
