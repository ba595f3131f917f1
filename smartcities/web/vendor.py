"""/vendor/…: Leaflet and Leaflet.markercluster served from the installed xstatic packages (CDN fallback)."""
from __future__ import annotations

import base64
import hashlib
from functools import lru_cache
from pathlib import Path

from flask import Blueprint, abort, send_from_directory
from xstatic.pkg import leaflet, leaflet_markercluster

from smartcities.security import CDN_ORIGIN

bp = Blueprint("vendor", __name__, url_prefix="/vendor")


@bp.app_context_processor
def leaflet_assets() -> dict:
    return {"vendor_sri": sri, "vendor_cdn": CDN_URLS}

PACKAGES = {"leaflet": leaflet, "leaflet.markercluster": leaflet_markercluster}
LEAFLET_VERSION = leaflet.VERSION
MARKERCLUSTER_VERSION = leaflet_markercluster.VERSION


@bp.get("/<package>/<path:filename>")
def asset(package: str, filename: str):
    """A file of a vendored package, cached for a year (the URL changes with the version)."""
    pkg = PACKAGES.get(package)
    if pkg is None:
        abort(404)
    return send_from_directory(pkg.BASE_DIR, filename, max_age=31536000)


@lru_cache(maxsize=None)
def sri(package: str, filename: str) -> str:
    """Subresource Integrity hash of our vendored copy; the pinned CDN serves the same bytes."""
    data = (Path(PACKAGES[package].BASE_DIR) / filename).read_bytes()
    return "sha384-" + base64.b64encode(hashlib.sha384(data).digest()).decode()


CDN_URLS = {
    "leaflet": f"{CDN_ORIGIN}/leaflet@{LEAFLET_VERSION}/dist/",
    "leaflet.markercluster": f"{CDN_ORIGIN}/leaflet.markercluster@{MARKERCLUSTER_VERSION}/dist/",
}
