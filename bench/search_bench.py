"""Search benchmark (issue 11.4): `q=` through the text index at 1,000 and 100,000 published projects.

    .venv/bin/python bench/search_bench.py                         # 1,000 and 100,000 on both databases
    .venv/bin/python bench/search_bench.py --sizes 1000 --db sqlite --runs 5

For each database and size N: a fresh database loaded as bench/scale.py loads it (make_dataset.py's N projects,
seed 42, through `projects import`), plus five published projects whose titles hold a word nothing else uses.
Then, in process (Flask's test client; a throw-away parameter keeps the answer cache out of it), the median of
--runs requests of: the API's first page (`/api/v1/projects?q=…&limit=50`, with the total), the map's clusters of
the region at zoom 5, and the list beside the map (100 rows). Queries: a rare word, the same misspelt, a common
title word, a misspelt city, a folded place name, a partner's name, a word inside Thai titles.
Prints one table per (database, N) with the matches, then the 100,000 ÷ 1,000 ratios (issue target: 1.5×).
A common word matches a share of every registry (5 % of the projects at any N), so its answer grows with N;
the rare word's does not, which is what the index changes.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from scale import load, psql  # noqa: E402

RARE = "zyxolite"
QUERIES = {
    "rare word": RARE,
    "rare word misspelt": "zyxolyte",
    "common word": "flood warning",
    "misspelt city": "kuala lumpor",
    "folded place": "da nang",
    "partner name": "green climate fund",
    "Thai inside a title": "น้ำท่วม",
}
ENDPOINTS = {
    "api page": "/api/v1/projects?limit=50&q={q}&_={i}",
    "map clusters": "/api/v1/map/clusters?bbox=92,-11,141,28&zoom=5&q={q}&_={i}",
    "map list": "/api/v1/map/projects?limit=100&q={q}&_={i}",
}


def add_rare_projects(app) -> None:
    """Five published projects with a word no generated project uses."""
    from smartcities.database import utcnow
    from smartcities.extensions import db
    from smartcities.geo.services import find_city
    from smartcities.projects.models import Project, ProjectSite
    with app.app_context():
        city = find_city("kuala-lumpur")
        for n in range(5):
            db.session.add(Project(title=f"{RARE.title()} survey {n}", city=city, status="published",
                                   published_at=utcnow(), summary="A rare word for the benchmark.",
                                   sites=[ProjectSite(position=0, latitude=city.latitude, longitude=city.longitude)]))
        db.session.commit()


def measure(app, runs: int) -> dict[str, dict[str, float]]:
    """{query label: {endpoint label: median ms, "matches": total}}."""
    from urllib.parse import quote
    client = app.test_client()
    figures: dict[str, dict[str, float]] = {}
    for label, q in QUERIES.items():
        row: dict[str, float] = {}
        for name, template in ENDPOINTS.items():
            times = []
            for i in range(runs + 1):
                start = time.perf_counter()
                response = client.get(template.format(q=quote(q), i=i))
                elapsed = (time.perf_counter() - start) * 1000
                assert response.status_code == 200, response.get_data(as_text=True)
                if i:  # the first request warms the connection and the vocabulary pages
                    times.append(elapsed)
                if name == "api page":
                    row["matches"] = response.get_json()["total"]
            row[name] = statistics.median(times)
        figures[label] = row
    return figures


def one_run(db: str, n: int, args: argparse.Namespace) -> dict[str, dict[str, float]]:
    with tempfile.TemporaryDirectory(prefix="search-bench-") as tmp:
        env, seconds = load(Path(tmp), db, n, args.pg_server)
        print(f"# {db}, {n:,} projects: loaded in {seconds:.0f} s", flush=True)
        os.environ.update({k: env[k] for k in ("DATABASE_URL", "SECRET_KEY", "GEOCODER", "SHARED_CACHE_URL")})
        from smartcities import create_app
        from smartcities.extensions import db as database
        app = create_app({"RATELIMIT_ENABLED": False})
        add_rare_projects(app)
        figures = measure(app, args.runs)
        with app.app_context():
            database.engine.dispose()
        if db == "postgresql":
            psql(args.pg_server, f'DROP DATABASE IF EXISTS "bench_scale_{n}" WITH (FORCE)')
    print(f"| query | matches | {' | '.join(ENDPOINTS)} (median ms) |")
    print("|---|---:|" + "---:|" * len(ENDPOINTS))
    for label, row in figures.items():
        print(f"| {label} `{QUERIES[label]}` | {int(row['matches']):,} | "
              + " | ".join(f"{row[name]:.1f}" for name in ENDPOINTS) + " |")
    print(flush=True)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="1000,100000")
    parser.add_argument("--db", default="sqlite,postgresql")
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--pg-server", default="postgresql://postgres@127.0.0.1:5432")
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",")]
    for db in args.db.split(","):
        runs = {n: one_run(db, n, args) for n in sizes}
        if len(sizes) > 1:
            small, big = runs[sizes[0]], runs[sizes[-1]]
            print(f"{db}: {sizes[-1]:,} ÷ {sizes[0]:,}")
            for label in QUERIES:
                print(f"  {label:22}" + "  ".join(f"{name} {big[label][name] / small[label][name]:.2f}×"
                                                 for name in ENDPOINTS))
            print(flush=True)


if __name__ == "__main__":
    main()
