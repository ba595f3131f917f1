"""Bulk formats: projects and cities as RFC 7946 GeoJSON (checked by geojson-validator) and projects as CSV."""
from __future__ import annotations

import csv
import io
import json
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import geojson_validator
from sqlalchemy import func, select

from smartcities.extensions import db
from smartcities.projects.models import Project
from test_api import ADB, partner

MAP_PROPERTIES = {"id", "title", "url", "city", "city_slug", "country", "focus_areas", "stage", "seeking_funding",
                  "partners", "updated_at"}


def assert_valid_geojson(collection: dict) -> None:
    assert geojson_validator.validate_structure(collection) == {}
    report = geojson_validator.validate_geometries(collection)
    assert report["invalid"] == {} and report["problematic"] == {}


def test_projects_geojson_is_the_whole_map_in_lon_lat_order(client, make_project):
    jakarta = make_project("Jakarta flood gates", city="dki-jakarta", latitude=-6.2, longitude=106.8)
    adb = partner(jakarta, ADB, "funding")
    make_project("Hanoi buses", city="hanoi", focus_areas=("Built Infrastructure", "Quality Environment"))
    make_project("Hidden", status="submitted")
    for n in range(60):  # more than one default page of the JSON list: GeoJSON has no default limit
        make_project(f"Bangkok project {n}")

    response = client.get("/api/v1/projects.geojson")
    collection = response.json
    assert response.mimetype == "application/geo+json"
    assert_valid_geojson(collection)
    assert collection["type"] == "FeatureCollection" and collection["total"] == 62
    assert len(collection["features"]) == 62 and collection["next"] is None
    first = collection["features"][0]
    assert first["id"] == jakarta.id and first["geometry"] == {"type": "Point", "coordinates": [106.8, -6.2]}
    assert set(first["properties"]) == MAP_PROPERTIES
    props = first["properties"]
    assert props["city"] == "DKI Jakarta" and props["city_slug"] == "dki-jakarta" and props["country"] == "ID"
    assert props["partners"] == [{"id": adb.id, "name": ADB, "role": "funding"}]
    assert props["url"] == f"http://localhost/projects/{jakarta.id}" and props["seeking_funding"] is False
    assert collection["features"][1]["properties"]["focus_areas"] == ["Quality Environment", "Built Infrastructure"]


def test_projects_geojson_filters_and_pages_like_the_list(client, make_project):
    made = [make_project(f"Project {n}").id for n in range(5)]
    make_project("Far away", city="manila")
    page = client.get("/api/v1/projects.geojson?bbox=100.3,13.5,100.9,14.0&limit=2").json
    assert [f["id"] for f in page["features"]] == made[:2] and page["total"] == 5 and page["next"]
    rest = client.get(page["next"].replace("http://localhost", "")).json
    assert [f["id"] for f in rest["features"]] == made[2:4]
    assert client.get("/api/v1/projects.geojson?bbox=100,13").status_code == 400


def test_the_whole_geojson_is_built_a_batch_at_a_time_with_the_same_bytes(client, make_project, monkeypatch):
    from smartcities.api import exports
    made = [make_project(f"โครงการ {n}", city="bangkok" if n % 2 else "hanoi").id for n in range(7)]
    make_project("Hidden", status="submitted")
    paged = client.get("/api/v1/projects.geojson?limit=500").json
    cursor = parse_qs(urlsplit(client.get("/api/v1/projects.geojson?limit=3").json["next"]).query)["cursor"][0]
    for batch in (3, 7):   # batches of 3, 3 and 1; one full batch and an empty one
        monkeypatch.setattr(exports, "WHOLE_BATCH", batch)
        for query, expected in (("", made), ("?city=hanoi", made[::2]), (f"?cursor={cursor}", made[3:]),
                                ("?q=nothing-matches-this", [])):
            response = client.get("/api/v1/projects.geojson" + query)
            whole = response.json
            assert [f["id"] for f in whole["features"]] == expected
            assert whole["total"] == (len(expected) if "cursor" not in query else 7) and whole["next"] is None
            assert response.data == json.dumps(whole, ensure_ascii=False, separators=(",", ":")).encode()
        assert client.get("/api/v1/projects.geojson").json["features"] == paged["features"]


def test_the_stored_features_follow_every_change_they_show(app, client, make_project):
    """The whole GeoJSON is read from the Features the commits stored; after each kind of change it is what the
    Features built from the database at that moment say."""
    from smartcities.api.serializers import project_feature
    from smartcities.geo.models import City
    from smartcities.organisations.models import Organisation
    from smartcities.projects.models import FocusArea, ProjectSite
    from smartcities.projects.queries import ProjectFilters, map_rows
    from smartcities.projects.search_index import project_features

    def same() -> list[int]:
        whole = client.get("/api/v1/projects.geojson").json
        with app.test_request_context("/api/v1/projects.geojson"):
            assert whole["features"] == [project_feature(row) for row in map_rows(ProjectFilters())]
        assert whole["features"] == client.get("/api/v1/projects.geojson?limit=500").json["features"]
        return [feature["id"] for feature in whole["features"]]

    odd = make_project('A "url":"\x01 title \u0001', summary="x")   # what the stored URL's marker looks like
    canal = make_project("Canal sensors")
    adb = partner(canal, ADB, "funding")
    draft = make_project("A draft", status="draft")
    assert same() == [odd.id, canal.id] and client.get("/api/v1/projects.geojson").json["features"][0][
        "properties"]["title"] == 'A "url":"\x01 title \u0001'
    changes = [
        lambda: setattr(canal, "title", "Canal water-level sensors"),
        lambda: canal.sites.append(ProjectSite(position=1, latitude=13.8, longitude=100.6, name="North gate")),
        lambda: setattr(db.session.scalar(select(FocusArea).where(FocusArea.name == "Safety and Security")),
                        "name", "Safety"),
        lambda: setattr(db.session.get(City, canal.city_id), "name", "Krung Thep"),
        lambda: setattr(db.session.get(City, canal.city_id), "slug", "krung-thep"),
        lambda: setattr(db.session.get(Organisation, adb.id), "name", "The Asian Development Bank"),
        lambda: canal.participations.clear(),
        lambda: setattr(draft, "status", "published") or setattr(draft, "published_at", canal.published_at),
        lambda: setattr(odd, "status", "draft"),
    ]
    for change in changes:
        change()
        db.session.commit()
        same()
    assert same() == [canal.id, draft.id]
    db.session.execute(project_features.delete())   # a database whose Features were never stored
    db.session.commit()
    assert same() == [canal.id, draft.id]
    app.config["PUBLIC_URL"] = "https://ascn.example.org"
    try:
        assert same() and client.get("/api/v1/projects.geojson").json["features"][0]["properties"]["url"] == (
            f"https://ascn.example.org/projects/{canal.id}")
    finally:
        app.config.pop("PUBLIC_URL")


