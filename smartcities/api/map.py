"""The home map's API: clusters and pins of the current view, and the list beside the map, filtered on the server."""
from __future__ import annotations

import re

from flask import Response, request

from smartcities import public_version
from smartcities.api.http import json_response, versioned
from smartcities.api.params import next_url, optional_value, parse_page, whole_numbers_up_to
from smartcities.api.views import bp
from smartcities.errors import ValidationError
from smartcities.projects.map_clusters import MAX_ZOOM, clusters_in
from smartcities.projects.map_points import (
    MapFilters, count_matching, extent, focus_counts, list_rows, parse_map_filters,
)
from smartcities.projects.queries import clean_params, parse_bbox
from smartcities.projects.validation import FieldError

LIST_DEFAULT, LIST_MAX = 100, 500
ZOOM_CORE = "0*" + "(?:0|" + whole_numbers_up_to(MAX_ZOOM) + ")"
ZOOM_PATTERN = optional_value(ZOOM_CORE)


def parse_zoom(raw: str | None) -> int:
    """The `zoom` parameter: a whole number from 0 to MAX_ZOOM; none is 0 (the world on one tile)."""
    value = (raw or "").strip()
    if not value:
        return 0
    if not re.fullmatch(ZOOM_CORE, value):
        raise FieldError(f"must be a whole number from 0 to {MAX_ZOOM}")
    return int(value)


def _view_params() -> tuple[MapFilters, tuple[float, float, float, float] | None, int]:
    """Filters, box and zoom of a clusters request; one 400 names every bad parameter."""
    filters, errors = parse_map_filters(request.args)
    bbox, zoom = None, 0
    try:
        given = clean_params(request.args, ("bbox",))
        bbox = parse_bbox(given["bbox"]) if "bbox" in given else None
    except ValidationError as exc:
        errors.update(exc.errors)
    except FieldError as exc:
        errors["bbox"] = str(exc)
    try:
        zoom = parse_zoom(clean_params(request.args, ("zoom",)).get("zoom"))
    except ValidationError as exc:
        errors.update(exc.errors)
    except FieldError as exc:
        errors["zoom"] = str(exc)
    if errors:
        raise ValidationError(errors)
    return filters, bbox, zoom


@bp.get("/api/v1/map/clusters")
@versioned
def map_clusters() -> Response:
    """Clusters and single projects of one map view (box and zoom), the filters applied on the server."""
    filters, bbox, zoom = _view_params()
    return json_response(clusters_in(filters, bbox, zoom).to_dict())


def registry_total() -> int:
    """Every project the public map shows: counted once per public data version, not on every page."""
    return public_version.memo("map.registry_total", lambda: count_matching(MapFilters()))


@bp.get("/api/v1/map/projects")
@versioned
def map_projects() -> Response:
    """The list beside the map: matching projects in id order (best first for a search), one keyset page at a
    time, with the legend's counts; the same projects as the clusters of the whole world."""
    filters, errors = parse_map_filters(request.args)
    try:
        page = parse_page(request.args, LIST_DEFAULT, LIST_MAX)
    except ValidationError as exc:
        errors.update(exc.errors)
    if errors:
        raise ValidationError(errors)
    rows = list_rows(filters, page.limit + 1, page.after)
    more = len(rows) > page.limit
    items = rows[:page.limit]
    return json_response({
        "items": items, "next": next_url(items[-1]["id"]) if more else None,
        "total": count_matching(filters), "registry_total": registry_total(),
        "focus_counts": focus_counts(filters), "bounds": extent(filters),
    })
