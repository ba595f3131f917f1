"""JSON Schemas (OpenAPI 3.1 components) of every open-data response and of the overlap check."""
from __future__ import annotations

from typing import Any

from smartcities.organisations.models import INSTRUMENTS, KINDS
from smartcities.overlap.draft import MAX_LENGTHS, MAX_PARTNER_NAME, MAX_PARTNERS
from smartcities.overlap.models import FLAG_KINDS, SEVERITIES
from smartcities.projects.models import IATI_ROLES, MAX_SITES, STAGES
from smartcities.projects.validation import EARLIEST, LATEST
from smartcities.text import BIDI_CONTROLS


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


# The free-text rule of smartcities.text.clean_text: no NUL, bidi or other control character but tab (and line
# breaks where several lines are allowed), no lone surrogate; at most so many characters once stripped.
_BIDI = "".join(f"\\u{ord(c):04x}" for c in sorted(BIDI_CONTROLS)) + r"\ud800-\udfff"
_CONTROLS_BUT_TAB, _CONTROLS_BUT_LINES = r"\x00-\x08\x0a-\x1f\x7f-\x9f", r"\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f"
_WHITE = r" \xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"  # str.strip() removes them; no controls
ONE_LINE, LINES = f"[^{_CONTROLS_BUT_TAB}{_BIDI}]", f"[^{_CONTROLS_BUT_LINES}{_BIDI}]"
STRIPPED_ONE_LINE, STRIPPED_LINES = f"[\\t{_WHITE}]", f"[\\t\\n\\r{_WHITE}]"
VISIBLE = f"[^\\x00-\\x1f\\x7f-\\x9f{_BIDI}{_WHITE}]"
# Longer bounded repetitions exceed what regex engines compile; the raw length then bounds the text.
LONGEST_PATTERN = 2_000


def text(longest: int, lines: bool = False, required: bool = False) -> dict[str, Any]:
    """Text that clean_text accepts: `longest` characters at most once stripped; blank unless `required`."""
    chars, stripped = (LINES, STRIPPED_LINES) if lines else (ONE_LINE, STRIPPED_ONE_LINE)
    if longest > LONGEST_PATTERN:
        return {"type": "string", "pattern": f"^{chars}*$", "maxLength": longest}
    core = f"{VISIBLE}(?:{chars}{{0,{longest - 2}}}{VISIBLE})?"
    return {"type": "string", "pattern": f"^{stripped}*{core if required else f'(?:{core})?'}{stripped}*$"}


def named(core: str) -> dict[str, Any]:
    """A single-line name matching `core`, with white space around it."""
    return {"type": "string", "pattern": f"^{STRIPPED_ONE_LINE}*{core}{STRIPPED_ONE_LINE}*$"}


YEARS = "(?:199[0-9]|20[0-9]{2}|2100)"  # EARLIEST to LATEST, 1990-01-01 to 2100-12-31


def _date_between() -> dict[str, Any]:
    """A YYYY-MM-DD date from EARLIEST to LATEST, blank, or null."""
    return {"anyOf": [{"type": "null"}, {"type": "string", "format": "date", "pattern": f"^{YEARS}-"},
                      {"type": "string", "pattern": f"^{STRIPPED_ONE_LINE}*$"}],
            "description": f"YYYY-MM-DD, {EARLIEST.isoformat()} to {LATEST.isoformat()}; the end not before the "
                           "start"}


def overlap_check(city: str, focus_area: str) -> dict[str, Any]:
    """The overlap-check body; `city` and `focus_area` are the patterns of the names the database knows."""
    nullable_text = {name: {**text(MAX_LENGTHS[name], lines=True), "type": ["string", "null"]}
                     for name in ("summary", "description")}
    return {
        "type": "object", "required": ["title", "city"],
        "description": "Members not listed here are ignored.",
        "properties": {
            "title": text(MAX_LENGTHS["title"], required=True), **nullable_text,
            "city": {**named(city), "description": "A city slug or name, any case"},
            "focus_areas": {"type": ["array", "null"], "items": {
                **named(f"(?:{focus_area})?"), "description": "A focus area name or slug, any case; blank: none"}},
            "start_date": _date_between(), "end_date": _date_between(),
            "location": {"anyOf": [{"type": "null"}, ref("Location")]},
            "locations": {"anyOf": [{"type": "null"}, {"type": "array", "maxItems": MAX_SITES, "items": {
                **SITE, "required": ["lat", "lon"]}}],  # a Site whose name may be left out
                "description": "Every site (the first stands for `location` if that is not given); distances are "
                               "from the nearest pair of sites"},
            "partners": {"type": ["array", "null"], "maxItems": MAX_PARTNERS, "items": text(MAX_PARTNER_NAME)},
            "project_id": {"type": ["integer", "null"], "minimum": 1,
                           "description": "The registered project being edited: it is never flagged against itself"},
        },
    }


