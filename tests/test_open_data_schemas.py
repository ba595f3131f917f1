"""The open data in its published formats: every feed is JSON Feed 1.1 (checked against a JSON Schema written
from the spec, tests/data/jsonfeed-1.1.schema.json) and every GeoJSON answer keeps the rules of RFC 7946
(checked by `geojson_problems` below, and by geojson-validator's structure lint as a second opinion)."""
from __future__ import annotations

import json
import math
import re
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import geojson_validator
import pytest
from jsonschema import Draft202012Validator, FormatChecker
from rfc3339_validator import validate_rfc3339

SCHEMA = json.loads((Path(__file__).parent / "data" / "jsonfeed-1.1.schema.json").read_text(encoding="utf-8"))
XSS_TITLE = '<script>alert("x")</script> Canal \'sensors\' & "pumps"'

FORMATS = FormatChecker(formats=())


@FORMATS.checks("uri")
def _absolute_url(value: object) -> bool:
    """An absolute URL (RFC 3986) such as feed readers can follow: a scheme, a host for http(s), no spaces."""
    if not isinstance(value, str):
        return True
    parts = urlsplit(value)
    if not re.fullmatch(r"[A-Za-z][A-Za-z0-9+.-]*", parts.scheme or "") or re.search(r"\s", value):
        return False
    return bool(parts.netloc) if parts.scheme in ("http", "https") else bool(parts.path)


@FORMATS.checks("date-time")
def _rfc3339(value: object) -> bool:
    return not isinstance(value, str) or validate_rfc3339(value)


FEED = Draft202012Validator(SCHEMA, format_checker=FORMATS)


def strict_json(response) -> Any:
    """The body as JSON (RFC 8259: no NaN or Infinity), after checking it is UTF-8."""
    def refuse(name: str) -> Any:
        raise AssertionError(f"{name} is not JSON")
    return json.loads(response.get_data().decode("utf-8"), parse_constant=refuse)


def feed_problems(feed: Any) -> list[str]:
    problems = [f"{'/'.join(map(str, e.absolute_path)) or '(feed)'}: {e.message}" for e in FEED.iter_errors(feed)]
    if isinstance(feed, dict) and isinstance(feed.get("items"), list):
        ids = [item.get("id") for item in feed["items"] if isinstance(item, dict)]
        if len(ids) != len(set(map(repr, ids))):
            problems.append("item ids are not unique")
        if "next_url" in feed and feed["next_url"] == feed.get("feed_url"):
            problems.append("next_url is the feed_url")
    return problems


# --- RFC 7946 ----------------------------------------------------------------------------------------------------

GEOMETRY_DEPTH = {"Point": 0, "MultiPoint": 1, "LineString": 1, "MultiLineString": 2, "Polygon": 2,
                  "MultiPolygon": 3}
GEOMETRY_TYPES = {*GEOMETRY_DEPTH, "GeometryCollection"}
# Section 7.1: members that define one kind of object must not appear in the others.
NOT_IN = {"FeatureCollection": ("coordinates", "geometries", "geometry", "properties"),
          "Feature": ("coordinates", "geometries", "features"),
          "Geometry": ("geometry", "properties", "features")}


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def geojson_problems(obj: Any, path: str = "") -> list[str]:
    """What in `obj` breaks RFC 7946 (an empty list: nothing)."""
    if not isinstance(obj, dict):
        return [f"{path or '/'}: a GeoJSON object must be a JSON object"]
    kind = obj.get("type")
    problems = []
    if "crs" in obj:
        problems.append(f"{path}/crs: RFC 7946 removed `crs` (section 4: WGS 84 lon/lat only)")
    if kind == "FeatureCollection":
        problems += _members(obj, "FeatureCollection", path)
        features = obj.get("features")
        if not isinstance(features, list):
            problems.append(f"{path}/features: must be an array")
        else:
            for n, feature in enumerate(features):
                if not isinstance(feature, dict) or feature.get("type") != "Feature":
                    problems.append(f"{path}/features/{n}: must be a Feature")
                else:
                    problems += geojson_problems(feature, f"{path}/features/{n}")
    elif kind == "Feature":
        problems += _members(obj, "Feature", path)
        if "geometry" not in obj:
            problems.append(f"{path}: a Feature has a `geometry` member (a geometry or null)")
        elif obj["geometry"] is not None:
            problems += _geometry(obj["geometry"], f"{path}/geometry")
        if "properties" not in obj:
            problems.append(f"{path}: a Feature has a `properties` member (an object or null)")
        elif obj["properties"] is not None and not isinstance(obj["properties"], dict):
            problems.append(f"{path}/properties: must be an object or null")
        if "id" in obj and not (isinstance(obj["id"], str) or _number(obj["id"])):
            problems.append(f"{path}/id: must be a string or a number")
    elif kind in GEOMETRY_TYPES:
        problems += _geometry(obj, path)
    else:
        problems.append(f"{path}/type: {kind!r} is not a GeoJSON type")
    if "bbox" in obj:
        problems += _bbox(obj["bbox"], f"{path}/bbox")
    return problems


