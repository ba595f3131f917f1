"""The project form and workflow: moves allowed and refused, the audit trail, lost updates, the geocoder down,
form errors that keep nothing, overlap justifications, partner interest and following, stored text escaped."""
from __future__ import annotations

from contextlib import contextmanager
from decimal import Decimal

import pytest
from geopy.exc import GeocoderTimedOut, GeocoderUnavailable
from sqlalchemy import delete, event, func, select, update
from sqlalchemy.orm import Session

from smartcities.audit.models import AuditEvent
from smartcities.extensions import db
from smartcities.geo import geocoding
from smartcities.organisations.models import Follow, Interest, Organisation
from smartcities.overlap.models import OverlapFlag
from smartcities.projects.models import Project

# The second initiative of Bangkok's plan th-bangkok-bma, nearly word for word: a sure high-severity flag.
POLES = "Installation of about 5,000 smart poles with sensors for PM2.5, people/vehicle counting and road flooding"
XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def form(token: str, **changes) -> dict:
    data = {
        "title": "Public library reading rooms", "summary": "Longer opening hours at district libraries.",
        "description": "Two floors.\nNew lighting.", "city": "bangkok", "country": "TH",
        "focus_areas": ["Civic and Social"], "stage": "planning", "start_date": "2026-01-01",
        "end_date": "2027-06-30", "budget": "250000", "currency": "THB", "latitude": "13.7501",
        "longitude": "100.5101", "participants-0-organisation": "", "participants-0-role": "",
        "participants-1-organisation": "", "participants-1-role": "", "partners": "", "csrf_token": token,
    }
    data.update(changes)
    return data


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def created_project() -> Project:
    return db.session.scalars(select(Project).order_by(Project.id.desc())).first()


def events(project: Project) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.entity_type == "project",
                                                            AuditEvent.entity_id == project.id)
                                   .order_by(AuditEvent.id)))


def test_official_registers_a_draft_with_partners(client, as_user, people):
    token = as_user("official")
    page = client.get("/projects/new").get_data(as_text=True)
    assert 'type="hidden" name="city" id="city" value="bangkok"' in page and 'id="location-map"' in page
    organisations = count(Organisation)
    response = client.post("/projects/new", data=form(
        token, seeking_funding="y", funding_sought="100000",
        **{"participants-0-organisation": "asian development bank (adb)", "participants-0-role": "funding",
           "participants-0-amount": "50000", "participants-0-currency": "USD",
           "participants-1-organisation": "Bangkok Reading Trust", "participants-1-role": "implementing",
           "partners": "Temasek Foundation (extending)"}))
    project = created_project()
    assert response.status_code == 302 and response.headers["Location"] == f"/projects/{project.id}"
    assert (project.title, project.status, project.city.slug, project.stage) == (
        "Public library reading rooms", "draft", "bangkok", "planning")
    assert (project.latitude, project.longitude, project.budget_amount, project.currency) == (
        13.7501, 100.5101, Decimal("250000.00"), "THB")
    assert project.seeking_funding and project.funding_sought == Decimal("100000.00")
    assert [fa.name for fa in project.focus_areas] == ["Civic and Social"]
    assert project.created_by_id == people["official"].id
    roles = {(p.organisation.name, p.role, p.committed_amount, p.committed_currency) for p in project.participations}
    assert roles == {("Asian Development Bank (ADB)", "funding", Decimal("50000.00"), "USD"),
                     ("Bangkok Reading Trust", "implementing", None, None),
                     ("Temasek Foundation", "extending", None, None)}
    assert count(Organisation) == organisations + 1
    [created] = events(project)
    assert created.action == "created" and created.user_id == people["official"].id
    assert created.changes["title"] == [None, "Public library reading rooms"]
    assert created.changes["version"] == [None, 1]
    detail = client.get(f"/projects/{project.id}").get_data(as_text=True)
    assert "Bangkok Reading Trust" in detail and 'data-lat="13.7501"' in detail and "History" in detail


def test_form_errors_are_shown_next_to_fields_and_nothing_is_saved(client, as_user):
    token = as_user("official")
    before = count(Project), count(Organisation), count(AuditEvent)
    response = client.post("/projects/new", data=form(
        token, title="", start_date="2027-13-01", end_date="2026-01-01", budget="-5", latitude="95",
        longitude="", focus_areas=["Teleportation"], funding_sought="10", currency="",
        **{"participants-0-organisation": "A brand new organisation", "participants-0-amount": "12"}))
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "Nothing was saved" in page
    for field in ("title", "start_date", "end_date", "budget", "latitude"):
        assert f'id="{field}-error"' in page, field
    assert "is not a valid choice" in page  # the unknown focus area
    assert "Choose the organisation" in page and "is required with an amount" in page
    service = client.post("/projects/new", data=form(token, currency="", latitude="13.7", longitude="",
                                                     funding_sought="10"))
    page = service.get_data(as_text=True)
    assert service.status_code == 400 and 'id="currency-error"' in page and 'id="funding_sought-error"' in page
    assert (count(Project), count(Organisation), count(AuditEvent)) == before


