"""HTTP for the open data (API, OGC, feeds): data version, ETag/Last-Modified and 304, response cache, CORS."""
from __future__ import annotations

import gzip
import hashlib
import json
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import wraps
from pathlib import Path
from typing import Any

from flask import Blueprint, Flask, Response, current_app, request

from smartcities import public_version
from smartcities.api import shared_answers
from smartcities.api.shared_answers import SharedAnswers
from smartcities.metrics import CACHE_LOOKUPS

GZIP_MIN_BYTES = 1024
CACHE_KEY = "open_data_cache"
DEFAULT_CACHE_BYTES = 128 * 1024 * 1024
EXPOSED_HEADERS = "ETag, Last-Modified, Content-Disposition"

def _code_revision() -> str:
    """Changes with the code that shapes responses, so that after a deploy no client keeps an old format."""
    root = Path(__file__).resolve().parent.parent
    digest = hashlib.blake2b(digest_size=8)
    for path in sorted([*root.glob("api/*.py"), *root.glob("feeds/*.py"), *root.glob("ogc/*.py"),
                        *root.glob("iati/*.py"), root / "documents" / "api.py", *(root / "projects" / name for name in (
                            "queries.py", "map_points.py", "map_clusters.py"))]):
        digest.update(path.read_bytes())
    return digest.hexdigest()


CODE_REVISION = _code_revision()


@dataclass(frozen=True)
class DataVersion:
    """A cheap fingerprint of the public data (`tag`) and when it last changed (`modified`)."""

    tag: str
    modified: datetime

    @property
    def digest(self) -> str:
        """The tag as a short name (of the shared store's folder or key prefix)."""
        return hashlib.blake2b(self.tag.encode(), digest_size=8).hexdigest()