def _members(obj: dict, kind: str, path: str) -> list[str]:
    return [f"{path}/{name}: a {kind} must not have this member (section 7.1)" for name in NOT_IN[kind]
            if name in obj]


def _geometry(geometry: Any, path: str) -> list[str]:
    if not isinstance(geometry, dict) or geometry.get("type") not in GEOMETRY_TYPES:
        return [f"{path}: must be a geometry object with one of the types {sorted(GEOMETRY_TYPES)}"]
    problems = _members(geometry, "Geometry", path)
    if "crs" in geometry:
        problems.append(f"{path}/crs: RFC 7946 removed `crs`")
    if "bbox" in geometry:
        problems += _bbox(geometry["bbox"], f"{path}/bbox")
    kind = geometry["type"]
    if kind == "GeometryCollection":
        if "coordinates" in geometry or not isinstance(geometry.get("geometries"), list):
            return problems + [f"{path}: a GeometryCollection has `geometries` (an array), no `coordinates`"]
        for n, member in enumerate(geometry["geometries"]):
            problems += _geometry(member, f"{path}/geometries/{n}")
        return problems
    return problems + _coordinates(kind, geometry.get("coordinates"), GEOMETRY_DEPTH[kind], f"{path}/coordinates")


def _coordinates(kind: str, value: Any, depth: int, path: str) -> list[str]:
    if depth == 0:
        return _position(value, path)
    if not isinstance(value, list):
        return [f"{path}: must be an array"]
    problems = []
    if kind in ("LineString", "MultiLineString") and depth == 1 and len(value) < 2:
        problems.append(f"{path}: a line string has two or more positions (section 3.1.4)")
    if kind in ("Polygon", "MultiPolygon") and depth == 1:
        if len(value) < 4 or value[0] != value[-1]:
            problems.append(f"{path}: a linear ring is closed and has four or more positions (section 3.1.6)")
    for n, member in enumerate(value):
        problems += _coordinates(kind, member, depth - 1, f"{path}/{n}")
    return problems


def _position(value: Any, path: str) -> list[str]:
    """Section 3.1.1: [longitude, latitude] or [longitude, latitude, elevation], decimal degrees of WGS 84."""
    if not isinstance(value, list) or len(value) not in (2, 3) or not all(_number(v) for v in value):
        return [f"{path}: a position is 2 or 3 numbers, got {value!r}"]
    problems = []
    if not -180 <= value[0] <= 180:
        problems.append(f"{path}/0: longitude {value[0]} is outside [-180, 180]")
    if not -90 <= value[1] <= 90:
        problems.append(f"{path}/1: latitude {value[1]} is outside [-90, 90]")
    return problems


def _bbox(value: Any, path: str) -> list[str]:
    """Section 5: [west, south, east, north] (or with elevations), south <= north; west > east crosses 180°."""
    if not isinstance(value, list) or len(value) not in (4, 6) or not all(_number(v) for v in value):
        return [f"{path}: a bbox is 4 or 6 numbers, got {value!r}"]
    half = len(value) // 2
    west, south, east, north = value[0], value[1], value[half], value[half + 1]
    problems = []
    if not (-180 <= west <= 180 and -180 <= east <= 180 and -90 <= south <= north <= 90):
        problems.append(f"{path}: {value!r} is not a west, south, east, north box in degrees")
    if half == 3 and value[2] > value[5]:
        problems.append(f"{path}: the lowest elevation is above the highest")
    return problems


