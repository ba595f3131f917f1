"""Scale benchmark (issue 10): how the portal's response times grow from 1,000 to 100,000 published projects.

    .venv/bin/python bench/scale.py                                  # 1,000 / 10,000 / 100,000 on both databases
    .venv/bin/python bench/scale.py --sizes 1000,10000 --db sqlite

For each database and size N: a fresh database (SQLite file, or a PostgreSQL database bench_scale_N created on
--pg-server and dropped afterwards) gets `db upgrade`, `seed` and `projects import` of make_dataset.py's Project
CSV (N projects, seed 42; bench/api_bench.py's load_database). Then gunicorn with 2 workers and the production
config (smartcities.gunicorn_config, which builds each worker's overlap index in the background) is started three
times. The first two times an overlap check is asked at once and retried until answered: seconds from gunicorn's start
to that answer, first with no saved copy of the overlap index (the first worker builds it and saves one), then from
that copy. The third time the workers are left alone until their warm-ups end, then plain sequential HTTP requests
measure, after one warm-up request each (its time is reported too), p50/p95 of: a 50-item API page, the same
filtered by country and focus area, a bbox query, a full-text search, a project page, a city page, the home page,
an overlap check, the whole GeoJSON (cold = its first request after start, and warm) and /stats; and each
worker's peak RSS (VmHWM) at the end.
Prints one table per (database, N), then the 100,000 ÷ 1,000 ratios of the paged, filtered, bbox and search
medians (the issue's target: within 1.5×). Absolute figures depend on the machine's load; compare within a run.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from api_bench import BIN, ROOT, free_port, load_database, wait_for  # noqa: E402

SEARCH_WORD = "flood"  # make_dataset.py's "Flood Early Warning" titles
OVERLAP_BODY = {
    "title": "Flood early warning sensors for canals", "city": "bangkok",
    "focus_areas": ["Safety and Security", "Quality Environment"],
    "summary": "Water level sensors along the canals send alerts to residents before flooding.",
    "start_date": "2026-01-01", "end_date": "2027-12-31", "location": {"lat": 13.75, "lon": 100.5},
    "partners": ["Asian Development Bank"],
}
RATIO_TARGETS = ("api page 50", "api page 50, TH + focus area", "bbox Bangkok (GeoJSON)", f"search q={SEARCH_WORD}")
RATIO_GOAL = 1.5


@dataclass
class Run:
    """What one (database, N) run measured."""
    db: str
    n: int
    rows: list[tuple[str, str]] = field(default_factory=list)  # (target, figures), in table order
    medians: dict[str, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def request(url: str, body: dict | None = None, timeout: float = 120) -> tuple[float, int]:
    """One GET (or JSON POST when `body` is given): milliseconds and body bytes; raises unless it is 200."""
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"} if data else {})
    start = time.perf_counter()
    with urllib.request.urlopen(req, timeout=timeout) as response:
        size = len(response.read())
    return (time.perf_counter() - start) * 1000, size


def get_json(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=60) as response:
        return json.load(response)


def percentiles(times: list[float]) -> tuple[float, float]:
    """p50 and p95 (nearest rank), in ms."""
    ordered = sorted(times)
    return statistics.median(ordered), ordered[max(0, round(0.95 * len(ordered)) - 1)]


def sample(url: str, count: int, body: dict | None = None) -> tuple[float, float, float, int]:
    """One warm-up request, then `count` sequential ones: the warm-up's ms, p50, p95 and the body size.

    The warm-up is the URL's first request since start, with an empty answer cache: what it costs after a change."""
    first, _ = request(url, body)
    times, size = [], 0
    for _ in range(count):
        ms, size = request(url, body)
        times.append(ms)
    return (first, *percentiles(times), size)


def targets(base: str, samples: int, big: int) -> list[tuple[str, str, dict | None, int]]:
    """(name, URL, POST body or None, sample count) for everything timed after start-up."""
    area = get_json(f"{base}/api/v1/focus-areas")["items"][0]["slug"]
    project_id = get_json(f"{base}/api/v1/projects?limit=1")["items"][0]["id"]
    api = f"{base}/api/v1"
    return [
        ("api page 50", f"{api}/projects?limit=50", None, samples),
        ("api page 50, TH + focus area", f"{api}/projects?limit=50&country=TH&focus_area={area}", None, samples),
        ("bbox Bangkok (GeoJSON)", f"{api}/projects.geojson?bbox=100.3,13.5,100.9,14.0", None, samples),
        (f"search q={SEARCH_WORD}", f"{api}/projects?q={SEARCH_WORD}", None, samples),
        (f"project page /projects/{project_id}", f"{base}/projects/{project_id}", None, samples),
        ("city page /cities/bangkok", f"{base}/cities/bangkok", None, samples),
        ("home page /", f"{base}/", None, samples),
        ("overlap check (POST)", f"{api}/overlap-check", OVERLAP_BODY, samples),
        ("whole GeoJSON, warm", f"{api}/projects.geojson", None, big),
        ("/stats", f"{base}/stats", None, samples),
    ]


