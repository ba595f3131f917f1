"""/vendor/…: Leaflet and Leaflet.markercluster served from the installed xstatic packages (CDN fallback)."""
from __future__ import annotations

from flask import Blueprint, abort, send_from_directory
from xstatic.pkg import leaflet, leaflet_markercluster

bp = Blueprint("vendor", __name__, url_prefix="/vendor")

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
