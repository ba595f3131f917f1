"""While a worker's overlap index is being built (a fresh worker on a large registry), a check is answered at
once with 503 and Retry-After instead of holding the worker past gunicorn's timeout (which killed the worker, and
its replacement started the build again: at 100,000 projects no check was ever answered)."""
from __future__ import annotations

import threading
import time

from smartcities.overlap import index, services

DRAFT = {"title": "Smart poles with PM2.5 sensors", "city": "bangkok", "focus_areas": ["Quality Environment"]}


def held_index(app):
    """The index of the test database, made if need be, so that its lock can be held as a build holds it."""
    with app.app_context():
        index.current_index(app.config["OVERLAP_RADIUS_KM"])
        return index._indexes[index.index_key(app.config["OVERLAP_RADIUS_KM"], index.configured_embedder())]


def test_a_check_during_a_build_is_told_to_come_back(app, client, monkeypatch):
    monkeypatch.setattr(services, "REQUEST_WAIT", 0.2)
    synced = held_index(app)
    with synced.lock:  # a build under way in another thread
        started = time.monotonic()
        busy = client.post("/api/v1/overlap-check", json=DRAFT)
        waited = time.monotonic() - started
    assert busy.status_code == 503 and busy.mimetype == "application/problem+json"
    assert int(busy.headers["Retry-After"]) >= 30 and "try again" in busy.json["detail"]
    assert waited < 2
    assert client.post("/api/v1/overlap-check", json=DRAFT).status_code == 200  # once it is built


def test_a_check_waits_for_a_short_sync(app, client):
    """An incremental sync by another request takes milliseconds: that is waited for, not refused."""
    synced = held_index(app)
    synced.lock.acquire()
    threading.Timer(0.3, synced.lock.release).start()
    assert client.post("/api/v1/overlap-check", json=DRAFT).status_code == 200
