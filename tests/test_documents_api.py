"""The document library in open data: /api/v1/documents filters (a place takes in its plans' and projects'
documents), pages and names each bad parameter; the seed's founding documents, added once."""
from __future__ import annotations

from sqlalchemy import func, select
from test_documents import library  # noqa: F401  (the fixture)

from smartcities.documents import services
from smartcities.documents.models import Document
from smartcities.extensions import db
from smartcities.geo.models import Country
from smartcities.geo.services import find_city
from smartcities.plans.models import NationalPlan


def test_the_api_filters_pages_and_names_bad_parameters(client, make_project, library):  # noqa: F811
    project = make_project(title="Flood gates")
    bangkok = find_city("bangkok")
    for n, target in enumerate([project, bangkok, db.session.get(Country, "TH"), db.session.get(Country, "VN"),
                                db.session.scalar(select(NationalPlan).where(NationalPlan.external_id ==
                                                                             "th-bangkok-bma"))]):
        services.add_document(target, services.Fields(f"Doc {n}"), url=f"https://example.org/{n}.pdf")
    db.session.commit()

    def titles(query: str) -> list[str]:
        answer = client.get(f"/api/v1/documents?{query}")
        assert answer.status_code == 200, answer.get_data(as_text=True)
        return [item["title"] for item in answer.get_json()["items"]]
    assert titles(f"project={project.id}") == ["Doc 0"]
    assert titles("city=bangkok") == ["Doc 0", "Doc 1", "Doc 4"]
    assert titles("country=th") == ["Doc 0", "Doc 1", "Doc 2", "Doc 4"]
    assert titles("plan=th-bangkok-bma") == ["Doc 4"]
    first = client.get("/api/v1/documents?limit=2&q=doc").get_json()
    assert len(first["items"]) == 2 and first["total"] == 5 and first["next"]
    rest = client.get(first["next"].replace("http://localhost", "")).get_json()
    assert [i["title"] for i in rest["items"]] == ["Doc 2", "Doc 3"] and rest["next"]
    last = client.get(rest["next"].replace("http://localhost", "")).get_json()
    assert [i["title"] for i in last["items"]] == ["Doc 4"] and last["next"] is None
    bad = client.get("/api/v1/documents?city=atlantis&country=XX&plan=nope&project=abc&limit=0")
    assert bad.status_code == 400 and bad.mimetype == "application/problem+json"
    assert {e["name"] for e in bad.get_json()["errors"]} == {"city", "country", "plan", "project", "limit"}
    link = client.get("/api/v1/documents?country=VN").get_json()["items"][0]
    assert link["kind"] == "link" and link["url"] == "https://example.org/3.pdf" and link["format"] == "application/pdf"


def test_the_seed_adds_the_founding_documents_as_links_with_sources_once(app, runner):
    framework = db.session.scalars(select(Document).where(Document.title == "ASEAN Smart Cities Framework")).one()
    assert framework.url.startswith("https://asean.org/") and framework.country_code == "SG"
    assert not framework.is_file and framework.format == "application/pdf" and "asean.org" in framework.source
    before = db.session.scalar(select(func.count(Document.id)))
    result = runner.invoke(args=["seed"])
    assert result.exit_code == 0 and "Nothing to do" in result.output, result.output
    assert db.session.scalar(select(func.count(Document.id))) == before
    listed = runner.app.test_client().get("/api/v1/documents?country=sg").get_json()["items"]
    assert [item["title"] for item in listed] == ["ASEAN Smart Cities Framework"]
