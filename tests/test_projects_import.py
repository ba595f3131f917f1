"""`flask projects import`: the Project file contract (CSV and GeoJSON), all rows or none."""
from __future__ import annotations

import csv
import json

import pytest
from sqlalchemy import func, select

from smartcities.extensions import db
from smartcities.organisations.models import Organisation
from smartcities.projects.importer import COLUMNS
from smartcities.projects.models import Project

GOOD = {
    "title": "Canal flood sensors", "summary": "Water-level sensors on Bangkok canals.", "city": "Bangkok",
    "country": "TH", "focus_areas": "Safety and Security; Quality Environment", "stage": "implementation",
    "start_date": "2026-01-01", "end_date": "2027-12-31", "budget": "1250000.50", "currency": "thb",
    "latitude": "13.75", "longitude": "100.52",
    "partners": "Asian Development Bank (ADB) (funding); Bangkok Flood Tech Co. (implementing)",
}


def write_csv(path, rows):
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    return str(path)


def project_count():
    return db.session.scalar(select(func.count(Project.id)))


def test_csv_import_creates_published_projects(runner, tmp_path):
    second = {**GOOD, "title": "Ha Noi open data", "city": "hanoi", "country": "", "latitude": "",
              "longitude": "", "focus_areas": "Civic and Social", "partners": "", "budget": "", "currency": ""}
    result = runner.invoke(args=["projects", "import", write_csv(tmp_path / "p.csv", [GOOD, second])])
    assert result.exit_code == 0, result.output
    assert "imported 2 projects" in result.output
    canal = db.session.scalar(select(Project).where(Project.title == "Canal flood sensors"))
    assert canal.status == "published" and canal.published_at is not None
    assert canal.city.slug == "bangkok" and canal.currency == "THB" and str(canal.budget_amount) == "1250000.50"
    assert [fa.name for fa in canal.focus_areas] == ["Safety and Security", "Quality Environment"]
    roles = {(p.organisation.name, p.role) for p in canal.participations}
    assert roles == {("Asian Development Bank (ADB)", "funding"), ("Bangkok Flood Tech Co.", "implementing")}
    new_org = db.session.scalar(select(Organisation).where(Organisation.name == "Bangkok Flood Tech Co."))
    assert new_org.kind == "other"
    hanoi = db.session.scalar(select(Project).where(Project.title == "Ha Noi open data"))
    assert (hanoi.latitude, hanoi.longitude) == (hanoi.city.latitude, hanoi.city.longitude)


def test_geojson_import_reads_point_geometry(runner, tmp_path):
    props = {k: v for k, v in GOOD.items() if k not in ("latitude", "longitude")}
    collection = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [100.6, 13.8]}, "properties": props}]}
    path = tmp_path / "p.geojson"
    path.write_text(json.dumps(collection), encoding="utf-8")
    result = runner.invoke(args=["projects", "import", str(path)])
    assert result.exit_code == 0, result.output
    project = db.session.scalar(select(Project).where(Project.title == "Canal flood sensors"))
    assert (project.longitude, project.latitude) == (100.6, 13.8)


@pytest.mark.parametrize("change, field", [
    ({"city": "Atlantis"}, "city"),
    ({"start_date": "2026-13-01"}, "start_date"),
    ({"latitude": "123.4"}, "latitude"),
    ({"focus_areas": "Space Travel"}, "focus_areas"),
    ({"start_date": "2027-01-01", "end_date": "2026-01-01"}, "end_date"),
    ({"currency": "BAHT"}, "currency"),
    ({"country": "VN"}, "city"),
    ({"stage": "someday"}, "stage"),
    ({"budget": "lots"}, "budget"),
    ({"partners": "World Bank (sponsor)"}, "partners"),
    ({"title": ""}, "title"),
])
def test_one_bad_row_in_the_middle_imports_nothing(runner, tmp_path, change, field):
    rows = [dict(GOOD, title=f"Project {n}") for n in range(1, 6)]
    rows[2].update(change)
    before = project_count()
    orgs_before = db.session.scalar(select(func.count(Organisation.id)))
    result = runner.invoke(args=["projects", "import", write_csv(tmp_path / "p.csv", rows)])
    assert result.exit_code == 1
    assert f"row 3: {field}:" in result.output, result.output
    assert "nothing was written" in result.output
    assert project_count() == before
    assert db.session.scalar(select(func.count(Organisation.id))) == orgs_before


def test_every_bad_row_is_reported(runner, tmp_path):
    rows = [dict(GOOD), dict(GOOD, city="Nowhere"), dict(GOOD, latitude="-91"), dict(GOOD)]
    result = runner.invoke(args=["projects", "import", write_csv(tmp_path / "p.csv", rows)])
    assert result.exit_code == 1
    assert "row 2: city:" in result.output and "row 3: latitude:" in result.output
    assert "2 problem(s)" in result.output


def test_bad_files_are_refused(runner, tmp_path):
    header_only = tmp_path / "wrong.csv"
    header_only.write_text("name,place\nx,y\n", encoding="utf-8")
    result = runner.invoke(args=["projects", "import", str(header_only)])
    assert result.exit_code == 1 and "header" in result.output
    not_geojson = tmp_path / "x.geojson"
    not_geojson.write_text('{"type": "Feature"}', encoding="utf-8")
    result = runner.invoke(args=["projects", "import", str(not_geojson)])
    assert result.exit_code == 1 and "FeatureCollection" in result.output
    line = {"type": "FeatureCollection", "features": [{"type": "Feature", "properties": GOOD,
            "geometry": {"type": "LineString", "coordinates": [[100, 13], [101, 14]]}}]}
    not_geojson.write_text(json.dumps(line), encoding="utf-8")
    result = runner.invoke(args=["projects", "import", str(not_geojson)])
    assert result.exit_code == 1 and "row 1: geometry" in result.output
    assert project_count() == 0
