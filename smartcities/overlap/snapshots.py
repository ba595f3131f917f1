"""Saved copies of a worker's overlap index, so the next worker starts from one instead of building it again.

At 100,000 projects building the index (reading every project, analysing its text) takes a minute or more;
loading a saved copy takes seconds, and the ordinary sync then brings it up to date (the rows changed since,
by updated_at, and the removed ones), so a copy can never make a check miss anything: at worst it is older.
A copy is kept per database, radius and sentence model, and only for the engine's code that made it (a changed
lexicon or analysis means different features). Copies are pickles written by the portal itself under its
instance folder, which is as trusted as its secret key; they are never read from anywhere else.
"""
from __future__ import annotations

import hashlib
import logging
import os
# Pickle reads only files this application wrote under its own instance folder (see the docstring).
import pickle  # nosec B403
import threading
from functools import cache
from pathlib import Path
from typing import Any

import smartcities.overlap.engine as engine_package

log = logging.getLogger(__name__)
FORMAT = 1


@cache
def engine_version() -> str:
    """A digest of the engine's source: a copy made by other code is not used."""
    digest = hashlib.sha256(str(FORMAT).encode())
    for module in sorted(Path(engine_package.__file__).parent.glob("*.py")):
        digest.update(module.name.encode() + b"\0" + module.read_bytes())
    return digest.hexdigest()[:16]


def path_for(folder: Path, key: tuple) -> Path:
    name = hashlib.sha256(repr(key).encode()).hexdigest()[:24]
    return folder / f"{name}-{engine_version()}.pickle"


def load(folder: Path, key: tuple) -> dict[str, Any] | None:
    """The saved state for this key and engine, or None (none saved, unreadable, or from other code)."""
    path = path_for(folder, key)
    try:
        with path.open("rb") as file:
            state = pickle.load(file)  # nosec B301
    except FileNotFoundError:
        return None
    except Exception:  # a torn or foreign file costs a build, never a start
        log.warning("overlap index snapshot %s could not be read; building the index instead", path.name)
        return None
    return state if isinstance(state, dict) and state.get("key") == key else None


def save(folder: Path, key: tuple, state: dict[str, Any]) -> None:
    """Write the state atomically (another worker reads a whole copy or none); old copies of the key go."""
    path = path_for(folder, key)
    partial = path.with_suffix(f".{os.getpid()}.{threading.get_ident()}.tmp")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with partial.open("wb") as file:
            pickle.dump({**state, "key": key}, file, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(partial, path)
        for old in folder.glob(f"{path.name.rsplit('-', 1)[0]}-*.pickle"):
            if old != path:
                old.unlink(missing_ok=True)
    except OSError:
        partial.unlink(missing_ok=True)
        log.warning("overlap index snapshot could not be written to %s", folder)
