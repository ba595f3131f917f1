"""The OpenAPI 3.1 document of the open data, served at /api/openapi.json.

Each parameter's schema is the exact grammar its parser accepts (smartcities.api.params), filled in with the
codes, slugs and ids in the database when the document is asked for: what it calls valid is answered, what
it calls invalid is refused.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Response
from sqlalchemy import select

from smartcities.api.http import json_response
from smartcities.api.map import ZOOM_PATTERN
from smartcities.api.openapi_schemas import SCHEMAS, overlap_check, ref
from smartcities.api.params import (
    CURSOR_PATTERN, SPACE, any_case, either, limit_pattern, literal, optional_value, slug_words,
    whole_numbers_up_to,
)
from smartcities.api.views import PLAN_ID, SLUG, bp
from smartcities.extensions import db
from smartcities.geo.models import City, Country
from smartcities.ogc.views import CRS84, DEFAULT_LIMIT, MAX_LIMIT
from smartcities.organisations.models import Organisation
from smartcities.plans.models import NationalPlan
from smartcities.projects.models import STAGES, FocusArea, Project
from smartcities.projects.map_clusters import MAX_ZOOM
from smartcities.projects.map_points import FUNDER
from smartcities.projects.queries import FALSE, MAX_ID, TRUE

PROBLEM = {"application/problem+json": {"schema": ref("Problem")}}
CACHE_HEADERS = {
    "ETag": {"required": True, "schema": {"type": "string"}, "description": "Send it back in If-None-Match"},
    "Last-Modified": {"required": True, "schema": {"type": "string"}},
    "Access-Control-Allow-Origin": {"required": True, "schema": {"const": "*"}},
}
RATE_LIMITED = {"description": "Too many requests from this address (only where the operator set a limit)",
                "headers": {"Retry-After": {"schema": {"type": "string"}, "description": "Seconds to wait"}},
                "content": PROBLEM}
BLANK_NOTE = " White space around a value is ignored; an empty value is the same as none."


@dataclass(frozen=True)
class Vocabulary:
    """What the filters can name today: country codes, city and focus-area slugs, public partners' ids."""

    countries: list[str]
    cities: list[str]
    local_names: list[str]
    focus_areas: list[str]
    focus_area_names: list[str]
    partners: list[int]


def _vocabulary() -> Vocabulary:
    return Vocabulary(
        countries=list(db.session.scalars(select(Country.code).order_by(Country.code))),
        cities=list(db.session.scalars(select(City.slug).order_by(City.slug))),
        local_names=sorted({n for n in db.session.scalars(select(City.local_name)) if n}),
        focus_areas=list(db.session.scalars(select(FocusArea.slug).order_by(FocusArea.id))),
        focus_area_names=list(db.session.scalars(select(FocusArea.name).order_by(FocusArea.id))),
        partners=list(db.session.scalars(select(Organisation.id).where(Organisation.is_public.is_(True))
                                         .order_by(Organisation.id))))


def _param(name: str, schema: dict[str, Any], description: str, example: Any = None,
           where: str = "query", required: bool = False) -> dict[str, Any]:
    param = {"name": name, "in": where, "required": required or where == "path", "schema": schema,
             "description": description}
    if example is not None:
        param["example"] = example
    return param


def _text_param(name: str, core: str, description: str, example: Any = None) -> dict[str, Any]:
    """A filter read by smartcities.projects.queries: `core`, white space around it, or blank."""
    return _param(name, {"type": "string", "pattern": optional_value(core)}, description + BLANK_NOTE, example)


# The white space float() ignores around a number: str.strip()'s but the four information separators.
FLOAT_SPACE = r"[\t-\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]"


def _degrees(limit: int) -> str:
    """A decimal from -limit to limit as float() reads it (no exponent), with white space around it."""
    below = either(["0", whole_numbers_up_to(limit - 1)])
    return f"{FLOAT_SPACE}*[+-]?(?:0*{below}(?:\\.[0-9]*)?|0*{limit}(?:\\.0*)?|\\.[0-9]+){FLOAT_SPACE}*"


