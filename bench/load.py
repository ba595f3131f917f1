"""Load benchmark (issue 10): 64 concurrent Locust users for 60 s against gunicorn + PostgreSQL behind nginx.

    .venv/bin/pip install -e '.[bench]'         # Locust
    .venv/bin/python bench/load.py              # --users 64 --spawn-rate 16 --seconds 60

Setup: a PostgreSQL database bench_load on --pg-server (dropped at the end) gets `db upgrade`, `seed` and
`projects import` of make_dataset.py's 10,000 projects (seed 42), and 8 city officials of Bangkok. gunicorn serves it
with 2 workers and the production config (TRUSTED_PROXIES=1) behind nginx running the shipped site (deploy/nginx/, as
tests/test_proxy.py runs it, with a throwaway certificate; `--no-nginx` for gunicorn alone); the users speak HTTPS to
nginx. Each Locust user (Locust as a library, in this process) browses anonymously and holds a second session signed
in as one of the officials: 90 % of its requests are reads spread evenly over pages and the API, 10 % are writes by
the official: a draft saved through the real form /projects/new with its CSRF token (two requests: the form, then the
POST), or an overlap check (task weights 27 : 1 : 1, so 27 reads to 3 write requests). Load starts once the workers'
overlap indexes are built; the users sign in as they are spawned (the setup rows: 64 password checks), and the
measured --seconds begin once every one of them has.
Prints one table: requests (in the measured window; sign-ins in the ramp), failures (over the whole run), p50/p95/p99
per request and for all reads and all writes; then the acknowledged draft saves (302 answers) against the drafts with
those titles in the database (lost writes), and each worker's peak RSS (VmHWM). Exits non-zero on any failure or lost
write.
"""
from __future__ import annotations

import locust  # noqa: F401  first: Locust patches the standard library for gevent when imported

import argparse
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import gevent
from locust import HttpUser, between, task
from locust.clients import HttpSession
from locust.env import Environment

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from api_bench import BIN, ROOT, free_port, load_database, wait_for  # noqa: E402
from test_proxy import Nginx, make_certificate, shipped_site  # noqa: E402
from scale import OVERLAP_BODY, create_pg_database, psql, status_kb, wait_until_quiet, worker_pids  # noqa: E402

DB_NAME = "bench_load"
OFFICIALS = [f"official{i}@load.bench" for i in range(8)]
PASSWORD = "load-bench-password"
CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')
SAVED = re.compile(r"/projects/\d+$")  # where a saved draft's 302 points
READS = ["/", "/cities/bangkok", "/projects/{id}", "/api/v1/projects?limit=50",
         "/api/v1/projects.geojson?bbox=100.3,13.5,100.9,14.0", "/api/v1/organisations", "/feed.json", "/stats"]
RUN = uuid.uuid4().hex[:8]  # in every draft title, so the database can be asked for exactly this run's drafts
latencies: dict[tuple[str, str], list[float]] = defaultdict(list)  # (name, method), as Locust keys its stats -> ms
measuring = False  # set once every user has signed in: the window the figures are for
acknowledged: list[str] = []  # titles of drafts the portal answered 302 to


def csrf_token(html: str) -> str:
    found = CSRF.search(html)
    if found is None:
        raise ValueError("no csrf_token in the page")
    return found.group(1) or found.group(2)


