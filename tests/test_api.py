"""The JSON API under /api/v1/: only published projects, filters, keyset paging, shapes and 400/404 problems."""
from __future__ import annotations

import base64
from datetime import datetime, timezone
from decimal import Decimal
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select, update

from smartcities.extensions import db
from smartcities.organisations.models import Organisation
from smartcities.projects.models import Project, ProjectParticipation

ADB = "Asian Development Bank (ADB)"


def partner(project: Project, name: str, role: str, amount: str | None = None, currency: str | None = None):
    """Attach a seeded organisation to a project in an IATI role (and commit)."""
    organisation = db.session.scalar(select(Organisation).where(Organisation.name == name))
    project.participations.append(ProjectParticipation(
        organisation=organisation, role=role,
        committed_amount=Decimal(amount) if amount else None, committed_currency=currency))
    db.session.commit()
    return organisation


def ids(response) -> list[int]:
    assert response.status_code == 200, response.get_data(as_text=True)
    return [item["id"] for item in response.json["items"]]


def test_only_published_projects_are_listed_with_their_full_shape(client, make_project):
    shown = make_project("Flood sensors on canals", summary="Water levels", budget_amount=Decimal("1250000"),
                         currency="THB", seeking_funding=True, focus_areas=("Safety and Security",
                                                                             "Quality Environment"))
    adb = partner(shown, ADB, "funding", "500000", "USD")
    make_project("Draft idea", status="draft")
    make_project("Old project", status="archived")

    body = client.get("/api/v1/projects").json
    assert body["total"] == 1 and body["next"] is None
    [item] = body["items"]
    assert item["id"] == shown.id and item["title"] == "Flood sensors on canals"
    assert item["budget"] == "1250000.00" and item["currency"] == "THB" and item["seeking_funding"] is True
    assert item["partners"] == [{"id": adb.id, "name": ADB, "role": "funding",
                                 "committed_amount": "500000.00", "committed_currency": "USD"}]
    assert [fa["name"] for fa in item["focus_areas"]] == ["Safety and Security", "Quality Environment"]
    assert item["city"]["slug"] == "bangkok" and item["country"] == {"code": "TH", "name": "Thailand"}
    assert item["url"] == f"http://localhost/projects/{shown.id}"
    assert item["start_date"] == "2026-01-01" and item["end_date"] == "2027-12-31"
    assert item["location"] == {"lat": shown.latitude, "lon": shown.longitude}
    assert item["updated_at"].endswith("Z") and datetime.fromisoformat(item["updated_at"])


def test_project_detail_is_public_only_when_published(client, make_project):
    published = make_project("Smart poles")
    draft = make_project("Secret draft", status="draft")
    assert client.get(f"/api/v1/projects/{published.id}").json["title"] == "Smart poles"
    for path in (f"/api/v1/projects/{draft.id}", "/api/v1/projects/424242", "/api/v1/projects/99999999999"):
        response = client.get(path)
        assert response.status_code == 404 and response.mimetype == "application/problem+json", path
        assert response.json["status"] == 404


@pytest.fixture
def spread(make_project):
    """Four published projects that differ in every filtered field."""
    bkk = make_project("Canal flood sensors", city="bangkok", stage="implementation", seeking_funding=True,
                       focus_areas=("Safety and Security",), description="Telemetry for KLONG water levels")
    phuket = make_project("Beach wifi", city="phuket", stage="planning", focus_areas=("Civic and Social",))
    hanoi = make_project("Hanoi e-health records", city="hanoi", stage="implementation",
                         focus_areas=("Health and Well-being",))
    vientiane = make_project("Vientiane bus app", city="vientiane", stage="concept",
                             focus_areas=("Built Infrastructure",))
    partner(hanoi, ADB, "implementing")
    db.session.execute(update(Project).where(Project.id == phuket.id)
                       .values(updated_at=datetime(2025, 1, 1, tzinfo=timezone.utc)))
    db.session.commit()
    return {"bkk": bkk.id, "phuket": phuket.id, "hanoi": hanoi.id, "vientiane": vientiane.id}


