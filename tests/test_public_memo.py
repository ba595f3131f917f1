"""Aggregates of public data computed once per public data version (public_version.memo): the city page's
partners and count, the home map's funding partners — never stale after a public change, never showing
what only some may see."""
from __future__ import annotations

from smartcities import public_version
from smartcities.extensions import db
from smartcities.organisations.models import Organisation
from smartcities.projects import places
from smartcities.projects.models import ProjectParticipation
from smartcities.web import queries


def _partner(project, name: str, role: str = "funding") -> Organisation:
    organisation = Organisation(name=name, kind="multilateral")
    db.session.add(ProjectParticipation(project=project, organisation=organisation, role=role))
    db.session.commit()
    return organisation


def test_a_memo_is_computed_once_per_version_and_again_when_it_moves(app):
    calls = []

    def compute():
        calls.append(1)
        return len(calls)
    with app.app_context():
        assert public_version.memo("test-memo", compute) == 1
        assert public_version.memo("test-memo", compute) == 1
        public_version.bump(db.session)
        db.session.commit()
        assert public_version.memo("test-memo", compute) == 2
        assert len(calls) == 2


def test_the_city_page_shows_a_new_partner_at_once(app, client, make_project):
    first = client.get("/cities/bangkok").get_data(as_text=True)
    assert "Mekong Resilience Fund" not in first
    project = make_project("Canal flood sensors", city="bangkok")
    _partner(project, "Mekong Resilience Fund")
    page = client.get("/cities/bangkok").get_data(as_text=True)
    assert "Mekong Resilience Fund" in page
    with app.app_context():
        found = [entry for entry in places.partners_in(project.city) if entry.name == "Mekong Resilience Fund"]
        assert [(entry.project_count, entry.roles) for entry in found] == [(1, ("funding",))]
        assert "Mekong Resilience Fund" in [name for _, name in queries.funding_partners()]


def test_a_draft_partner_never_reaches_the_public_aggregates(app, client, make_project):
    client.get("/cities/bangkok")   # the memo holds the public state
    draft = make_project("Private pilot", city="bangkok", status="draft")
    _partner(draft, "Quiet Capital Partners")
    assert "Quiet Capital Partners" not in client.get("/cities/bangkok").get_data(as_text=True)
    assert "Quiet Capital Partners" not in client.get("/").get_data(as_text=True)


def test_the_aggregates_are_not_queried_again_at_the_same_version(app, client, monkeypatch):
    client.get("/cities/bangkok")
    client.get("/")

    def fail(*args):
        raise AssertionError("recomputed although nothing public changed")
    monkeypatch.setattr(places, "_partners_in", fail)
    monkeypatch.setattr(queries, "_funding_partners", fail)
    assert client.get("/cities/bangkok").status_code == 200
    assert client.get("/").status_code == 200
