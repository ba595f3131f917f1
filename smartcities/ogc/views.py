"""OGC API – Features, Part 1 (Core, GeoJSON) at /ogc/: collections `projects` and `cities` for GIS clients."""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from flask import Blueprint, Response, request
from sqlalchemy import func, select

from smartcities.api import serializers as s
from smartcities.api.http import json_response, versioned
from smartcities.api.params import next_url, parse_list, project_page, this_url
from smartcities.errors import NotFound, ValidationError
from smartcities.extensions import csrf, db
from smartcities.geo.models import City
from smartcities.projects.models import Project, ProjectSite
from smartcities.projects.queries import MAX_ID, PARSERS, ProjectFilters, conditions, counts_by, map_rows, within

bp = Blueprint("ogc", __name__, url_prefix="/ogc")
csrf.exempt(bp)

JSON, GEOJSON = "application/json", "application/geo+json"
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
CONFORMS_TO = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
]
DEFAULT_LIMIT, MAX_LIMIT = 10, 10_000
COMMON_PARAMS = ("f", "limit", "cursor", "bbox", "bbox-crs")


@dataclass(frozen=True)
class Collection:
    """A feature collection: its description, its query parameters and how its items are read."""

    id: str
    title: str
    description: str
    params: tuple[str, ...]
    items: Callable[[Mapping[str, str], int], dict[str, Any]]
    item: Callable[[str], dict[str, Any] | None]
    extent: Callable[[], list[float] | None]


def _link(path: str, rel: str, kind: str, title: str) -> dict[str, str]:
    return {"href": s.absolute_url(path), "rel": rel, "type": kind, "title": title}


def _check_params(allowed: tuple[str, ...]) -> None:
    """OGC API – Features /req/core/query-param-unknown: an unknown or unsupported parameter is a 400."""
    errors = {name: "is not a parameter of this resource" for name in request.args if name not in allowed}
    f = request.args.get("f", "json")
    if f not in ("json", "geojson"):
        errors["f"] = "only json (GeoJSON for features) is offered"
    if request.args.get("bbox-crs", CRS84) != CRS84:
        errors["bbox-crs"] = f"only {CRS84} is supported"
    if errors:
        raise ValidationError(errors)


def _project_items(params: Mapping[str, str], limit_default: int) -> dict[str, Any]:
    filters, page = parse_list(params, default=limit_default, maximum=MAX_LIMIT)
    result = project_page(filters, page, map_rows, s.project_feature)
    return {"features": result["items"], "next": result["next"], "matched": result["total"]}


def _project_item(feature_id: str) -> dict[str, Any] | None:
    number = int(feature_id) if feature_id.isascii() and feature_id.isdigit() and len(feature_id) <= 10 else 0
    rows = map_rows(ProjectFilters(), only_id=number) if 1 <= number <= MAX_ID else []
    return s.project_feature(rows[0]) if rows else None


def _project_extent() -> list[float] | None:
    published = select(Project.id).where(*conditions(ProjectFilters()))
    row = db.session.execute(select(func.min(ProjectSite.longitude), func.min(ProjectSite.latitude), func.max(
        ProjectSite.longitude), func.max(ProjectSite.latitude)).where(ProjectSite.project_id.in_(published))).one()
    return None if row[0] is None else list(row)


def _city_items(params: Mapping[str, str], limit_default: int) -> dict[str, Any]:
    given = {name: params.get(name, "") for name in ("bbox", "limit", "cursor")}
    filters, page = parse_list(given, default=limit_default, maximum=MAX_LIMIT)
    query = select(City)
    if filters.bbox:
        query = query.where(within(filters.bbox, City.longitude, City.latitude))
    matched = db.session.scalar(select(func.count()).select_from(query.subquery()))
    if page.after:
        query = query.where(City.id > page.after)
    rows = list(db.session.scalars(query.order_by(City.id).limit(page.limit + 1)))
    more = len(rows) > page.limit
    rows = rows[:page.limit]
    counts = counts_by("city")
    return {"features": [s.city_feature(c, counts.get(c.id, 0)) for c in rows],
            "next": next_url(rows[-1].id) if more else None, "matched": matched}


def _city_item(feature_id: str) -> dict[str, Any] | None:
    city = db.session.scalar(select(City).where(City.slug == feature_id))
    return s.city_feature(city, counts_by("city").get(city.id, 0)) if city is not None else None


