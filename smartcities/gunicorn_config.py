"""gunicorn settings for the portal: `gunicorn --config python:smartcities.gunicorn_config app:app`.

Metrics: each worker writes its values to files in PROMETHEUS_MULTIPROC_DIR and /metrics adds up every worker's.
The master prepares that directory before the first worker starts (ascn-web.service names /run/ascn/metrics;
without it, a temporary one), so the app must be loaded in the workers, not preloaded into the master:
prometheus_client chooses between memory and files when it is first imported.
"""
from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

MULTIPROC_DIR = "PROMETHEUS_MULTIPROC_DIR"  # prometheus_client's name (smartcities.metrics is not imported here)
_temporary: list[Path] = []  # the directory on_starting made, if any, for on_exit to remove


def on_starting(server):
    """Give the workers an empty metrics directory: values of an earlier run are not this run's."""
    given = os.environ.get(MULTIPROC_DIR, "").strip()
    if given:
        directory = Path(given)
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        for stale in directory.glob("*.db"):  # only prometheus_client's files, whatever else is there
            stale.unlink()
    else:
        directory = Path(tempfile.mkdtemp(prefix="ascn-metrics-"))
        _temporary.append(directory)
    os.environ[MULTIPROC_DIR] = str(directory)


def post_worker_init(worker):
    """Each worker builds its overlap index in the background as soon as it starts."""
    from smartcities.overlap.index import warm_up

    warm_up(worker.wsgi)


def child_exit(server, worker):
    """A worker has gone: drop its live gauges; its counters stay, so totals never go back."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def on_exit(server):
    """Remove a temporary metrics directory; a named one stays until the next start empties it."""
    for directory in _temporary:
        shutil.rmtree(directory, ignore_errors=True)
