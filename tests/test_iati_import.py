"""`flask projects import-iati FILE.xml`: keeps the activities of ASCN cities, skips the rest with a reason,
updates by iati-identifier, writes all or nothing, names every problem by activity and element."""
from __future__ import annotations

import json
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest
from lxml import etree
from sqlalchemy import func, select
from test_iati import schema, valid  # noqa: F401 (schema is a fixture)

from smartcities.extensions import db
from smartcities.organisations.models import Organisation
from smartcities.projects.models import Project, ProjectSite

DATA = Path(__file__).parent / "data" / "iati"
FILE = DATA / "activities.xml"
EXPECTED = json.loads((DATA / "expected.json").read_text(encoding="utf-8"))


def count(model) -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(model))


def imported(identifier: str) -> Project:
    db.session.rollback()
    return db.session.scalar(select(Project).where(Project.iati_identifier == identifier))


def run(runner, path: Path):
    return runner.invoke(args=["projects", "import-iati", str(path)])


def test_the_fixture_is_a_valid_iati_file_of_several_publishers(schema):  # noqa: F811
    document = etree.parse(str(FILE))
    schema.assertValid(document)
    activities = document.findall("iati-activity")
    assert len(activities) >= 200
    assert len({a.find("reporting-org").get("ref") for a in activities}) >= 5
    assert {"KE", "IN", "BD"} <= {c.get("code") for c in document.iter("recipient-country")}


def test_import_keeps_skips_and_says_why(runner):
    before = count(Project)
    result = run(runner, FILE)
    assert result.exit_code == 0, result.output
    kept = {k: v.split(":", 1)[1] for k, v in EXPECTED.items() if v.startswith("kept:")}
    skipped = Counter(v.split(":", 1)[1] for v in EXPECTED.values() if v.startswith("skipped:"))
    assert f"kept {len(kept)} activities: {len(kept)} created, 0 updated, 0 unchanged" in result.output
    assert f"skipped {sum(skipped.values())} (" in result.output
    for reason, n in skipped.items():
        assert f"{n} {reason}" in result.output, (reason, result.output[-500:])
    outside = next(k for k, v in EXPECTED.items() if v == "skipped:outside ASEAN")
    assert f"skipped {outside}: outside ASEAN: recipient-country KE" in result.output
    far = next(k for k, v in EXPECTED.items() if v == "skipped:no ASCN city near")
    assert f"skipped {far}: no ASCN city near: the nearest, " in result.output
    assert count(Project) == before + len(kept)
    db.session.rollback()
    placed = dict(db.session.execute(select(Project.iati_identifier, Project.city_id)
                                     .where(Project.iati_identifier.is_not(None))).all())
    assert set(placed) == set(kept)
    cities = {p.iati_identifier: p.city.name for p in db.session.scalars(
        select(Project).where(Project.iati_identifier.is_not(None)))}
    assert cities == kept
    assert all(p.status == "published" for p in db.session.scalars(select(Project).where(
        Project.iati_identifier.is_not(None))))


def test_an_activity_brings_its_partners_roles_budget_dates_and_sites(runner):
    assert run(runner, FILE).exit_code == 0
    element = next(a for a in etree.parse(str(FILE)).findall("iati-activity")
                   if EXPECTED[a.findtext("iati-identifier")].startswith("kept:")
                   and len(a.findall("location")) == 4 and len(a.findall("budget")) == 2
                   and {v.get("currency") for v in a.iter("value")} == {"USD"})
    project = imported(element.findtext("iati-identifier"))
    assert project.title == element.findtext("title/narrative")
    positions = [tuple(map(float, pos.text.split())) for pos in element.iter("pos")]
    assert [(s.latitude, s.longitude) for s in project.sites] == positions
    assert [s.name for s in project.sites] == [loc.findtext("name/narrative") for loc in element.findall("location")]
    assert project.budget_amount == sum(Decimal(v.text) for v in element.iter("value")) and project.currency == "USD"
    assert str(project.start_date) == element.find("activity-date[@type='1']").get("iso-date")
    assert str(project.end_date) == element.find("activity-date[@type='3']").get("iso-date")
    roles = {(p.organisation.name, p.role) for p in project.participations}
    orgs = element.findall("participating-org")
    funder, implementer = orgs[0].findtext("narrative"), orgs[1].findtext("narrative")
    assert ("implementing" in {role for _n, role in roles}) and (implementer, "implementing") in roles
    if orgs[0].get("ref") == "XM-DAC-46004":  # found by its IATI identifier: the seeded bank, not a new one
        assert ("Asian Development Bank (ADB)", "funding") in roles
    else:
        assert any(role == "funding" for _n, role in roles) and funder