def _city_extent() -> list[float] | None:
    row = db.session.execute(select(func.min(City.longitude), func.min(City.latitude), func.max(City.longitude),
                                    func.max(City.latitude))).one()
    return None if row[0] is None else list(row)


COLLECTIONS = {
    "projects": Collection(
        "projects", "Smart-city projects",
        "Published projects of ASEAN Smart Cities Network cities, with focus areas, stage and partners.",
        COMMON_PARAMS + tuple(name for name in PARSERS if name != "bbox"), _project_items, _project_item,
        _project_extent),
    "cities": Collection(
        "cities", "ASCN cities", "Member and pilot cities of the ASEAN Smart Cities Network.",
        COMMON_PARAMS, _city_items, _city_item, _city_extent),
}


def _collection(collection_id: str) -> Collection:
    if collection_id not in COLLECTIONS:
        raise NotFound(f"no collection {collection_id!r}; see /ogc/collections")
    return COLLECTIONS[collection_id]


def _describe(collection: Collection) -> dict[str, Any]:
    base = f"/ogc/collections/{collection.id}"
    extent = collection.extent()
    return {
        "id": collection.id,
        "title": collection.title,
        "description": collection.description,
        "itemType": "feature",
        "crs": [CRS84],
        "extent": {"spatial": {"bbox": [extent or [-180.0, -90.0, 180.0, 90.0]], "crs": CRS84}},
        "links": [_link(base, "self", JSON, collection.title),
                  _link(f"{base}/items", "items", GEOJSON, f"{collection.title} as GeoJSON")],
    }


@bp.get("/")
def landing() -> Response:
    """Landing page: links to the definition, conformance and collections."""
    _check_params(("f",))
    return json_response({
        "title": "ASEAN Smart Cities Network – OGC API Features",
        "description": "Smart-city projects and cities of the ASCN registry, for GIS clients such as QGIS.",
        "links": [
            _link("/ogc/", "self", JSON, "This document"),
            _link("/api/openapi.json", "service-desc", "application/vnd.oai.openapi+json;version=3.1",
                  "The API definition (OpenAPI 3.1)"),
            _link("/api/docs", "service-doc", "text/html", "The API documentation"),
            _link("/ogc/conformance", "conformance", JSON, "Conformance classes"),
            _link("/ogc/collections", "data", JSON, "Feature collections"),
        ],
    })


@bp.get("/conformance")
def conformance() -> Response:
    """The conformance classes implemented."""
    _check_params(("f",))
    return json_response({"conformsTo": CONFORMS_TO})


@bp.get("/collections")
def collections() -> Response:
    """Both feature collections."""
    _check_params(("f",))
    return json_response({"links": [_link("/ogc/collections", "self", JSON, "Feature collections")],
                          "collections": [_describe(c) for c in COLLECTIONS.values()]})


@bp.get("/collections/<collection_id>")
def collection(collection_id: str) -> Response:
    """One feature collection's description."""
    found = _collection(collection_id)
    _check_params(("f",))
    return json_response(_describe(found))


@bp.get("/collections/<collection_id>/items")
@versioned
def items(collection_id: str) -> Response:
    """A page of features with numberMatched/numberReturned and a `next` link."""
    found = _collection(collection_id)
    _check_params(found.params)
    result = found.items(request.args, DEFAULT_LIMIT)
    base = f"/ogc/collections/{found.id}"
    links = [{"href": this_url(), "rel": "self", "type": GEOJSON, "title": "This page"},
             _link(base, "collection", JSON, found.title)]
    if result["next"]:
        links.append({"href": result["next"], "rel": "next", "type": GEOJSON, "title": "Next page"})
    return json_response({
        "type": "FeatureCollection",
        "features": result["features"],
        "numberMatched": result["matched"],
        "numberReturned": len(result["features"]),
        "timeStamp": s.iso_datetime(datetime.now(timezone.utc)),
        "links": links,
    }, GEOJSON)


@bp.get("/collections/<collection_id>/items/<feature_id>")
@versioned
def item(collection_id: str, feature_id: str) -> Response:
    """One feature, with links to itself and its collection."""
    found = _collection(collection_id)
    _check_params(("f",))
    feature = found.item(feature_id) if "\x00" not in feature_id else None
    if feature is None:
        raise NotFound(f"no feature {feature_id!r} in {collection_id}")
    base = f"/ogc/collections/{found.id}"
    feature["links"] = [_link(f"{base}/items/{feature_id}", "self", GEOJSON, "This feature"),
                        _link(base, "collection", JSON, found.title)]
    return json_response(feature, GEOJSON)