def _bbox() -> dict[str, Any]:
    lon, lat = _degrees(180), _degrees(90)
    height = f"{FLOAT_SPACE}*[+-]?(?:[0-9]{{1,15}}(?:\\.[0-9]*)?|\\.[0-9]+){FLOAT_SPACE}*"
    corners = either([",".join((lon, lat, lon, lat)), ",".join((lon, lat, height, lon, lat, height))])
    return _text_param("bbox", corners, "minLon,minLat,maxLon,maxLat in WGS 84, decimal degrees; minLat at most "
                       "maxLat; minLon above maxLon crosses the antimeridian. Six numbers add heights, ignored.",
                       "100.3,13.5,100.9,14.0")


def _limit(default: int | None, maximum: int) -> dict[str, Any]:
    told = f"default {default}" if default is not None else "default: all matching"
    return _param("limit", {"type": "string", "pattern": optional_value(limit_pattern(maximum))},
                  f"Items per page, a whole number from 1 to {maximum} ({told}).{BLANK_NOTE}", "20")


CURSOR = _param("cursor", {"type": "string", "pattern": optional_value(CURSOR_PATTERN)},
                "Opaque position from the `next` link of the previous page." + BLANK_NOTE)
# RFC 3339 dates and date-times; a date-time of the years 1 or 9999 may fall outside them once in UTC.
UPDATED_SINCE = _param("updated_since", {"anyOf": [
    {"type": "string", "format": "date"},
    {"type": "string", "format": "date-time", "pattern": "^(?:000[2-9]|00[1-9][0-9]|0[1-9][0-9]{2}|[1-8][0-9]{3}"
                                                         "|9[0-8][0-9]{2}|99[0-8][0-9]|999[0-8])-"},
    {"type": "string", "pattern": f"^{SPACE}*$"}]},
    "A date or date-time (RFC 3339); projects changed at or after it." + BLANK_NOTE, "2026-01-01T00:00:00Z")


def _country(words: Vocabulary) -> dict[str, Any]:
    return _text_param("country", either(any_case(code) for code in words.countries),
                       "ISO 3166-1 alpha-2 code of an ASEAN member state, any case.", "TH")


def _filters(words: Vocabulary) -> list[dict[str, Any]]:
    return [
        _country(words),
        _text_param("city", either(slug_words(slug) for slug in words.cities),
                    "City slug (see /api/v1/cities); its name, in any case, too.", "bangkok"),
        _text_param("focus_area", either(slug_words(slug) for slug in words.focus_areas),
                    "Focus area slug or name, any case.", "Safety and Security"),
        _text_param("stage", either(any_case(stage) for stage in STAGES),
                    f"Project stage: {', '.join(STAGES)} (any case).", "implementation"),
        _text_param("partner", r"\+?0*" + either(str(i) for i in words.partners),
                    "Id of a public organisation (see /api/v1/organisations), a partner in any role."),
        _text_param("seeking_funding", either(any_case(word) for word in (*TRUE, *FALSE)),
                    "Only projects that do (true, 1, yes) or do not (false, 0, no) seek funds."),
        _param("q", {"type": "string", "pattern": _q_pattern()}, "Words in the title, summary, description, "
               "city, country, site names or a partner's name, acronym or alias: any case, accents optional "
               "(da nang finds Đà Nẵng), a misspelt word corrected (Kuala Lumpor), a word inside Thai, Khmer, Lao "
               "or Burmese text found; every word must match; results best first (words in the title), then "
               "by id. At most 200 characters (no NUL)." + BLANK_NOTE, "flood"),
        _bbox(),
        UPDATED_SINCE,
    ]


def _map_filters(words: Vocabulary) -> list[dict[str, Any]]:
    """The home map's filters: the project filters but the box and dates, and `funder`."""
    funder = _text_param(FUNDER, r"\+?0*" + whole_numbers_up_to(MAX_ID),
                         "Id of an organisation: only projects it funds (a funding role); an id that funds "
                         "nothing matches nothing.")
    return [p for p in _filters(words) if p["name"] not in ("bbox", "updated_since")] + [funder]


