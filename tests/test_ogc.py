"""OGC API – Features at /ogc/, read by OWSLib as a real client from the app served on a local port."""
from __future__ import annotations

import pytest
import requests
from owslib.ogcapi.features import Features

CORE = "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core"
GEOJSON = "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson"


def rels(links: list[dict]) -> dict[str, dict]:
    return {link["rel"]: link for link in links}


def test_landing_conformance_and_collections(live_server):
    api = Features(f"{live_server}/ogc/")
    links = rels(api.links)
    assert links["conformance"]["href"] == f"{live_server}/ogc/conformance"
    assert links["data"]["href"] == f"{live_server}/ogc/collections" and links["data"]["type"] == "application/json"
    assert links["service-desc"]["href"] == f"{live_server}/api/openapi.json"
    assert requests.get(links["service-desc"]["href"], timeout=10).json()["openapi"].startswith("3.1")
    assert {CORE, GEOJSON} <= set(api.conformance()["conformsTo"])
    assert api.feature_collections() == ["projects", "cities"]
    projects = api.collection("projects")
    assert rels(projects["links"])["items"]["type"] == "application/geo+json"
    assert projects["extent"]["spatial"]["crs"].endswith("CRS84")


def test_items_page_with_next_links_and_bbox(live_server, make_project):
    made = [make_project(f"Bangkok project {n}").id for n in range(5)]
    manila = make_project("Manila project", city="manila").id
    api = Features(f"{live_server}/ogc/")

    page = api.collection_items("projects", limit=2)
    assert page["type"] == "FeatureCollection" and page["numberMatched"] == 6 and page["numberReturned"] == 2
    assert api.response_headers["Content-Type"] == "application/geo+json"
    seen = [f["id"] for f in page["features"]]
    while "next" in rels(page["links"]):
        link = rels(page["links"])["next"]
        assert link["type"] == "application/geo+json"
        page = requests.get(link["href"], timeout=10).json()
        seen += [f["id"] for f in page["features"]]
    assert seen == [*made, manila]

    around_bangkok = api.collection_items("projects", bbox=[100.3, 13.5, 100.9, 14.0], limit=100)
    assert [f["id"] for f in around_bangkok["features"]] == made and around_bangkok["numberMatched"] == 5
    assert around_bangkok["features"][0]["geometry"]["coordinates"] == [100.5018, 13.7563]
    default_page = api.collection_items("projects")
    assert default_page["numberReturned"] == 6  # default limit 10


def test_single_features_and_cities(live_server, make_project):
    project = make_project("Canal sensors")
    api = Features(f"{live_server}/ogc/")
    feature = api.collection_item("projects", str(project.id))
    assert feature["type"] == "Feature" and feature["properties"]["title"] == "Canal sensors"
    assert rels(feature["links"])["self"]["href"] == f"{live_server}/ogc/collections/projects/items/{project.id}"
    bangkok = api.collection_item("cities", "bangkok")
    assert bangkok["properties"]["project_count"] == 1
    thai = api.collection_items("cities", bbox=[97.3, 5.6, 105.6, 20.5], limit=100)
    assert "bangkok" in {f["id"] for f in thai["features"]}
    assert thai["numberMatched"] == thai["numberReturned"]


def test_errors_are_problems(live_server):
    api = Features(f"{live_server}/ogc/")
    with pytest.raises(RuntimeError):
        api.collection_items("roads")
    for path, status in [("/ogc/collections/roads/items", 404), ("/ogc/collections/projects/items/abc", 404),
                         ("/ogc/collections/projects/items?bbox=1,2", 400),
                         ("/ogc/collections/projects/items?offset=10", 400),
                         ("/ogc/collections/cities/items?country=TH", 400), ("/ogc/?f=html", 400),
                         ("/ogc/collections/projects/items?limit=10001", 400)]:
        response = requests.get(live_server + path, timeout=10)
        assert response.status_code == status, path
        assert response.headers["Content-Type"] == "application/problem+json"
