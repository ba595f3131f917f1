"""Who may open each document route: every route under /documents and /api/v1/documents, for anonymous visitors
and each role, against a Bangkok draft's and a published project's documents; a refused request writes nothing."""
from __future__ import annotations

import pytest
from documents_support import make_pdf
from sqlalchemy import func, select
from support import csrf_token
from test_permissions import ROLES

from smartcities.documents import services
from smartcities.documents.models import Document
from smartcities.extensions import db

VIEWERS = ("anonymous", *ROLES)
SEES_DRAFT = {"official", "admin"}  # Bangkok's officials and admins see a Bangkok draft
ADDS_TO_PROJECT = {"official", "focal", "admin"}
ADDS_TO_CITY = {"focal", "admin"}
PREFIXES = ("/documents", "/api/v1/documents")


@pytest.fixture
def things(app, make_project, tmp_path, monkeypatch) -> dict[str, int]:
    monkeypatch.setitem(app.config, "DOCUMENTS_DIR", str(tmp_path))
    published, draft = make_project(title="Open canal"), make_project(title="Draft canal", status="draft")
    public = services.add_document(published, services.Fields("Public report"),
                                   upload=services.Upload(make_pdf("Plivance"), "public.pdf"))
    hidden = services.add_document(draft, services.Fields("Draft report"),
                                   upload=services.Upload(make_pdf("Quorvex"), "draft.pdf"))
    db.session.commit()
    return {"published": published.id, "draft": draft.id, "public": public.id, "hidden": hidden.id}


def gate(viewer: str, allowed: set[str], ok: int) -> int:
    return 302 if viewer == "anonymous" else ok if viewer in allowed else 403


def cases(viewer: str, t: dict[str, int]) -> list[tuple[str, str, dict, int]]:
    """(method, path, form, expected status) for one viewer."""
    hidden = 200 if viewer in SEES_DRAFT else 404
    draft_form = 302 if viewer == "anonymous" else 404 if viewer not in SEES_DRAFT else 200
    return [
        ("GET", f"/documents/{t['public']}", {}, 200),
        ("GET", f"/documents/{t['public']}/file", {}, 200),
        ("GET", f"/documents/{t['hidden']}", {}, hidden),
        ("GET", f"/documents/{t['hidden']}/file", {}, hidden),
        ("GET", "/documents/999999", {}, 404),
        ("GET", f"/documents/new?project={t['published']}", {}, gate(viewer, ADDS_TO_PROJECT, 200)),
        ("GET", f"/documents/new?project={t['draft']}", {}, draft_form),
        ("GET", "/documents/new?city=bangkok", {}, gate(viewer, ADDS_TO_CITY, 200)),
        ("POST", "/documents/new?city=bangkok", {"title": "A link", "url": "https://example.org/x"},
         gate(viewer, ADDS_TO_CITY, 302)),
        ("GET", "/api/v1/documents", {}, 200),
        # last: those who may attach a document to its target may take it away
        ("POST", "/documents/999999/delete", {}, 302 if viewer == "anonymous" else 404),
        ("POST", f"/documents/{t['hidden']}/delete", {}, 302 if viewer == "anonymous" else
         302 if viewer in SEES_DRAFT else 404),
        ("POST", f"/documents/{t['public']}/delete", {}, gate(viewer, ADDS_TO_PROJECT, 302)),
    ]


@pytest.mark.parametrize("viewer", VIEWERS)
def test_each_route_answers_each_role_as_it_should(client, auth, make_user, things, viewer):
    if viewer == "anonymous":
        token = csrf_token(client)
    else:
        kind, tie = ROLES[viewer]
        assert auth.login(make_user(kind, **tie).email).status_code == 302
        token = csrf_token(client, "/dashboard")
    before = db.session.scalar(select(func.count(Document.id)))
    for method, path, data, status in cases(viewer, things):
        answer = client.open(path, method=method, data={**data, "csrf_token": token} if method == "POST" else None)
        assert answer.status_code == status, (viewer, method, path, answer.status_code)
        if status == 302 and viewer == "anonymous":
            assert "/login" in answer.headers["Location"]
        text = answer.get_data(as_text=True) if not path.endswith("/file") else ""
        if viewer not in SEES_DRAFT:
            assert "Draft report" not in text and "Quorvex" not in text, (viewer, path)
    added = db.session.scalar(select(func.count(Document.id))) - before
    removed = (viewer in SEES_DRAFT) + (viewer in ADDS_TO_PROJECT)
    assert added == (1 if viewer in ADDS_TO_CITY else 0) - removed
    listed = [item["title"] for item in client.get("/api/v1/documents?q=report").get_json()["items"]]
    # open data is public data, whoever asks (and a removed document is gone from it)
    assert listed == ([] if viewer in ADDS_TO_PROJECT else ["Public report"])


def test_every_document_route_has_a_case(app):
    rules = {(rule.rule, method) for rule in app.url_map.iter_rules() if rule.rule.startswith(PREFIXES)
             for method in rule.methods - {"HEAD", "OPTIONS"}}
    adapter = app.url_map.bind("localhost")
    ids = {"published": 1, "draft": 2, "public": 1, "hidden": 2}
    covered = {(adapter.match(path.split("?")[0], method=method, return_rule=True)[0].rule, method)
               for method, path, _data, _status in cases("admin", ids)}
    assert rules == covered
