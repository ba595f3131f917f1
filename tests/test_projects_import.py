"""`flask projects import`: the Project file contract (CSV and GeoJSON), all rows or none."""
from __future__ import annotations

import csv
import io
import json
from decimal import Decimal

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

from smartcities.audit import services as audit
from smartcities.audit.models import AuditEvent
from smartcities.extensions import db
from smartcities.organisations.models import Organisation
from smartcities.projects import importer
from smartcities.projects.importer import COLUMNS
from smartcities.projects.models import Project, ProjectParticipation, project_focus_areas
from smartcities.projects.services import snapshot
from test_api import ADB, partner

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


def counts() -> dict[str, int]:
    """What an import writes, counted afresh (the command committed, or did not, in its own session)."""
    db.session.rollback()
    tables = {"projects": Project.__table__, "participations": ProjectParticipation.__table__,
              "organisations": Organisation.__table__, "focus_area_links": project_focus_areas,
              "audit_events": AuditEvent.__table__}
    return {name: db.session.scalar(select(func.count()).select_from(table)) for name, table in tables.items()}


def fresh(project_id: int) -> Project:
    """The project as committed now, not as this test's session last saw it."""
    db.session.rollback()
    return db.session.scalar(select(Project).where(Project.id == project_id).execution_options(populate_existing=True))


def events(project_id: int) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.entity_type == "project",
                                                            AuditEvent.entity_id == project_id)
                                   .order_by(AuditEvent.id)))


def export_rows(client, path: str = "/api/v1/projects.csv") -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(client.get(path).data.decode("utf-8-sig"))))


def write_rows(path, rows) -> str:
    """Rows with whatever columns they have (an edited export), in the order of the first row."""
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return str(path)


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
    ({"partners": "; ".join(f"Partner {n} (funding)" for n in range(51))}, "partners"),
    ({"partners": "P" * 201 + " (funding)"}, "partners"),
    ({"partners": "(funding)"}, "partners"),
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


def test_each_imported_project_has_a_created_event_like_a_registered_one(runner, tmp_path):
    before = counts()
    result = runner.invoke(args=["projects", "import", write_csv(tmp_path / "p.csv", [GOOD])])
    assert result.exit_code == 0, result.output
    assert counts()["audit_events"] == before["audit_events"] + 2  # the project's creation, and the import's
    project = db.session.scalar(select(Project).where(Project.title == GOOD["title"]))
    [event] = events(project.id)
    assert (event.action, event.user_id) == ("created", None)
    recorded, expected = dict(event.changes), audit.diff({}, snapshot(project))
    assert recorded.pop("published_at")[1] and expected.pop("published_at")[1]  # timestamps: text differs by driver
    assert recorded == expected
    assert recorded["partners"] == [None, [f"{ADB} (funding)", "Bangkok Flood Tech Co. (implementing)"]]


def batch_rows() -> list[dict]:
    """More rows than one write batch, with new organisations, focus areas and an existing organisation."""
    rows = [dict(GOOD, title=f"Batch project {n}", partners=f"Batch Partner {n % 3} (implementing); {ADB} (funding)")
            for n in range(1, importer.BATCH + 6)]
    assert len(rows) > importer.BATCH
    return rows


def test_a_bad_row_in_a_later_batch_imports_nothing(runner, tmp_path):
    rows = batch_rows()
    bad = importer.BATCH + 3  # in the second batch; the first holds new projects, organisations, links
    rows[bad - 1]["partners"] = "Q" * 201 + " (funding)"  # longer than organisations.name allows
    before = counts()
    result = runner.invoke(args=["projects", "import", write_csv(tmp_path / "p.csv", rows)])
    assert result.exit_code == 1, result.output
    assert f"row {bad}: partners: a partner's name must be 1 to 200 characters" in result.output
    assert "1 problem(s); nothing was written." in result.output
    assert counts() == before


