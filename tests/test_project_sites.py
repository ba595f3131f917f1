"""Several sites per project: the one rule for a list of sites, the form, revisions, the Project file, the open
data (JSON, GeoJSON, the sites collection, OGC, IATI), the public version, and the migration that made them."""
from __future__ import annotations

import csv
import json
from datetime import date, datetime, timezone
from decimal import Decimal

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import MetaData, Table, func, insert, select
from test_iati import schema, valid  # noqa: F401 (schema is a fixture)
from test_migrations import migration_app, scratch_url  # noqa: F401 (fixtures)
from test_open_data_schemas import assert_geojson
from test_revisions import propose, published
from test_workflow import form

from smartcities import public_version
from smartcities.audit.models import AuditEvent
from smartcities.errors import ValidationError
from smartcities.extensions import db
from smartcities.projects.models import MAX_SITES, Project, ProjectSite
from smartcities.projects.sites import Site, parse_sites, site_points

THREE = [{"lat": 13.7291, "lon": 100.5389, "name": "Junction 12 \u2013 Rama IV"},
         {"lat": 13.7466, "lon": 100.5347, "name": None},
         {"lat": 13.7563, "lon": 100.5018, "name": "Sanam Luang"}]
HOSTILE = "<img src=x onerror=alert(1)>"


def sites(project_id: int) -> list[tuple[float, float, str | None]]:
    """The project's sites as committed, in order."""
    db.session.rollback()
    return [tuple(row) for row in db.session.execute(
        select(ProjectSite.latitude, ProjectSite.longitude, ProjectSite.name)
        .where(ProjectSite.project_id == project_id).order_by(ProjectSite.position))]


def newest() -> Project:
    db.session.rollback()
    return db.session.scalars(select(Project).order_by(Project.id.desc())).first()


# --- the rule -------------------------------------------------------------------------------------------------

def test_parse_sites_keeps_good_sites_in_order():
    assert parse_sites([{"lat": "13.75", "lon": 100.5, "name": "  Pier 3 "}, {"lat": -90, "lon": 180}]) == [
        Site(13.75, 100.5, "Pier 3"), Site(-90.0, 180.0, None)]


@pytest.mark.parametrize("items, field, message", [
    ([{"lat": 13, "lon": 100}] * 3 + [{"lat": 91, "lon": 100}], "locations[3].lat", "between -90 and 90"),
    ([{"lat": 13, "lon": -180.5}], "locations[0].lon", "between -180 and 180"),
    ([{"lat": True, "lon": 100}], "locations[0].lat", "is required"),
    ([{"lat": "north", "lon": 100}], "locations[0].lat", "not a number"),
    ([{"lat": 13, "lon": 100, "name": "x" * 201}], "locations[0].name", "200"),
    ([{"lat": 13, "lon": 100, "name": "Pier\u202e3"}], "locations[0].name", "bidirectional"),
    ([{"lat": 13, "lon": 100, "name": 7}], "locations[0].name", "must be text"),
    ([[13, 100]], "locations[0]", "object"),
    ([{"lat": 13, "lon": 100}] * (MAX_SITES + 1), "locations", f"at most {MAX_SITES}"),
    ([], "locations", "at least one"),
    ("13,100", "locations", "list"),
])
def test_parse_sites_names_the_bad_value(items, field, message):
    with pytest.raises(ValidationError) as caught:
        parse_sites(items)
    assert field in caught.value.errors and message in caught.value.errors[field], caught.value.errors


def test_site_points_are_every_site_in_order(make_project):
    project = make_project(locations=[(1.0, 2.0, None), (3.0, 4.0, "b")])
    assert site_points(project) == [(1.0, 2.0), (3.0, 4.0)]
    assert (project.latitude, project.longitude) == (1.0, 2.0)


# --- the form -------------------------------------------------------------------------------------------------

def test_the_form_saves_every_site_and_locations_wins(client, as_user, people):
    token = as_user("official")
    response = client.post("/projects/new", data=form(token, latitude="1", longitude="2",
                                                      locations=json.dumps(THREE)))
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    project = newest()
    assert sites(project.id) == [(s["lat"], s["lon"], s["name"]) for s in THREE]
    page = client.get(f"/projects/{project.id}/edit").get_data(as_text=True)
    assert "Junction 12 \u2013 Rama IV" in page and 'value="13.7291"' in page  # latitude: the first site


def test_without_locations_the_form_keeps_one_site(client, as_user, people):
    token = as_user("official")
    assert client.post("/projects/new", data=form(token)).status_code == 302
    assert sites(newest().id) == [(13.7501, 100.5101, None)]


