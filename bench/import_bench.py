"""Times `flask projects import` of a 100,000-row Project file into a scratch SQLite (or $BENCH_DATABASE_URL).

Run from the repo root: .venv/bin/python bench/import_bench.py [--n 100000]
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATASET = ROOT.parent / "shared" / "bench" / "make_dataset.py"


def flask(env: dict, *args: str) -> float:
    """Run one flask command, return its wall time in seconds."""
    start = time.perf_counter()
    subprocess.run([str(ROOT / ".venv" / "bin" / "flask"), "--app", "app", *args], cwd=ROOT, env=env,
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=100_000)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="ascn-import-"))
    csv_path = work / "projects.csv"
    subprocess.run([sys.executable, str(DATASET), "--n", str(args.n), "--seed", "42", "--format", "project-csv",
                    "--out", str(csv_path)], check=True)
    url = os.environ.get("BENCH_DATABASE_URL", f"sqlite:///{work / 'bench.db'}")
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "bench"}
    flask(env, "db", "upgrade")
    flask(env, "seed")
    seconds = flask(env, "projects", "import", str(csv_path))
    size = csv_path.stat().st_size / 1e6
    print(f"database: {url.split('://')[0]}")
    print(f"rows: {args.n}  file: {size:.1f} MB  import: {seconds:.1f} s  ({args.n / seconds:,.0f} rows/s)")


if __name__ == "__main__":
    main()
