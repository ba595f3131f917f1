#!/usr/bin/env python3
"""Home-map benchmark (issue 11): time to the first clusters, bytes before them and JS heap, at 10,000 and 100,000
projects, in one run beside a bare Leaflet page.

    .venv/bin/python bench/map_bench.py [--sizes 10000,100000] [--seed 42] [--runs 5]

For each size: a scratch SQLite database (migrate, seed, `projects import` of make_dataset.py's project CSV),
the app under gunicorn (2 workers, LEAFLET_CDN=0) and, from this script, a bare page with an empty Leaflet map
using the same vendored files. Headless Chromium opens each page in a fresh context (cold browser cache, every
off-machine request aborted, so tiles fail and the offline basemap is drawn). Measured from navigation start:
the first clusters drawn (map.js marks `map:clusters-drawn`), map ready (clusters and the list's first page:
data-map-ready; the bare page: Leaflet's whenReady), bytes on the wire up to the first clusters (Resource
Timing transferSize: headers and gzip bodies), and the JS heap after a garbage collection (CDP). The first load
after gunicorn starts meets empty answer caches (cold); the medians are of the loads after it.
"""
from __future__ import annotations

import argparse
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
MAKE_DATASET = Path(os.environ.get("MAKE_DATASET", ROOT.parent / "shared" / "bench" / "make_dataset.py"))
CHROMIUM = "/usr/bin/chromium"
READY = "() => document.documentElement.dataset.mapReady"
TARGET_FIRST_MS, TARGET_BYTES, TARGET_HEAP, TARGET_RATIO = 1000, 300 * 1024, 60 * 1024 * 1024, 2.0

# The baseline: Leaflet from the same server, an empty map with the same tile layer.
BARE_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>bare map</title>
<link rel="stylesheet" href="{app}/vendor/leaflet/leaflet.css">
<style>html, body, #map {{ height: 100%; margin: 0; }}</style>
<script src="{app}/vendor/leaflet/leaflet.js"></script>
</head>
<body><div id="map"></div><script>
var map = L.map("map").fitBounds([[-10.5, 92.5], [28.5, 141]]);
L.tileLayer("https://tile.openstreetmap.org/{{z}}/{{x}}/{{y}}.png").addTo(map);
map.whenReady(function () {{ document.documentElement.dataset.mapReady = String(Math.round(performance.now())); }});
</script></body></html>"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def flask(env: dict, *args: str) -> None:
    subprocess.run([sys.executable, "-m", "flask", "--app", "app", *args], cwd=ROOT, env=env, check=True,
                   stdout=subprocess.DEVNULL)


def build_database(workdir: Path, n: int, seed: int) -> dict:
    """A scratch SQLite database holding the seed data and n published projects; returns the env to use."""
    csv_path = workdir / "projects.csv"
    subprocess.run([sys.executable, str(MAKE_DATASET), "--n", str(n), "--seed", str(seed),
                    "--format", "project-csv", "--out", str(csv_path)], check=True)
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{workdir / 'bench.db'}", "LEAFLET_CDN": "0",
           "SMARTCITIES_ENV": "development", "SHARED_CACHE_URL": (workdir / "answers").as_uri()}
    flask(env, "db", "upgrade")
    flask(env, "seed")
    flask(env, "projects", "import", str(csv_path))
    return env


def start_app(env: dict, port: int) -> subprocess.Popen:
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "--workers", "2", "--bind", f"127.0.0.1:{port}",
                               "app:app"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(100):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)
            return server
        except OSError:
            time.sleep(0.1)
    server.terminate()
    raise RuntimeError("gunicorn did not start")


