"""The document library: uploads checked by content (and refused: HTML named .pdf, SVG, oversize), PDF text found
through /api/v1/documents?q=, downloads as sandboxed attachments, who may add, drafts' documents hidden, the CLI."""
from __future__ import annotations

import hashlib
import io
import re
from pathlib import Path

import pytest
from documents_support import DOCX, HTML, JPEG, ODS, ODT, PNG, SVG, XLSX, make_pdf
from sqlalchemy import func, select

from smartcities.accounts.permissions import can
from smartcities.documents import services, storage
from smartcities.documents.models import Document
from smartcities.extensions import db
from smartcities.geo.models import City, Country
from smartcities.geo.services import find_city
from smartcities.plans.models import NationalPlan

WORD = "Quokkaberry"  # in the PDF's text only, never in its title


@pytest.fixture
def library(app, tmp_path, monkeypatch) -> Path:
    """DOCUMENTS_DIR in a fresh folder for the test."""
    folder = tmp_path / "documents"
    monkeypatch.setitem(app.config, "DOCUMENTS_DIR", str(folder))
    return folder


def count() -> int:
    """Documents added by the tests (the seed's links have a source)."""
    return db.session.scalar(select(func.count(Document.id)).where(Document.source == ""))


def added():
    return select(Document).where(Document.source == "")


def upload(client, token: str, query: str, data: bytes | None, name: str = "report.pdf", **fields):
    form = {"csrf_token": token, "title": "Canal sensors report", "language": "en", "category": "A08", **fields}
    if data is not None:
        form["file"] = (io.BytesIO(data), name)
    return client.post(f"/documents/new?{query}", data=form, content_type="multipart/form-data")


def test_a_pdf_uploaded_by_the_city_is_found_by_a_word_inside_it(client, as_user, people, make_project, library):
    project = make_project(title="Canal water sensors")
    token = as_user("official")
    pdf = make_pdf(f"Water levels rise in the {WORD} district")
    answer = upload(client, token, f"project={project.id}", pdf, name="Canal report (final).pdf")
    assert answer.status_code == 302 and answer.headers["Location"].endswith(f"/projects/{project.id}#documents")
    document = db.session.scalars(added()).one()
    assert (document.format, document.size_bytes) == ("application/pdf", len(pdf))
    assert document.sha256 == hashlib.sha256(pdf).hexdigest()
    assert WORD in document.text and document.project_id == project.id and document.added_by_id == people["official"].id
    stored = library / document.stored_name
    assert re.fullmatch(r"[0-9a-f]{32}", document.stored_name) and stored.read_bytes() == pdf
    assert "static" not in stored.parts and document.file_name == "Canal_report_final.pdf"

    found = client.get(f"/api/v1/documents?q={WORD.lower()}").get_json()
    assert [item["id"] for item in found["items"]] == [document.id] and found["total"] == 1
    item = found["items"][0]
    assert item["kind"] == "file" and item["url"].endswith(f"/documents/{document.id}/file")
    assert item["attached_to"] == {"kind": "project", "id": project.id, "title": "Canal water sensors",
                                   "api_url": f"http://localhost/api/v1/projects/{project.id}"}
    assert client.get("/api/v1/documents?q=Wombatfruit").get_json()["items"] == []
    page = client.get(f"/projects/{project.id}").get_data(as_text=True)
    assert "Canal sensors report" in page and f'href="/documents/{document.id}"' in page


def test_pdf_text_is_bounded_in_pages_and_characters(app, library, make_project, monkeypatch):
    monkeypatch.setitem(app.config, "DOCUMENTS_PDF_MAX_PAGES", 2)
    document = services.add_document(make_project(), services.Fields("Long"),
                                     upload=services.Upload(make_pdf(WORD, pages=5), "long.pdf"))
    assert "page 2" in document.text and "page 3" not in document.text
    monkeypatch.setitem(app.config, "DOCUMENTS_TEXT_MAX_CHARS", 10)
    short = services.add_document(make_project(), services.Fields("Short"),
                                  upload=services.Upload(make_pdf(WORD), "short.pdf"))
    assert short.text == WORD[:10]
    db.session.rollback()


