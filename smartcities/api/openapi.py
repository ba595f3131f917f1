"""The OpenAPI 3.1 document of the open data, served at /api/openapi.json."""
from __future__ import annotations

from typing import Any

from flask import Response

from smartcities.api.http import json_response
from smartcities.api.openapi_schemas import SCHEMAS, ref
from smartcities.api.views import bp
from smartcities.projects.models import STAGES

PROBLEM = {"application/problem+json": {"schema": ref("Problem")}}
CACHE_HEADERS = {
    "ETag": {"required": True, "schema": {"type": "string"}, "description": "Send it back in If-None-Match"},
    "Last-Modified": {"required": True, "schema": {"type": "string"}},
    "Access-Control-Allow-Origin": {"required": True, "schema": {"const": "*"}},
}


def _param(name: str, schema: dict[str, Any], description: str, example: Any = None,
           where: str = "query", required: bool = False) -> dict[str, Any]:
    param = {"name": name, "in": where, "required": required or where == "path", "schema": schema,
             "description": description}
    if example is not None:
        param["example"] = example
    return param


def _limit(default: int | None, maximum: int) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "integer", "minimum": 1, "maximum": maximum}
    if default is not None:
        schema["default"] = default
    told = f"default {default}" if default is not None else "default: all matching"
    return _param("limit", schema, f"Items per page, 1–{maximum} ({told}).", 20)


CURSOR = _param("cursor", {"type": "string"}, "Opaque position from the `next` link of the previous page.")
BBOX = _param("bbox", {"type": "string"}, "minLon,minLat,maxLon,maxLat in WGS 84 (around Bangkok, say).",
              "100.3,13.5,100.9,14.0")
COUNTRY = _param("country", {"type": "string"}, "ISO 3166-1 alpha-2 code of an ASEAN member state.", "TH")
FILTERS = [
    COUNTRY,
    _param("city", {"type": "string"}, "City slug.", "bangkok"),
    _param("focus_area", {"type": "string"}, "Focus area name or slug.", "Safety and Security"),
    _param("stage", {"enum": list(STAGES)}, "Project stage.", "implementation"),
    _param("partner", {"type": "integer", "minimum": 1}, "Organisation id of a partner in any role."),
    _param("seeking_funding", {"type": "boolean"}, "Only projects that do (true) or do not (false) seek funds."),
    _param("q", {"type": "string", "maxLength": 200}, "Text in the title, summary or description.", "flood"),
    BBOX,
    _param("updated_since", {"type": "string"}, "ISO 8601 date or date-time; changed at or after it.",
           "2026-01-01T00:00:00Z"),
]
F = _param("f", {"enum": ["json", "geojson"]}, "Output format (JSON is the only one).")
OGC_ITEMS = [F, _limit(10, 10_000), CURSOR, BBOX,
             _param("bbox-crs", {"const": "http://www.opengis.net/def/crs/OGC/1.3/CRS84"}, "CRS of bbox."),
             *(dict(p, description=p["description"] + " (projects only)") for p in FILTERS if p["name"] != "bbox")]
COLLECTION_ID = _param("collectionId", {"enum": ["projects", "cities"]}, "Collection.", "projects", "path")


def _get(summary: str, schema: str, media: str = "application/json", params: list | None = None,
         tag: str = "Registry", found: bool = False, description: str = "") -> dict[str, Any]:
    """A GET operation answering `schema` as `media`, 400/404 as problems, ETag/Last-Modified/CORS headers."""
    responses: dict[str, Any] = {
        "200": {"description": "OK", "headers": CACHE_HEADERS, "content": {media: {"schema": ref(schema)}}},
        "304": {"description": "Not modified since the ETag given in If-None-Match"},
        "400": {"description": "A bad parameter, named in `errors`", "content": PROBLEM},
    }
    if found:
        responses["404"] = {"description": "No such item", "content": PROBLEM}
    operation = {"summary": summary, "tags": [tag], "parameters": params or [], "responses": responses}
    if description:
        operation["description"] = description
    return {"get": operation}


def _xml(summary: str, params: list, found: bool = False) -> dict[str, Any]:
    """A GET answering an IATI 2.03 iati-activities document (application/xml)."""
    operation = _get(summary, "Problem", params=params, tag="Projects", found=found,
                     description="Valid against the IATI 2.03 activity schema (iati-activities-schema.xsd); "
                                 "iati-identifier is IATI_REPORTING_ORG_REF, a hyphen and the project id.")
    operation["get"]["responses"]["200"]["content"] = {"application/xml": {"schema": {"type": "string"}}}
    return operation