class DownGeocoder:
    """geopy's Nominatim as it behaves here, offline: every call fails."""
    error = GeocoderUnavailable

    def __init__(self, user_agent, timeout):
        DownGeocoder.created = (user_agent, timeout)

    def geocode(self, query, **kwargs):
        raise self.error("Service not available")


@pytest.mark.parametrize("error", [GeocoderUnavailable, GeocoderTimedOut])
def test_geocoder_down_falls_back_and_the_project_still_saves(app, client, as_user, monkeypatch, error):
    monkeypatch.setitem(app.config, "GEOCODER", "nominatim")
    monkeypatch.setattr(DownGeocoder, "error", error)
    monkeypatch.setattr(DownGeocoder, "created", None, raising=False)  # each run must see its own call
    monkeypatch.setattr(geocoding, "Nominatim", DownGeocoder)
    token = as_user("official")
    response = client.post("/projects/new", data=form(token, latitude="", longitude="", address="99 Sukhumvit Road"))
    project = created_project()
    assert response.status_code == 302 and (project.latitude, project.longitude) == (13.7563, 100.5018)
    assert DownGeocoder.created == (app.config["GEOCODER_USER_AGENT"], app.config["GEOCODER_TIMEOUT"])
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "The address service cannot be reached right now." in page and "centre of Bangkok" in page


def test_geocoder_answer_is_used_and_offline_mode_never_calls_it(app, client, as_user, monkeypatch):
    class Found:
        latitude, longitude, address = 13.7308, 100.5418, "Lumphini Park, Bangkok"

    class Working(DownGeocoder):
        def geocode(self, query, **kwargs):
            Working.asked = (query, kwargs["country_codes"])
            return Found()
    monkeypatch.setattr(Working, "asked", None, raising=False)
    monkeypatch.setattr(geocoding, "Nominatim", Working)
    token = as_user("official")
    monkeypatch.setitem(app.config, "GEOCODER", "nominatim")
    answer = client.get("/projects/geocode?q=Lumphini Park&city=bangkok").json
    assert answer == {"lat": 13.7308, "lon": 100.5418, "label": "Lumphini Park, Bangkok", "source": "geocoder",
                      "notice": ""}
    assert Working.asked == ("Lumphini Park, Bangkok", "th")
    client.post("/projects/new", data=form(token, latitude="", longitude="", address="Lumphini Park"))
    assert (created_project().latitude, created_project().longitude) == (13.7308, 100.5418)
    monkeypatch.setitem(app.config, "GEOCODER", "offline")
    monkeypatch.setattr(geocoding, "Nominatim", None)  # calling it would raise: offline must not try
    gazetteer = client.get("/projects/geocode?q=Old town, Phuket&city=bangkok").json
    assert gazetteer["source"] == "gazetteer" and gazetteer["label"] == "Phuket" and gazetteer["lat"] == 7.8804
    centre = client.get("/projects/geocode?q=Soi 11&city=bangkok").json
    assert centre["source"] == "city" and "centre of Bangkok" in centre["notice"]