def test_the_seeded_bank_is_found_by_its_iati_identifier(runner):
    assert run(runner, FILE).exit_code == 0
    db.session.rollback()
    adb = db.session.scalar(select(Organisation).where(Organisation.name == "Asian Development Bank (ADB)"))
    funded = [p.project.iati_identifier for p in adb.participations if p.role == "funding"]
    assert funded and all(i.startswith("XM-DAC-46004-") for i in funded)
    duplicates = select(func.count(Organisation.id)).where(Organisation.name == "Asian Development Bank")
    assert db.session.scalar(duplicates) == 0


def test_thai_title_kept_english_chosen_and_mixed_currencies_noted(runner):
    result = run(runner, FILE)
    thai = next(a for a in etree.parse(str(FILE)).findall("iati-activity")
                if len(a.findall("title/narrative")) == 2 and EXPECTED[a.findtext("iati-identifier")] == "kept:Bangkok")
    english, local = thai.findall("title/narrative")
    assert local.get("{http://www.w3.org/XML/1998/namespace}lang") == "th"
    assert imported(thai.findtext("iati-identifier")).title == english.text
    assert "budgets in EUR, USD: none kept" in result.output
    noted = result.output.split("budgets in EUR, USD")[0].rsplit("note ", 1)[1].split(":")[0]
    assert imported(noted).budget_amount is None


def test_reimport_updates_instead_of_duplicating(runner, tmp_path):
    assert run(runner, FILE).exit_code == 0
    total, sites = count(Project), count(ProjectSite)
    again = run(runner, FILE)
    assert again.exit_code == 0 and " 0 created, 0 updated, " in again.output
    assert (count(Project), count(ProjectSite)) == (total, sites)
    text = FILE.read_text(encoding="utf-8")
    identifier = next(k for k, v in EXPECTED.items() if v.startswith("kept:"))
    changed = text.replace("Flood early warning sensors, phase 1</narrative>", "Flood sensors, phase 1b</narrative>", 1)
    path = tmp_path / "changed.xml"
    path.write_text(changed, encoding="utf-8")
    result = run(runner, path)
    assert result.exit_code == 0 and " 0 created, 1 updated, " in result.output, result.output[-300:]
    assert imported(identifier).title == "Flood sensors, phase 1b" and count(Project) == total


BAD = """<?xml version="1.0" encoding="UTF-8"?>
<iati-activities version="2.03">
  <iati-activity><iati-identifier>XM-DAC-46004-OK</iati-identifier><title><narrative>Bangkok canal gauges</narrative>
    </title><participating-org role="1" ref="XM-DAC-46004"/><recipient-country code="TH"/></iati-activity>
  <iati-activity><iati-identifier>XM-DAC-46004-BAD</iati-identifier><title><narrative>Hanoi lights</narrative></title>
    <participating-org role="7"><narrative>Someone</narrative></participating-org>
    <recipient-country code="VN"/><location><point srsName="x"><pos>north east</pos></point></location>
    <budget><value currency="XYZ">12</value></budget></iati-activity>
  <iati-activity><iati-identifier>XM-DAC-46004-OK</iati-identifier><title><narrative>Again</narrative></title>
    <recipient-country code="TH"/></iati-activity>
</iati-activities>"""


def test_a_bad_file_writes_nothing_and_names_activity_and_element(runner, tmp_path):
    path = tmp_path / "bad.xml"
    path.write_text(BAD, encoding="utf-8")
    before = count(Project)
    result = run(runner, path)
    assert result.exit_code == 1
    for message in ("activity 2 (XM-DAC-46004-BAD): participating-org[1]/@role: '7' is not an IATI organisation role",
                    "activity 2 (XM-DAC-46004-BAD): location[1]/point/pos:",
                    "activity 2 (XM-DAC-46004-BAD): budget[1]/value/@currency: 'XYZ'",
                    "activity 3 (XM-DAC-46004-OK): iati-identifier: already used by activity 1",
                    "nothing was written"):
        assert message in result.output, (message, result.output)
    assert count(Project) == before