@pytest.mark.parametrize("data, name, message", [
    (HTML, "report.pdf", "HTML, SVG"),                      # HTML renamed .pdf
    (b"\n  <html><body>hi</body></html>", "report.pdf", "HTML, SVG"),
    (SVG, "map.svg", "HTML, SVG"),
    (SVG, "map.png", "HTML, SVG"),
    (PNG, "photo.pdf", "must end in .png"),                 # the name must agree with the content
    (make_pdf("x"), "report.docx", "must end in .pdf"),
    (make_pdf("x"), "report", "must end in .pdf"),
    (b"MZ\x90\x00 an executable", "setup.pdf", "is not a PDF, DOCX"),
    (b"PK\x03\x04 not really a zip", "sheet.xlsx", "is not a PDF, DOCX"),
])
def test_refused_uploads_name_the_file_field_and_write_nothing(client, as_user, make_project, library, data, name,
                                                               message):
    project = make_project()
    token = as_user("official")
    answer = upload(client, token, f"project={project.id}", data, name=name)
    assert answer.status_code == 400
    html = answer.get_data(as_text=True)
    assert message in html and 'id="file-error"' in html and "<script>alert" not in html
    assert count() == 0 and not any(library.glob("*")) if library.exists() else count() == 0


def test_oversize_uploads_are_refused(app, client, as_user, make_project, library, monkeypatch):
    monkeypatch.setitem(app.config, "DOCUMENTS_MAX_BYTES", 2000)
    project = make_project()
    token = as_user("official")
    big = make_pdf("x" * 3000)
    answer = upload(client, token, f"project={project.id}", big)
    assert answer.status_code == 400 and "larger than" in answer.get_data(as_text=True)
    huge = upload(client, token, f"project={project.id}", b"%PDF-1.4\n" + b"0" * 600_000)
    assert huge.status_code == 413  # beyond the form's room Werkzeug stops reading
    assert count() == 0
    with pytest.raises(services.ValidationError) as error:
        services.add_document(project, services.Fields("Big"), upload=services.Upload(big, "big.pdf"))
    assert "file" in error.value.errors


@pytest.mark.parametrize("data, name, mime", [
    (DOCX, "a.docx", storage.DOCX), (XLSX, "a.xlsx", storage.XLSX), (ODT, "a.odt", storage.ODT),
    (ODS, "a.ods", storage.ODS), (PNG, "a.png", storage.PNG), (JPEG, "a.JPG", storage.JPEG),
    (JPEG, "a.jpeg", storage.JPEG),
])
def test_each_allowed_type_is_recognised_by_its_content(library, data, name, mime):
    assert storage.check(data, name)[0] == mime


def test_a_docx_named_xlsx_is_refused():
    with pytest.raises(services.ValidationError, match="must end in .docx"):
        storage.check(DOCX, "sheet.xlsx")


def test_download_is_a_sandboxed_attachment_with_a_safe_name(client, as_user, make_project, library):
    project = make_project()
    token = as_user("official")
    upload(client, token, f"project={project.id}", make_pdf(WORD), name='../../etc/évil <b>;.pdf')
    document = db.session.scalars(added()).one()
    answer = client.get(f"/documents/{document.id}/file")
    assert answer.status_code == 200 and answer.get_data() == make_pdf(WORD)
    assert answer.headers["Content-Disposition"].startswith("attachment;")
    assert re.fullmatch(r'attachment; filename=[A-Za-z0-9._-]+\.pdf', answer.headers["Content-Disposition"])
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    assert answer.headers["Content-Security-Policy"].split(";")[0] == "sandbox"
    assert answer.mimetype == "application/pdf"
    detail = client.get(f"/documents/{document.id}")
    assert detail.status_code == 200 and document.sha256 in detail.get_data(as_text=True)


def test_a_draft_projects_documents_are_hidden_from_those_who_may_not_see_it(client, auth, as_user, people,
                                                                          make_project, library):
    draft = make_project(title="Secret draft", status="draft")
    token = as_user("official")
    assert upload(client, token, f"project={draft.id}", make_pdf(WORD)).status_code == 302
    document = db.session.scalars(added()).one()
    urls = (f"/documents/{document.id}", f"/documents/{document.id}/file")
    assert [client.get(url).status_code for url in urls] == [200, 200]
    for viewer in ("focal", "partner", None):  # focal points see submitted work, not drafts
        if viewer:
            as_user(viewer)
        else:
            auth.logout()
        assert [client.get(url).status_code for url in urls] == [404, 404], viewer
        assert client.get(f"/api/v1/documents?q={WORD}").get_json()["items"] == []
    assert client.get(f"/api/v1/documents?project={draft.id}").status_code == 400
    db.session.get(type(draft), draft.id).status = "published"
    db.session.commit()
    assert client.get(f"/api/v1/documents?q={WORD}").get_json()["total"] == 1
    assert [client.get(url).status_code for url in urls] == [200, 200]


