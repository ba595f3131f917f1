"""Open-data API benchmark: 10,000 published projects, gunicorn with 2 workers, measured by the shared harness.

    .venv/bin/python bench/api_bench.py            # then read the table it prints (also in RESULTS.md form)

Loads the harness's dataset into a scratch SQLite database under $WORK, serves the portal on 127.0.0.1,
runs ../shared/bench/run_bench.sh with the portal's endpoints as EXTRA_TARGETS (same run, same wrk settings
as the pygeoapi peer and the Flask ceilings), stops the portal and prints the ratios the issue sets as targets.
"""
from __future__ import annotations

import argparse
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HARNESS = Path(os.environ.get("HARNESS", ROOT.parent / "shared" / "bench"))
BIN = Path(sys.executable).parent
TARGETS = {  # name -> path; the first three are the targets
    "project.geojson.all": "/api/v1/projects.geojson",
    "project.page50": "/api/v1/projects?limit=50",
    "project.bbox.bangkok": "/api/v1/projects.geojson?bbox=100.3,13.5,100.9,14.0",
    "project.item": "/api/v1/projects/5000",
    "project.ogc.items.all": "/ogc/collections/projects/items?limit=10000",
}
GOALS = [("project.geojson.all", "ceiling.blob10k", 0.5), ("project.page50", "ceiling.ping", 0.25),
         ("project.bbox.bangkok", "ceiling.ping", 0.25)]


def free_port() -> int:
    """A TCP port nobody listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def flask(env: dict[str, str], *args: str) -> None:
    """Run a `flask --app app` command against the scratch database."""
    subprocess.run([str(BIN / "flask"), "--app", "app", *args], cwd=ROOT, env=env, check=True,
                   stdout=subprocess.DEVNULL)


def load_database(work: Path, n: int, seed: int, env: dict[str, str]) -> None:
    """A fresh SQLite database with the reference data and n published projects from the shared generator."""
    data = work / f"projects-{n}-{seed}.csv"
    subprocess.run([sys.executable, str(HARNESS / "make_dataset.py"), "--n", str(n), "--seed", str(seed),
                    "--format", "project-csv", "--out", str(data)], check=True)
    (work / "bench.db").unlink(missing_ok=True)
    flask(env, "db", "upgrade")
    flask(env, "seed")
    flask(env, "projects", "import", str(data))


def wait_for(url: str, seconds: float = 30) -> None:
    """Block until `url` answers, or give up."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"the portal did not answer at {url}")


def cold_ms(url: str) -> float:
    """One request's time, the first after start-up: what a worker pays after each change of the data."""
    start = time.perf_counter()
    with urllib.request.urlopen(url, timeout=60) as response:
        response.read()
    return (time.perf_counter() - start) * 1000


def summarise(table: str) -> list[str]:
    """The issue's targets: each row's req/s against its ceiling, from the harness's Markdown table."""
    rps = {cells[0]: float(cells[5]) for cells in (
        [c.strip() for c in line.strip("|").split("|")] for line in table.splitlines() if line.startswith("| "))
        if re.fullmatch(r"[\d.]+", cells[5] or "")}
    lines = []
    for name, ceiling, goal in GOALS:
        ratio = rps[name] / rps[ceiling]
        verdict = "meets" if ratio >= goal else "MISSES"
        lines.append(f"- {name}: {rps[name]:.0f} req/s = {ratio:.2f} × {ceiling} ({rps[ceiling]:.0f}); "
                     f"target ≥ {goal} — {verdict}")
    return lines


def main() -> None:
    """Load, serve, measure, stop, summarise."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--work", type=Path, default=Path(os.environ.get("WORK", "/tmp/bench-work")) / "portal")
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{args.work / 'bench.db'}", "SECRET_KEY": "bench-only",
           "LEAFLET_CDN": "0", "GEOCODER": "offline"}
    load_database(args.work, args.n, args.seed, env)

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen([str(BIN / "gunicorn"), "--workers", "2", "--bind", f"127.0.0.1:{port}",
                               "--error-logfile", str(args.work / "gunicorn.log"), "app:app"], cwd=ROOT, env=env)
    try:
        wait_for(f"{base}/readyz")
        cold = {name: cold_ms(base + path) for name, path in TARGETS.items()}
        targets = args.work / "targets.txt"
        targets.write_text("".join(f"{name} {base}{path}\n" for name, path in TARGETS.items()))
        run = subprocess.run([str(HARNESS / "run_bench.sh")], env={**os.environ, "EXTRA_TARGETS": str(targets)},
                             check=True, capture_output=True, text=True)
    finally:
        server.terminate()
        server.wait(timeout=30)
    print(run.stdout)
    print("First request after start-up (cache cold, one worker), ms:")
    print("".join(f"- {name}: {ms:.0f}\n" for name, ms in cold.items()))
    print("\n".join(summarise(run.stdout)))


if __name__ == "__main__":
    main()
