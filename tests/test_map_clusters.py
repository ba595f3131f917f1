"""The home map's API: server-side clusters that add up to the filtered total at every zoom, the list beside
the map, filters, visibility, bad parameters and ETags."""
from __future__ import annotations

from decimal import Decimal
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from smartcities.extensions import db
from smartcities.organisations.models import Organisation
from smartcities.projects.map_clusters import MAX_CELLS, POINT_ZOOM, cells_across, grid_box
from smartcities.projects.models import ProjectParticipation

ADB = "Asian Development Bank (ADB)"
WORLD = "-180,-90,180,90"


@pytest.fixture
def spread(make_project):
    """Twelve Bangkok projects 110 m apart, three in Hanoi seeking funds, one in Luang Prabang funded by ADB
    (which only implements one Bangkok project), and unpublished ones that no map may count."""
    made = {f"bkk{n}": make_project(title=f"Bangkok canal sensors {n}", city="bangkok", latitude=13.75 + n / 1000,
                                    stage="implementation") for n in range(12)}
    made |= {f"hanoi{n}": make_project(title=f"Hanoi e-services {n}", city="hanoi", stage="planning",
                                       focus_areas=("Civic and Social",), seeking_funding=True) for n in range(3)}
    made["heritage"] = make_project(title="Heritage tourism app", city="luang-prabang", stage="concept",
                                    focus_areas=("Industry and Innovation", "Civic and Social"))
    adb = db.session.scalar(select(Organisation).where(Organisation.name == ADB))
    db.session.add(ProjectParticipation(project=made["heritage"], organisation=adb, role="funding",
                                        committed_amount=Decimal("50000"), committed_currency="USD"))
    db.session.add(ProjectParticipation(project=made["bkk0"], organisation=adb, role="implementing"))
    db.session.commit()
    for status in ("draft", "submitted", "returned", "archived"):
        make_project(title=f"Unpublished {status}", city="bangkok", status=status)
    return {name: project.id for name, project in made.items()}


def clusters(client, query: str = "", bbox: str = WORLD, zoom: int = 5) -> dict:
    response = client.get(f"/api/v1/map/clusters?bbox={bbox}&zoom={zoom}&{query}")
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.json


def members(answer: dict) -> int:
    """Projects an answer draws: the clusters' counts plus the single pins."""
    return sum(c["count"] for c in answer["clusters"]) + len(answer["points"])


def listed(client, query: str = "", limit: int = 500) -> tuple[list[int], dict]:
    """Every id of the map's list, following `next`, and the first page."""
    url, ids, first = f"/api/v1/map/projects?limit={limit}&{query}", [], None
    while url:
        body = client.get(url).json
        first = first or body
        ids += [item["id"] for item in body["items"]]
        url = body["next"] and "{0.path}?{0.query}".format(urlsplit(body["next"]))
    return ids, first


@pytest.mark.parametrize("query, expected", [
    ("", 16),
    ("country=VN", 3),
    ("city=bangkok&stage=implementation", 12),
    ("focus_area=civic-and-social", 4),
    ("focus_area=civic-and-social&seeking_funding=true", 3),
    ("q=HERITAGE", 1),
    ("q=asian development", 2),  # a partner's name, whatever its role
    ("partner={adb}", 2),
    ("funder={adb}", 1),  # the home map's "funding partner": the implementing role does not count
    ("funder=999999", 0),
    ("stage=completed", 0),
])
def test_clusters_add_up_to_the_filtered_total_at_every_zoom(client, spread, query, expected):
    adb = db.session.scalar(select(Organisation.id).where(Organisation.name == ADB))
    query = query.format(adb=adb)
    ids, first = listed(client, query)
    assert len(ids) == len(set(ids)) == first["total"] == expected
    for zoom in range(0, 21):
        answer = clusters(client, query, zoom=zoom)
        assert members(answer) == answer["total"] == expected, zoom
        assert all(c["count"] >= 2 for c in answer["clusters"])
        assert {p["id"] for p in answer["points"]} <= set(ids)


def test_zooming_in_splits_clusters_until_each_project_is_a_pin(client, spread):
    region = clusters(client, zoom=3)
    assert len(region["clusters"]) >= 1 and members(region) == 16
    bangkok = next(c for c in clusters(client, zoom=8)["clusters"] if c["count"] == 12)
    west, south, east, north = bangkok["bounds"]
    assert south == pytest.approx(13.75) and north == pytest.approx(13.761)
    assert south <= bangkok["lat"] <= north and west <= bangkok["lon"] <= east
    street = clusters(client, bbox="100.4,13.7,100.6,13.8", zoom=POINT_ZOOM)
    assert street["clusters"] == [] and len(street["points"]) == 12
    pin = next(p for p in street["points"] if p["id"] == spread["bkk3"])
    assert pin == {"id": spread["bkk3"], "lat": pytest.approx(13.753), "lon": pin["lon"],
                   "title": "Bangkok canal sensors 3", "focus": "safety-and-security",
                   "focus_areas": ["safety-and-security"], "stage": "implementation", "seeking_funding": False,
                   "city": "Bangkok", "country": "TH", "partners": []}
    heritage = clusters(client, "q=heritage", zoom=9)["points"]     # what its popup shows, without asking again
    assert [(p["focus_areas"], p["partners"]) for p in heritage] == [
        (["civic-and-social", "industry-and-innovation"], [{"name": ADB, "role": "funding"}])]