def test_a_database_refusal_in_a_later_batch_undoes_the_earlier_batches(runner, tmp_path, monkeypatch):
    rows = batch_rows()
    before = counts()
    real_create, seen = importer._create, []

    def create(batch, now):
        if seen:  # the second batch: the first is written (in the transaction); now the database refuses
            seen.append(db.session.scalar(select(func.count(Project.id))))
            raise IntegrityError("INSERT INTO projects …", {}, Exception("injected refusal"))
        real_create(batch, now)
        seen.append(len(batch))

    monkeypatch.setattr(importer, "_create", create)
    result = runner.invoke(args=["projects", "import", write_csv(tmp_path / "p.csv", rows)])
    assert result.exit_code == 1, result.output
    assert seen == [importer.BATCH, before["projects"] + importer.BATCH]
    assert f"rows {importer.BATCH + 1}-{len(rows)}: the database refused them: injected refusal" in result.output
    assert "nothing was written" in result.output
    assert counts() == before


def test_fifty_partners_and_a_200_character_name_are_accepted(runner, tmp_path):
    specs = [f"Limit Partner {n} (funding)" for n in range(49)] + ["L" * 200 + " (implementing)"]
    result = runner.invoke(args=["projects", "import", write_csv(tmp_path / "p.csv",
                                                                 [dict(GOOD, partners="; ".join(specs))])])
    assert result.exit_code == 0, result.output
    project = db.session.scalar(select(Project).where(Project.title == GOOD["title"]))
    assert len(project.participations) == 50
    assert ("L" * 200, "implementing") in {(p.organisation.name, p.role) for p in project.participations}


def test_reimporting_the_csv_export_updates_the_projects_instead_of_duplicating_them(client, runner, make_project,
                                                                                     tmp_path):
    canal = make_project("Canal sensors", city="bangkok", summary="Water levels.", budget_amount=Decimal("1000"),
                         currency="THB")
    partner(canal, ADB, "funding", amount="500", currency="USD")
    lights = make_project("-20% energy for street lights", city="hanoi")
    canal_id, lights_id = canal.id, lights.id
    export = export_rows(client)
    assert [(r["id"], r["title"]) for r in export] == [
        (str(canal_id), "Canal sensors"), (str(lights_id), "'-20% energy for street lights")]  # the formula guard
    assert {"id", "url", "description", "city_slug", "updated_at"} <= set(export[0])  # not in the import header
    before = counts()

    result = runner.invoke(args=["projects", "import", write_rows(tmp_path / "same.csv", export)])
    assert result.exit_code == 0, result.output
    assert "imported 2 projects: 0 created, 0 updated, 2 unchanged" in result.output
    assert counts() == before
    assert (fresh(lights_id).title, fresh(lights_id).version, fresh(canal_id).version) == (
        "-20% energy for street lights", 1, 1)

    export[0].update(title="Canal water-level sensors", budget="2500.00",
                     partners=f"{ADB} (funding); Bangkok Canal Works (implementing)")
    new = dict(export[1], id="", url="https://www.hanoi.gov.vn/smart-lighting", title="Hanoi street light sensors")
    result = runner.invoke(args=["projects", "import", write_rows(tmp_path / "edited.csv", [*export, new])])
    assert result.exit_code == 0, result.output
    assert "imported 3 projects: 1 created, 1 updated, 1 unchanged" in result.output
    after = counts()
    assert after["projects"] == before["projects"] + 1
    assert after["audit_events"] == before["audit_events"] + 3  # the update, the new project's creation, the import
    project = fresh(canal_id)
    assert (project.title, project.budget_amount, project.currency, project.summary, project.status,
            project.version) == ("Canal water-level sensors", Decimal("2500.00"), "THB", "Water levels.",
                                 "published", 2)
    assert {(p.organisation.name, p.role, p.committed_amount) for p in project.participations} == {
        (ADB, "funding", Decimal("500.00")), ("Bangkok Canal Works", "implementing", None)}  # commitment kept
    [event] = events(canal_id)
    assert (event.action, event.user_id) == ("updated", None)
    assert event.changes == {
        "title": ["Canal sensors", "Canal water-level sensors"], "budget": ["1000.00", "2500.00"],
        "partners": [[f"{ADB} (funding) 500.00 USD"],
                     [f"{ADB} (funding) 500.00 USD", "Bangkok Canal Works (implementing)"]],
        "version": [1, 2]}
    assert fresh(lights_id).version == 1 and events(lights_id) == []
    added = db.session.scalar(select(Project).where(Project.title == "Hanoi street light sensors"))
    assert added.id not in (canal_id, lights_id) and added.city.slug == "hanoi" and added.status == "published"
    assert [e.action for e in events(added.id)] == ["created"]