def test_the_name_of_a_projects_one_site_survives_every_kind_of_edit(client, as_user, people):
    """The edit form carries a named site in its list (so the map script keeps the name), and a browser without
    script that changes only latitude/longitude moves the site without losing its name."""
    token = as_user("official")
    named = [{"lat": 13.7291, "lon": 100.5389, "name": "Junction 12 \u2013 Rama IV"}]
    client.post("/projects/new", data=form(token, locations=json.dumps(named)))
    project = newest()
    page = client.get(f"/projects/{project.id}/edit").get_data(as_text=True)
    assert "Junction 12 \u2013 Rama IV" in page and "&#34;name&#34;" in page   # the hidden list, escaped
    response = client.post(f"/projects/{project.id}/edit", data=form(           # the script's post: list = fields
        token, version=str(project.version), latitude="13.729100", longitude="100.538900",
        locations=json.dumps(named)))
    assert response.status_code == 302
    assert sites(project.id) == [(13.7291, 100.5389, "Junction 12 \u2013 Rama IV")]
    project = newest()
    response = client.post(f"/projects/{project.id}/edit", data=form(           # no script: the fields changed
        token, version=str(project.version), latitude="13.7300", longitude="100.5400", locations=json.dumps(named)))
    assert response.status_code == 302
    assert sites(project.id) == [(13.73, 100.54, "Junction 12 \u2013 Rama IV")]
    project = newest()
    response = client.post(f"/projects/{project.id}/edit", data=form(           # no list at all
        token, version=str(project.version), latitude="13.7310", longitude="100.5410", locations=""))
    assert response.status_code == 302
    assert sites(project.id) == [(13.731, 100.541, "Junction 12 \u2013 Rama IV")]


@pytest.mark.parametrize("locations, shown", [
    (json.dumps([THREE[0], {"lat": 95, "lon": 100.5}]), "locations[1].lat: latitude must be between -90 and 90"),
    ("[{", "is not a JSON list of sites"),
    (json.dumps([{"lat": 13, "lon": 100}] * (MAX_SITES + 1)), f"at most {MAX_SITES} sites"),
])
def test_bad_sites_are_named_and_nothing_is_written(client, as_user, people, locations, shown):
    token = as_user("official")
    before = db.session.scalar(select(func.count(Project.id)))
    response = client.post("/projects/new", data=form(token, locations=locations))
    assert response.status_code == 400
    assert shown in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Project.id))) == before


def test_editing_moves_names_and_removes_sites_and_records_them(client, as_user, people):
    token = as_user("official")
    client.post("/projects/new", data=form(token, locations=json.dumps(THREE)))
    project = newest()
    edited = [dict(THREE[2], name="Sanam Luang east"), THREE[0]]
    response = client.post(f"/projects/{project.id}/edit", data=form(
        token, version=str(project.version), locations=json.dumps(edited)))
    assert response.status_code == 302
    assert sites(project.id) == [(13.7563, 100.5018, "Sanam Luang east"), (13.7291, 100.5389, THREE[0]["name"])]
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.entity_id == project.id)
                               .order_by(AuditEvent.id.desc())).first()
    assert event.action == "updated"
    assert event.changes["locations"][1] == ["13.7563, 100.5018 Sanam Luang east",
                                             "13.7291, 100.5389 Junction 12 \u2013 Rama IV"]
    assert event.changes["latitude"] == [13.7291, 13.7563]


def test_a_revision_carries_the_sites_until_it_is_published(client, as_user, people):
    project = published(client, as_user)
    assert propose(client, as_user, project, locations=json.dumps(THREE)).status_code == 302
    assert sites(project.id) == [(13.7501, 100.5101, None)]  # the published version stays public
    assert [s["lat"] for s in client.get(f"/api/v1/projects/{project.id}").json["locations"]] == [13.7501]
    edit_page = client.get(f"/projects/{project.id}/edit").get_data(as_text=True)
    assert "Sanam Luang" in edit_page  # the city goes on editing its proposal
    token = as_user("focal")
    review = client.get(f"/projects/{project.id}").get_data(as_text=True)
    assert "Sites" in review  # the diff names the sites
    assert client.post(f"/projects/{project.id}/publish", data={"csrf_token": token}).status_code == 302
    assert client.get(f"/api/v1/projects/{project.id}").json["locations"] == THREE


# --- the project page -----------------------------------------------------------------------------------------