ELSEWHERE_BAD = """<?xml version="1.0" encoding="UTF-8"?>
<iati-activities version="2.03">
  <iati-activity><iati-identifier>XM-DAC-46004-KE</iati-identifier><title><narrative>Nairobi lights</narrative></title>
    <participating-org role="7"><narrative>Someone</narrative></participating-org>
    <recipient-country code="KE"/><location><point srsName="x"><pos>north east</pos></point></location>
    <budget><value currency="XYZ">12</value></budget></iati-activity>
  <iati-activity><iati-identifier>XM-DAC-46004-CX</iati-identifier><title><narrative>Hanoi lights</narrative></title>
    <activity-status code="5"/><recipient-country code="VN"/><budget><value currency="XYZ">1</value></budget>
  </iati-activity>
  <iati-activity><iati-identifier>XM-DAC-46004-HN</iati-identifier><title><narrative>Hanoi canal gauges</narrative>
    </title><participating-org role="1" ref="XM-DAC-46004"/><recipient-country code="VN"/></iati-activity>
</iati-activities>"""


def test_problems_of_activities_outside_the_network_do_not_block_the_file(runner, tmp_path):
    """A publisher's file covers the world: its odd records elsewhere (or cancelled) are skipped unread."""
    path = tmp_path / "world.xml"
    path.write_text(ELSEWHERE_BAD, encoding="utf-8")
    result = run(runner, path)
    assert result.exit_code == 0, result.output
    assert "skipped XM-DAC-46004-KE: outside ASEAN: recipient-country KE" in result.output
    assert "skipped XM-DAC-46004-CX: cancelled" in result.output
    assert " 1 created, " in result.output and imported("XM-DAC-46004-HN").city.slug == "hanoi"
    broken = ELSEWHERE_BAD.replace("<recipient-country code=\"VN\"/></iati-activity>",
                                   "<recipient-country code=\"VN\"/><budget><value currency=\"XYZ\">1</value>"
                                   "</budget></iati-activity>")
    assert broken != ELSEWHERE_BAD
    path.write_text(broken.replace("-HN<", "-HN2<"), encoding="utf-8")
    result = run(runner, path)
    assert result.exit_code == 1 and "activity 3 (XM-DAC-46004-HN2): budget[1]/value/@currency" in result.output
    assert "XM-DAC-46004-KE" not in result.output.split("skipped")[0].split("error")[1]


@pytest.mark.parametrize("text, message", [
    ("<iati-activities version='1.05'/>", "this reads IATI 2.01 to 2.09 files"),
    ("<activities version='2.03'/>", "not <iati-activities>"),
    ("<iati-activities", "not well-formed XML"),
])
def test_files_that_are_not_iati_2_are_refused(runner, tmp_path, text, message):
    path = tmp_path / "x.xml"
    path.write_text(text, encoding="utf-8")
    result = run(runner, path)
    assert result.exit_code == 1 and message in result.output


def test_round_trip_of_the_portals_own_export(runner, client, tmp_path, make_project):
    made = make_project("Canal gauges", summary="Water levels on the canals.", budget_amount=Decimal("1200.00"),
                        currency="THB", locations=[(13.75, 100.5, "Pier 1"), (13.76, 100.51, "Pier 2")])
    path = tmp_path / "export.xml"
    path.write_bytes(client.get(f"/api/v1/projects/{made.id}/iati.xml").data)
    result = run(runner, path)
    assert result.exit_code == 0 and " 1 created, " in result.output, result.output
    copy = imported(f"XX-ASCN-{made.id}")
    original = db.session.get(Project, made.id)
    shown = ("title", "summary", "stage", "start_date", "end_date", "budget_amount", "currency")
    assert {n: getattr(copy, n) for n in shown} == {n: getattr(original, n) for n in shown}
    assert [(s.latitude, s.longitude, s.name) for s in copy.sites] == [(13.75, 100.5, "Pier 1"),
                                                                        (13.76, 100.51, "Pier 2")]
    assert copy.city_id == original.city_id
    assert [a.slug for a in copy.focus_areas] == [a.slug for a in original.focus_areas]


ONE = """<?xml version="1.0" encoding="UTF-8"?>
<iati-activities version="2.02"><iati-activity><iati-identifier>GB-CHC-202918-X1</iati-identifier>
  <title><narrative>{title}</narrative></title><participating-org role="4" ref="GB-CHC-202918"/>
  <recipient-country code="TH"/><location><point srsName="x"><pos>13.85 100.60</pos></point></location>
</iati-activity></iati-activities>"""


def test_a_long_title_is_shortened_with_a_note(runner, tmp_path):
    path = tmp_path / "one.xml"
    path.write_text(ONE.format(title="Canal water-level gauges and alerts " * 10), encoding="utf-8")
    result = run(runner, path)
    assert result.exit_code == 0 and "note GB-CHC-202918-X1: title shortened to 200 characters" in result.output
    project = imported("GB-CHC-202918-X1")
    assert len(project.title) <= 200 and project.title.endswith("\u2026") and project.city.slug == "bangkok"
    assert [(p.organisation.name, p.role) for p in project.participations] == [("GB-CHC-202918", "implementing")]


