"""Saved copies of the overlap index: a new worker starts from the last one instead of reading every project, still
sees every change made since, and ignores a copy made by other engine code or a damaged one."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from smartcities.extensions import db
from smartcities.overlap import index, snapshots
from smartcities.overlap.engine import Draft

DRAFT = Draft(title="Canal water-level sensors for flood warnings", text="Sensors on canals warn residents.",
              city="bangkok", country="TH")


def _folder(app) -> Path:
    return Path(app.config["OVERLAP_CACHE_DIR"]) / "index"


def _new_worker(monkeypatch) -> None:
    """Forget this process's indexes, as a freshly started worker has none."""
    monkeypatch.setattr(index, "_indexes", {})


@pytest.fixture
def saved(app, make_project, monkeypatch):
    monkeypatch.setattr(index, "SNAPSHOT_AFTER", 1)
    shutil.rmtree(_folder(app), ignore_errors=True)   # copies an earlier test saved
    _new_worker(monkeypatch)
    project = make_project("Flood sensors on Bangkok's canals", summary="Water-level sensors warn residents.")
    with app.app_context():
        index.current_index(app.config["OVERLAP_RADIUS_KM"])
        assert not list(_folder(app).glob("*.pickle")), "a request never spends its time saving a copy"
        _new_worker(monkeypatch)
        index.current_index(app.config["OVERLAP_RADIUS_KM"], save_copy=True)   # as the warm-up asks
    assert list(_folder(app).glob("*.pickle")), "a large sync saves a copy"
    return project


def _flagged_projects(app) -> list[int]:
    with app.app_context():
        result = index.current_index(app.config["OVERLAP_RADIUS_KM"]).check(DRAFT)
    return [flag.project_id for flag in result.flags if flag.kind == "project"]


def test_a_new_worker_starts_from_the_copy_without_reading_projects(app, saved, monkeypatch):
    _new_worker(monkeypatch)

    def no_reading(*args):
        raise AssertionError("the copy holds every project: none is read again")
    monkeypatch.setattr(index, "project_doc", no_reading)
    assert saved.id in _flagged_projects(app)


def test_changes_since_the_copy_are_seen(app, saved, monkeypatch, make_project):
    saved.status = "archived"
    db.session.commit()
    later = make_project("Canal flood sensors, phase two", summary="More water-level sensors warn residents.")
    _new_worker(monkeypatch)
    found = _flagged_projects(app)
    assert later.id in found and saved.id not in found


def test_a_copy_from_other_engine_code_or_a_damaged_one_is_not_used(app, saved, monkeypatch):
    key = next(iter(index._indexes))
    monkeypatch.setattr(snapshots, "engine_version", lambda: "other-code")
    assert snapshots.load(_folder(app), key) is None
    monkeypatch.undo()
    for copy in _folder(app).glob("*.pickle"):
        copy.write_bytes(b"\x80\x05torn")
    assert snapshots.load(_folder(app), key) is None
    monkeypatch.setattr(index, "SNAPSHOT_AFTER", 10**9)
    _new_worker(monkeypatch)
    assert saved.id in _flagged_projects(app)      # built from the database instead