ZOOM = _param("zoom", {"type": "string", "pattern": ZOOM_PATTERN}, f"The map's zoom level, 0 (the default) to "
              f"{MAX_ZOOM} (Web Mercator, 256-pixel tiles); the grid's cells are about 60 pixels wide at it."
              + BLANK_NOTE, "5")


def _q_pattern() -> str:
    """At most 200 characters once stripped, no NUL: the stripped text starts and ends with a visible one."""
    visible = f"[^\\x00{SPACE[1:-1]}]"
    return optional_value(f"{visible}(?:[^\\x00]{{0,198}}{visible})?")


F = _param("f", {"enum": ["json", "geojson"]}, "Output format (JSON is the only one).")
BBOX_CRS = _param("bbox-crs", {"const": CRS84}, "CRS of bbox.")
COLLECTION_ID = _param("collectionId", {"enum": ["projects", "cities"]}, "Collection.", "projects", "path")
SLUG_PATH = _param("slug", {"type": "string", "pattern": SLUG.pattern}, "City slug.", "bangkok", "path")


def _id(what: str) -> dict[str, Any]:
    return _param("id", {"type": "integer", "minimum": 1, "maximum": 2147483647}, f"{what} id.", 1, "path")


def _get(summary: str, schema: str | dict[str, Any], media: str = "application/json", params: list | None = None,
         tag: str = "Registry", found: bool = False, description: str = "") -> dict[str, Any]:
    """A GET answering `schema` (a component's name, or a schema) as `media`: 304 to a matching If-None-Match,
    400 when it reads the query."""
    body = ref(schema) if isinstance(schema, str) else schema
    responses: dict[str, Any] = {
        "200": {"description": "OK", "headers": CACHE_HEADERS, "content": {media: {"schema": body}}},
        "304": {"description": "Not modified since the ETag given in If-None-Match"},
    }
    if any(p["in"] == "query" for p in params or []):
        responses["400"] = {"description": "A bad parameter, named in `errors`", "content": PROBLEM}
    if found:
        responses["404"] = {"description": "No such item", "content": PROBLEM}
    operation = {"summary": summary, "tags": [tag], "parameters": params or [], "responses": responses}
    if description:
        operation["description"] = description
    return {"get": operation}


def _xml(summary: str, params: list, found: bool = False) -> dict[str, Any]:
    """A GET answering an IATI 2.03 iati-activities document (application/xml)."""
    return _get(summary, {"type": "string"}, "application/xml", params, "Projects", found,
                "Valid against the IATI 2.03 activity schema (iati-activities-schema.xsd); "
                "iati-identifier is IATI_REPORTING_ORG_REF, a hyphen and the project id.")


def _ogc_items(collection: str, summary: str, params: list) -> dict[str, Any]:
    """One collection's items: OGC API – Features lets the document give each collection its own parameters."""
    return _get(summary, "OgcFeatureCollection", "application/geo+json", [F, _limit(DEFAULT_LIMIT, MAX_LIMIT),
                CURSOR, _bbox(), BBOX_CRS, *params], "OGC API – Features",
                description=f"Features of the {collection} collection, paged with `next` links.")


def _document_filters(words: Vocabulary) -> list[dict[str, Any]]:
    """The filters of /api/v1/documents (smartcities/documents/api.py): a plan id, a published project's id,
    a city or country (everything attached to the place, its plans and its projects), words."""
    plans = db.session.scalars(select(NationalPlan.external_id).order_by(NationalPlan.external_id))
    published = db.session.scalars(select(Project.id).where(Project.status == "published").order_by(Project.id))
    return [
        _text_param("plan", either(literal(plan) for plan in plans), "Plan id (see /api/v1/plans).",
                    "th-bangkok-bma"),
        _text_param("project", "0*" + either(str(i) for i in published), "Id of a published project."),
        *(p for p in _filters(words) if p["name"] in ("country", "city")),
        _param("q", {"type": "string", "pattern": _q_pattern()}, "Words in the title or the text of an uploaded "
               "PDF (each word, any case), at most 200 characters (no NUL)." + BLANK_NOTE, "flood"),
    ]