def test_the_whole_workflow_with_its_audit_trail(client, as_user, people, make_project):
    token = as_user("official")
    client.post("/projects/new", data=form(token))
    project = created_project()
    assert client.post(f"/projects/{project.id}/submit", data={"csrf_token": token}).status_code == 302
    token = as_user("focal")
    assert "Public library reading rooms" in client.get("/dashboard").get_data(as_text=True)
    refused = client.post(f"/projects/{project.id}/return", data={"comment": "  ", "csrf_token": token})
    assert refused.status_code == 400 and "Write a comment" in refused.get_data(as_text=True)
    client.post(f"/projects/{project.id}/return", data={"comment": "Add the budget breakdown.", "csrf_token": token})
    assert created_project().status == "returned" and created_project().review_comment == "Add the budget breakdown."
    token = as_user("official")
    page = client.get(f"/projects/{project.id}").get_data(as_text=True)
    assert "Add the budget breakdown." in page and "Back to draft" in page
    version = created_project().version
    client.post(f"/projects/{project.id}/edit", data=form(token, budget="260000", version=str(version)))
    assert created_project().status == "draft"
    client.post(f"/projects/{project.id}/submit", data={"csrf_token": token})
    assert client.get("/logout").status_code == 405  # signing out is a POST
    token = as_user("focal")
    assert client.post(f"/projects/{project.id}/publish", data={"csrf_token": token}).status_code == 302
    published = created_project()
    assert published.status == "published" and published.published_at is not None
    assert published.review_comment is None
    token = as_user("official")
    client.post(f"/projects/{project.id}/archive", data={"csrf_token": token})
    assert created_project().status == "archived"
    moves = [(e.action, e.changes.get("status"), e.user_id) for e in events(project)]
    assert moves == [
        ("created", [None, "draft"], people["official"].id),
        ("submit", ["draft", "submitted"], people["official"].id),
        ("return", ["submitted", "returned"], people["focal"].id),
        ("updated", ["returned", "draft"], people["official"].id),
        ("submit", ["draft", "submitted"], people["official"].id),
        ("publish", ["submitted", "published"], people["focal"].id),
        ("archive", ["published", "archived"], people["official"].id),
    ]
    assert events(project)[2].changes["review_comment"] == [None, "Add the budget breakdown."]
    assert events(project)[3].changes["budget"] == ["250000.00", "260000.00"]


def test_explicit_move_back_to_draft(client, as_user, make_project):
    project = make_project(status="returned", review_comment="Please add partners.")
    token = as_user("official")
    assert client.post(f"/projects/{project.id}/reopen", data={"csrf_token": token}).status_code == 302
    assert created_project().status == "draft"


@pytest.mark.parametrize("status, move, who", [
    ("draft", "publish", "focal"), ("draft", "return", "focal"), ("draft", "archive", "official"),
    ("draft", "reopen", "official"), ("submitted", "submit", "official"), ("submitted", "archive", "focal"),
    ("published", "submit", "official"), ("published", "publish", "focal"), ("published", "reopen", "admin"),
    ("returned", "publish", "focal"), ("returned", "submit", "official"), ("archived", "publish", "admin"),
    ("archived", "reopen", "admin"), ("archived", "archive", "admin"),
])
def test_moves_that_do_not_exist_are_refused(client, as_user, make_project, status, move, who):
    project = make_project(status=status)
    token = as_user(who)
    version = project.version
    response = client.post(f"/projects/{project.id}/{move}", data={"comment": "why", "csrf_token": token})
    # a focal point does not see the country's drafts at all: for them the project does not exist yet
    assert response.status_code == (404 if (status, who) == ("draft", "focal") else 409)
    unchanged = created_project()
    assert (unchanged.status, unchanged.version) == (status, version)
    assert events(project) == []


@pytest.mark.parametrize("status", ["draft", "submitted", "returned", "archived"])
def test_only_published_projects_are_public(client, as_user, make_project, status):
    hidden = make_project(title="Hidden work", status=status)
    shown = make_project(title="Open work", status="published")
    assert client.get(f"/projects/{hidden.id}").status_code == 404
    assert client.get(f"/projects/{shown.id}").status_code == 200
    as_user("partner")
    assert client.get(f"/projects/{hidden.id}").status_code == 404
    as_user("focal")  # the country's focal point sees what is under review or was returned, not drafts
    assert client.get(f"/projects/{hidden.id}").status_code == (200 if status in ("submitted", "returned") else 404)
    as_user("official")  # the city's officials see every project of their city
    assert client.get(f"/projects/{hidden.id}").status_code == 200


def test_a_stale_edit_is_refused_with_what_changed(client, as_user, people, make_project):
    project = make_project(title="Canal clean-up", status="draft", summary="Clean canals.")
    token = as_user("official")
    loaded = client.get(f"/projects/{project.id}/edit").get_data(as_text=True)
    assert 'name="version" type="hidden" value="1"' in loaded
    client.post(f"/projects/{project.id}/edit", data=form(token, title="Canal clean-up 2026", version="1"))
    token = as_user("colleague")
    stale = client.post(f"/projects/{project.id}/edit", data=form(token, title="Canal dredging", version="1"))
    page = stale.get_data(as_text=True)
    assert stale.status_code == 409
    assert "Not saved: this project was changed by Somchai at" in page
    assert "Canal clean-up 2026" in page and 'value="Canal dredging"' in page
    assert 'name="version" type="hidden" value="1"' in page  # saving again is refused again
    assert (db.session.get(Project, project.id).title, db.session.get(Project, project.id).version) == (
        "Canal clean-up 2026", 2)
    assert client.post(f"/projects/{project.id}/edit", data=form(token, title="Canal dredging",
                                                                 version="1")).status_code == 409
    fresh = client.post(f"/projects/{project.id}/edit", data=form(token, title="Canal dredging", version="2"))
    assert fresh.status_code == 302 and created_project().title == "Canal dredging"