def test_no_zoom_is_the_world_on_one_tile(client, spread):
    answer = client.get("/api/v1/map/clusters").json
    assert answer["zoom"] == 0 and answer["bbox"] == [-180, -90, 180, 90] and members(answer) == 16


def test_a_cell_cut_by_the_box_still_counts_all_its_projects(client, spread):
    """The box is widened to whole cells: a cluster at the edge of the view is not a part of its cell."""
    whole = next(c for c in clusters(client, zoom=6)["clusters"] if c["count"] == 12)
    edge = clusters(client, bbox="100.0,13.755,100.5,13.9", zoom=6)   # cuts through the Bangkok projects
    assert [c["count"] for c in edge["clusters"]] == [12] and edge["clusters"][0] == whole
    west, south, east, north = edge["bbox"]
    assert west <= 100.0 and south <= 13.75 and east >= 100.5 and north >= 13.9


def test_a_box_across_the_antimeridian(client, spread):
    # lon >= 110 or lon <= 100.8: Bangkok (100.5 E) only, not Hanoi (105.8 E) nor Luang Prabang (102.1 E)
    assert members(clusters(client, bbox="110,10,100.8,22", zoom=6)) == 12
    west, _, east, _ = grid_box((170.0, 0.0, -170.0, 10.0), 4)
    assert west <= 170 and east >= -170 and west > east
    assert grid_box((105.0, 0.0, 101.0, 10.0), 4)[::2] == (-180.0, 180.0)  # sides widened into each other


def test_a_wide_box_at_a_close_zoom_is_answered_on_a_coarser_grid(client, spread):
    answer = clusters(client, zoom=15)
    assert answer["zoom"] < 15 and cells_across(tuple(answer["bbox"]), answer["zoom"]) <= MAX_CELLS
    assert members(answer) == 16


def test_the_list_pages_through_the_filtered_projects_with_the_legend_counts(client, spread):
    ids, first = listed(client, "focus_area=civic-and-social", limit=3)
    assert ids == sorted([spread["hanoi0"], spread["hanoi1"], spread["hanoi2"], spread["heritage"]])
    assert first["total"] == 4 and first["registry_total"] == 16 and len(first["items"]) == 3
    assert first["focus_counts"] == {"civic-and-social": 4, "industry-and-innovation": 1}
    item = client.get("/api/v1/map/projects?q=heritage").json["items"][0]
    assert item == {"id": spread["heritage"], "title": "Heritage tourism app", "stage": "concept",
                    "city": "Luang Prabang", "country": "LA", "focus": "civic-and-social"}  # first in framework order


def test_only_published_projects_count_whoever_asks(client, spread, as_user):
    anonymous = clusters(client)
    as_user("admin")          # the map's API is open data: a signed-in admin gets the same public answer
    assert clusters(client) == anonymous and members(anonymous) == 16
    ids, _ = listed(client, "q=unpublished")
    assert ids == [] and members(clusters(client, "q=unpublished")) == 0


@pytest.mark.parametrize("query, name", [
    ("zoom=21", "zoom"), ("zoom=-1", "zoom"), ("zoom=five", "zoom"),
    ("zoom=1.5", "zoom"), ("zoom=%00", "zoom"), ("zoom=3&bbox=1,2", "bbox"), ("zoom=3&bbox=0,50,10,40", "bbox"),
    ("zoom=3&funder=abc", "funder"), ("zoom=3&funder=1_0", "funder"), ("zoom=3&funder=0", "funder"),
    ("zoom=3&country=ZZ", "country"), ("zoom=3&city=atlantis", "city"), ("zoom=3&focus_area=Space", "focus_area"),
    ("zoom=3&stage=someday", "stage"), ("zoom=3&partner=0", "partner"), ("zoom=3&seeking_funding=maybe",
                                                                         "seeking_funding"),
    ("zoom=3&q=" + "x" * 201, "q"),
])
def test_bad_parameters_are_problems_naming_the_parameter(client, query, name):
    response = client.get(f"/api/v1/map/clusters?{query}")
    assert response.status_code == 400 and response.mimetype == "application/problem+json", query
    assert name in [error["name"] for error in response.json["errors"]]
    if name not in ("zoom", "bbox"):
        listing = client.get(f"/api/v1/map/projects?{query.replace('zoom=3&', '')}")
        assert listing.status_code == 400 and name in [e["name"] for e in listing.json["errors"]]


def test_bad_paging_of_the_list_is_refused(client):
    for query, name in (("limit=0", "limit"), ("limit=501", "limit"), ("cursor=nope", "cursor")):
        response = client.get(f"/api/v1/map/projects?{query}")
        assert response.status_code == 400 and response.json["errors"][0]["name"] == name


def test_answers_carry_an_etag_that_moves_only_with_public_data(client, spread, make_project):
    url = "/api/v1/map/clusters?zoom=4&bbox=90,-10,140,30"
    first = client.get(url)
    etag = first.headers["ETag"]
    assert client.get(url, headers={"If-None-Match": etag}).status_code == 304
    make_project(title="Another draft", status="draft")
    assert client.get(url, headers={"If-None-Match": etag}).status_code == 304
    make_project(title="Newly published", city="hanoi")
    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 200 and again.headers["ETag"] != etag
    assert members(again.json) == members(first.json) + 1
    listing = client.get("/api/v1/map/projects")
    assert client.get("/api/v1/map/projects", headers={"If-None-Match": listing.headers["ETag"]}).status_code == 304