def _paths(words: Vocabulary) -> dict[str, Any]:
    geojson, feed = "application/geo+json", "application/feed+json"
    filters = _filters(words)
    country = _country(words)
    project_id = _id("Project")
    paths = {
        "/api/v1/countries": _get("ASEAN member states", "CountryList"),
        "/api/v1/cities": _get("Cities of the network", "CityList", params=[country]),
        "/api/v1/cities/{slug}": _get("One city and the plans that apply to it", "CityDetail",
                                      params=[SLUG_PATH], found=True),
        "/api/v1/focus-areas": _get("The six ASCN focus areas", "FocusAreaList"),
        "/api/v1/projects": _get("Published projects, filtered and paged", "ProjectList",
                                 params=[*filters, _limit(50, 500), CURSOR], tag="Projects"),
        "/api/v1/projects/{id}": _get("One published project", "Project", params=[project_id],
                                      tag="Projects", found=True),
        "/api/v1/projects.geojson": _get(
            "Published projects as a GeoJSON FeatureCollection", "ProjectFeatureCollection", geojson,
            [*filters, _limit(None, 500), CURSOR], "Projects",
            description="Without `limit`, every matching project in one document (for GIS; the home map "
                        "asks /api/v1/map/clusters instead)."),
        "/api/v1/project-sites.geojson": _get(
            "Every site of the published projects, one Point each", "SiteFeatureCollection", geojson,
            [*filters, _limit(None, 500), CURSOR], "Projects",
            description="The filters of projects.geojson; `limit` counts projects (a page has all their sites), "
                        "`total` the matching sites."),
        "/api/v1/projects.csv": _get("Published projects as CSV (UTF-8 with BOM), one row per project",
                                     {"type": "string"}, "text/csv", filters, "Projects"),
        "/api/v1/iati/activities.xml": _xml("Published projects as IATI 2.03 activities", filters),
        "/api/v1/projects/{id}/iati.xml": _xml("One published project as an IATI 2.03 activities file",
                                               [project_id], found=True),
        "/api/v1/map/clusters": _get(
            "Clusters and single projects of one map view", "MapClusters", params=[*_map_filters(words),
                                                                                   _bbox(), ZOOM],
            tag="Projects", description="Matching projects in `bbox` (default: the world) grouped on a grid of "
            "`zoom`; the box is widened to whole cells, so each cluster counts all of its cell. From zoom 16 on, "
            "every project is a point. The home map draws these."),
        "/api/v1/map/projects": _get(
            "The home map's list: matching projects, paged, with counts per focus area", "MapProjectList",
            params=[*_map_filters(words), _limit(100, 500), CURSOR], tag="Projects",
            description="The same projects as the clusters of the whole world, in id order "
                        "(with `q`: best first, then by id)."),
        "/api/v1/cities.geojson": _get("Cities as a GeoJSON FeatureCollection", "CityFeatureCollection",
                                       geojson, [country]),
        "/api/v1/organisations": _get("Funding partners and stakeholders", "OrganisationList", tag="Partners"),
        "/api/v1/organisations/{id}": _get("One organisation and its published projects", "OrganisationDetail",
                                           tag="Partners", found=True, params=[_id("Organisation")]),
        "/api/v1/projects/{id}/matches": _get(
            "Organisations ranked by how likely they are to fund a project", "ProjectMatchList",
            params=[project_id], tag="Matching", found=True,
            description="Any project the asker may see (else 404); evidence is what the asker may see, so a "
                        "signed-in city official's answer may differ from the public one. Never cached."),
        "/api/v1/organisations/{id}/matches": _get(
            "Published projects seeking funding ranked for an organisation", "OrganisationMatchList",
            params=[_id("Organisation")], tag="Matching", found=True,
            description="Ranked on published evidence; projects it already funds are left out. Signed in as one "
                        "of its own users (or an admin), its recent interest counts too and the projects it "
                        "dismissed are left out. Never cached."),
        "/api/v1/documents": _get(
            "The document library: files and links of plans, places and published projects", "DocumentList",
            params=[*_document_filters(words), _limit(50, 500), CURSOR], tag="Documents",
            description="`city` and `country` match what is attached to the place, to its plans and to its "
                        "projects. A file's `url` downloads it as an attachment."),
        "/api/v1/plans": _get("National and city plans", "PlanList", params=[country], tag="Plans"),
        "/api/v1/plans/{id}": _get("One plan with its initiatives (Plan file format)", "PlanDetail", tag="Plans",
                                   params=[_param("id", {"type": "string", "pattern": PLAN_ID.pattern},
                                                  "Plan id.", "th-smart-city-2017", "path")], found=True),
        "/api/v1/overlap-check": {"post": {
            "summary": "Check a draft project against plans and published projects", "tags": ["Overlap"],
            "requestBody": {"required": True, "content": {"application/json": {"schema": ref("OverlapCheck"),
                            "example": OVERLAP_EXAMPLE}}},
            "responses": {"200": {"description": "Possible overlaps, strongest first",
                                  "content": {"application/json": {"schema": ref("OverlapResult")}}},
                          "400": {"description": "A bad field, named in `errors`", "content": PROBLEM},
                          "413": {"description": "A body over the size limit", "content": PROBLEM},
                          "503": {"description": "The index is being built (a worker that has just started); "
                                                 "try again after `Retry-After` seconds", "content": PROBLEM}}}},
        "/feed.json": _get("JSON Feed of the 50 latest project changes", "Feed", feed, tag="Feeds"),
        "/cities/{slug}/feed.json": _get("JSON Feed of one city", "Feed", feed, [SLUG_PATH], "Feeds", True),
        "/countries/{code}/feed.json": _get("JSON Feed of one country", "Feed", feed, tag="Feeds", found=True,
                                            params=[_param("code", {"type": "string", "pattern": "^[A-Za-z]{2}$"},
                                                           "ISO2, any case.", "TH", "path")]),
        "/ogc/": _get("OGC API – Features landing page", "LandingPage", params=[F], tag="OGC API – Features"),
        "/ogc/conformance": _get("Conformance classes", "Conformance", params=[F], tag="OGC API – Features"),
        "/ogc/collections": _get("Feature collections", "Collections", params=[F], tag="OGC API – Features"),
        "/ogc/collections/{collectionId}": _get("One collection", "Collection", params=[COLLECTION_ID, F],
                                                tag="OGC API – Features", found=True),
        "/ogc/collections/projects/items": _ogc_items(
            "projects", "Projects as features", [p for p in filters if p["name"] != "bbox"]),
        "/ogc/collections/cities/items": _ogc_items("cities", "Cities as features", []),
        "/ogc/collections/{collectionId}/items/{featureId}": _get(
            "One feature (a project id or a city slug)", "OgcFeature", geojson, tag="OGC API – Features",
            found=True, params=[COLLECTION_ID, F, _param("featureId", {"type": "string", "pattern": SLUG.pattern},
                                                         "Feature id.", "1", "path")]),
    }
    for path, item in paths.items():  # API_RATE_LIMIT and OVERLAP_RATE_LIMIT budget /api/v1 per address
        for operation in item.values():
            if path.startswith("/api/v1/"):
                operation["responses"]["429"] = RATE_LIMITED
    return paths


OVERLAP_EXAMPLE = {
    "title": "Flood sensors on canals", "summary": "Water-level sensors and alerts", "city": "bangkok",
    "focus_areas": ["Safety and Security"], "start_date": "2026-01-01", "end_date": "2027-12-31",
    "location": {"lat": 13.75, "lon": 100.5}, "partners": ["Asian Development Bank (ADB)"],
}


def openapi_document() -> dict[str, Any]:
    """The whole OpenAPI 3.1 document."""
    words = _vocabulary()
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
        "paths": _paths(words),
        "components": {"schemas": {**SCHEMAS, "OverlapCheck": overlap_check(
            either([*(slug_words(slug) for slug in words.cities), *map(any_case, words.local_names)]),
            either(any_case(name) for name in (*words.focus_areas, *words.focus_area_names)))}},
    }


@bp.get("/api/openapi.json")
def openapi_json() -> Response:
    """The OpenAPI document, as JSON."""
    return json_response(openapi_document(), "application/vnd.oai.openapi+json;version=3.1")