# Who may add where (role -> targets): the rule written out, not asked of permissions.py.
ALLOWED = {
    "official": {"bangkok-project", "bangkok-plan"},
    "colleague": {"bangkok-project", "bangkok-plan"},
    "focal": {"bangkok-project", "bangkok-plan", "national-plan", "bangkok", "TH"},
    "admin": {"bangkok-project", "bangkok-plan", "national-plan", "bangkok", "TH", "danang-plan", "VN"},
    "partner": set(),
    "other_partner": set(),
}


def targets(make_project) -> dict:
    return {"bangkok-project": make_project(), "bangkok": find_city("bangkok"),
            "bangkok-plan": db.session.scalar(select(NationalPlan).where(NationalPlan.external_id == "th-bangkok-bma")),
            "national-plan": db.session.scalar(select(NationalPlan).where(NationalPlan.external_id ==
                                                                          "th-smart-city-2017")),
            "danang-plan": db.session.scalar(select(NationalPlan).where(NationalPlan.external_id ==
                                                                        "vn-danang-6439-2018")),
            "TH": db.session.get(Country, "TH"), "VN": db.session.get(Country, "VN")}


def test_who_may_add_documents_where(people, make_project):
    found = targets(make_project)
    for role, allowed in ALLOWED.items():
        assert {name for name, target in found.items() if can(people[role], "add_document", target)} == allowed, role
    assert not can(None, "add_document", found["TH"])


QUERIES = {"bangkok-project": None, "bangkok-plan": "plan=th-bangkok-bma", "national-plan": "plan=th-smart-city-2017",
           "bangkok": "city=bangkok", "TH": "country=TH", "danang-plan": "plan=vn-danang-6439-2018", "VN": "country=vn"}


@pytest.mark.parametrize("role", ["official", "focal", "admin", "partner"])
def test_the_form_opens_and_saves_only_where_the_role_may_add(client, as_user, make_project, library, role):
    project = make_project()
    token = as_user(role)
    for name, query in QUERIES.items():
        query = query or f"project={project.id}"
        allowed = name in ALLOWED[role]
        assert client.get(f"/documents/new?{query}").status_code == (200 if allowed else 403), (role, name)
        before = count()
        answer = client.post(f"/documents/new?{query}", data={
            "csrf_token": token, "title": f"Link for {name}", "url": "https://example.org/plan.pdf"})
        assert answer.status_code == (302 if allowed else 403), (role, name)
        assert count() == before + allowed
    page = client.get("/cities/bangkok").get_data(as_text=True)
    assert ("Link for bangkok" in page) == ("bangkok" in ALLOWED[role])
    assert ('enctype="multipart/form-data"' in page) == ("bangkok" in ALLOWED[role])
    plans = client.get("/plans").get_data(as_text=True)
    assert ("Link for bangkok-plan" in plans) == ("bangkok-plan" in ALLOWED[role])


def test_anonymous_visitors_are_sent_to_sign_in_and_a_missing_csrf_token_is_refused(client, as_user, library):
    assert client.get("/documents/new?city=bangkok").status_code == 302
    as_user("focal")
    answer = client.post("/documents/new?city=bangkok", data={"title": "T", "url": "https://example.org/"})
    assert answer.status_code == 400 and count() == 0


def test_link_fields_are_validated_and_named(client, as_user, library):
    token = as_user("focal")
    answer = client.post("/documents/new?city=bangkok", data={
        "csrf_token": token, "title": "", "url": "javascript:alert(1)", "language": "xx", "category": "Z99",
        "document_date": "31/12/2026"})
    assert answer.status_code == 400 and count() == 0
    html = answer.get_data(as_text=True)
    for name in ("title", "language", "category", "document_date"):
        assert f'id="{name}-error"' in html, name
    answer = client.post("/documents/new?city=bangkok", data={
        "csrf_token": token, "title": "Plan", "url": "javascript:alert(1)"})
    assert answer.status_code == 400 and 'id="url-error"' in answer.get_data(as_text=True)
    both = client.post("/documents/new?city=bangkok", data={
        "csrf_token": token, "title": "Both", "url": "https://example.org/a.pdf",
        "file": (io.BytesIO(make_pdf("x")), "a.pdf")}, content_type="multipart/form-data")
    assert both.status_code == 400 and count() == 0


