#!/usr/bin/env python3
"""Home-map benchmark: navigation to clusters drawn with 10,000 projects, against a bare Leaflet page.

    .venv/bin/python bench/map_bench.py [--n 10000] [--seed 42] [--runs 7]

Builds a scratch SQLite database (migrate, seed, `projects import` of make_dataset.py's project CSV),
serves the app with gunicorn (2 workers, LEAFLET_CDN=0) and, from this script, a bare page with an
empty Leaflet map using the same vendored files. Headless Chromium opens each page in a fresh context
(cold browser cache, every off-machine request aborted) and reads the time, from navigation start, at
which the page says its map is ready: map.js sets data-map-ready once the clusters are on the map.
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
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
MAKE_DATASET = Path(os.environ.get("MAKE_DATASET", ROOT.parent / "shared" / "bench" / "make_dataset.py"))
CHROMIUM = "/usr/bin/chromium"
READY = "() => document.documentElement.dataset.mapReady"
TARGET_MS, TARGET_RATIO = 2000, 3.0

# The baseline: Leaflet and markercluster from the same server, an empty map with the same tile layer.
BARE_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>bare map</title>
<link rel="stylesheet" href="{app}/vendor/leaflet/leaflet.css">
<link rel="stylesheet" href="{app}/vendor/leaflet.markercluster/MarkerCluster.css">
<style>html, body, #map {{ height: 100%; margin: 0; }}</style>
<script src="{app}/vendor/leaflet/leaflet.js"></script>
<script src="{app}/vendor/leaflet.markercluster/leaflet.markercluster.js"></script></head>
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
           "SMARTCITIES_ENV": "development"}
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


def warm_up(app_url: str) -> None:
    """Fill each gunicorn worker's response cache: concurrent requests reach both workers."""
    def fetch(_):
        request = urllib.request.Request(app_url + "/api/v1/projects.geojson", headers={"Accept-Encoding": "gzip"})
        with urllib.request.urlopen(request, timeout=60) as response:
            response.read()
    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(fetch, range(8)))


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
    """One cold load: ms from navigation start to map ready, and what the data request cost."""
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    context.route("**/*", lambda route: route.continue_() if route.request.url.startswith(allowed) else route.abort())
    page = context.new_page()
    page.goto(url)
    page.wait_for_function(READY, timeout=60000)
    result = page.evaluate("""() => {
        const data = performance.getEntriesByType("resource").find(e => e.name.includes("projects.geojson"));
        const parsed = performance.getEntriesByName("map:projects-parsed")[0];
        const script = performance.getEntriesByType("resource").find(e => e.name.endsWith("/js/map.js"));
        return {ready: Number(document.documentElement.dataset.mapReady),
                parsed: parsed ? Math.round(parsed.startTime) : null,
                script: script ? Math.round(script.responseEnd) : null,
                count: (document.getElementById("result-count") || {}).textContent || "",
                data_end: data ? Math.round(data.responseEnd) : null,
                data_bytes: data ? data.encodedBodySize : null, data_raw: data ? data.decodedBodySize : null};
    }""")
    context.close()
    return result


def summary(label: str, samples: list[int]) -> str:
    return (f"{label:12} median {statistics.median(samples):7.0f} ms   min {min(samples):6d}   "
            f"max {max(samples):6d}   ({len(samples)} runs)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="map-bench-"))
    started = time.perf_counter()
    env = build_database(workdir, args.n, args.seed)
    print(f"database with {args.n} projects built in {time.perf_counter() - started:.1f} s ({workdir})")
    port = free_port()
    app = start_app(env, port)
    app_url = f"http://127.0.0.1:{port}"
    bare = start_bare_page(app_url)
    bare_url = f"http://127.0.0.1:{bare.server_port}/"
    allowed = (app_url, bare_url)
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM,
                                                 args=["--headless", "--no-sandbox", "--disable-gpu"])
            warm_up(app_url)
            measure(browser, app_url + "/", allowed)      # warm-up: Chromium, imports, first queries
            measure(browser, bare_url, allowed)
            full, empty, runs = [], [], []
            for _ in range(args.runs):                  # interleaved, so drift hits both alike
                empty.append(measure(browser, bare_url, allowed)["ready"])
                runs.append(measure(browser, app_url + "/", allowed))
                full.append(runs[-1]["ready"])
            browser.close()
    finally:
        bare.shutdown()
        app.send_signal(signal.SIGTERM)
        app.wait(timeout=10)

    ratio = statistics.median(full) / statistics.median(empty)
    last = runs[-1]
    print(f"home map: {last['count']!r}; data {last['data_bytes']:,} bytes on the wire "
          f"({last['data_raw']:,} uncompressed)")
    print(summary("bare page", empty))
    print(summary("full map", full))
    median = lambda key: statistics.median(run[key] for run in runs)  # noqa: E731
    print(f"full map, medians: data received {median('data_end'):.0f} ms, parsed {median('parsed'):.0f} ms; "
          f"map.js received {median('script'):.0f} ms; markers, clusters and list drawn {median('ready'):.0f} ms")
    print(f"full map <= {TARGET_MS} ms: {'met' if statistics.median(full) <= TARGET_MS else 'NOT met'}; "
          f"full/bare {ratio:.2f} <= {TARGET_RATIO}: {'met' if ratio <= TARGET_RATIO else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