@pytest.mark.parametrize("query, expected", [
    ("country=TH", ["bkk", "phuket"]),
    ("country=vn", ["hanoi"]),
    ("city=bangkok", ["bkk"]),
    ("focus_area=Health and Well-being", ["hanoi"]),
    ("focus_area=civic-and-social", ["phuket"]),
    ("stage=implementation", ["bkk", "hanoi"]),
    ("seeking_funding=true", ["bkk"]),
    ("seeking_funding=false", ["phuket", "hanoi", "vientiane"]),
    ("q=klong", ["bkk"]),
    ("q=E-HEALTH", ["hanoi"]),
    ("q=_", []),  # LIKE wildcards are literal
    ("bbox=100.3,13.5,100.9,14.0", ["bkk"]),
    ("bbox=105,0,101,30", ["bkk", "phuket", "hanoi"]),  # crosses the antimeridian: lon >= 105 or lon <= 101
    ("updated_since=2025-06-01", ["bkk", "hanoi", "vientiane"]),
    ("updated_since=2024-12-31T23:00:00-05:00", ["bkk", "hanoi", "vientiane"]),
    ("country=TH&stage=planning", ["phuket"]),
    ("country=TH&unknown=1&sort=whatever", ["bkk", "phuket"]),
])
def test_each_filter_narrows_the_list(client, spread, query, expected):
    assert ids(client.get(f"/api/v1/projects?{query}")) == [spread[name] for name in expected]


def test_partner_filter_uses_the_organisation_id(client, spread):
    adb = db.session.scalar(select(Organisation.id).where(Organisation.name == ADB))
    assert ids(client.get(f"/api/v1/projects?partner={adb}")) == [spread["hanoi"]]


def test_keyset_paging_visits_every_project_once_and_keeps_the_filters(client, make_project):
    made = [make_project(f"Project {n}", city="bangkok" if n % 4 else "phuket").id for n in range(10)]
    bangkok = [pid for n, pid in enumerate(made) if n % 4]
    url, seen, pages = "/api/v1/projects?city=bangkok&limit=3", [], 0
    while url:
        body = client.get(url).json
        assert body["total"] == len(bangkok) and len(body["items"]) <= 3
        seen += [item["id"] for item in body["items"]]
        url, pages = body["next"], pages + 1
        if url:
            parts = urlsplit(url)
            assert parts.netloc == "localhost" and "city=bangkok" in parts.query
            assert "cursor=" in parts.query and str(seen[-1]) not in parts.query.split("cursor=")[1]
            url = f"{parts.path}?{parts.query}"
    assert seen == bangkok and pages == 3


def test_limit_defaults_to_50(client, make_project):
    for n in range(51):
        make_project(f"Project {n}")
    body = client.get("/api/v1/projects").json
    assert len(body["items"]) == 50 and body["total"] == 51 and body["next"]


@pytest.mark.parametrize("query, name", [
    ("bbox=1,2,3", "bbox"), ("bbox=a,b,c,d", "bbox"), ("bbox=0,50,10,40", "bbox"), ("bbox=0,0,200,10", "bbox"),
    ("bbox=nan,0,1,1", "bbox"), ("limit=0", "limit"), ("limit=100000", "limit"), ("limit=ten", "limit"),
    ("limit=-5", "limit"), ("focus_area=Space travel", "focus_area"), ("updated_since=yesterday", "updated_since"),
    ("updated_since=2026-13-01", "updated_since"), ("cursor=garbage", "cursor"), ("country=XX", "country"),
    ("city=atlantis", "city"), ("stage=done", "stage"), ("partner=abc", "partner"), ("partner=99999", "partner"),
    ("seeking_funding=maybe", "seeking_funding"), ("q=" + "x" * 201, "q"), ("q=a%00b", "q"),
])
def test_bad_parameters_are_400_problems_naming_the_parameter(client, query, name):
    for path in ("/api/v1/projects", "/api/v1/projects.geojson", "/ogc/collections/projects/items"):
        response = client.get(f"{path}?{query}")
        assert response.status_code == 400, (path, query)
        assert response.mimetype == "application/problem+json"
        problem = response.json
        assert {"type", "title", "status", "detail"} <= set(problem) and problem["status"] == 400
        assert [error["name"] for error in problem["errors"]] == [name]


