"""JSON Schemas (OpenAPI 3.1 components) of every open-data response and of the overlap check."""
from __future__ import annotations

from typing import Any

from smartcities.organisations.models import KINDS
from smartcities.overlap.models import FLAG_KINDS, SEVERITIES
from smartcities.projects.models import IATI_ROLES, STAGES


def ref(name: str) -> dict[str, str]:
    """A reference to a schema of this document."""
    return {"$ref": f"#/components/schemas/{name}"}


def obj(**properties: Any) -> dict[str, Any]:
    """An object schema in which every listed property is required (nullable ones say so in their type)."""
    return {"type": "object", "required": list(properties), "properties": properties}


def nullable(kind: str, **extra: Any) -> dict[str, Any]:
    """A schema of `kind` that may also be null."""
    return {"type": [kind, "null"], **extra}


def listing(item: str) -> dict[str, Any]:
    """The list envelope: items, next (URL or null), total."""
    return obj(items={"type": "array", "items": ref(item)}, next=nullable("string", format="uri"),
               total={"type": "integer", "minimum": 0})


STRING, INTEGER, BOOLEAN, NUMBER = ({"type": t} for t in ("string", "integer", "boolean", "number"))
URL = {"type": "string", "format": "uri"}
DATE = nullable("string", format="date")
DATETIME = {"type": "string", "format": "date-time"}
MONEY = nullable("string", pattern=r"^\d+\.\d{2}$", description="Decimal amount as a string, e.g. 1250000.00")
CURRENCY = nullable("string", pattern="^[A-Z]{3}$", description="ISO 4217 code")
ISO2 = {"type": "string", "pattern": "^[A-Z]{2}$"}


def _point(lon_lat_description: str) -> dict[str, Any]:
    return obj(type={"const": "Point"}, coordinates={
        "type": "array", "items": NUMBER, "minItems": 2, "maxItems": 2, "description": lon_lat_description})


def _feature(id_schema: dict[str, Any], properties: str) -> dict[str, Any]:
    return obj(type={"const": "Feature"}, id=id_schema, geometry=_point("[longitude, latitude], WGS 84"),
               properties=ref(properties))


LINK = {**obj(href=URL, rel=STRING, type=STRING), "properties": {
    "href": URL, "rel": STRING, "type": STRING, "title": STRING}}

