"""Issue 14, the overlap check: field limits named in the 400 problem, analysis outside the index lock, and rate
limits for the check and the open-data API set from the environment, answered with Retry-After."""
from __future__ import annotations

import threading
from datetime import date

import pytest

from smartcities import config
from smartcities.overlap.engine import checker as engine
from smartcities.overlap.engine import Draft, OverlapIndex, ProjectDoc

URL = "/api/v1/overlap-check"
DRAFT = {"title": "Smart poles with flood sensors", "summary": "Poles with sensors for road flooding.",
         "city": "bangkok", "start_date": "2026-01-01", "end_date": "2027-12-31"}


def problem_fields(response) -> dict[str, str]:
    assert response.status_code == 400 and response.mimetype == "application/problem+json", response.data[:300]
    return {error["name"]: error["message"] for error in response.json["errors"]}


def test_every_text_at_its_limit_is_checked(client):
    at_limits = {**DRAFT, "title": "t" * 300, "summary": "ถนน" * 666 + "ถน", "description": "flood " * 1666 + "wall",
                 "partners": [f"{n:03d}" + "p" * 197 for n in range(50)]}
    assert len(at_limits["summary"]) == 2000 and len(at_limits["description"]) == 10_000
    response = client.post(URL, json=at_limits)
    assert response.status_code == 200, response.data[:500]


def test_each_text_over_its_limit_is_named_in_the_problem(client):
    too_long = {**DRAFT, "title": "t" * 301, "summary": "ถ" * 2001, "description": "d" * 10_001}
    fields = problem_fields(client.post(URL, json=too_long))
    assert fields == {"title": "must be at most 300 characters", "summary": "must be at most 2,000 characters",
                      "description": "must be at most 10,000 characters"}


def test_partners_are_at_most_50_each_named_in_at_most_200_characters(client):
    fields = problem_fields(client.post(URL, json={**DRAFT, "partners": [f"Partner {n}" for n in range(51)]}))
    assert fields == {"partners": "must list at most 50 partners"}
    names = ["World Bank", "x" * 201, "Asian Development Bank", "y" * 300]
    fields = problem_fields(client.post(URL, json={**DRAFT, "partners": names}))
    too_long = "must be at most 200 characters"
    assert fields == {"partners[1]": too_long, "partners[3]": too_long}


def flood_project(project_id: int) -> ProjectDoc:
    return ProjectDoc(id=project_id, title="Canal flood warning sensors", text="Water level sensors on canals.",
                      city="bangkok", country="TH", focus_areas=frozenset(), start=date(2026, 1, 1),
                      end=date(2027, 12, 31), lat=None, lon=None, partners=frozenset())


def test_a_draft_is_analysed_without_holding_the_index_lock(monkeypatch):
    """A save arriving while a long draft is read goes ahead; it does not wait for the check to finish."""
    index = OverlapIndex()
    index.upsert_project(flood_project(1))
    saved = threading.Event()
    real_analyse = engine.analyse

    def slow_analyse(title, text="", extra_stop=frozenset()):
        if title.startswith("Draft"):
            saver = threading.Thread(target=lambda: (index.upsert_project(flood_project(2)), saved.set()))
            saver.start()
            saved.wait(timeout=3)   # with the analysis under the lock, the save can only finish after the check
        return real_analyse(title, text, extra_stop)

    monkeypatch.setattr(engine, "analyse", slow_analyse)
    result = index.check(Draft(title="Draft canal flood warning sensors", text="Water level sensors on canals.",
                               city="bangkok", country="TH", start=date(2026, 1, 1), end=date(2027, 12, 31)))
    assert saved.is_set(), "the save waited for the draft's analysis"
    assert {flag.project_id for flag in result.flags} == {1, 2}  # the check then saw the saved project


def test_a_check_gives_the_same_flags_with_the_analysis_outside_the_lock():
    index = OverlapIndex()
    for project_id in (1, 2):
        index.upsert_project(flood_project(project_id))
    draft = Draft(title="Canal flood warning sensors", text="Water level sensors on canals.", city="bangkok",
                  country="TH", start=date(2026, 1, 1), end=date(2027, 12, 31))
    analysis = engine.analyse(draft.title, draft.text, engine._city_words(draft.city))
    together = [flag.as_dict() for flag in index._check(draft, analysis).flags]
    assert together and [flag.as_dict() for flag in index.check(draft).flags] == together


def test_the_overlap_check_limit_comes_from_the_setting_and_says_when_to_retry(client, app, monkeypatch):
    monkeypatch.setitem(app.config, "OVERLAP_RATE_LIMIT", "2 per minute")
    replies = [client.post(URL, json=DRAFT) for _ in range(3)]
    assert [reply.status_code for reply in replies] == [200, 200, 429]
    refused = replies[-1]
    assert refused.mimetype == "application/problem+json" and refused.json["status"] == 429
    assert 0 < int(refused.headers["Retry-After"]) <= 60
    assert refused.headers["X-RateLimit-Limit"] == "2"


def test_the_api_limit_comes_from_the_setting_and_is_off_by_default(client, app, monkeypatch):
    assert app.config["API_RATE_LIMIT"] == ""
    assert all(client.get("/api/v1/cities").status_code == 200 for _ in range(30))
    monkeypatch.setitem(app.config, "API_RATE_LIMIT", "3 per minute")
    replies = [client.get(path) for path in ("/api/v1/cities", "/api/v1/projects", "/api/openapi.json",
                                             "/api/v1/plans")]
    assert [reply.status_code for reply in replies] == [200, 200, 200, 429]
    assert replies[-1].mimetype == "application/problem+json"
    assert 0 < int(replies[-1].headers["Retry-After"]) <= 60


def test_the_limits_are_read_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("OVERLAP_RATE_LIMIT", "30 per minute")
    monkeypatch.setenv("API_RATE_LIMIT", "600 per minute; 20000 per day")
    settings = config.from_environment(str(tmp_path))
    assert (settings["OVERLAP_RATE_LIMIT"], settings["API_RATE_LIMIT"]) == ("30 per minute",
                                                                           "600 per minute; 20000 per day")
    monkeypatch.delenv("OVERLAP_RATE_LIMIT")
    monkeypatch.delenv("API_RATE_LIMIT")
    settings = config.from_environment(str(tmp_path))
    assert (settings["OVERLAP_RATE_LIMIT"], settings["API_RATE_LIMIT"]) == ("120 per minute", "")


@pytest.mark.parametrize("name", ["OVERLAP_RATE_LIMIT", "API_RATE_LIMIT", "LOGIN_RATE_LIMIT"])
def test_a_malformed_limit_is_refused_at_start(monkeypatch, tmp_path, name):
    monkeypatch.setenv(name, "lots")
    with pytest.raises(config.ConfigError, match=f"{name} must be a rate limit"):
        config.from_environment(str(tmp_path))