def assert_geojson(response, kind: str = "FeatureCollection") -> dict:
    """The response is GeoJSON of this kind, by RFC 7946 and by geojson-validator's lint; returns it."""
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert response.mimetype == "application/geo+json"
    document = strict_json(response)
    assert document.get("type") == kind
    assert geojson_problems(document) == []
    assert geojson_validator.validate_structure(document, check_crs=True) == {}
    return document


# --- the registry the answers describe ---------------------------------------------------------------------------

@pytest.fixture
def registry(make_project):
    """Published projects across three countries (one with markup and quotes in its title), and a draft."""
    made = {
        "xss": make_project(XSS_TITLE, city="bangkok", summary='He said "<b>stop</b>" & left.',
                            description="</script><script>alert(2)</script>", latitude=13.7563,
                            longitude=100.5018),
        "jakarta": make_project("Jakarta flood gates", city="dki-jakarta", latitude=-6.2, longitude=106.8,
                                focus_areas=("Safety and Security", "Quality Environment")),
        "hanoi": make_project("Hanoi buses", city="hanoi", stage="implementation", seeking_funding=True,
                              focus_areas=("Built Infrastructure",), start_date=date(2025, 3, 1)),
        "phuket": make_project("Phuket beaches", city="phuket", summary=""),
    }
    make_project("Draft never shown", city="bangkok", status="draft")
    return made


def test_feeds_are_json_feed_1_1(client, registry):
    paths = ["/feed.json", "/cities/bangkok/feed.json", "/cities/hanoi/feed.json", "/countries/th/feed.json",
             "/countries/TH/feed.json", "/countries/id/feed.json", "/countries/bn/feed.json"]
    seen = {}
    for path in paths:
        response = client.get(path)
        assert response.status_code == 200 and response.mimetype == "application/feed+json"
        feed = strict_json(response)
        assert feed_problems(feed) == [], path
        assert feed["feed_url"] == f"http://localhost{path}"
        seen[path] = [item["title"] for item in feed["items"]]
    assert sorted(seen["/feed.json"]) == sorted(p.title for p in registry.values())
    assert sorted(seen["/countries/th/feed.json"]) == sorted([XSS_TITLE, "Phuket beaches"])
    assert seen["/cities/bangkok/feed.json"] == [XSS_TITLE] and seen["/countries/bn/feed.json"] == []
    assert seen["/countries/id/feed.json"] == ["Jakarta flood gates"]

    items = {item["id"]: item for item in strict_json(client.get("/feed.json"))["items"]}
    xss = items[f"http://localhost/projects/{registry['xss'].id}"]
    assert xss["title"] == XSS_TITLE and "content_html" not in xss
    assert xss["content_text"] == 'He said "<b>stop</b>" & left.\n\n</script><script>alert(2)</script>'
    phuket = items[f"http://localhost/projects/{registry['phuket'].id}"]
    assert phuket["content_text"] == "Phuket beaches" and "summary" not in phuket  # no empty summary