def test_cli_adds_files_and_links_and_names_the_bad_option(app, runner, make_project, library, tmp_path):
    pdf = tmp_path / "Bangkok plan.pdf"
    pdf.write_bytes(make_pdf(WORD))
    result = runner.invoke(args=["documents", "add", str(pdf), "--title", "Bangkok smart city plan",
                                 "--plan", "th-bangkok-bma", "--language", "th", "--category", "B11"])
    assert result.exit_code == 0, result.output
    document = db.session.get(Document, int(result.stdout.strip()))
    assert (document.plan.external_id, document.language, document.category) == ("th-bangkok-bma", "th", "B11")
    assert WORD in document.text and (library / document.stored_name).exists()
    link = runner.invoke(args=["documents", "add", "--url", "https://example.org/ascf", "--title", "Framework",
                               "--country", "SG", "--date", "2018-11-13"])
    assert link.exit_code == 0, link.output
    assert db.session.get(Document, int(link.stdout.strip())).format == "text/html"
    for args, option in ((["--url", "https://e.org/", "--title", "T"], "--plan"),
                         (["--url", "https://e.org/", "--title", "T", "--city", "atlantis"], "--city"),
                         (["--url", "https://e.org/", "--title", "T", "--city", "bangkok", "--category", "Z1"],
                          "--category"),
                         (["--url", "https://e.org/", "--title", "T", "--city", "bangkok", "--language", "xyz"],
                          "--language"),
                         (["--url", "ftp://e.org/", "--title", "T", "--city", "bangkok"], "--url"),
                         ([str(tmp_path / "missing.pdf"), "--title", "T", "--city", "bangkok"], "FILE"),
                         (["--title", "T", "--city", "bangkok"], "FILE")):
        result = runner.invoke(args=["documents", "add", *args])
        assert result.exit_code == 1 and f"error: {option}:" in result.output, (args, result.output)
    html = tmp_path / "page.pdf"
    html.write_bytes(HTML)
    refused = runner.invoke(args=["documents", "add", str(html), "--title", "T", "--city", "bangkok"])
    assert refused.exit_code == 1 and "error: FILE:" in refused.output
    assert count() == 2


def test_a_public_document_moves_the_public_version(app, library):
    from smartcities import public_version
    before = public_version.current()[0]
    services.add_document(db.session.get(City, find_city("bangkok").id), services.Fields("Map"),
                          url="https://example.org/map.png")
    assert public_version.current()[0] == before + 1
    db.session.rollback()


def test_a_wrong_upload_can_be_taken_away_with_its_file(client, as_user, people, make_project, library):
    from smartcities.audit.models import AuditEvent
    project = make_project(title="Canal water sensors")
    token = as_user("official")
    assert upload(client, token, f"project={project.id}", make_pdf(f"Salaries {WORD}"), name="payroll.pdf"
                  ).status_code == 302
    document = db.session.scalars(added()).one()
    document_id, stored = document.id, library / document.stored_name
    page = client.get(f"/documents/{document_id}").get_data(as_text=True)
    assert "Remove this document" in page
    etag = client.get("/api/v1/documents").headers["ETag"]
    partner = as_user("partner")
    assert "Remove this document" not in client.get(f"/documents/{document_id}").get_data(as_text=True)
    refused = client.post(f"/documents/{document_id}/delete", data={"csrf_token": partner})
    assert refused.status_code == 403 and stored.exists()
    token = as_user("official")
    assert client.post(f"/documents/{document_id}/delete").status_code == 400  # no CSRF token: refused
    answer = client.post(f"/documents/{document_id}/delete", data={"csrf_token": token})
    assert answer.status_code == 302 and answer.headers["Location"].endswith(f"/projects/{project.id}#documents")
    assert db.session.get(Document, document_id) is None and not stored.exists()
    assert client.get(f"/documents/{document_id}/file").status_code == 404
    assert client.get(f"/api/v1/documents?q={WORD}").get_json()["items"] == []
    assert client.get("/api/v1/documents").headers["ETag"] != etag  # the public data version moved
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.entity_type == "document",
                                                        AuditEvent.entity_id == document_id,
                                                        AuditEvent.action == "deleted")).one()
    assert event.user_id == people["official"].id and event.changes["title"][1] is None
