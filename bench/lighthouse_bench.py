#!/usr/bin/env python3
"""Lighthouse benchmark (issue 11.3): Lighthouse 12's mobile scores of six pages with 10,000 projects, offline.

    .venv/bin/python bench/lighthouse_bench.py [--n 10000] [--runs 3]

Installs Lighthouse 12 from npm into bench/out/lighthouse on first use (npm answers here; nothing else is
needed), builds a scratch SQLite database as bench/map_bench.py does (make_dataset.py's N projects), serves it
with gunicorn (2 workers, LEAFLET_CDN=0, TILE_URL empty: the offline basemap) and runs Lighthouse with its default
mobile settings (simulated slow 4G and a 4× slower CPU) in Debian's Chromium on: the home map, a city page, a
project page, /stats, /organisations and /plans. Prints the median of --runs for each category, and the
performance metrics of the median run. Lighthouse measures this machine's CPU: on a busy one, performance drops.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from map_bench import build_database, free_port, start_app  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
TOOL = ROOT / "bench" / "out" / "lighthouse"
LIGHTHOUSE = TOOL / "node_modules" / ".bin" / "lighthouse"
PAGES = ("/", "/cities/bangkok", "/projects/{project}", "/stats", "/organisations", "/plans")
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
METRICS = ("first-contentful-paint", "largest-contentful-paint", "total-blocking-time", "cumulative-layout-shift")
TARGET = 0.9
CHROME_FLAGS = "--headless --no-sandbox --disable-gpu --disable-background-networking"


def install() -> None:
    if not LIGHTHOUSE.exists():
        TOOL.mkdir(parents=True, exist_ok=True)
        subprocess.run(["npm", "install", "--no-audit", "--no-fund", "--prefix", str(TOOL), "lighthouse@12"],
                       check=True, stdout=subprocess.DEVNULL)


def audit(url: str, out: Path) -> dict:
    subprocess.run([str(LIGHTHOUSE), url, "--quiet", "--output=json", f"--output-path={out}",
                    f"--chrome-flags={CHROME_FLAGS}"], check=True,
                   env={**os.environ, "CHROME_PATH": "/usr/bin/chromium"},
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return json.loads(out.read_text())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    install()
    with tempfile.TemporaryDirectory(prefix="lighthouse-bench-") as tmp:
        work = Path(tmp)
        env = {**build_database(work, args.n, 42), "TILE_URL": ""}
        port = free_port()
        server = start_app(env, port)
        try:
            base = f"http://127.0.0.1:{port}"
            with urllib.request.urlopen(f"{base}/api/v1/projects?limit=1", timeout=30) as answer:
                project = json.load(answer)["items"][0]["id"]
            print(f"Lighthouse 12 mobile, {args.n:,} projects, offline basemap, median of {args.runs} runs\n")
            print("| page | " + " | ".join(CATEGORIES) + " | FCP | LCP | TBT | CLS |")
            print("|---|" + "---:|" * (len(CATEGORIES) + len(METRICS)))
            worst = 1.0
            for page in PAGES:
                path = page.format(project=project)
                reports = [audit(base + path, work / f"report-{n}.json") for n in range(args.runs)]
                reports.sort(key=lambda r: r["categories"]["performance"]["score"])
                middle = reports[len(reports) // 2]
                scores = [statistics.median(r["categories"][c]["score"] for r in reports) for c in CATEGORIES]
                worst = min(worst, *scores)
                metrics = [middle["audits"][m]["displayValue"].replace("\xa0", " ") for m in METRICS]
                print(f"| {path} | " + " | ".join(f"{s:.2f}" for s in scores) + " | " + " | ".join(metrics) + " |",
                      flush=True)
            print(f"\nlowest score {worst:.2f} (target ≥ {TARGET} in every category)")
        finally:
            server.terminate()
            server.wait()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
