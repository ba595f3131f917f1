"""Times public pages that grow with the registry: /stats (cold, then cached per public data version), a city
page, an organisation page, and checks that a draft save leaves the public ETag alone.

Run from the repo root: .venv/bin/python bench/pages_bench.py [--n 10000] [--runs 20]
Builds a scratch SQLite (or $BENCH_DATABASE_URL) with `db upgrade`, `seed` and `projects import` of
make_dataset.py's Project CSV, then asks the app in-process (Flask's test client, no network).
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATASET = ROOT.parent / "shared" / "bench" / "make_dataset.py"
sys.path.insert(0, str(ROOT))


def flask(env: dict, *args: str) -> None:
    subprocess.run([str(ROOT / ".venv" / "bin" / "flask"), "--app", "app", *args], cwd=ROOT, env=env,
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def timed(client, url: str, runs: int) -> tuple[float, float, int]:
    """Median and p95 in ms over `runs` GETs, and the body size of the last one."""
    times, size = [], 0
    for _ in range(runs):
        start = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (url, response.status_code)
        size = len(response.data)
    times.sort()
    return statistics.median(times), times[int(0.95 * (len(times) - 1))], size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="ascn-pages-"))
    csv_path = work / "projects.csv"
    subprocess.run([sys.executable, str(DATASET), "--n", str(args.n), "--seed", "42", "--format", "project-csv",
                    "--out", str(csv_path)], check=True)
    url = os.environ.get("BENCH_DATABASE_URL", f"sqlite:///{work / 'bench.db'}")
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "bench", "GEOCODER": "offline"}
    flask(env, "db", "upgrade")
    flask(env, "seed")
    flask(env, "projects", "import", str(csv_path))

    from smartcities import create_app
    from smartcities.extensions import db
    from smartcities.organisations.models import Organisation
    from smartcities.projects.models import Project

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "LEAFLET_CDN": False,
                      "GEOCODER": "offline", "RATELIMIT_ENABLED": False})
    client = app.test_client()
    with app.app_context():
        busiest = db.session.execute(
            db.select(Organisation.id).join(Organisation.participations).group_by(Organisation.id)
            .order_by(db.func.count().desc()).limit(1)).scalar()
    start = time.perf_counter()
    client.get("/stats")
    cold = (time.perf_counter() - start) * 1000
    print(f"database: {url.split('://')[0]}  projects: {args.n}")
    print(f"/stats first request after a change: {cold:.0f} ms")
    for label, page in (("/stats, nothing changed", "/stats"), ("/cities/bangkok", "/cities/bangkok"),
                        ("/cities/bangkok?page=2", "/cities/bangkok?page=2"),
                        (f"/organisations/{busiest}", f"/organisations/{busiest}")):
        median, p95, size = timed(client, page, args.runs)
        print(f"{label}: median {median:.1f} ms, p95 {p95:.1f} ms, {size / 1024:.0f} KB")
    before = client.get("/api/v1/projects.geojson?limit=1").headers["ETag"]
    with app.app_context():
        draft = db.session.scalars(db.select(Project).limit(1)).one()
        draft_id = draft.id
        draft.status = "draft"
        db.session.commit()
    after = client.get("/api/v1/projects.geojson?limit=1").headers["ETag"]
    print(f"public ETag after a project leaves publication: {'changed' if after != before else 'SAME (wrong)'}")
    with app.app_context():
        db.session.get(Project, draft_id).summary = "Edited while a draft"  # a draft's save
        db.session.commit()
    again = client.get("/api/v1/projects.geojson?limit=1").headers["ETag"]
    print(f"public ETag after a draft's save: {'unchanged' if again == after else 'CHANGED (leak)'}")


if __name__ == "__main__":
    main()