def _aware(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def data_version() -> DataVersion:
    """The current version of the public data (smartcities.public_version), with the code's revision."""
    version, changed_at = public_version.current()
    modified = _aware(changed_at)
    # the moment as well as the count: a database restored from a backup goes back to an earlier state
    return DataVersion(f"{version}|{modified.isoformat()}|{CODE_REVISION}", modified)


@dataclass
class Entry:
    """A serialised 200 response; its gzip form is made once, when a client first asks for it."""

    body: bytes
    mimetype: str
    headers: dict[str, str]
    gzipped: bytes | None = field(default=None, repr=False)
    shared: tuple[str, str] | None = None  # (version, name) in the shared store, once it is there

    @property
    def size(self) -> int:
        """Bytes this entry holds."""
        return len(self.body) + len(self.gzipped or b"")


class ResponseCache:
    """This worker's serialised responses, least recently used first out, bounded in bytes.

    Keys include the data version, so an entry can never be served after the data changed, whichever
    worker changed it: each worker only keeps copies it can rebuild from the database.
    """

    def __init__(self, max_bytes: int, shared: SharedAnswers | None = None, shared_min_bytes: int = 0):
        self.max_bytes, self.shared, self.shared_min_bytes = max_bytes, shared, shared_min_bytes
        self._entries: OrderedDict[tuple, Entry] = OrderedDict()
        self._lock = threading.Lock()

    def fetch(self, key: tuple, version: str, name: str, build: Callable[[], Entry | None]) -> Entry | None:
        """The entry under `key`: this worker's copy, else the shared one, else built here (None: not cacheable).

        While one worker builds an answer under `name`, the others wanting it wait for it in the shared store.
        """
        entry = self.get(key)
        if entry is None and self.shared is not None:
            entry = self._shared_entry(version, name)
            if entry is None:
                with self.shared.building(version, name):
                    entry = self._shared_entry(version, name) or self._build_shared(version, name, build)
        elif entry is None:
            entry = build()
        if entry is not None:
            self.put(key, entry)
        return entry

    def _shared_entry(self, version: str, name: str) -> Entry | None:
        found = self.shared.get(version, name)
        if found is None:
            return None
        CACHE_LOOKUPS.labels("shared").inc()
        return Entry(*found, shared=(version, name))

    def _build_shared(self, version: str, name: str, build: Callable[[], Entry | None]) -> Entry | None:
        entry = build()
        if entry is not None and entry.size >= self.shared_min_bytes:
            self.shared.put(version, name, entry)
            entry.shared = (version, name)
        return entry

    def get(self, key: tuple) -> Entry | None:
        """The entry under `key`, marked as recently used, or None."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                self._entries.move_to_end(key)
        CACHE_LOOKUPS.labels("hit" if entry is not None else "miss").inc()
        return entry

    def put(self, key: tuple, entry: Entry) -> None:
        """Keep `entry`, dropping the least recently used ones beyond the byte budget."""
        if entry.size > self.max_bytes:
            return
        with self._lock:
            self._entries[key] = entry
            self._entries.move_to_end(key)
            self._trim()

    def grow(self, entry: Entry, gzipped: bytes) -> None:
        """Attach the gzip form of a cached entry (and re-check the budget); shared entries share it too."""
        with self._lock:
            entry.gzipped = gzipped
            self._trim()
        if entry.shared is not None and self.shared is not None:
            self.shared.add_gzip(*entry.shared, gzipped)

    def _trim(self) -> None:
        total = sum(e.size for e in self._entries.values())
        while total > self.max_bytes and self._entries:
            _, dropped = self._entries.popitem(last=False)
            total -= dropped.size


def json_response(data: Any, mimetype: str = "application/json") -> Response:
    """Compact UTF-8 JSON (non-ASCII kept as is: Thai, Khmer and Vietnamese names stay readable)."""
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return current_app.response_class(body.encode("utf-8"), mimetype=mimetype)


def _client_has(etag: str, modified: datetime) -> bool:
    """Does the client's conditional request match? If-None-Match wins over If-Modified-Since (RFC 9110)."""
    tags = request.if_none_match
    if tags:
        # Flask-Compress appends ":gzip" (":br", ...) to the tag of a compressed body: same representation.
        return tags.star_tag or any(tag.split(":")[0] == etag for tag in tags.as_set(include_weak=True))
    since = request.if_modified_since
    return since is not None and modified.replace(microsecond=0) <= since


def _validators(response: Response, etag: str, modified: datetime) -> Response:
    response.set_etag(etag)
    response.last_modified = modified
    response.headers["Cache-Control"] = "public, no-cache"
    return response


def _not_modified(etag: str, modified: datetime) -> Response:
    return _validators(current_app.response_class(status=304), etag, modified)


def _wants_gzip() -> bool:
    return request.accept_encodings["gzip"] > 0


def versioned(view: Callable[..., Response]) -> Callable[..., Response]:
    """Serve a GET view's 200 answer from the cache while the data version is unchanged; ETag from the key.

    For views whose answer depends only on the request and the public data that `data_version()` watches.
    """
    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Response:
        version = data_version()
        key = (request.endpoint, request.host_url, tuple(sorted(kwargs.items())),
               tuple(sorted(request.args.items(multi=True))), version.tag)
        etag = hashlib.blake2b(repr(key).encode(), digest_size=16).hexdigest()
        if _client_has(etag, version.modified):
            return _not_modified(etag, version.modified)
        cache: ResponseCache = current_app.extensions[CACHE_KEY]
        refused: list[Response] = []

        def build() -> Entry | None:
            fresh = view(*args, **kwargs)
            if fresh.status_code != 200:
                refused.append(fresh)
                return None
            extra = {k: v for k, v in fresh.headers.items() if k == "Content-Disposition"}
            return Entry(fresh.get_data(), fresh.mimetype, extra)

        entry = cache.fetch(key, version.digest, etag, build)
        if entry is None:
            return refused[0]
        response = _cached_response(entry, cache)
        if response.content_encoding:  # a distinct representation needs its own strong tag
            etag = f"{etag}:{response.content_encoding}"
        return _validators(response, etag, version.modified)
    return wrapper


def _cached_response(entry: Entry, cache: ResponseCache) -> Response:
    body, headers = entry.body, dict(entry.headers)
    if len(body) >= GZIP_MIN_BYTES and _wants_gzip():
        if entry.gzipped is None:
            cache.grow(entry, gzip.compress(body, compresslevel=6))
        body, headers["Content-Encoding"] = entry.gzipped, "gzip"
    return current_app.response_class(body, mimetype=entry.mimetype, headers=headers)


def is_open_data(path: str) -> bool:
    """Paths of the open data: the JSON API and its docs, the OGC API, the JSON feeds."""
    return path.startswith(("/api/", "/ogc")) or path.endswith("/feed.json")


def _finish(response: Response) -> Response:
    """CORS on every public GET of the open data; body-hash ETag and 304 where `versioned` was not used."""
    if request.method not in ("GET", "HEAD") or not is_open_data(request.path):
        return response
    if response.status_code == 200 and not response.is_streamed and "ETag" not in response.headers:
        etag = hashlib.blake2b(response.get_data(), digest_size=16).hexdigest()
        modified = data_version().modified
        response = (_not_modified(etag, modified) if _client_has(etag, modified)
                    else _validators(response, etag, modified))
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Access-Control-Expose-Headers"] = EXPOSED_HEADERS
    return response


def register_http(bp: Blueprint) -> None:
    """Install the open-data response hook and this app's response cache (call once, on the API blueprint)."""
    def setup(state: Any) -> None:
        app: Flask = state.app
        shared = shared_answers.from_url(app.config["SHARED_CACHE_URL"], app.config["SHARED_CACHE_BYTES"],
                                         app.config["SHARED_CACHE_TTL"])
        app.extensions[CACHE_KEY] = ResponseCache(app.config.get("OPEN_DATA_CACHE_BYTES", DEFAULT_CACHE_BYTES),
                                                  shared, app.config["SHARED_CACHE_MIN_BYTES"])
    bp.record_once(setup)
    bp.after_app_request(_finish)
