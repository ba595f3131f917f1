"""/vendor/…: Leaflet and Leaflet.markercluster served from the installed xstatic packages (CDN fallback)."""
from __future__ import annotations

import base64
import hashlib
from functools import lru_cache
from pathlib import Path

from babel import Locale
from flask import Blueprint, abort
from sqlalchemy import select
from xstatic.pkg import leaflet, leaflet_markercluster

from smartcities.extensions import db
from smartcities.geo.basemap import ISO2
from smartcities.geo.models import Country
from smartcities.security import CDN_ORIGIN
from smartcities.web.compressed_files import send_compressed
from smartcities.web.labels import country_name

bp = Blueprint("vendor", __name__, url_prefix="/vendor")


@bp.app_context_processor
def leaflet_assets() -> dict:
    return {"vendor_sri": sri, "vendor_cdn": CDN_URLS, "basemap_config": basemap_config}


def basemap_config() -> dict:
    """For the offline basemap: its countries' names in the page's language (members: our reference names) and
    which of them are ASEAN member states (drawn lighter)."""
    members = dict(db.session.execute(select(Country.code, Country.name)).all())
    english = Locale("en").territories
    names = {code: country_name(code, members.get(code) or english.get(code, code)) for code in ISO2.values()}
    return {"names": names, "members": sorted(members)}


PACKAGES = {"leaflet": leaflet, "leaflet.markercluster": leaflet_markercluster}
LEAFLET_VERSION = leaflet.VERSION
MARKERCLUSTER_VERSION = leaflet_markercluster.VERSION


@bp.get("/<package>/<path:filename>")
def asset(package: str, filename: str):
    """A file of a vendored package, cached for a year (the URL changes with the version)."""
    pkg = PACKAGES.get(package)
    if pkg is None:
        abort(404)
    return send_compressed(pkg.BASE_DIR, filename, max_age=31536000)


@lru_cache(maxsize=None)
def sri(package: str, filename: str) -> str:
    """Subresource Integrity hash of our vendored copy; the pinned CDN serves the same bytes."""
    data = (Path(PACKAGES[package].BASE_DIR) / filename).read_bytes()
    return "sha384-" + base64.b64encode(hashlib.sha384(data).digest()).decode()


CDN_URLS = {
    "leaflet": f"{CDN_ORIGIN}/leaflet@{LEAFLET_VERSION}/dist/",
    "leaflet.markercluster": f"{CDN_ORIGIN}/leaflet.markercluster@{MARKERCLUSTER_VERSION}/dist/",
}