def test_the_feed_schema_refuses_what_the_spec_forbids():
    good = {"version": "https://jsonfeed.org/version/1.1", "title": "T", "home_page_url": "https://x.example/",
            "feed_url": "https://x.example/feed.json", "authors": [{"name": "A"}], "language": "en-US",
            "_ascn": {"about": "https://x.example/ext"},
            "items": [{"id": "1", "content_text": "a", "date_published": "2026-11-20T08:30:00+07:00",
                       "tags": ["x"], "attachments": [{"url": "https://x.example/a.mp3", "mime_type": "audio/mpeg",
                                                       "size_in_bytes": 10}]},
                      {"id": "2", "content_html": "<p>b</p>", "author": {"url": "mailto:a@x.example"}}]}
    assert FEED.check_schema(SCHEMA) is None and feed_problems(good) == []
    item = good["items"][0]
    bad = {
        "no version": {k: v for k, v in good.items() if k != "version"},
        "version 1": {**good, "version": "https://jsonfeed.org/version/1"},
        "no title": {k: v for k, v in good.items() if k != "title"},
        "no items": {k: v for k, v in good.items() if k != "items"},
        "relative home page": {**good, "home_page_url": "/cities"},
        "bad language": {**good, "language": "English"},
        "empty author": {**good, "authors": [{}]},
        "unknown member": {**good, "items": [{**item, "content-text": "x"}]},
        "dotted extension": {**good, "_a.b": {}},
        "numeric id": {**good, "items": [{**item, "id": 1}]},
        "no content": {**good, "items": [{"id": "1", "title": "t"}]},
        "date not RFC 3339": {**good, "items": [{**item, "date_published": "20 Nov 2026"}]},
        "tag not text": {**good, "items": [{**item, "tags": [1]}]},
        "attachment without type": {**good, "items": [{**item, "attachments": [{"url": "https://x.example/a"}]}]},
        "ids repeat": {**good, "items": [item, item]},
        "next is self": {**good, "next_url": good["feed_url"]},
    }
    for label, feed in bad.items():
        assert feed_problems(feed), f"the schema accepts a feed with {label}"


def test_project_geojson_with_and_without_filters_and_limit(client, registry):
    everything = assert_geojson(client.get("/api/v1/projects.geojson"))
    assert everything["total"] == 4 and everything["next"] is None
    by_id = {feature["id"]: feature for feature in everything["features"]}
    assert set(by_id) == {p.id for p in registry.values()}
    for project in registry.values():
        feature = by_id[project.id]
        assert feature["geometry"] == {"type": "Point", "coordinates": [project.longitude, project.latitude]}
        assert feature["properties"]["title"] == project.title
    assert by_id[registry["xss"].id]["properties"]["title"] == XSS_TITLE

    filtered = {"country=TH": {"xss", "phuket"}, "city=hanoi": {"hanoi"}, "focus_area=quality-environment":
                {"jakarta"}, "stage=implementation": {"hanoi"}, "seeking_funding=true": {"hanoi"},
                "q=script": {"xss"}, "bbox=100,5,101,15": {"xss"}, "bbox=179,-90,-179,90": set(),
                "updated_since=2020-01-01": set(registry), "country=BN": set()}
    for query, names in filtered.items():
        page = assert_geojson(client.get(f"/api/v1/projects.geojson?{query}"))
        assert {f["id"] for f in page["features"]} == {registry[n].id for n in names}, query

    paged, url = [], "/api/v1/projects.geojson?limit=1"
    while url:
        page = assert_geojson(client.get(url))
        assert len(page["features"]) == 1 and page["total"] == 4
        paged += [f["id"] for f in page["features"]]
        url = page["next"] and urlsplit(page["next"])._replace(scheme="", netloc="").geturl()
    assert sorted(paged) == sorted(by_id)
    two = assert_geojson(client.get("/api/v1/projects.geojson?country=TH&limit=500"))
    assert len(two["features"]) == 2


def test_city_geojson(client, registry):
    cities = assert_geojson(client.get("/api/v1/cities.geojson"))
    assert len(cities["features"]) > 20 and all(isinstance(f["id"], str) for f in cities["features"])
    counts = {f["id"]: f["properties"]["project_count"] for f in cities["features"]}
    assert counts["bangkok"] == 1 and counts["dki-jakarta"] == 1
    thai = assert_geojson(client.get("/api/v1/cities.geojson?country=TH"))
    assert {f["properties"]["country"] for f in thai["features"]} == {"TH"}
    assert {"bangkok", "phuket"} <= {f["id"] for f in thai["features"]}


def _pages(client, url: str) -> list[dict]:
    """Every page of an OGC items answer, following `next` links; each page checked."""
    pages = []
    while url:
        page = assert_geojson(client.get(url))
        assert page["numberReturned"] == len(page["features"])
        pages.append(page)
        nexts = [link["href"] for link in page["links"] if link["rel"] == "next"]
        url = nexts[0] if nexts else None
    return pages