def create_pg_database(server: str, name: str) -> str:
    """A new empty database `name` on `server` (postgresql://user@host:port); its SQLAlchemy URL."""
    psql(server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    psql(server, f'CREATE DATABASE "{name}"')
    return f"{server.replace('postgresql://', 'postgresql+psycopg://', 1)}/{name}"


def psql(server: str, sql: str) -> None:
    subprocess.run(["psql", f"{server}/postgres", "-qAtc", sql], check=True, stdout=subprocess.DEVNULL)


def worker_pids(master: int) -> list[int]:
    """The gunicorn workers: processes whose parent is the master."""
    pids = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == master:
            pids.append(int(stat.parent.name))
    return sorted(pids)


def status_kb(pid: int, key: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    raise KeyError(key)


def cpu_ticks(pids: list[int]) -> int:
    """User + system clock ticks the processes have used so far."""
    total = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])
    return total


def wait_until_quiet(master: int, deadline: float) -> bool:
    """Wait until the workers use under 10 % of a core over a second (their overlap warm-ups are done)."""
    while time.monotonic() < deadline:
        before = cpu_ticks(worker_pids(master))
        time.sleep(1)
        if cpu_ticks(worker_pids(master)) - before < os.sysconf("SC_CLK_TCK") // 10:
            return True
    return False


def first_overlap_check(base: str, started: float, deadline: float) -> float | None:
    """Seconds from gunicorn's start to the first 200 of an overlap check; None if none came before `deadline`."""
    while time.monotonic() < deadline:
        try:
            request(f"{base}/api/v1/overlap-check", OVERLAP_BODY, timeout=max(1.0, deadline - time.monotonic()))
            return time.monotonic() - started
        except (urllib.error.URLError, OSError):  # a worker killed mid-build, a 5xx, a timeout: try again
            time.sleep(1)
    return None


def start_gunicorn(env: dict[str, str], log: Path, port: int) -> subprocess.Popen:
    log.unlink(missing_ok=True)
    return subprocess.Popen([str(BIN / "gunicorn"), "--config", "python:smartcities.gunicorn_config", "--workers",
                             "2", "--bind", f"127.0.0.1:{port}", "--error-logfile", str(log), "app:app"],
                            cwd=ROOT, env=env)


def serve(env: dict[str, str], log: Path, job, *args) -> None:
    """Start gunicorn, call job(base URL, master pid, start time, *args), stop it whatever happens."""
    port = free_port()
    started = time.monotonic()
    server = start_gunicorn(env, log, port)
    try:
        wait_for(f"http://127.0.0.1:{port}/readyz", 60)
        job(f"http://127.0.0.1:{port}", server.pid, started, *args)
    finally:
        server.terminate()
        server.wait(timeout=60)
    timeouts = log.read_text().count("WORKER TIMEOUT")
    if timeouts:
        args[0].notes.append(f"{log.name}: {timeouts} × WORKER TIMEOUT")


def time_first_check(base: str, master: int, started: float, run: Run, timeout: float, label: str) -> None:
    """A fresh server asked for an overlap check at once: how long until one is answered."""
    first = first_overlap_check(base, started, started + timeout)
    run.rows.append((f"start → first overlap check (asked at once, {label})",
                     f"{first:.1f} s" if first is not None else f"did not finish in {timeout:.0f} s"))


def time_targets(base: str, master: int, started: float, run: Run, args: argparse.Namespace) -> None:
    """A fresh server left alone until both workers' overlap warm-ups end, then every target in turn."""
    quiet = wait_until_quiet(master, started + args.timeout)
    ready = time.monotonic() - started
    run.rows.append(("start → warm-ups done (not asked)", f"{ready:.1f} s" if quiet
                     else f"did not finish in {args.timeout:.0f} s"))
    cold_ms, cold_bytes = request(f"{base}/api/v1/projects.geojson")
    run.rows.append(("whole GeoJSON, cold (1st request)", f"{cold_ms:.0f} ms, {cold_bytes:,} bytes"))
    for name, url, body, count in targets(base, args.samples, args.big_samples):
        try:
            first, p50, p95, size = sample(url, count, body)
        except OSError as error:  # urllib's errors are OSErrors: a 5xx, a reset, a timeout
            run.rows.append((name, f"failed: {error}"))
            continue
        run.medians[name] = p50
        run.rows.append((name, f"p50 {p50:.1f} ms, p95 {p95:.1f} ms ({count} samples, {size:,} bytes); "
                               f"1st {first:.0f} ms"))
    run.rows.append(("peak RSS per worker (VmHWM)",
                     ", ".join(f"{status_kb(pid, 'VmHWM') / 1024:.0f} MB" for pid in worker_pids(master))))