def start_bare_page(app_url: str) -> ThreadingHTTPServer:
    body = BARE_PAGE.format(app=app_url).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (http.server's naming)
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def measure(browser, url: str, allowed: tuple[str, ...]) -> dict:
    """One cold load: ms from navigation start to the first clusters and to map ready, bytes before the first
    clusters, the JS heap after a garbage collection."""
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    context.route("**/*", lambda route: route.continue_() if route.request.url.startswith(allowed) else route.abort())
    page = context.new_page()
    page.goto(url)
    page.wait_for_function(READY, timeout=60000)
    result = page.evaluate("""() => {
        const mark = performance.getEntriesByName("map:clusters-drawn")[0];
        const first = mark ? mark.startTime : Number(document.documentElement.dataset.mapReady);
        const nav = performance.getEntriesByType("navigation")[0];
        const before = performance.getEntriesByType("resource").filter(e => e.responseEnd <= first);
        const clusters = performance.getEntriesByType("resource").find(e => e.name.includes("/api/v1/map/clusters"));
        return {ready: Number(document.documentElement.dataset.mapReady), first: Math.round(first),
                bytes: nav.transferSize + before.reduce((sum, e) => sum + e.transferSize, 0),
                requests: before.length + 1,
                clusters_bytes: clusters ? clusters.transferSize : null,
                count: (document.getElementById("result-count") || {}).textContent || ""};
    }""")
    cdp = context.new_cdp_session(page)
    cdp.send("HeapProfiler.collectGarbage")
    result["heap"] = cdp.send("Runtime.getHeapUsage")["usedSize"]
    context.close()
    return result


def summary(label: str, samples: list[float], unit: str = "ms") -> str:
    return (f"{label:28} median {statistics.median(samples):9.0f} {unit}   min {min(samples):8.0f}   "
            f"max {max(samples):8.0f}   ({len(samples)} runs)")


def run_size(browser, n: int, seed: int, runs: int) -> dict:
    """Build, serve and measure one registry size; returns the medians."""
    workdir = Path(tempfile.mkdtemp(prefix=f"map-bench-{n}-"))
    started = time.perf_counter()
    env = build_database(workdir, n, seed)
    print(f"\n== {n:,} projects (database built in {time.perf_counter() - started:.0f} s, {workdir})")
    port = free_port()
    app = start_app(env, port)
    app_url = f"http://127.0.0.1:{port}"
    bare = start_bare_page(app_url)
    bare_url = f"http://127.0.0.1:{bare.server_port}/"
    allowed = (app_url, bare_url)
    try:
        cold = measure(browser, app_url + "/", allowed)   # the first load after start: empty answer caches
        measure(browser, bare_url, allowed)
        home, empty = [], []
        for _ in range(runs):                              # interleaved, so drift hits both alike
            empty.append(measure(browser, bare_url, allowed)["ready"])
            home.append(measure(browser, app_url + "/", allowed))
    finally:
        bare.shutdown()
        app.send_signal(signal.SIGTERM)
        app.wait(timeout=10)

    median = lambda key: statistics.median(run[key] for run in home)  # noqa: E731
    ratio = median("ready") / statistics.median(empty)
    print(f"home map says {home[-1]['count']!r}; {home[-1]['requests']} requests before the first clusters, "
          f"the clusters answer {home[-1]['clusters_bytes']:,} bytes")
    print(f"cold (first load after start): first clusters {cold['first']} ms, ready {cold['ready']} ms, "
          f"{cold['bytes']:,} bytes, heap {cold['heap'] / 2**20:.1f} MB")
    print(summary("bare Leaflet page ready", empty))
    print(summary("home: first clusters", [r["first"] for r in home]))
    print(summary("home: map ready", [r["ready"] for r in home]))
    print(summary("home: KB before first clusters", [r["bytes"] / 1024 for r in home], "KB"))
    print(summary("home: JS heap MB", [r["heap"] / 2**20 for r in home], "MB"))
    verdict = lambda ok: "met" if ok else "NOT met"  # noqa: E731
    print(f"targets: first clusters <= {TARGET_FIRST_MS} ms {verdict(median('first') <= TARGET_FIRST_MS)} "
          f"(cold {verdict(cold['first'] <= TARGET_FIRST_MS)}); "
          f"bytes <= 300 KB {verdict(median('bytes') <= TARGET_BYTES)}; "
          f"heap <= 60 MB {verdict(median('heap') <= TARGET_HEAP)}; ready / bare {ratio:.2f} <= {TARGET_RATIO} "
          f"{verdict(ratio <= TARGET_RATIO)}")
    return {"n": n, "ratio": ratio, "first": median("first"), "cold_first": cold["first"], "bytes": median("bytes"),
            "heap": median("heap"), "ready": median("ready"), "bare": statistics.median(empty)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    results = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM,
                                             args=["--headless", "--no-sandbox", "--disable-gpu"])
        for n in (int(size) for size in args.sizes.split(",")):
            results.append(run_size(browser, n, args.seed, args.runs))
        browser.close()
    print("\n| projects | bare page ready | home first clusters (cold) | home ready | ready ÷ bare | "
          "KB before first clusters | JS heap MB |")
    print("|---|---|---|---|---|---|---|")
    for r in results:
        print(f"| {r['n']:,} | {r['bare']:.0f} ms | {r['first']:.0f} ms ({r['cold_first']} ms) | {r['ready']:.0f} ms | "
              f"{r['ratio']:.2f} | {r['bytes'] / 1024:.0f} | {r['heap'] / 2**20:.1f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