def test_the_project_page_lists_every_site_escaped(client, make_project):
    project = make_project(locations=[(13.7, 100.5, HOSTILE), (13.8, 100.6, None)])
    page = client.get(f"/projects/{project.id}").get_data(as_text=True)
    assert HOSTILE not in page and "&lt;img src=x onerror=alert(1)&gt;" in page
    assert 'data-points="#project-sites"' in page and 'data-lat="13.8"' in page and "Site 2" in page


# --- the Project file -----------------------------------------------------------------------------------------

def feature(geometry: dict, **properties) -> dict:
    return {"type": "Feature", "geometry": geometry, "properties": {
        "title": "Junction cameras", "city": "Bangkok", "focus_areas": "Safety and Security", **properties}}


def write(tmp_path, *features) -> str:
    path = tmp_path / "projects.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": list(features)}), encoding="utf-8")
    return str(path)


def test_geojson_multipoint_with_names_imports_every_site(runner, tmp_path):
    points = [[100.5389, 13.7291], [100.5347, 13.7466], [100.5018, 13.7563]]
    path = write(tmp_path, feature({"type": "MultiPoint", "coordinates": points},
                                   location_names=["Junction 12", None, "Sanam Luang"]),
                 feature({"type": "Point", "coordinates": [100.5, 13.7]}, title="One pier"))
    result = runner.invoke(args=["projects", "import", path])
    assert result.exit_code == 0, result.output
    multi, single = db.session.scalars(select(Project).order_by(Project.id.desc()).limit(2)).all()[::-1]
    assert sites(multi.id) == [(13.7291, 100.5389, "Junction 12"), (13.7466, 100.5347, None),
                               (13.7563, 100.5018, "Sanam Luang")]
    assert sites(single.id) == [(13.7, 100.5, None)]


@pytest.mark.parametrize("geometry, names, message", [
    ({"type": "MultiPoint", "coordinates": [[100.5, 13.7], [100.6, 13.8]]}, ["only one"],
     "row 1: location_names: must list one name (or null) per point of the geometry: 2 point(s), 1 name(s)"),
    ({"type": "MultiPoint", "coordinates": [[100.5, 13.7], [100.6, 13.8]]}, [None, "Pier\x003"],
     "row 1: location_names[1]: must not contain a NUL"),
    ({"type": "MultiPoint", "coordinates": [[100.5, 13.7], [200, 13.8]]}, None,
     "row 1: geometry: point 2: coordinates [200, 13.8] are out of range"),
    ({"type": "MultiPoint", "coordinates": [[100.5, 13.7]] * (MAX_SITES + 1)}, None,
     f"row 1: geometry: a MultiPoint has 1 to {MAX_SITES} points"),
    ({"type": "LineString", "coordinates": [[100.5, 13.7], [100.6, 13.8]]}, None,
     "row 1: geometry: must be a Point or a MultiPoint"),
])
def test_bad_sites_in_the_file_are_named_by_row_and_field(runner, tmp_path, geometry, names, message):
    extra = {} if names is None else {"location_names": names}
    before = db.session.scalar(select(func.count(ProjectSite.id)))
    result = runner.invoke(args=["projects", "import", write(tmp_path, feature(geometry, **extra))])
    assert result.exit_code == 1 and message in result.output, result.output
    assert db.session.scalar(select(func.count(ProjectSite.id))) == before


def test_csv_keeps_one_site_and_the_city_centre_without_one(runner, tmp_path):
    path = tmp_path / "projects.csv"
    path.write_text("title,city,latitude,longitude\nPier lights,Bangkok,13.71,100.51\nNo place,Da Nang,,\n",
                    encoding="utf-8")
    result = runner.invoke(args=["projects", "import", str(path)])
    assert result.exit_code == 0, result.output
    placed, centre = db.session.scalars(select(Project).order_by(Project.id.desc()).limit(2)).all()[::-1]
    assert sites(placed.id) == [(13.71, 100.51, None)]
    assert sites(centre.id) == [(centre.city.latitude, centre.city.longitude, None)]


def test_reimporting_a_multipoint_updates_the_sites(runner, tmp_path, make_project):
    project = make_project(locations=[(13.7, 100.5, "old")])
    moved = feature({"type": "MultiPoint", "coordinates": [[100.52, 13.72], [100.53, 13.73]]},
                    id=project.id, location_names=["new", None])
    result = runner.invoke(args=["projects", "import", write(tmp_path, moved)])
    assert result.exit_code == 0 and "1 updated" in result.output, result.output
    assert sites(project.id) == [(13.72, 100.52, "new"), (13.73, 100.53, None)]


