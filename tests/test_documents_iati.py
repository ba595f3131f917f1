"""Documents in the IATI export: one document-link per categorised document of the project, valid, in order."""
from __future__ import annotations

from datetime import date

from documents_support import make_pdf
from test_iati import schema, valid  # noqa: F401  (the schema fixture)

from smartcities.documents import services
from smartcities.extensions import db

DOCUMENT_LINK = ["title", "category", "language", "document-date"]


def test_each_categorised_document_is_a_document_link(client, make_project, app, tmp_path, monkeypatch,
                                                     schema):  # noqa: F811 (the fixture imported above)
    monkeypatch.setitem(app.config, "DOCUMENTS_DIR", str(tmp_path))
    project = make_project(title="Canal sensors", budget_amount=1000, currency="THB")
    draft = make_project(title="Draft", status="draft")
    link = services.add_document(project, services.Fields("ผลการดำเนินงาน <2026>", "th", "A08", date(2026, 3, 1)),
                                 url="https://example.org/results?year=2026&x=1")
    upload = services.add_document(project, services.Fields("Tender", "en", "A10"),
                                   upload=services.Upload(make_pdf("tender"), "tender.pdf"))
    services.add_document(project, services.Fields("No category"), url="https://example.org/other")
    services.add_document(draft, services.Fields("Hidden", category="A01"), url="https://example.org/hidden")
    db.session.commit()
    root = valid(schema, client.get(f"/api/v1/projects/{project.id}/iati.xml"))
    links = root.findall(".//document-link")
    assert [(e.get("url"), e.get("format")) for e in links] == [
        ("https://example.org/results?year=2026&x=1", "text/html"),
        (f"http://localhost/documents/{upload.id}/file", "application/pdf")]
    first = links[0]
    assert [child.tag for child in first] == DOCUMENT_LINK
    assert first.findtext("title/narrative") == "ผลการดำเนินงาน <2026>"
    assert (first.find("category").get("code"), first.find("language").get("code"),
            first.find("document-date").get("iso-date")) == ("A08", "th", "2026-03-01")
    assert [child.tag for child in links[1]] == DOCUMENT_LINK[:3]
    assert link.id < upload.id
    listed = valid(schema, client.get("/api/v1/iati/activities.xml?city=bangkok"))
    assert len(listed.findall(".//document-link")) == 2  # the draft is not exported, nor its document