def _point(lon_lat_description: str) -> dict[str, Any]:
    return obj(type={"const": "Point"}, coordinates={
        "type": "array", "items": NUMBER, "minItems": 2, "maxItems": 2, "description": lon_lat_description})


def _multipoint() -> dict[str, Any]:
    return obj(type={"const": "MultiPoint"}, coordinates={
        "type": "array", "minItems": 2, "maxItems": MAX_SITES, "description": "The sites, [longitude, latitude] each",
        "items": {"type": "array", "items": NUMBER, "minItems": 2, "maxItems": 2}})


def _feature(id_schema: dict[str, Any], properties: str, several: bool = False) -> dict[str, Any]:
    point = _point("[longitude, latitude], WGS 84")
    return obj(type={"const": "Feature"}, id=id_schema, properties=ref(properties),
               geometry={"oneOf": [point, _multipoint()]} if several else point)


SITE = obj(lat={"type": "number", "minimum": -90, "maximum": 90}, lon={"type": "number", "minimum": -180,
           "maximum": 180}, name=nullable("string", maxLength=200))
_PROJECT_PROPERTIES = obj(
    id=INTEGER, title=STRING, url=URL, city=STRING, city_slug=STRING, country=ISO2,
    focus_areas={"type": "array", "items": STRING}, stage={"enum": list(STAGES)}, seeking_funding=BOOLEAN,
    partners={"type": "array", "items": obj(id=INTEGER, name=STRING, role={"enum": list(IATI_ROLES)})},
    updated_at=DATETIME)