def test_the_radius_is_a_setting(app, runner, tmp_path, monkeypatch):
    path = tmp_path / "one.xml"
    path.write_text(ONE.format(title="Canal gauges"), encoding="utf-8")  # about 15 km from Bangkok's centre
    monkeypatch.setitem(app.config, "IATI_CITY_RADIUS_KM", 10)
    result = run(runner, path)
    assert "skipped GB-CHC-202918-X1: no ASCN city near: the nearest, Bangkok, is 15 km" in result.output
    monkeypatch.setitem(app.config, "IATI_CITY_RADIUS_KM", 50)
    assert " 1 created, " in run(runner, path).output


PARTNER_ACTIVITY = """<?xml version="1.0" encoding="UTF-8"?>
<iati-activities version="2.03"><iati-activity default-currency="USD">
  <iati-identifier>XM-DAC-46004-P55501</iati-identifier>
  <reporting-org ref="XM-DAC-46004" type="40"><narrative>Asian Development Bank</narrative></reporting-org>
  <title><narrative>Adaptive traffic signals at Rama IV road junctions</narrative></title>
  <description><narrative>Adaptive traffic signal control and CCTV at 40 junctions along Rama IV road.</narrative>
  </description>
  <participating-org role="1" ref="XM-DAC-46004"><narrative>Asian Development Bank</narrative></participating-org>
  <activity-status code="2"/><activity-date type="1" iso-date="2026-01-01"/>
  <activity-date type="3" iso-date="2028-12-31"/><recipient-country code="TH"/>
  <location><name><narrative>Junction 12 - Rama IV</narrative></name>
    <point srsName="http://www.opengis.net/def/crs/EPSG/0/4326"><pos>13.7291 100.5389</pos></point></location>
  <location><point srsName="http://www.opengis.net/def/crs/EPSG/0/4326"><pos>13.7230 100.5530</pos></point>
  </location>
</iati-activity></iati-activities>"""


def test_a_citys_draft_is_flagged_against_a_banks_imported_activity(runner, client, tmp_path):
    path = tmp_path / "adb.xml"
    path.write_text(PARTNER_ACTIVITY, encoding="utf-8")
    assert " 1 created, " in run(runner, path).output
    imported_id = imported("XM-DAC-46004-P55501").id
    draft = {"title": "Adaptive traffic signals for Rama IV junctions", "city": "bangkok",
             "summary": "Adaptive signal control and CCTV at the junctions of Rama IV road.",
             "focus_areas": [], "start_date": "2026-06-01", "end_date": "2027-12-31",
             "location": {"lat": 13.7292, "lon": 100.5390}, "partners": ["Asian Development Bank (ADB)"]}
    answer = client.post("/api/v1/overlap-check", json=draft)
    assert answer.status_code == 200, answer.get_data(as_text=True)[:300]
    assert imported_id in [flag["project_id"] for flag in answer.json["flags"] if flag["kind"] == "project"]


def test_an_imported_project_exports_valid_iati_pointing_back_to_its_activity(runner, client, schema, tmp_path):  # noqa: F811
    path = tmp_path / "adb.xml"
    path.write_text(PARTNER_ACTIVITY, encoding="utf-8")
    assert " 1 created, " in run(runner, path).output
    project = imported("XM-DAC-46004-P55501")
    root = valid(schema, client.get(f"/api/v1/projects/{project.id}/iati.xml"))
    (other,) = root.findall(".//other-identifier")
    assert (other.get("ref"), other.get("type")) == ("XM-DAC-46004-P55501", "A9")
    assert root.findtext(".//iati-identifier") == f"XX-ASCN-{project.id}"  # published by the portal, under its ref
    assert [loc.findtext("name/narrative") for loc in root.findall(".//location")] == ["Junction 12 - Rama IV",
                                                                                        "Bangkok"]


def test_reimporting_the_export_of_an_imported_project_updates_it(runner, client, tmp_path):
    path = tmp_path / "adb.xml"
    path.write_text(PARTNER_ACTIVITY, encoding="utf-8")
    assert " 1 created, " in run(runner, path).output
    project = imported("XM-DAC-46004-P55501")
    total = count(Project)
    exported = tmp_path / "export.xml"
    exported.write_bytes(client.get(f"/api/v1/projects/{project.id}/iati.xml").data)
    result = run(runner, exported)
    assert result.exit_code == 0 and " 0 created, " in result.output, result.output
    assert count(Project) == total and imported("XM-DAC-46004-P55501").id == project.id