def _paths() -> dict[str, Any]:
    path_slug = _param("slug", {"type": "string"}, "City slug.", "bangkok", "path")
    geojson, feed = "application/geo+json", "application/feed+json"
    project_id = _param("id", {"type": "integer", "minimum": 1, "maximum": 2147483647}, "Project id.", 1, "path")
    return {
        "/api/v1/countries": _get("ASEAN member states", "CountryList"),
        "/api/v1/cities": _get("Cities of the network", "CityList", params=[COUNTRY]),
        "/api/v1/cities/{slug}": _get("One city and the plans that apply to it", "CityDetail",
                                      params=[path_slug], found=True),
        "/api/v1/focus-areas": _get("The six ASCN focus areas", "FocusAreaList"),
        "/api/v1/projects": _get("Published projects, filtered and paged", "ProjectList",
                                 params=[*FILTERS, _limit(50, 500), CURSOR], tag="Projects"),
        "/api/v1/projects/{id}": _get("One published project", "Project", params=[project_id],
                                      tag="Projects", found=True),
        "/api/v1/projects.geojson": _get(
            "Published projects as a GeoJSON FeatureCollection", "ProjectFeatureCollection", geojson,
            [*FILTERS, _limit(None, 500), CURSOR], "Projects",
            description="Without `limit`, every matching project (the home map loads this in one request)."),
        "/api/v1/projects.csv": {"get": {
            "summary": "Published projects as CSV (UTF-8 with BOM)", "tags": ["Projects"], "parameters": FILTERS,
            "responses": {"200": {"description": "One row per project", "headers": CACHE_HEADERS,
                                  "content": {"text/csv": {"schema": {"type": "string"}}}},
                          "304": {"description": "Not modified"},
                          "400": {"description": "A bad parameter", "content": PROBLEM}}}},
        "/api/v1/iati/activities.xml": _xml("Published projects as IATI 2.03 activities", FILTERS),
        "/api/v1/projects/{id}/iati.xml": _xml("One published project as an IATI 2.03 activities file",
                                               [project_id], found=True),
        "/api/v1/cities.geojson": _get("Cities as a GeoJSON FeatureCollection", "CityFeatureCollection",
                                       geojson, [COUNTRY]),
        "/api/v1/organisations": _get("Funding partners and stakeholders", "OrganisationList", tag="Partners"),
        "/api/v1/organisations/{id}": _get(
            "One organisation and its published projects", "OrganisationDetail", tag="Partners", found=True,
            params=[_param("id", {"type": "integer", "minimum": 1, "maximum": 2147483647},
                           "Organisation id.", 1, "path")]),
        "/api/v1/plans": _get("National and city plans", "PlanList", params=[COUNTRY], tag="Plans"),
        "/api/v1/plans/{id}": _get("One plan with its initiatives (Plan file format)", "PlanDetail", tag="Plans",
                                   params=[_param("id", {"type": "string"}, "Plan id.", "th-smart-city-2017",
                                                  "path")], found=True),
        "/api/v1/overlap-check": {"post": {
            "summary": "Check a draft project against plans and published projects", "tags": ["Overlap"],
            "requestBody": {"required": True, "content": {"application/json": {"schema": ref("OverlapCheck"),
                            "example": OVERLAP_EXAMPLE}}},
            "responses": {"200": {"description": "Possible overlaps, strongest first",
                                  "content": {"application/json": {"schema": ref("OverlapResult")}}},
                          "400": {"description": "A bad field, named in `errors`", "content": PROBLEM}}}},
        "/feed.json": _get("JSON Feed of the 50 latest project changes", "Feed", feed, tag="Feeds"),
        "/cities/{slug}/feed.json": _get("JSON Feed of one city", "Feed", feed, [path_slug], "Feeds", True),
        "/countries/{code}/feed.json": _get("JSON Feed of one country", "Feed", feed, tag="Feeds", found=True,
                                            params=[_param("code", {"type": "string"}, "ISO2.", "TH", "path")]),
        "/ogc/": _get("OGC API – Features landing page", "LandingPage", params=[F], tag="OGC API – Features"),
        "/ogc/conformance": _get("Conformance classes", "Conformance", params=[F], tag="OGC API – Features"),
        "/ogc/collections": _get("Feature collections", "Collections", params=[F], tag="OGC API – Features"),
        "/ogc/collections/{collectionId}": _get("One collection", "Collection", params=[COLLECTION_ID, F],
                                                tag="OGC API – Features", found=True),
        "/ogc/collections/{collectionId}/items": _get(
            "Features of a collection, paged with `next` links", "OgcFeatureCollection", geojson,
            [COLLECTION_ID, *OGC_ITEMS], "OGC API – Features", True),
        "/ogc/collections/{collectionId}/items/{featureId}": _get(
            "One feature (a project id or a city slug)", "OgcFeature", geojson, tag="OGC API – Features",
            found=True, params=[COLLECTION_ID, F, _param("featureId", {"type": "string"}, "Feature id.", "1",
                                                         "path")]),
    }


OVERLAP_EXAMPLE = {
    "title": "Flood sensors on canals", "summary": "Water-level sensors and alerts", "city": "bangkok",
    "focus_areas": ["Safety and Security"], "start_date": "2026-01-01", "end_date": "2027-12-31",
    "location": {"lat": 13.75, "lon": 100.5}, "partners": ["Asian Development Bank (ADB)"],
}


def openapi_document() -> dict[str, Any]:
    """The whole OpenAPI 3.1 document."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "ASEAN Smart Cities Network – open data API",
            "version": "1.0.0",
            "description": "Read-only registry of published smart-city projects, cities, partners and plans. "
                           "No key needed; every error is an RFC 9457 problem document.",
            "license": {"name": "CC BY 4.0", "identifier": "CC-BY-4.0"},
        },
        "servers": [{"url": "/"}],
        "paths": _paths(),
        "components": {"schemas": SCHEMAS},
    }


@bp.get("/api/openapi.json")
def openapi_json() -> Response:
    """The OpenAPI document, as JSON."""
    return json_response(openapi_document(), "application/vnd.oai.openapi+json;version=3.1")