class Visitor(HttpUser):
    """An anonymous reader who is also, in a second session, a signed-in city official of Bangkok."""
    wait_time = between(0.5, 1.5)
    project_ids: list[int] = []
    number = 0
    certificate: str | bool = True   # what HTTPS answers are verified against

    def on_start(self) -> None:
        Visitor.number += 1
        self.official = HttpSession(self.host, self.environment.events.request, self)
        for session in (self.client, self.official):   # nginx's throwaway certificate, not the system's bundle
            session.trust_env, session.verify = False, Visitor.certificate
        self.official.headers["Referer"] = f"{self.host}/"   # as a browser sends it: over HTTPS the CSRF check wants it
        form = self.official.get("/login", name="setup GET /login")
        email = OFFICIALS[Visitor.number % len(OFFICIALS)]
        data = {"csrf_token": csrf_token(form.text), "email": email, "password": PASSWORD}
        with self.official.post("/login", data=data, name="setup POST /login", allow_redirects=False,
                                catch_response=True) as answer:
            if answer.status_code != 302:
                answer.failure(f"sign-in refused: {answer.status_code}")

    @task(27)
    def read(self) -> None:
        path = random.choice(READS)
        self.client.get(path.format(id=random.choice(self.project_ids)), name=f"read {path}")

    @task(1)
    def save_draft(self) -> None:
        form = self.official.get("/projects/new", name="write GET /projects/new")
        title = f"Load draft {RUN} {uuid.uuid4().hex[:12]}"
        data = {"csrf_token": csrf_token(form.text), "title": title, "city": "bangkok", "stage": "concept",
                "summary": "Saved by bench/load.py.", "focus_areas": "Safety and Security"}
        with self.official.post("/projects/new", data=data, name="write POST /projects/new", allow_redirects=False,
                                catch_response=True) as answer:
            if answer.status_code == 302 and SAVED.search(answer.headers.get("Location", "")):
                acknowledged.append(title)
            else:  # a 302 to /login (signed out) is no save either
                answer.failure(f"expected 302 to the project page, got {answer.status_code}")

    @task(1)
    def overlap_check(self) -> None:
        self.official.post("/api/v1/overlap-check", json=OVERLAP_BODY, name="write POST /api/v1/overlap-check")


def record(request_type, name, response_time, response_length, exception=None, **_) -> None:
    if measuring or name.startswith("setup "):
        latencies[(name, request_type)].append(response_time)