_PROJECT_PROPERTIES["properties"]["location_names"] = {
    "type": "array", "items": nullable("string"), "minItems": 2, "maxItems": MAX_SITES,
    "description": "With a MultiPoint only: each site's name (null: none), in the order of the coordinates"}


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
        funding_sought=MONEY, location={**ref("Location"), "description": "The first site"},
        locations={"type": "array", "items": ref("Site"), "minItems": 1, "maxItems": MAX_SITES,
                   "description": "Every site of the project, in order"},
        city=obj(slug=STRING, name=STRING, url=URL),
        country=obj(code=ISO2, name=STRING), partners={"type": "array", "items": ref("Partner")},
        url={**URL, "description": "The project's page"}, published_at=nullable("string", format="date-time"),
        updated_at=DATETIME),
    "ProjectList": listing("Project"),
    "Site": SITE,
    "ProjectProperties": _PROJECT_PROPERTIES,
    "ProjectFeature": _feature(INTEGER, "ProjectProperties", several=True),
    "SiteProperties": obj(project_id=INTEGER, project_title=STRING, name=nullable("string"),
                          position={"type": "integer", "minimum": 0, "maximum": MAX_SITES - 1}, url=URL),
    "SiteFeature": _feature({"type": "string", "pattern": "^[0-9]+-[0-9]+$"}, "SiteProperties"),
    "SiteFeatureCollection": obj(
        type={"const": "FeatureCollection"}, features={"type": "array", "items": ref("SiteFeature")},
        next=nullable("string", format="uri"), total={"type": "integer", "minimum": 0}),
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
        partner_since=nullable("integer"), acronym=nullable("string"),
        aliases={"type": "array", "items": STRING, "description": "other names it is found by"},
        iati_ref=nullable("string", description="IATI organisation identifier, e.g. XM-DAC-46004"),
        project_count={"type": "integer", "minimum": 0}, url=URL),
    "OrganisationDetail": {"allOf": [ref("Organisation"), obj(
        profile={"oneOf": [ref("PartnerProfile"), {"type": "null"}],
                 "description": "What it says it funds; null when it has stated nothing"},
        projects={"type": "array", "items": obj(
            id=INTEGER, title=STRING, roles={"type": "array", "items": {"enum": list(IATI_ROLES)}}, url=URL)})]},
    "PartnerProfile": obj(
        focus_areas={"type": "array", "items": STRING, "description": "focus-area slugs"},
        countries={"type": "array", "items": ISO2, "description": "ASEAN members where it funds"},
        instruments={"type": "array", "items": {"enum": list(INSTRUMENTS)}},
        ticket={"oneOf": [obj(min=MONEY, max=MONEY, currency=CURRENCY), {"type": "null"}],
                "description": "typical amount per project"},
        statement=STRING, source=nullable("string", description="where a seeded profile's facts come from"),
        updated_at=nullable("string", format="date-time")),
    "Match": obj(score={"type": "number", "minimum": 0, "maximum": 1},
                 reasons={"type": "array", "items": STRING, "description": "why, in words a person can check"}),
    "ProjectMatchList": obj(project_id=INTEGER, total={"type": "integer", "minimum": 0}, items={
        "type": "array", "items": {"allOf": [ref("Match"), obj(organisation=obj(id=INTEGER, name=STRING,
                                                                               url=URL))]}}),
    "OrganisationMatchList": obj(organisation_id=INTEGER, total={"type": "integer", "minimum": 0}, items={
        "type": "array", "items": {"allOf": [ref("Match"), obj(project=obj(
            id=INTEGER, title=STRING, city=STRING, country=ISO2, funding_sought=MONEY, currency=CURRENCY,
            url=URL))]}}),
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
    "Document": obj(
        id=INTEGER, title=STRING, kind={"enum": ["file", "link"]},
        url={**URL, "description": "The link, or for a file its download address (/documents/{id}/file)"},
        page_url=URL, format={"type": "string", "description": "MIME type"},
        language={"type": "string", "pattern": "^[a-z]{2}$", "description": "ISO 639-1"},
        category=nullable("string", pattern="^[AB][0-9]{2}$", description="IATI DocumentCategory code"),
        category_name=nullable("string"), document_date=DATE, size_bytes=nullable("integer", minimum=0),
        sha256=nullable("string", pattern="^[0-9a-f]{64}$"),
        attached_to=obj(kind={"enum": ["plan", "city", "country", "project"]},
                        id={"type": ["string", "integer"]}, title=STRING, api_url=nullable("string", format="uri")),
        created_at=DATETIME),
    "DocumentList": listing("Document"),
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
    "OverlapFlag": obj(
        kind={"enum": list(FLAG_KINDS)}, plan_id=nullable("string"), plan_title=nullable("string"),
        initiative=nullable("string"), project_id=nullable("integer"), project_title=nullable("string"),
        score={"type": "number", "minimum": 0, "maximum": 1}, severity={"enum": list(SEVERITIES)},
        reasons={"type": "array", "items": STRING}),
    "OverlapResult": {
        **obj(flags={"type": "array", "items": ref("OverlapFlag")},
              checked=obj(plans=INTEGER, initiatives=INTEGER, projects=INTEGER),
              related={"type": "array", "items": ref("OverlapFlag")}),
        "description": "`flags`: overlaps to justify before submission. `related`: initiatives in the same field that "
                       "are probably a different thing (with the sentence model on), shown to reviewers, asking no "
                       "justification; always empty with OVERLAP_EMBEDDER=none.",
    },
    "MapClusters": {**obj(
        zoom={"type": "integer", "minimum": 0, "description": "The zoom whose grid was used (coarser than asked "
                                                             "when the box holds too many cells)"},
        bbox={"type": "array", "items": NUMBER, "minItems": 4, "maxItems": 4,
              "description": "The box asked for, widened to whole grid cells: minLon,minLat,maxLon,maxLat"},
        cell={"type": "number", "exclusiveMinimum": 0, "description": "A grid cell's side, in degrees"},
        total={"type": "integer", "minimum": 0, "description": "Projects in the box: the clusters' counts plus "
                                                               "the points"},
        clusters={"type": "array", "items": obj(
            lat=NUMBER, lon=NUMBER, count={"type": "integer", "minimum": 2},
            bounds={"type": "array", "items": NUMBER, "minItems": 4, "maxItems": 4,
                    "description": "The extent of the cluster's projects: minLon,minLat,maxLon,maxLat"})},
        points={"type": "array", "items": obj(
            id=INTEGER, lat=NUMBER, lon=NUMBER, title=STRING,
            focus=nullable("string", description="First focus area slug (the pin's colour)"),
            focus_areas={"type": "array", "items": STRING, "description": "Focus area slugs"},
            stage={"enum": list(STAGES)}, seeking_funding=BOOLEAN, city=STRING, country=ISO2,
            partners={"type": "array", "items": obj(name=STRING, role={"enum": list(IATI_ROLES)})})}),
        "description": "Matching projects in the box, grouped on a grid of the zoom level; a cell of one is a point."},
    "MapProjectList": obj(
        items={"type": "array", "items": obj(id=INTEGER, title=STRING, stage={"enum": list(STAGES)}, city=STRING,
                                             country=ISO2, focus=nullable("string"))},
        next=nullable("string", format="uri"), total={"type": "integer", "minimum": 0},
        registry_total={"type": "integer", "minimum": 0, "description": "Published projects, unfiltered"},
        focus_counts={"type": "object", "additionalProperties": {"type": "integer", "minimum": 1},
                      "description": "Matching projects per focus area slug"},
        bounds={"type": ["array", "null"], "items": NUMBER, "minItems": 4, "maxItems": 4,
                "description": "minLon,minLat,maxLon,maxLat of the matching projects; null when none match"}),
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
