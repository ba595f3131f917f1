"""Open-data answers shared by every worker: a change of the public data costs one build, not one per worker.

`SHARED_CACHE_URL` names the store: `redis://…` (several machines) or `file:///dir` (one machine; the default is
`instance/answer-cache`), or `none`. Each answer is stored under its ETag, which already holds the data version,
so an answer is never served for other data; the builder of an answer holds a lock on its name, and a worker that
wants the same answer meanwhile waits for it instead of building it again. Only answers of at least
`SHARED_CACHE_MIN_BYTES` are shared: small ones cost less to build than to fetch.
"""
from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Protocol
from urllib.parse import urlsplit

import redis

WAIT_SECONDS = 30.0  # the longest a worker waits for another one's build before building the answer itself
POLL_SECONDS = 0.02
KEPT_VERSIONS = 2  # the current data version's folder and the one before it


class Stored(Protocol):
    """What an answer cache entry is made of (smartcities.api.http.Entry)."""

    body: bytes
    mimetype: str
    headers: dict[str, str]
    gzipped: bytes | None


class SharedAnswers(Protocol):
    """A store of serialised answers that every worker reads and writes."""

    def get(self, version: str, name: str) -> tuple[bytes, str, dict[str, str], bytes | None] | None: ...

    def put(self, version: str, name: str, entry: Stored) -> None: ...

    def add_gzip(self, version: str, name: str, gzipped: bytes) -> None: ...

    def building(self, version: str, name: str) -> contextlib.AbstractContextManager[None]: ...


def _meta(entry: Stored) -> bytes:
    return json.dumps({"mimetype": entry.mimetype, "headers": entry.headers}).encode()


class FileAnswers:
    """Answers in files on this machine: one directory per data version, older versions' directories removed."""

    def __init__(self, directory: Path, max_bytes: int):
        self.directory, self.max_bytes = directory, max_bytes

    def _folder(self, version: str) -> Path:
        return self.directory / version

    def _open_folder(self, version: str) -> Path:
        """This version's folder, made when it is new; then only the one made before it stays beside it (a
        replica that lags serves the version before the primary's, and both are asked for meanwhile)."""
        folder = self._folder(version)
        if not folder.is_dir():
            folder.mkdir(parents=True, exist_ok=True)
            others = sorted((other for other in self.directory.iterdir() if other.is_dir() and other != folder),
                            key=lambda other: other.stat().st_mtime, reverse=True)
            for old in others[KEPT_VERSIONS - 1:]:
                shutil.rmtree(old, ignore_errors=True)
        return folder

    def get(self, version: str, name: str):
        folder = self._folder(version)
        try:
            meta = json.loads((folder / f"{name}.meta").read_bytes())
            body = (folder / f"{name}.body").read_bytes()
        except (OSError, ValueError):
            return None
        try:
            gzipped: bytes | None = (folder / f"{name}.gz").read_bytes()
        except OSError:
            gzipped = None
        return body, meta["mimetype"], meta["headers"], gzipped

    def put(self, version: str, name: str, entry: Stored) -> None:
        folder = self._open_folder(version)
        if self._bytes(folder) + len(entry.body) + len(entry.gzipped or b"") > self.max_bytes:
            return  # full: this version's other answers stay; this one stays in the worker's own cache
        # The body before the meta file: a reader finds an answer only once it is whole (each file renamed in).
        self._write(folder / f"{name}.body", entry.body)
        if entry.gzipped is not None:
            self._write(folder / f"{name}.gz", entry.gzipped)
        self._write(folder / f"{name}.meta", _meta(entry))

    def add_gzip(self, version: str, name: str, gzipped: bytes) -> None:
        folder = self._folder(version)
        if folder.is_dir() and self._bytes(folder) + len(gzipped) <= self.max_bytes:
            self._write(folder / f"{name}.gz", gzipped)

    @contextlib.contextmanager
    def building(self, version: str, name: str) -> Iterator[None]:
        with open(self._open_folder(version) / f"{name}.lock", "a") as handle:
            deadline = time.monotonic() + WAIT_SECONDS
            while True:
                try:
                    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() > deadline:
                        break  # the other builder is stuck: build without the lock rather than fail
                    time.sleep(POLL_SECONDS)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    @staticmethod
    def _write(path: Path, data: bytes) -> None:
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".part-")
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.replace(temporary, path)

    @staticmethod
    def _bytes(folder: Path) -> int:
        return sum(entry.stat().st_size for entry in os.scandir(folder) if entry.is_file())


class RedisAnswers:
    """Answers in Redis, for workers on several machines; each expires after `ttl` seconds."""

    def __init__(self, url: str, ttl: int):
        self.client, self.ttl = redis.Redis.from_url(url), ttl

    @staticmethod
    def _key(version: str, name: str) -> str:
        return f"ascn:answer:{version}:{name}"

    def get(self, version: str, name: str):
        try:
            found = self.client.hgetall(self._key(version, name))
        except redis.RedisError:
            return None  # the store is a shortcut; without it the worker builds the answer itself
        if b"meta" not in found or b"body" not in found:
            return None
        meta = json.loads(found[b"meta"])
        return found[b"body"], meta["mimetype"], meta["headers"], found.get(b"gz")

    def put(self, version: str, name: str, entry: Stored) -> None:
        fields = {"body": entry.body, "meta": _meta(entry)}
        if entry.gzipped is not None:
            fields["gz"] = entry.gzipped
        key = self._key(version, name)
        try:
            with self.client.pipeline() as pipe:
                pipe.hset(key, mapping=fields).expire(key, self.ttl).execute()
        except redis.RedisError:
            pass

    def add_gzip(self, version: str, name: str, gzipped: bytes) -> None:
        key = self._key(version, name)
        with contextlib.suppress(redis.RedisError), self.client.pipeline() as pipe:
            pipe.hset(key, "gz", gzipped).expire(key, self.ttl).execute()

    @contextlib.contextmanager
    def building(self, version: str, name: str) -> Iterator[None]:
        lock = self._key(version, name) + ":lock"
        deadline, held = time.monotonic() + WAIT_SECONDS, False
        try:
            while not (held := bool(self.client.set(lock, os.getpid(), nx=True, px=int(WAIT_SECONDS * 1000)))):
                if time.monotonic() > deadline or self.client.exists(self._key(version, name)):
                    break  # built meanwhile (the caller reads it), or the builder is stuck
                time.sleep(POLL_SECONDS)
        except redis.RedisError:
            pass
        try:
            yield
        finally:
            if held:
                with contextlib.suppress(redis.RedisError):
                    self.client.delete(lock)


def from_url(url: str, max_bytes: int, ttl: int) -> SharedAnswers | None:
    """The store `url` names (checked by smartcities.config), or None for `none`."""
    scheme = urlsplit(url).scheme
    if scheme in ("redis", "rediss", "unix"):
        return RedisAnswers(url, ttl)
    if scheme == "file":
        return FileAnswers(Path(urlsplit(url).path), max_bytes)
    return None