SCHEMAS: dict[str, Any] = {
    "Problem": {
        **obj(type=URL, title=STRING, status={"type": "integer", "minimum": 400, "maximum": 599}, detail=STRING),
        "description": "RFC 9457 problem details; `errors` names each bad parameter.",
        "properties": {
            "type": URL, "title": STRING, "status": {"type": "integer", "minimum": 400, "maximum": 599},
            "detail": STRING,
            "errors": {"type": "array", "items": obj(name=STRING, message=STRING)},
        },
    },
    "Location": obj(lat={"type": "number", "minimum": -90, "maximum": 90},
                    lon={"type": "number", "minimum": -180, "maximum": 180}),
    "Partner": obj(id=INTEGER, name=STRING, role={"enum": list(IATI_ROLES)},
                   committed_amount=MONEY, committed_currency=CURRENCY),
    "Project": obj(
        id=INTEGER, title=STRING, summary=STRING, description=STRING, stage={"enum": list(STAGES)},
        focus_areas={"type": "array", "items": obj(name=STRING, slug=STRING)},
        start_date=DATE, end_date=DATE, budget=MONEY, currency=CURRENCY, seeking_funding=BOOLEAN,
        funding_sought=MONEY, location=ref("Location"), city=obj(slug=STRING, name=STRING, url=URL),
        country=obj(code=ISO2, name=STRING), partners={"type": "array", "items": ref("Partner")},
        url={**URL, "description": "The project's page"}, published_at=nullable("string", format="date-time"),
        updated_at=DATETIME),
    "ProjectList": listing("Project"),
    "ProjectProperties": obj(
        id=INTEGER, title=STRING, url=URL, city=STRING, city_slug=STRING, country=ISO2,
        focus_areas={"type": "array", "items": STRING}, stage={"enum": list(STAGES)}, seeking_funding=BOOLEAN,
        partners={"type": "array", "items": obj(id=INTEGER, name=STRING, role={"enum": list(IATI_ROLES)})},
        updated_at=DATETIME),
    "ProjectFeature": _feature(INTEGER, "ProjectProperties"),
    "ProjectFeatureCollection": obj(
        type={"const": "FeatureCollection"}, features={"type": "array", "items": ref("ProjectFeature")},
        next=nullable("string", format="uri"), total={"type": "integer", "minimum": 0}),
    "Country": obj(code=ISO2, alpha3=STRING, name=STRING, capital=nullable("string"),
                   project_count={"type": "integer", "minimum": 0}, feed_url=URL),
    "CountryList": listing("Country"),
    "City": obj(slug=STRING, name=STRING, local_name=nullable("string"), country=ISO2, location=ref("Location"),
                is_member=BOOLEAN, member_since=nullable("integer"),
                project_count={"type": "integer", "minimum": 0}, url=URL, feed_url=URL),
    "CityDetail": {"allOf": [ref("City"), obj(plans={"type": "array", "items": obj(
        id=STRING, title=STRING, level={"enum": ["national", "city"]}, api_url=URL)})]},
    "CityList": listing("City"),
    "CityProperties": obj(slug=STRING, name=STRING, local_name=nullable("string"), country=ISO2,
                          is_member=BOOLEAN, member_since=nullable("integer"),
                          project_count={"type": "integer", "minimum": 0}, url=URL),
    "CityFeature": _feature(STRING, "CityProperties"),
    "CityFeatureCollection": obj(type={"const": "FeatureCollection"},
                                 features={"type": "array", "items": ref("CityFeature")}),
    "FocusArea": obj(name=STRING, slug=STRING, covers=nullable("string"),
                     project_count={"type": "integer", "minimum": 0}),
    "FocusAreaList": listing("FocusArea"),
    "Organisation": obj(
        id=INTEGER, name=STRING, kind={"enum": list(KINDS)}, kind_label=STRING, country=nullable("string"),
        origin=nullable("string"), website=nullable("string"), description=STRING, is_external_partner=BOOLEAN,
        partner_since=nullable("integer"), project_count={"type": "integer", "minimum": 0}, url=URL),
    "OrganisationDetail": {"allOf": [ref("Organisation"), obj(projects={"type": "array", "items": obj(
        id=INTEGER, title=STRING, roles={"type": "array", "items": {"enum": list(IATI_ROLES)}}, url=URL)})]},
    "OrganisationList": listing("Organisation"),
    "PlanSummary": obj(
        id=STRING, country=ISO2, level={"enum": ["national", "city"]}, city=nullable("string"),
        city_slug=nullable("string"), title=STRING, period=obj(start=INTEGER, end=nullable("integer")),
        focus_areas={"type": "array", "items": STRING}, summary=STRING, source=STRING, api_url=URL,
        initiative_count={"type": "integer", "minimum": 0}),
    "PlanDetail": obj(
        id=STRING, country=ISO2, level={"enum": ["national", "city"]}, city=nullable("string"),
        city_slug=nullable("string"), title=STRING, period=obj(start=INTEGER, end=nullable("integer")),
        focus_areas={"type": "array", "items": STRING}, summary=STRING, source=STRING, api_url=URL,
        initiatives={"type": "array", "items": obj(title=STRING, description=STRING,
                                                    focus_areas={"type": "array", "items": STRING})}),
    "PlanList": listing("PlanSummary"),
    "Feed": {
        **obj(version={"const": "https://jsonfeed.org/version/1.1"}, title=STRING, home_page_url=URL,
              feed_url=URL, language=STRING, items={"type": "array", "items": ref("FeedItem")}),
        "description": "JSON Feed 1.1 (https://jsonfeed.org/version/1.1)",
    },
    "FeedItem": {
        **obj(id=STRING, url=URL, title=STRING, content_text=STRING, date_published=DATETIME,
              date_modified=DATETIME, tags={"type": "array", "items": STRING}, language=STRING),
        "properties": {
            "id": STRING, "url": URL, "title": STRING, "content_text": STRING, "summary": STRING,
            "date_published": DATETIME, "date_modified": DATETIME, "tags": {"type": "array", "items": STRING},
            "authors": {"type": "array", "items": obj(name=STRING)}, "language": STRING,
        },
    },
    "OverlapCheck": {
        "type": "object", "required": ["title", "city"],
        "properties": {
            "title": STRING, "summary": STRING, "city": {**STRING, "description": "A city slug or name, any case"},
            "focus_areas": {"type": "array", "items": STRING}, "start_date": {**STRING, "format": "date"},
            "end_date": {**STRING, "format": "date"}, "location": ref("Location"),
            "partners": {"type": "array", "items": STRING}, "description": STRING,
            "project_id": {"type": "integer", "minimum": 1,
                           "description": "The registered project being edited: it is never flagged against itself"},
        },
    },
    "OverlapResult": obj(
        flags={"type": "array", "items": obj(
            kind={"enum": list(FLAG_KINDS)}, plan_id=nullable("string"), plan_title=nullable("string"),
            initiative=nullable("string"), project_id=nullable("integer"), project_title=nullable("string"),
            score={"type": "number", "minimum": 0, "maximum": 1}, severity={"enum": list(SEVERITIES)},
            reasons={"type": "array", "items": STRING})},
        checked=obj(plans=INTEGER, initiatives=INTEGER, projects=INTEGER)),
    "Link": LINK,
    "LandingPage": obj(title=STRING, description=STRING, links={"type": "array", "items": ref("Link")}),
    "Conformance": obj(conformsTo={"type": "array", "items": URL}),
    "Collection": obj(
        id={"enum": ["projects", "cities"]}, title=STRING, description=STRING, itemType={"const": "feature"},
        crs={"type": "array", "items": URL},
        extent=obj(spatial=obj(bbox={"type": "array", "items": {
            "type": "array", "items": NUMBER, "minItems": 4, "maxItems": 4}}, crs=URL)),
        links={"type": "array", "items": ref("Link")}),
    "Collections": obj(links={"type": "array", "items": ref("Link")},
                       collections={"type": "array", "items": ref("Collection")}),
    "OgcFeature": {"oneOf": [ref("ProjectFeature"), ref("CityFeature")]},
    "OgcFeatureCollection": obj(
        type={"const": "FeatureCollection"}, features={"type": "array", "items": ref("OgcFeature")},
        numberMatched={"type": "integer", "minimum": 0}, numberReturned={"type": "integer", "minimum": 0},
        timeStamp=DATETIME, links={"type": "array", "items": ref("Link")}),
}