def bump_version_behind_the_session(project_id: int) -> None:
    """Another worker's write: the row's version moves on while the request's session holds the old one."""
    with db.engine.begin() as other_worker:
        other_worker.execute(update(Project).where(Project.id == project_id).values(version=Project.version + 1))


@contextmanager
def another_write_before_the_next_flush(project_id: int):
    """Bump the row's version after the request has loaded it and before it writes (a real race)."""
    fired: list[bool] = []

    def bump(session, flush_context, instances) -> None:
        if not fired:
            fired.append(True)
            bump_version_behind_the_session(project_id)
    event.listen(Session, "before_flush", bump, insert=True)  # before the public version takes its lock
    try:
        yield fired
    finally:
        event.remove(Session, "before_flush", bump)


def test_a_write_racing_the_version_check_is_refused_by_the_database(client, as_user, make_project):
    project = make_project(title="Canal clean-up", status="submitted")
    token = as_user("focal")
    with another_write_before_the_next_flush(project.id) as fired:
        response = client.post(f"/projects/{project.id}/publish", data={"csrf_token": token})
    assert fired and response.status_code == 302
    assert "changed by someone else at the same moment" in client.get(response.headers["Location"]).get_data(
        as_text=True)
    assert (created_project().status, created_project().version) == ("submitted", 2)
    token = as_user("official")
    project = make_project(title="Second", status="draft")
    bump_version_behind_the_session(project.id)  # saved by someone else since this form was opened
    stale = client.post(f"/projects/{project.id}/edit", data=form(token, version="1"))
    assert stale.status_code == 409 and created_project().title == "Second"


def test_saving_without_changes_keeps_the_version(client, as_user):
    token = as_user("official")
    client.post("/projects/new", data=form(token))
    project = created_project()
    assert client.post(f"/projects/{project.id}/edit", data=form(token, version="1")).status_code == 302
    assert created_project().version == 1 and len(events(project)) == 1


def test_high_flag_needs_a_justification_and_a_reviewer_can_dismiss_it(client, as_user, people):
    token = as_user("official")
    client.post("/projects/new", data=form(token, title="Smart poles for PM2.5 and flooding", summary=POLES,
                                           focus_areas=["Quality Environment"]))
    project = created_project()
    [flag] = [f for f in db.session.scalars(select(OverlapFlag).where(OverlapFlag.project_id == project.id))
              if f.severity == "high" and "smart poles" in f.subject]
    page = client.get(f"/projects/{project.id}").get_data(as_text=True)
    assert f'name="justification-{flag.id}"' in page and "smart poles" in page
    db.session.execute(delete(OverlapFlag).where(OverlapFlag.project_id == project.id))  # e.g. an imported row
    db.session.commit()
    refused = client.post(f"/projects/{project.id}/submit", data={"csrf_token": token})
    assert refused.status_code == 400 and "needs a justification" in refused.get_data(as_text=True)
    assert created_project().status == "draft"
    # the check at submission found the flag again and kept it, so the form it shows can answer it
    [flag] = [f for f in db.session.scalars(select(OverlapFlag).where(OverlapFlag.project_id == project.id))
              if f.severity == "high" and "smart poles" in f.subject]
    assert f'name="justification-{flag.id}"' in refused.get_data(as_text=True)
    reason = "Our poles cover the Thonburi side, which the BMA programme leaves out."
    ok = client.post(f"/projects/{project.id}/submit", data={f"justification-{flag.id}": reason, "csrf_token": token})
    assert ok.status_code == 302 and created_project().status == "submitted"
    db.session.refresh(flag)
    assert (flag.status, flag.justification, flag.resolved_by_id) == ("acknowledged", reason, people["official"].id)
    token = as_user("focal")
    page = client.get(f"/projects/{project.id}").get_data(as_text=True)
    assert reason in page and "Dismiss flag" in page
    assert client.post(f"/projects/{project.id}/flags/{flag.id}/dismiss",
                       data={"reason": "", "csrf_token": token}).status_code == 400
    assert client.post(f"/projects/{project.id}/flags/{flag.id}/dismiss",
                       data={"reason": "Different district, agreed with BMA.", "csrf_token": token}).status_code == 302
    db.session.refresh(flag)
    assert flag.status == "dismissed" and flag.dismissal_reason == "Different district, agreed with BMA."
    actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.entity_type == "overlap_flag",
                                                                 AuditEvent.entity_id == flag.id)).all()
    assert sorted(actions) == ["acknowledged", "dismissed"]
    assert "Different district, agreed with BMA." in client.get(f"/projects/{project.id}").get_data(as_text=True)