def test_ogc_items_and_single_features(client, registry):
    pages = _pages(client, "/ogc/collections/projects/items?limit=3")
    assert [len(p["features"]) for p in pages] == [3, 1] and pages[0]["numberMatched"] == 4
    assert sorted(f["id"] for p in pages for f in p["features"]) == sorted(p.id for p in registry.values())
    titles = {f["properties"]["title"] for p in pages for f in p["features"]}
    assert XSS_TITLE in titles and "Draft never shown" not in titles
    for query, names in {"bbox=100,5,101,15": {"xss"}, "country=ID": {"jakarta"}, "q=buses&f=json": {"hanoi"},
                         "limit=10000": set(registry), "bbox=-10,-10,10,10": set()}.items():
        [page] = _pages(client, f"/ogc/collections/projects/items?{query}")
        assert {f["id"] for f in page["features"]} == {registry[n].id for n in names}, query

    cities = _pages(client, "/ogc/collections/cities/items")
    assert len(cities) >= 3 and all(p["numberReturned"] <= 10 for p in cities)
    assert len({f["id"] for p in cities for f in p["features"]}) == cities[0]["numberMatched"]
    [south] = _pages(client, "/ogc/collections/cities/items?bbox=106,-7,107,-6&limit=50")
    assert [f["id"] for f in south["features"]] == ["dki-jakarta"]

    for project in registry.values():
        feature = assert_geojson(client.get(f"/ogc/collections/projects/items/{project.id}"), "Feature")
        assert feature["id"] == project.id and feature["properties"]["title"] == project.title
        assert feature["geometry"]["coordinates"] == [project.longitude, project.latitude]
    city = assert_geojson(client.get("/ogc/collections/cities/items/bangkok"), "Feature")
    assert city["id"] == "bangkok" and city["properties"]["project_count"] == 1


def test_the_geojson_checker_refuses_what_rfc_7946_forbids():
    point = {"type": "Feature", "id": 1, "geometry": {"type": "Point", "coordinates": [100.5, 13.75]},
             "properties": {"title": "x"}}
    good = [point, {"type": "FeatureCollection", "features": [point], "bbox": [170, -10, -170, 10]},
            {"type": "Feature", "geometry": None, "properties": None},
            {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 0]]]},
            {"type": "GeometryCollection", "geometries": [{"type": "LineString", "coordinates": [[0, 0], [1, 1, 5]]}]}]
    for document in good:
        assert geojson_problems(document) == [], document
    bad = {
        "lat, lon order": {**point, "geometry": {"type": "Point", "coordinates": [13.75, 100.5]}},
        "longitude beyond 180": {**point, "geometry": {"type": "Point", "coordinates": [180.5, 1]}},
        "four numbers": {**point, "geometry": {"type": "Point", "coordinates": [1, 2, 3, 4]}},
        "a string position": {**point, "geometry": {"type": "Point", "coordinates": ["100.5", "13.75"]}},
        "a crs": {"type": "FeatureCollection", "features": [], "crs": {"type": "name"}},
        "no geometry": {"type": "Feature", "properties": {}},
        "no properties": {"type": "Feature", "geometry": None},
        "list properties": {**point, "properties": []},
        "boolean id": {**point, "id": True},
        "null id": {**point, "id": None},
        "lower-case type": {**point, "type": "feature"},
        "a geometry as a feature": {"type": "FeatureCollection", "features": [point["geometry"]]},
        "feature with coordinates": {**point, "coordinates": [1, 2]},
        "collection with properties": {"type": "FeatureCollection", "features": [], "properties": {}},
        "bbox south above north": {**point, "bbox": [0, 10, 1, 5]},
        "bbox of three": {**point, "bbox": [0, 1, 2]},
        "open ring": {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1]]]},
        "one-point line": {"type": "LineString", "coordinates": [[0, 0]]},
        "collection with coordinates": {"type": "GeometryCollection", "coordinates": []},
    }
    for label, document in bad.items():
        assert geojson_problems(document), f"the checker accepts GeoJSON with {label}"
