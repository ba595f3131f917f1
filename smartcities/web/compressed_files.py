"""Static and vendored files sent gzip-compressed when the client accepts it, each compressed once per version.

Flask streams files as they are on disk, and Flask-Compress leaves streamed answers alone: without this a phone
downloads Leaflet and the basemap at full size (about 140 KB more on the home map). Behind nginx, which serves
/static itself (deploy/), this serves only /vendor.
"""
from __future__ import annotations

import gzip
import os
from functools import lru_cache

from flask import Flask, Response, request, send_from_directory
from werkzeug.security import safe_join

COMPRESSIBLE = (".js", ".css", ".json", ".geojson", ".svg", ".txt", ".map")
SMALLEST = 1024  # below this the gzip header costs about what it saves


@lru_cache(maxsize=128)
def _gzipped(path: str, _version: tuple[int, int]) -> bytes:
    with open(path, "rb") as file:
        return gzip.compress(file.read(), compresslevel=9, mtime=0)


def send_compressed(directory: str, filename: str, max_age: int | None) -> Response:
    """`send_from_directory`, gzip-encoded when the client accepts gzip and the file is text worth compressing."""
    response = send_from_directory(directory, filename, max_age=max_age)
    response.vary.add("Accept-Encoding")
    path = safe_join(directory, filename)
    if (response.status_code != 200 or path is None or not path.endswith(COMPRESSIBLE)
            or not request.accept_encodings["gzip"]):  # its quality: 0 when refused or not named
        return response
    stat = os.stat(path)
    if stat.st_size < SMALLEST:
        return response
    etag, _weak = response.get_etag()
    response.close()
    response.direct_passthrough = False
    response.set_data(_gzipped(path, (stat.st_mtime_ns, stat.st_size)))
    response.headers["Content-Encoding"] = "gzip"
    if etag:
        response.set_etag(f"{etag}-gzip")  # another representation, another tag
    return response.make_conditional(request)


def register_static(app: Flask) -> None:
    """Serve the app's /static through `send_compressed`."""
    def static(filename: str) -> Response:
        return send_compressed(app.static_folder, filename, app.get_send_file_max_age(filename))
    app.view_functions["static"] = static