def load(work: Path, db: str, n: int, pg_server: str) -> tuple[dict[str, str], float]:
    """A fresh database with N projects; the environment to serve it with, and the seconds the load took."""
    url = create_pg_database(pg_server, f"bench_scale_{n}") if db == "postgresql" else f"sqlite:///{work / 'bench.db'}"
    cache, overlap_cache = work / "answer-cache", work / "overlap-cache"
    for folder in (cache, overlap_cache):
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir()
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "bench-only", "LEAFLET_CDN": "0",
           "GEOCODER": "offline", "SHARED_CACHE_URL": cache.as_uri(), "OVERLAP_CACHE_DIR": str(overlap_cache)}
    start = time.monotonic()
    load_database(work, n, 42, env)
    return env, time.monotonic() - start


def one_run(db: str, n: int, args: argparse.Namespace) -> Run:
    """Load, serve, measure, clean up one (database, N)."""
    run = Run(db, n)
    work = args.work / f"{db}-{n}"
    work.mkdir(parents=True, exist_ok=True)
    run.notes.append(f"load average before: {os.getloadavg()[0]:.1f}")
    env, seconds = load(work, db, n, args.pg_server)
    run.notes.append(f"db upgrade + seed + import: {seconds:.0f} s")
    try:
        # The first start builds the overlap index and saves a copy (OVERLAP_CACHE_DIR); the next ones start from it.
        serve(env, work / "gunicorn-first-check.log", time_first_check, run, args.overlap_timeout, "no saved copy")
        serve(env, work / "gunicorn-saved-copy.log", time_first_check, run, args.overlap_timeout, "from the saved copy")
        serve(env, work / "gunicorn.log", time_targets, run, args)
    finally:
        if db == "postgresql":
            psql(args.pg_server, f'DROP DATABASE IF EXISTS "bench_scale_{n}" WITH (FORCE)')
        (work / "bench.db").unlink(missing_ok=True)
    run.notes.append(f"load average after: {os.getloadavg()[0]:.1f}")
    return run


def print_table(run: Run) -> None:
    print(f"\n#### {run.db}, {run.n:,} published projects\n")
    print("| target | figures |\n|---|---|")
    for name, figures in run.rows:
        print(f"| {name} | {figures} |")
    print("\n" + "; ".join(run.notes) + ".", flush=True)


def print_ratios(runs: list[Run]) -> None:
    """Median at the largest N ÷ median at the smallest, per database, for the issue's four targets."""
    print("\n#### Ratios, largest ÷ smallest N (p50)\n")
    for db in sorted({run.db for run in runs}):
        mine = sorted((run for run in runs if run.db == db), key=lambda run: run.n)
        if len(mine) < 2:
            continue
        small, large = mine[0], mine[-1]
        for name in RATIO_TARGETS:
            if name in small.medians and name in large.medians:
                ratio = large.medians[name] / small.medians[name]
                verdict = "meets" if ratio <= RATIO_GOAL else "MISSES"
                print(f"- {db}, {name}: {large.medians[name]:.1f} ms at {large.n:,} ÷ {small.medians[name]:.1f} ms "
                      f"at {small.n:,} = {ratio:.2f}× (target ≤ {RATIO_GOAL}×: {verdict})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000", help="comma-separated numbers of projects")
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--pg-server", default="postgresql://postgres@127.0.0.1:5432")
    parser.add_argument("--samples", type=int, default=30)
    parser.add_argument("--big-samples", type=int, default=5, help="samples of the whole GeoJSON")
    parser.add_argument("--timeout", type=float, default=900, help="seconds the warm-ups may take")
    parser.add_argument("--overlap-timeout", type=float, default=300, help="seconds to wait for a first check")
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "bench-work" / "scale")
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",")]
    databases = ("sqlite", "postgresql") if args.db == "both" else (args.db,)
    runs = []
    for db in databases:
        for n in sizes:
            runs.append(one_run(db, n, args))
            print_table(runs[-1])
    print_ratios(runs)


if __name__ == "__main__":
    main()