def test_cities_geojson(client, make_project):
    make_project("One", city="bangkok")
    make_project("Two", city="bangkok")
    make_project("Draft", city="bangkok", status="draft")
    collection = client.get("/api/v1/cities.geojson").json
    assert_valid_geojson(collection)
    cities = {f["id"]: f for f in collection["features"]}
    bangkok = cities["bangkok"]
    assert bangkok["geometry"]["coordinates"] == [100.5018, 13.7563]
    assert bangkok["properties"] == {
        "slug": "bangkok", "name": "Bangkok", "local_name": "กรุงเทพมหานคร", "country": "TH", "is_member": True,
        "member_since": 2018, "project_count": 2, "url": "http://localhost/cities/bangkok"}
    assert cities["hanoi"]["properties"]["project_count"] == 0
    only_vn = client.get("/api/v1/cities.geojson?country=VN").json["features"]
    assert only_vn and {f["properties"]["country"] for f in only_vn} == {"VN"}


def read_csv(response) -> list[dict[str, str]]:
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.data.startswith("\ufeff".encode())  # the BOM Excel needs to read UTF-8
    return list(csv.DictReader(io.StringIO(response.data.decode("utf-8-sig"))))


def test_csv_has_codes_labels_partners_and_no_formulas(client, make_project):
    project = make_project("=HYPERLINK(\"http://evil.example\",\"click\")", city="dki-jakarta",
                           summary="@SUM(A1:A9) and ถนนสุขุมวิท", latitude=-6.1754, longitude=106.8272,
                           budget_amount=Decimal("99.5"), currency="IDR",
                           focus_areas=("Safety and Security", "Civic and Social"))
    partner(project, ADB, "funding")
    partner(project, "Japan MLIT - Smart JAMP (Smart Japan ASEAN Mutual Partnership)", "extending")
    response = client.get("/api/v1/projects.csv")
    assert "attachment" in response.headers["Content-Disposition"]
    [row] = read_csv(response)
    assert row["title"].startswith("'=HYPERLINK") and row["summary"] == "'@SUM(A1:A9) and ถนนสุขุมวิท"
    assert row["latitude"] == "-6.1754"  # numbers are not text: a minus sign there is not a formula
    assert (row["country"], row["country_name"], row["city"], row["city_slug"]) == (
        "ID", "Indonesia", "DKI Jakarta", "dki-jakarta")
    assert row["focus_areas"] == "Civic and Social; Safety and Security"
    assert row["partners"] == (f"{ADB} (funding); "
                               "Japan MLIT - Smart JAMP (Smart Japan ASEAN Mutual Partnership) (extending)")
    assert row["budget"] == "99.50" and row["currency"] == "IDR" and row["id"] == str(project.id)


def test_csv_filters_and_can_be_imported_back(client, runner, make_project, tmp_path):
    make_project("Canal sensors", city="bangkok", budget_amount=Decimal("1000"), currency="THB")
    make_project("Bus app", city="hanoi")
    rows = read_csv(client.get("/api/v1/projects.csv?country=TH"))
    assert [r["title"] for r in rows] == ["Canal sensors"]
    assert client.get("/api/v1/projects.csv?stage=nope").json["errors"][0]["name"] == "stage"

    export = tmp_path / "export.csv"
    export.write_bytes(client.get("/api/v1/projects.csv").data)
    result = runner.invoke(args=["projects", "import", str(export)])
    assert result.exit_code == 0, result.output
    assert "imported 2 projects: 0 created, 0 updated, 2 unchanged" in result.output  # matched by id
    titles = db.session.scalars(select(Project.title).where(Project.status == "published").order_by(Project.id))
    assert list(titles) == ["Canal sensors", "Bus app"]
    assert db.session.scalar(select(func.count()).select_from(Project)) == 2


def test_an_import_moves_the_public_data_version(client, runner, tmp_path):
    before = client.get("/api/v1/projects.geojson").headers["ETag"]
    source = tmp_path / "one.csv"
    source.write_text("title,city,focus_areas,stage\nCanal sensors,bangkok,Safety and Security,planning\n")
    assert runner.invoke(args=["projects", "import", str(source)]).exit_code == 0
    answer = client.get("/api/v1/projects.geojson")
    assert answer.headers["ETag"] != before and answer.json["total"] == 1