def test_reimporting_the_csv_export_moves_the_first_site_and_keeps_the_others(client, runner, tmp_path, make_project):
    """The CSV export writes the first site only: re-imported (edited or not), the other sites and the first
    site's name stay."""
    project = make_project(locations=[(s["lat"], s["lon"], s["name"]) for s in THREE])
    exported = client.get("/api/v1/projects.csv?city=bangkok").get_data(as_text=True)
    header, *lines = exported.splitlines()
    row = next(line for line in lines if line.startswith(f"{project.id},") or f",{project.id}," in line)
    columns = header.split(",")
    values = next(csv.reader([row]))
    values[columns.index("latitude")], values[columns.index("longitude")] = "13.7300", "100.5400"
    path = tmp_path / "edited.csv"
    with path.open("w", newline="", encoding="utf-8") as file:
        csv.writer(file).writerows([columns, values])
    result = runner.invoke(args=["projects", "import", str(path)])
    assert result.exit_code == 0 and "1 updated" in result.output, result.output
    assert sites(project.id) == [(13.73, 100.54, THREE[0]["name"])] + [
        (s["lat"], s["lon"], s["name"]) for s in THREE[1:]]


# --- the open data --------------------------------------------------------------------------------------------

@pytest.fixture
def mapped(make_project):
    """A published project with three sites, one with one site, and a draft with two."""
    return {"three": make_project("Junction cameras", locations=[(s["lat"], s["lon"], s["name"]) for s in THREE]),
            "one": make_project("Pier lights", city="da-nang", latitude=16.06, longitude=108.22),
            "draft": make_project("Secret", status="draft", locations=[(13.1, 100.1, "a"), (13.2, 100.2, "b")])}


def test_the_api_lists_locations(client, mapped):
    three = client.get(f"/api/v1/projects/{mapped['three'].id}").json
    assert three["locations"] == THREE and three["location"] == {"lat": 13.7291, "lon": 100.5389}
    listed = {p["id"]: p for p in client.get("/api/v1/projects").json["items"]}
    assert listed[mapped["one"].id]["locations"] == [{"lat": 16.06, "lon": 108.22, "name": None}]
    assert mapped["draft"].id not in listed


def test_geojson_point_for_one_site_multipoint_for_several(client, mapped):
    features = {f["id"]: f for f in assert_geojson(client.get("/api/v1/projects.geojson"))["features"]}
    three, one = features[mapped["three"].id], features[mapped["one"].id]
    assert three["geometry"] == {"type": "MultiPoint", "coordinates": [[s["lon"], s["lat"]] for s in THREE]}
    assert three["properties"]["location_names"] == [s["name"] for s in THREE]
    assert one["geometry"] == {"type": "Point", "coordinates": [108.22, 16.06]}
    assert "location_names" not in one["properties"]
    assert mapped["draft"].id not in features


def test_a_box_finds_a_project_by_any_of_its_sites(client, mapped):
    box = "100.53,13.74,100.54,13.75"  # only the second site of the three
    ids = [f["id"] for f in client.get(f"/api/v1/projects.geojson?bbox={box}").json["features"]]
    assert ids == [mapped["three"].id]


def test_project_sites_geojson_has_one_point_per_site(client, mapped):
    body = assert_geojson(client.get("/api/v1/project-sites.geojson"))
    mine = [f for f in body["features"] if f["properties"]["project_id"] == mapped["three"].id]
    assert [(f["geometry"], f["properties"]["name"], f["properties"]["project_title"]) for f in mine] == [
        ({"type": "Point", "coordinates": [s["lon"], s["lat"]]}, s["name"], "Junction cameras") for s in THREE]
    assert all(f["properties"]["project_id"] != mapped["draft"].id for f in body["features"])
    assert body["total"] == len(body["features"])
    city = client.get("/api/v1/project-sites.geojson?city=da-nang").json
    assert [f["properties"]["project_id"] for f in city["features"]] == [mapped["one"].id]
    assert client.get("/api/v1/project-sites.geojson?stage=someday").status_code == 400


def test_project_sites_pages_by_project(client, mapped, make_project):
    later = make_project("Canal lights", locations=[(13.70, 100.50, "north bank"), (13.69, 100.50, "south bank")])
    first = client.get("/api/v1/project-sites.geojson?city=bangkok&limit=1").json
    assert {f["properties"]["project_id"] for f in first["features"]} == {mapped["three"].id}
    assert len(first["features"]) == 3 and first["total"] == 5 and first["next"]
    second = client.get(first["next"]).json
    assert [f["properties"]["name"] for f in second["features"]] == ["north bank", "south bank"]
    assert {f["properties"]["project_id"] for f in second["features"]} == {later.id} and second["next"] is None