def pct(times: list[float], q: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(times)
    return ordered[max(0, round(q * len(ordered)) - 1)] if ordered else float("nan")


def swarm(base: str, users: int, spawn_rate: float, seconds: float) -> Environment:
    """Spawn the users, wait until all have signed in, then run them headless for `seconds`; the environment holds
    Locust's stats (of the whole run)."""
    global measuring
    env = Environment(user_classes=[Visitor], host=base)
    env.events.request.add_listener(record)
    runner = env.create_local_runner()
    runner.start(users, spawn_rate=spawn_rate)
    deadline = time.monotonic() + 300
    while len(latencies[("setup POST /login", "POST")]) < users and time.monotonic() < deadline:
        gevent.sleep(0.1)
    measuring = True
    gevent.spawn_later(seconds, runner.quit)
    runner.greenlet.join()
    return env


def row(label: str, entries: list, times: list[float]) -> str:
    return (f"| {label} | {len(times)} | {sum(e.num_failures for e in entries)} | "
            f"{pct(times, .5):.0f} | {pct(times, .95):.0f} | {pct(times, .99):.0f} |")


def print_table(env: Environment) -> None:
    """Per request name, then all reads, all writes (the form fetch included) and everything, login too."""
    print("\n| request | requests | failures | p50 ms | p95 ms | p99 ms |\n|---|---:|---:|---:|---:|---:|")
    for key in sorted(latencies, key=lambda key: key[0]):
        print(row(key[0], [env.stats.entries[key]], latencies[key]))
    for group in ("read", "write"):
        keys = [key for key in latencies if key[0].startswith(group + " ")]
        print(row(f"**all {group}s**", [env.stats.entries[key] for key in keys],
                  [ms for key in keys for ms in latencies[key]]))
    print(row("**total**", [env.stats.total], [ms for times in latencies.values() for ms in times]))
    for error in env.stats.errors.values():
        print(f"- failure: {error.method} {error.name}: {error.error} × {error.occurrences}")


def drafts_in_database(server: str) -> set[str]:
    """Titles of this run's drafts as PostgreSQL has them after the run."""
    out = subprocess.run(["psql", f"{server}/{DB_NAME}", "-qAtc",
                          f"SELECT title FROM projects WHERE status = 'draft' AND title LIKE 'Load draft {RUN} %'"],
                         check=True, capture_output=True, text=True).stdout
    return set(out.splitlines())


def setup(server: str, work: Path) -> dict[str, str]:
    """The database with 10,000 projects and the officials; the environment gunicorn runs with."""
    cache = work / "answer-cache"
    shutil.rmtree(cache, ignore_errors=True)
    cache.mkdir(parents=True)
    env = {**os.environ, "DATABASE_URL": create_pg_database(server, DB_NAME), "SECRET_KEY": "bench-only",
           "LEAFLET_CDN": "0", "GEOCODER": "offline", "RATELIMIT_STORAGE_URI": "memory://",
           "OVERLAP_RATE_LIMIT": "100000 per minute", "LOGIN_RATE_LIMIT": "100000 per minute",
           "SHARED_CACHE_URL": cache.as_uri(), "TRUSTED_PROXIES": "1"}
    load_database(work, 10_000, 42, env)
    for email in OFFICIALS:
        subprocess.run([str(BIN / "flask"), "--app", "app", "users", "create", "--email", email, "--role",
                        "city_official", "--city", "bangkok", "--password-stdin"], cwd=ROOT, env=env,
                       input=PASSWORD, text=True, check=True, stdout=subprocess.DEVNULL)
    return env


@contextmanager
def in_front(base: str, work: Path, nginx: bool) -> Iterator[str]:
    """The URL the users ask: nginx's HTTPS port, the shipped site proxying to gunicorn at `base`; or `base`."""
    if not nginx:
        yield base
        return
    certificate = make_certificate(work / "certificate")
    Visitor.certificate = str(certificate)
    http_port, https_port = free_port(), free_port()
    site = shipped_site(upstream=base.removeprefix("http://"), http_port=http_port, https_port=https_port,
                        certificates=certificate.parent, logs=work / "nginx" / "logs")
    with Nginx(work / "nginx", site).running([https_port]):
        yield f"https://127.0.0.1:{https_port}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=64)
    parser.add_argument("--spawn-rate", type=float, default=16)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--pg-server", default="postgresql://postgres@127.0.0.1:5432")
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "bench-work" / "load")
    parser.add_argument("--no-nginx", dest="nginx", action="store_false", help="the users ask gunicorn directly")
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    try:
        env = setup(args.pg_server, args.work)
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        server = subprocess.Popen([str(BIN / "gunicorn"), "--config", "python:smartcities.gunicorn_config",
                                   "--workers", "2", "--bind", f"127.0.0.1:{port}", "--error-logfile",
                                   str(args.work / "gunicorn.log"), "app:app"], cwd=ROOT, env=env)
        try:
            wait_for(f"{base}/readyz", 60)
            wait_until_quiet(server.pid, time.monotonic() + 300)  # the workers' overlap indexes are built
            with urllib.request.urlopen(f"{base}/api/v1/projects?limit=50", timeout=60) as answer:
                Visitor.project_ids = [item["id"] for item in json.load(answer)["items"]]
            with in_front(base, args.work, args.nginx) as front:
                load_before = os.getloadavg()
                env_stats = swarm(front, args.users, args.spawn_rate, args.seconds)
                load_after = os.getloadavg()
            rss = [status_kb(pid, "VmHWM") / 1024 for pid in worker_pids(server.pid)]
        finally:
            server.terminate()
            server.wait(timeout=60)
        stored = drafts_in_database(args.pg_server)
    finally:
        psql(args.pg_server, f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
    print_table(env_stats)
    lost = set(acknowledged) - stored
    print(f"\nDraft saves acknowledged (302): {len(acknowledged)}; drafts with those titles in the database: "
          f"{len(stored & set(acknowledged))}; lost: {len(lost)}; drafts of this run not acknowledged: "
          f"{len(stored - set(acknowledged))}.")
    print("Peak RSS per worker (VmHWM): " + ", ".join(f"{mb:.0f} MB" for mb in rss))
    print(f"Load average (1 min) before: {load_before[0]:.1f}, after: {load_after[0]:.1f}; "
          f"{args.users} users, spawn rate {args.spawn_rate}/s, {args.seconds:.0f} s after all signed in; "
          f"gunicorn 2 workers{', behind nginx (HTTPS)' if args.nginx else ', no nginx'}.")
    sys.exit(1 if env_stats.stats.total.num_failures or lost else 0)


if __name__ == "__main__":
    main()
