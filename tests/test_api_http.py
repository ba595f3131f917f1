"""HTTP of the open data: ETag/Last-Modified and 304, the data-versioned cache, CORS and compression."""
from __future__ import annotations

import gzip
import json

import pytest
from sqlalchemy import update
from sqlalchemy.orm import Session

from smartcities.extensions import db
from smartcities.public_version import bump
from smartcities.projects.models import Project

GETS = ["/api/v1/projects", "/api/v1/projects/{id}", "/api/v1/projects.geojson", "/api/v1/projects.csv",
        "/api/v1/cities.geojson", "/api/v1/countries", "/api/v1/cities", "/api/v1/cities/bangkok",
        "/api/v1/focus-areas", "/api/v1/organisations", "/api/v1/plans", "/api/openapi.json", "/feed.json",
        "/cities/bangkok/feed.json", "/countries/TH/feed.json", "/ogc/", "/ogc/conformance", "/ogc/collections",
        "/ogc/collections/projects", "/ogc/collections/projects/items", "/ogc/collections/projects/items/{id}",
        "/ogc/collections/cities/items/bangkok"]


@pytest.mark.parametrize("path", GETS)
def test_every_get_has_validators_cors_and_answers_304(client, make_project, path):
    path = path.format(id=make_project().id)
    first = client.get(path)
    assert first.status_code == 200, path
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    assert etag.startswith('"') and modified.endswith("GMT")
    assert first.headers["Access-Control-Allow-Origin"] == "*"
    again = client.get(path, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b"" and again.headers["ETag"] == etag
    assert again.headers["Access-Control-Allow-Origin"] == "*"
    assert client.get(path, headers={"If-None-Match": '"something-else"'}).status_code == 200
    assert client.get(path, headers={"If-Modified-Since": modified}).status_code == 304


def test_a_change_is_served_at_once_with_a_new_etag(client, make_project):
    project = make_project("Old title")
    before = client.get("/api/v1/projects.geojson")
    project.title = "New title"
    db.session.commit()
    after = client.get("/api/v1/projects.geojson", headers={"If-None-Match": before.headers["ETag"]})
    assert after.status_code == 200 and after.headers["ETag"] != before.headers["ETag"]
    assert after.json["features"][0]["properties"]["title"] == "New title"


def test_a_change_made_by_another_process_is_seen(client, make_project):
    """The cache is keyed by the database's public data version, not by anything this process remembers."""
    project_id = make_project("Visible").id
    assert client.get("/api/v1/projects").json["total"] == 1
    with Session(db.engine) as other_worker:  # another process, writing through the ORM as the services do
        other_worker.get(Project, project_id).status = "archived"
        other_worker.commit()
    assert client.get("/api/v1/projects").json["total"] == 0
    assert client.get(f"/api/v1/projects/{project_id}").status_code == 404


def test_a_bulk_write_outside_the_orm_bumps_the_version_itself(client, make_project):
    make_project("Visible")
    before = client.get("/api/v1/projects").headers["ETag"]
    with Session(db.engine) as other_worker:
        other_worker.execute(update(Project).values(title="Renamed in bulk"))
        other_worker.commit()
    assert client.get("/api/v1/projects").headers["ETag"] == before  # unseen: no flush, no bump
    with Session(db.engine) as other_worker:
        other_worker.execute(update(Project).values(title="Renamed in bulk, said so"))
        bump(other_worker)
        other_worker.commit()
    answer = client.get("/api/v1/projects")
    assert answer.headers["ETag"] != before and answer.json["items"][0]["title"] == "Renamed in bulk, said so"


def test_each_host_gets_its_own_absolute_urls(client, make_project):
    project = make_project()
    one = client.get("/api/v1/projects", base_url="https://ascn.example").json["items"][0]["url"]
    two = client.get("/api/v1/projects", base_url="http://other.test").json["items"][0]["url"]
    assert one == f"https://ascn.example/projects/{project.id}" and two == f"http://other.test/projects/{project.id}"


def test_cors_only_on_the_open_data(client):
    assert client.get("/api/v1/projects?limit=0").headers["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Origin" not in client.get("/healthz").headers


@pytest.mark.parametrize("path, mimetype", [
    ("/api/v1/projects.geojson", "application/geo+json"),
    ("/feed.json", "application/feed+json"),
    ("/api/v1/countries", "application/json"),
])
def test_responses_are_gzipped_when_asked(client, make_project, path, mimetype):
    for n in range(5):
        make_project(f"Project number {n}", summary="A summary long enough to make the body worth compressing")
    plain = client.get(path)
    packed = client.get(path, headers={"Accept-Encoding": "gzip"})
    assert packed.mimetype == mimetype and packed.headers["Content-Encoding"] == "gzip"
    assert json.loads(gzip.decompress(packed.data)) == plain.json
    assert packed.headers["ETag"] != plain.headers["ETag"]  # another representation, another strong tag
    revalidated = client.get(path, headers={"Accept-Encoding": "gzip", "If-None-Match": packed.headers["ETag"]})
    assert revalidated.status_code == 304


def test_renaming_a_place_or_a_focus_area_moves_the_public_version(client):
    from smartcities.geo.models import City, Country
    from smartcities.projects.models import FocusArea
    tags = [client.get("/api/v1/projects").headers["ETag"]]  # keyed by the public version
    for model, key, column in ((City, "bangkok", "slug"), (Country, "TH", "code"), (FocusArea, "civic-and-social",
                                                                                        "slug")):
        row = db.session.scalars(db.select(model).where(getattr(model, column) == key)).one()
        row.name = row.name + " (renamed)"
        db.session.commit()
        tags.append(client.get("/api/v1/projects").headers["ETag"])
    assert len(set(tags)) == 4