def test_reimporting_the_geojson_export_updates_what_it_carries_and_keeps_the_rest(client, runner, make_project,
                                                                                   tmp_path):
    canal = make_project("Canal sensors", city="bangkok", summary="Water levels.", budget_amount=Decimal("1000"),
                         currency="THB", latitude=13.7, longitude=100.5)
    partner(canal, ADB, "funding", amount="500", currency="USD")
    canal_id = canal.id
    collection = client.get("/api/v1/projects.geojson").json
    [feature] = collection["features"]
    assert feature["properties"]["id"] == canal_id and "summary" not in feature["properties"]
    path = tmp_path / "export.geojson"
    path.write_text(json.dumps(collection), encoding="utf-8")
    before = counts()

    result = runner.invoke(args=["projects", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert "imported 1 projects: 0 created, 0 updated, 1 unchanged" in result.output
    assert counts() == before

    feature["geometry"]["coordinates"] = [100.55, 13.76]
    feature["properties"].update(title="Canal sensors, phase 2", stage="completed", partners=[
        *feature["properties"]["partners"], {"id": None, "name": "Bangkok Canal Works", "role": "implementing"}])
    path.write_text(json.dumps(collection), encoding="utf-8")
    result = runner.invoke(args=["projects", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert "imported 1 projects: 0 created, 1 updated, 0 unchanged" in result.output
    assert counts()["projects"] == before["projects"]
    project = fresh(canal_id)
    assert (project.title, project.stage, project.longitude, project.latitude) == (
        "Canal sensors, phase 2", "completed", 100.55, 13.76)
    assert (project.summary, project.budget_amount, project.currency, str(project.start_date),
            str(project.end_date)) == ("Water levels.", Decimal("1000.00"), "THB", "2026-01-01", "2027-12-31")
    assert {(p.organisation.name, p.role, p.committed_amount) for p in project.participations} == {
        (ADB, "funding", Decimal("500.00")), ("Bangkok Canal Works", "implementing", None)}
    [event] = events(canal_id)
    assert set(event.changes) == {"title", "stage", "latitude", "longitude", "partners", "version"}

    feature["properties"]["partners"] = [{"name": "", "role": "funding"}]
    path.write_text(json.dumps(collection), encoding="utf-8")
    before = counts()
    result = runner.invoke(args=["projects", "import", str(path)])
    assert result.exit_code == 1 and "row 1: partners: a partner's name must be 1 to 200" in result.output
    assert counts() == before and len(fresh(canal_id).participations) == 2


def test_rows_naming_projects_they_cannot_update_are_refused(client, runner, make_project, tmp_path):
    canal_id = make_project("Canal sensors", city="bangkok").id
    draft_id = make_project("Draft idea", city="bangkok", status="draft").id
    missing = canal_id + draft_id + 1000
    [row] = export_rows(client)
    rows = [
        dict(row, city="Hanoi", country="VN"),                                     # 1: another city
        dict(row, id=str(missing), url=""),                                        # 2: no such project
        dict(row, id=str(draft_id), url=""),                                       # 3: not published
        dict(row, id="abc", url=""),                                               # 4: not an id
        dict(row, id="", url=f"http://localhost/projects/{missing}"),              # 5: no such project, by url
        dict(row, id=str(missing + 1), url=f"http://localhost/projects/{missing + 2}"),  # 6: id and url differ
        dict(row, title="Canal sensors again"),                                    # 7: row 1 names it already
    ]
    before = counts()
    result = runner.invoke(args=["projects", "import", write_rows(tmp_path / "p.csv", rows)])
    assert result.exit_code == 1, result.output
    for expected in (f"row 1: city: project {canal_id} is in Bangkok, not Hanoi",
                     f"row 2: id: there is no project {missing} in this portal",
                     f"row 3: id: project {draft_id} is draft",
                     "row 4: id: 'abc' is not the id of a project",
                     f"row 5: id: there is no project {missing} in this portal",
                     f"row 6: url: 'http://localhost/projects/{missing + 2}' is the page of project {missing + 2}",
                     f"row 7: id: project {canal_id} is already named by row 1"):
        assert expected in result.output, result.output
    assert counts() == before and fresh(canal_id).title == "Canal sensors"


def test_an_update_keeps_the_columns_the_file_lacks_and_checks_the_project_as_it_will_be(runner, make_project,
                                                                                         tmp_path):
    canal = make_project("Canal sensors", city="bangkok", summary="Water levels.", budget_amount=Decimal("1000"),
                         currency="THB", latitude=13.7, longitude=100.5)  # 2026-01-01 to 2027-12-31
    canal_id = canal.id
    before = counts()
    for change, error in (({"start_date": "2028-01-01"}, "row 1: start_date: the end date is before the start date"),
                          ({"currency": ""}, "row 1: currency: is required when a budget is given")):
        row = {"id": str(canal_id), "title": "Canal sensors", "city": "bangkok", **change}
        result = runner.invoke(args=["projects", "import", write_rows(tmp_path / "bad.csv", [row])])
        assert result.exit_code == 1 and error in result.output, result.output
        assert counts() == before

    row = {"id": str(canal_id), "title": "Canal sensors", "city": "Bangkok", "budget": "2000",
           "start_date": "2026-06-01"}
    result = runner.invoke(args=["projects", "import", write_rows(tmp_path / "ok.csv", [row])])
    assert result.exit_code == 0 and "1 updated" in result.output, result.output
    project = fresh(canal_id)
    assert (project.budget_amount, project.currency, str(project.start_date), str(project.end_date)) == (
        Decimal("2000.00"), "THB", "2026-06-01", "2027-12-31")
    assert (project.summary, project.latitude, project.longitude, project.stage) == ("Water levels.", 13.7, 100.5,
                                                                                     "concept")
    assert [fa.name for fa in project.focus_areas] == ["Safety and Security"]
    assert events(canal_id)[0].changes == {"budget": ["1000.00", "2000.00"], "start_date": ["2026-01-01", "2026-06-01"],
                                           "version": [1, 2]}


def test_a_bulk_import_refreshes_the_planner_statistics_on_postgresql(runner, tmp_path):
    """After 1,000 rows PostgreSQL plans with the new row counts at once (not when autovacuum comes by)."""
    rows = [{**GOOD, "title": f"Canal sensor {n}", "partners": ""} for n in range(1000)]
    on_postgresql = db.engine.dialect.name == "postgresql"
    if on_postgresql:
        db.session.execute(text("ANALYZE projects"))
        before = db.session.scalar(text("SELECT reltuples FROM pg_class WHERE relname = 'projects'"))
        db.session.commit()
    result = runner.invoke(args=["projects", "import", write_csv(tmp_path / "many.csv", rows)])
    assert result.exit_code == 0, result.output
    if on_postgresql:  # SQLite plans without collected statistics; there the import only has to succeed
        after = db.session.scalar(text("SELECT reltuples FROM pg_class WHERE relname = 'projects'"))
        assert after >= before + 1000