def test_ogc_items_and_extent_carry_every_site(client, mapped):
    item = client.get(f"/ogc/collections/projects/items/{mapped['three'].id}").json
    assert item["geometry"]["type"] == "MultiPoint" and len(item["geometry"]["coordinates"]) == 3
    extent = client.get("/ogc/collections/projects").json["extent"]["spatial"]["bbox"][0]
    assert extent[0] <= 100.5018 and extent[2] >= 108.22 and extent[1] <= 13.7291 and extent[3] >= 16.06


def test_iati_has_one_location_per_site(client, schema, mapped):  # noqa: F811
    root = valid(schema, client.get(f"/api/v1/projects/{mapped['three'].id}/iati.xml"))
    locations = root.findall(".//location")
    assert [loc.findtext("point/pos") for loc in locations] == [f"{s['lat']:.6f} {s['lon']:.6f}" for s in THREE]
    assert [loc.findtext("name/narrative") for loc in locations] == ["Junction 12 \u2013 Rama IV", "Bangkok",
                                                                     "Sanam Luang"]


def test_a_site_change_moves_the_public_version_only_when_published(client, mapped):
    version = public_version.current()[0]
    draft = db.session.get(Project, mapped["draft"].id)
    draft.sites[1].name = "c"
    db.session.commit()
    assert public_version.current()[0] == version
    etag = client.get("/api/v1/project-sites.geojson").headers["ETag"]
    three = db.session.get(Project, mapped["three"].id)
    three.sites.remove(three.sites[2])
    db.session.commit()
    assert public_version.current()[0] == version + 1
    assert client.get("/api/v1/project-sites.geojson").headers["ETag"] != etag


# --- the migration --------------------------------------------------------------------------------------------

POINTS = [(13.7563, 100.5018), (-90.0, -180.0), (90.0, 180.0), (1.2345678901234567, 103.98765432109876),
          (0.0, 0.0)]


@pytest.mark.usefixtures("keep_logging")
def test_the_migration_keeps_every_point_down_and_up(migration_app):  # noqa: F811
    upgrade(revision="7c2f4e1a9b35")
    now = datetime(2026, 12, 1, tzinfo=timezone.utc)
    with db.engine.begin() as conn:
        meta = MetaData()
        conn.execute(insert(Table("countries", meta, autoload_with=conn)), [
            {"code": "TH", "alpha3": "THA", "name": "Thailand", "capital": "Bangkok", "representative_body": None,
             "source": "seed"}])
        conn.execute(insert(Table("cities", meta, autoload_with=conn)), [
            {"id": 1, "slug": "bangkok", "name": "Bangkok", "local_name": None, "country_code": "TH",
             "latitude": 13.7563, "longitude": 100.5018, "is_member": True, "member_since": 2018, "source": None}])
        conn.execute(insert(Table("projects", meta, autoload_with=conn)), [
            {"id": n, "city_id": 1, "title": f"P{n}", "summary": "", "description": "", "stage": "concept",
             "status": "published" if n % 2 else "draft", "start_date": date(2026, 1, 1), "end_date": None,
             "budget_amount": Decimal("1.00"), "currency": "THB", "latitude": lat, "longitude": lon,
             "seeking_funding": False, "funding_sought": None, "review_comment": None, "published_at": None,
             "created_by_id": None, "updated_by_id": None, "created_at": now, "updated_at": now, "version": 1}
            for n, (lat, lon) in enumerate(POINTS, start=1)])

    def points() -> dict[int, tuple[float, float]]:
        with db.engine.connect() as conn:
            table = Table("projects", MetaData(), autoload_with=conn)
            return {row.id: (row.latitude, row.longitude) for row in conn.execute(select(table))}

    expected = dict(enumerate(POINTS, start=1))
    assert points() == expected
    upgrade(revision="9d4b2c7e1f60")
    with db.engine.begin() as conn:
        table = Table("project_sites", MetaData(), autoload_with=conn)
        assert {r.project_id: (r.latitude, r.longitude) for r in conn.execute(select(table))} == expected
        assert {(r.position, r.name) for r in conn.execute(select(table))} == {(0, None)}
        conn.execute(insert(table), [{"project_id": 1, "position": 1, "name": "second", "latitude": 1.0,
                                      "longitude": 2.0}])
    downgrade(revision="7c2f4e1a9b35")
    assert points() == expected  # site 0 of each project is its point again, to the last digit
    upgrade(revision="9d4b2c7e1f60")
    with db.engine.connect() as conn:
        table = Table("project_sites", MetaData(), autoload_with=conn)
        assert {r.project_id: (r.latitude, r.longitude) for r in conn.execute(select(table))} == expected
