"""`POST /api/v1/overlap-check` against the seeded real plans, and the flags stored on projects."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from smartcities.errors import DomainError, ValidationError
from smartcities.extensions import db
from smartcities.overlap.models import OverlapFlag
from smartcities.overlap.services import acknowledge_flag, dismiss_flag, refresh_flags

URL = "/api/v1/overlap-check"
SMART_POLES = {
    "title": "Smart poles with PM2.5 and flood sensors",
    "summary": "Install smart poles with sensors for PM2.5 air quality, vehicle counting and road flooding.",
    "city": "bangkok", "focus_areas": ["Safety and Security", "Quality Environment"],
    "start_date": "2026-01-01", "end_date": "2027-12-31",
}


def check(client, **changes):
    return client.post(URL, json={**SMART_POLES, **changes})


def test_flags_a_repeated_city_plan_initiative_with_reasons(client):
    response = check(client)
    assert response.status_code == 200
    body = response.json
    assert set(body["checked"]) == {"plans", "initiatives", "projects"} and body["checked"]["plans"] >= 2
    flag = body["flags"][0]
    assert flag["kind"] == "plan" and flag["plan_id"] == "th-bangkok-bma"
    assert "smart poles" in flag["initiative"].lower()
    assert 0 < flag["score"] <= 1 and flag["severity"] in ("high", "medium", "low")
    assert flag["reasons"] and all(isinstance(r, str) and r for r in flag["reasons"])
    scores = [f["score"] for f in body["flags"]]
    assert scores == sorted(scores, reverse=True)
    assert set(flag) >= {"kind", "plan_id", "plan_title", "initiative", "project_id", "score", "severity",
                         "reasons"}


@pytest.mark.parametrize("city", ["Bangkok", "BANGKOK", "bangkok", "กรุงเทพมหานคร"])
def test_city_by_slug_or_name_in_any_case(client, city):
    assert check(client, city=city).json["flags"][0]["plan_id"] == "th-bangkok-bma"


def test_same_text_in_another_country_is_not_flagged_against_that_plan(client):
    ids = {f["plan_id"] for f in check(client, city="hanoi").json["flags"]}
    assert "th-bangkok-bma" not in ids


def test_plan_that_ended_before_the_project_does_not_cover_it(client):
    draft = {"title": "Hydrogen fuel-cell buses", "summary": "Trial hydrogen fuel-cell buses in Kuching.",
             "city": "kuching", "focus_areas": ["Built Infrastructure"]}
    during = client.post(URL, json={**draft, "start_date": "2019-01-01", "end_date": "2020-12-31"}).json
    assert "my-sarawak-dig-econ-2018" in {f["plan_id"] for f in during["flags"]}
    after = client.post(URL, json={**draft, "start_date": "2030-01-01", "end_date": "2031-12-31"}).json
    assert "my-sarawak-dig-econ-2018" not in {f["plan_id"] for f in after["flags"]}


def test_unrelated_project_is_not_flagged(client):
    body = client.post(URL, json={"title": "Heritage choir festival", "summary": "An annual choral music "
                                  "festival in the old town.", "city": "luang-prabang"}).json
    assert body["flags"] == []


def test_flags_a_registered_project_nearby_but_not_a_draft(client, make_project):
    text = "Solar-powered cold storage for fishing cooperatives at the harbour, with shared monitoring."
    published = make_project(title="Harbour solar cold storage", summary=text, city="da-nang",
                             focus_areas=("Quality Environment",))
    make_project(title="Harbour solar cold storage (draft copy)", summary=text, city="da-nang", status="draft")
    flags = client.post(URL, json={"title": "Solar cold storage at the harbour", "summary": text,
                                   "city": "Da Nang", "start_date": "2026-06-01"}).json["flags"]
    projects = [f for f in flags if f["kind"] == "project"]
    assert [f["project_id"] for f in projects] == [published.id]
    assert any("km" in reason for reason in projects[0]["reasons"])


@pytest.mark.parametrize("payload, field", [
    ({**SMART_POLES, "title": ""}, "title"),
    ({k: v for k, v in SMART_POLES.items() if k != "title"}, "title"),
    ({**SMART_POLES, "city": "atlantis"}, "city"),
    ({**SMART_POLES, "start_date": "2026-02-30"}, "start_date"),
    ({**SMART_POLES, "end_date": "2025-01-01"}, "end_date"),
    ({**SMART_POLES, "focus_areas": ["Space"]}, "focus_areas"),
    ({**SMART_POLES, "focus_areas": "Safety and Security"}, "focus_areas"),
    ({**SMART_POLES, "location": {"lat": 95, "lon": 100}}, "location.lat"),
    ({**SMART_POLES, "partners": [1, 2]}, "partners"),
    (["not", "an", "object"], "body"),
])
def test_bad_drafts_answer_a_problem_naming_the_field(client, payload, field):
    response = client.post(URL, json=payload)
    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"
    problem = response.json
    assert problem["status"] == 400 and problem["title"] and problem["detail"]
    assert field in [error["name"] for error in problem["errors"]]


def test_non_json_body_is_a_problem(client):
    response = client.post(URL, data="title=x", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400 and response.json["errors"][0]["name"] == "body"


def test_stored_flags_keep_decisions_across_refreshes(app, make_project, make_user):
    project = make_project(title="Smart poles with PM2.5 and flood sensors", summary=SMART_POLES["summary"],
                           status="draft", focus_areas=("Safety and Security",))
    flags = refresh_flags(project)
    db.session.commit()
    plan_flag = next(f for f in flags if f.kind == "plan" and f.plan.external_id == "th-bangkok-bma")
    assert plan_flag.status == "open" and plan_flag.reasons and plan_flag.subject
    # The services word their errors in the asker's language, so they run inside a request, as in the views.
    with app.test_request_context():  # shares the test's app context and database session
        official = make_user("city_official", city="bangkok")
        with pytest.raises(ValidationError) as too_short:
            acknowledge_flag(plan_flag, official, "too short")
        assert type(too_short.value) is ValidationError  # a bad field, not another domain error
        assert list(too_short.value.errors) == [f"justification-{plan_flag.id}"]
        assert "10" in too_short.value.errors[f"justification-{plan_flag.id}"]
        db.session.rollback()
        assert db.session.get(OverlapFlag, plan_flag.id).status == "open"  # the refusal changed nothing
        acknowledge_flag(plan_flag, official, "Phase 2 covers districts the BMA poles do not reach.")
        db.session.commit()
        again = refresh_flags(project)
        same = next(f for f in again if f.id == plan_flag.id)
        assert same.status == "acknowledged" and same.justification.startswith("Phase 2")
        assert not same.needs_justification
        reviewer = make_user("focal_point", country="TH")
        dismiss_flag(same, reviewer, "Different districts, confirmed with BMA.")
        db.session.commit()
        dismissed = db.session.get(OverlapFlag, plan_flag.id)
        assert dismissed.status == "dismissed"
        for decide in (lambda: acknowledge_flag(dismissed, official, "Phase 3 covers the rest of the city."),
                       lambda: dismiss_flag(dismissed, reviewer, "Again, for the record.")):
            with pytest.raises(DomainError) as twice:  # a broken rule (409), not a bad field
                decide()
            assert type(twice.value) is DomainError and "already dismissed" in twice.value.message
    # A change that removes the overlap drops open flags but keeps decided ones.
    project.summary, project.title = "A choir festival.", "Choir festival"
    db.session.commit()
    remaining = refresh_flags(project)
    assert all(f.status != "open" for f in remaining)
    assert db.session.scalars(select(OverlapFlag).where(OverlapFlag.project_id == project.id)).all()


def test_worker_warm_up_builds_the_index_in_the_background(app):
    from smartcities.overlap import index
    index._indexes.clear()
    thread = index.warm_up(app)
    thread.join(timeout=60)
    assert not thread.is_alive(), "the warm-up did not finish within 60 s"
    (synced,) = index._indexes.values()
    assert len(synced.plans) == 35 and synced.fingerprint


def test_a_project_being_edited_is_not_flagged_against_itself(client, make_project):
    text = "Solar-powered cold storage for fishing cooperatives at the harbour, with shared monitoring."
    own = make_project(title="Harbour solar cold storage", summary=text, city="da-nang")
    draft = {"title": "Harbour solar cold storage", "summary": text, "city": "da-nang"}
    assert [f["project_id"] for f in client.post(URL, json=draft).json["flags"] if f["kind"] == "project"] == [own.id]
    flags = client.post(URL, json={**draft, "project_id": own.id}).json["flags"]
    assert all(f["project_id"] != own.id for f in flags)
    assert client.post(URL, json={**draft, "project_id": "x"}).json["errors"][0]["name"] == "project_id"