def test_partner_interest_and_following(client, as_user, people, make_project):
    project = make_project(title="Solar rooftops", status="published")
    token = as_user("partner")
    no_currency = {"amount": "120000", "currency": "", "message": "", "csrf_token": token}
    assert client.post(f"/projects/{project.id}/interest", data=no_currency).status_code == 400
    assert client.post(f"/projects/{project.id}/interest", data={
        "amount": "120000.5", "currency": "usd", "message": "We could co-fund phase 2.",
        "csrf_token": token}).status_code == 302
    interest = db.session.scalars(select(Interest)).one()
    assert (interest.organisation.name, interest.amount, interest.currency, interest.user_id) == (
        "Asian Development Bank (ADB)", Decimal("120000.50"), "USD", people["partner"].id)
    assert client.post(f"/projects/{project.id}/follow", data={"csrf_token": token}).status_code == 302
    assert "Solar rooftops" in client.get("/dashboard").get_data(as_text=True)
    token = as_user("official")
    assert "We could co-fund phase 2." in client.get("/dashboard").get_data(as_text=True)
    client.post(f"/projects/{project.id}/edit", data=form(token, title="Solar rooftops, phase 2", version="1"))
    token = as_user("focal")
    assert "We could co-fund phase 2." in client.get(f"/projects/{project.id}").get_data(as_text=True)
    token = as_user("other_partner")
    assert "We could co-fund phase 2." not in client.get(f"/projects/{project.id}").get_data(as_text=True)
    token = as_user("partner")
    dashboard = client.get("/dashboard").get_data(as_text=True)  # the edit waits for review: not public yet
    assert "Solar rooftops, phase 2" not in dashboard and "We could co-fund phase 2." in dashboard
    token = as_user("focal")
    assert client.post(f"/projects/{project.id}/publish", data={"csrf_token": token}).status_code == 302
    token = as_user("partner")
    dashboard = client.get("/dashboard").get_data(as_text=True)
    assert "Solar rooftops, phase 2" in dashboard and "Change published" in dashboard
    client.post(f"/projects/{project.id}/unfollow", data={"csrf_token": token})
    assert count(Follow) == 0


def test_every_dashboard_renders(client, as_user, make_project):
    make_project(title="Waiting for review", status="submitted")
    for who in ("official", "focal", "partner", "admin"):
        as_user(who)
        page = client.get("/dashboard")
        assert page.status_code == 200
        if who in ("focal", "admin", "official"):
            assert "Waiting for review" in page.get_data(as_text=True)


def test_stored_text_is_escaped_everywhere(client, as_user, people):
    token = as_user("official")
    client.post("/projects/new", data=form(token, title=XSS, summary=XSS, description=XSS, partners=f"{XSS} (funding)"))
    project = created_project()
    client.post(f"/projects/{project.id}/submit", data={"csrf_token": token})
    token = as_user("focal")
    client.post(f"/projects/{project.id}/return", data={"comment": XSS, "csrf_token": token})
    token = as_user("official")
    client.post(f"/projects/{project.id}/reopen", data={"csrf_token": token})
    client.post(f"/projects/{project.id}/submit", data={"csrf_token": token})
    token = as_user("focal")
    client.post(f"/projects/{project.id}/publish", data={"csrf_token": token})
    token = as_user("partner")
    client.post(f"/projects/{project.id}/interest", data={"message": XSS, "csrf_token": token})
    client.post(f"/projects/{project.id}/follow", data={"csrf_token": token})
    pages = {"partner dashboard": client.get("/dashboard"), "public page": client.get(f"/projects/{project.id}")}
    as_user("official")
    pages.update({"official dashboard": client.get("/dashboard"), "history": client.get(f"/projects/{project.id}"),
                  "edit form": client.get(f"/projects/{project.id}/edit")})
    for name, response in pages.items():
        html = response.get_data(as_text=True)
        assert response.status_code == 200, name
        assert "<script>alert" not in html and "<img src=x" not in html, name
        assert "&lt;script&gt;alert(" in html, name