def test_every_bad_parameter_is_named_at_once(client):
    problem = client.get("/api/v1/projects?bbox=1&limit=0&updated_since=x&focus_area=zzz").json
    assert sorted(e["name"] for e in problem["errors"]) == ["bbox", "focus_area", "limit", "updated_since"]


def test_places_focus_areas_partners_and_plans(client, make_project):
    project = make_project("Bangkok flood sensors", focus_areas=("Safety and Security",))
    adb = partner(project, ADB, "funding")
    make_project("Draft", status="draft", focus_areas=("Safety and Security",))

    countries = {c["code"]: c for c in client.get("/api/v1/countries").json["items"]}
    assert len(countries) == 11 and countries["TH"]["name"] == "Thailand" and countries["TH"]["project_count"] == 1
    cities = client.get("/api/v1/cities?country=TH").json["items"]
    assert cities and {c["country"] for c in cities} == {"TH"}
    bangkok = client.get("/api/v1/cities/bangkok").json
    assert bangkok["project_count"] == 1 and bangkok["url"] == "http://localhost/cities/bangkok"
    assert any(p["level"] == "national" for p in bangkok["plans"])
    areas = {a["slug"]: a["project_count"] for a in client.get("/api/v1/focus-areas").json["items"]}
    assert len(areas) == 6 and areas["safety-and-security"] == 1

    organisations = {o["id"]: o for o in client.get("/api/v1/organisations").json["items"]}
    assert organisations[adb.id]["project_count"] == 1
    detail = client.get(f"/api/v1/organisations/{adb.id}").json
    assert detail["projects"] == [{"id": project.id, "title": "Bangkok flood sensors", "roles": ["funding"],
                                   "url": f"http://localhost/projects/{project.id}"}]

    plans = client.get("/api/v1/plans?country=TH").json["items"]
    assert plans and {p["country"] for p in plans} == {"TH"}
    plan = client.get(f"/api/v1/plans/{plans[0]['id']}").json
    assert plan["id"] == plans[0]["id"] and len(plan["initiatives"]) == plans[0]["initiative_count"]

    for path in ("/api/v1/cities/atlantis", "/api/v1/cities/%00", "/api/v1/organisations/999999",
                 "/api/v1/plans/no-such-plan", "/api/v1/nothing-here"):
        response = client.get(path)
        assert response.status_code == 404 and response.mimetype == "application/problem+json", path
    assert client.get("/api/v1/cities?country=ZZ").json["errors"][0]["name"] == "country"


@pytest.mark.parametrize("path", [
    "/api/v1/projects?city=%00", "/api/v1/cities?country=%00", "/api/v1/cities/%00", "/api/v1/plans/%00",
    "/countries/%00X/feed.json", "/cities/%00/feed.json", "/ogc/collections/cities/items/%00",
    "/ogc/collections/projects/items/%00", "/ogc/collections/%00/items", "/ogc/?f=%00",
    "/api/v1/projects?cursor=%00", "/api/v1/projects?updated_since=0001-01-01T00:00:00%2B01:00",
    "/api/v1/projects/" + "9" * 5000, "/ogc/collections/projects/items/" + "9" * 5000,
    "/api/v1/projects?partner=" + "9" * 5000, "/api/v1/projects?limit=" + "9" * 5000,
    "/api/v1/projects?cursor=" + base64.urlsafe_b64encode(b"after:" + b"9" * 5000).decode(),
])
def test_hostile_values_are_client_errors_never_server_errors(client, path):
    response = client.get(path)
    assert response.status_code in (400, 404) and response.mimetype == "application/problem+json", path


def test_the_api_is_exempt_from_csrf_and_read_only(client):
    response = client.post("/api/v1/projects", json={"title": "x"})
    assert response.status_code == 405 and response.mimetype == "application/problem+json"
