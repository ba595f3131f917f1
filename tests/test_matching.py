"""Matchmaking: partner profiles (validation, permissions, form, API, seed) and matches (ranking, reasons,
visibility of the evidence, dismissing, the partner's page and the project page's panel)."""
from __future__ import annotations

from decimal import Decimal

import pytest
from flask import render_template
from sqlalchemy import select

from smartcities import public_version
from smartcities.accounts.permissions import can
from smartcities.errors import ValidationError
from smartcities.extensions import db
from smartcities.matching import scoring
from smartcities.organisations.models import MatchDismissal, Organisation
from smartcities.organisations.profiles import clean_profile
from smartcities.projects.models import ProjectParticipation
from smartcities.reference import seed
from support import csrf_token

ADB = "Asian Development Bank (ADB)"


def org(name: str) -> Organisation:
    return db.session.scalar(select(Organisation).where(Organisation.name == name))


def funded_by(name: str) -> list[ProjectParticipation]:
    return [ProjectParticipation(organisation_id=org(name).id, role="funding")]


# --- profiles -------------------------------------------------------------------------------------------------

def test_the_seed_fills_profiles_with_their_source_and_is_idempotent(app):
    adb = org(ADB).profile
    assert set(adb.instruments) == {"loan", "grant", "equity", "guarantee", "technical_assistance"}
    assert "adb.org" in adb.source
    world_bank = org("World Bank").profile
    assert (world_bank.ticket_min, world_bank.ticket_max, world_bank.currency) == (
        Decimal("500000.00"), Decimal("3750000000.00"), "USD")
    assert org("Mastercard").profile is None  # nothing found: no profile rather than a guess
    again = seed()["partner profiles"]
    assert again["unchanged"] == 10 and not again["created"] and not again["updated"]
    db.session.rollback()


def test_bad_profile_values_are_refused_by_field(app):
    with pytest.raises(ValidationError) as caught:
        clean_profile({"focus_areas": "Space travel", "countries": ["TH", "US"], "instruments": ["bitcoin"],
                       "ticket_min": "10", "ticket_max": "5", "currency": "ABC", "statement": "x\x00y"})
    assert set(caught.value.errors) == {"focus_areas", "countries", "instruments", "ticket_max", "currency",
                                        "statement"}
    assert "US" in caught.value.errors["countries"]
    with pytest.raises(ValidationError) as caught:
        clean_profile({"ticket_min": "1000"})
    assert set(caught.value.errors) == {"currency"}
    good = clean_profile({"focus_areas": "Built Infrastructure; quality-environment", "countries": "vn, TH",
                          "instruments": ["Technical assistance", "loan"], "ticket_min": "1,000,000",
                          "ticket_max": "10000000", "currency": "usd"})
    assert good["focus_areas"] == ["built-infrastructure", "quality-environment"]
    assert good["countries"] == ["VN", "TH"] and good["instruments"] == ["technical_assistance", "loan"]
    assert good["ticket_min"] == Decimal("1000000.00") and good["currency"] == "USD"


def test_only_the_partner_s_own_users_and_admins_may_edit(app, people):
    adb, temasek = org(ADB), org("Temasek Foundation")
    assert can(people["partner"], "act_for_organisation", adb)
    assert can(people["admin"], "act_for_organisation", temasek)
    assert not can(people["other_partner"], "act_for_organisation", adb)
    assert not can(people["official"], "act_for_organisation", adb)
    assert not can(None, "act_for_organisation", adb)


def test_the_partner_edits_its_profile_through_the_form(client, as_user, people):
    adb = org(ADB)
    url = f"/organisations/{adb.id}/profile"
    assert client.get(url).status_code == 302  # signed out: to the sign-in page
    as_user("other_partner")
    assert client.get(url).status_code == 403
    token = as_user("partner")
    assert client.get(url).status_code == 200
    version = public_version.current()[0]
    bad = {"csrf_token": token, "ticket_min": "9", "ticket_max": "1", "currency": "USD"}
    answer = client.post(url, data=bad)
    assert answer.status_code == 400 and "must be at least the minimum ticket" in answer.get_data(as_text=True)
    assert client.post(url, data={**bad, "csrf_token": "", "ticket_max": "99"}).status_code == 400
    db.session.expire_all()
    assert org(ADB).profile.ticket_min is None  # nothing written
    answer = client.post(url, data={"csrf_token": token, "focus_areas": ["built-infrastructure"],
                                    "countries": ["VN", "PH"], "instruments": ["loan"], "ticket_min": "1000000",
                                    "ticket_max": "50000000", "currency": "usd",
                                    "statement": "Loans for <script>alert(1)</script> metros"})
    assert answer.status_code == 302
    db.session.expire_all()
    profile = org(ADB).profile
    assert profile.countries == ["VN", "PH"] and profile.ticket_max == Decimal("50000000.00")
    assert "adb.org" in profile.source  # the seeded source stays until the partner names another
    assert public_version.current()[0] > version
    page = client.get(f"/organisations/{adb.id}").get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert(1)" not in page
    assert "USD 1,000,000 – 50,000,000" in page


def test_the_api_shows_the_profile(client):
    data = client.get(f"/api/v1/organisations/{org('World Bank').id}").get_json()
    assert data["profile"]["ticket"] == {"min": "500000.00", "max": "3750000000.00", "currency": "USD"}
    assert "guarantee" in data["profile"]["instruments"] and data["profile"]["source"]
    assert client.get(f"/api/v1/organisations/{org('Mastercard').id}").get_json()["profile"] is None


# --- matches --------------------------------------------------------------------------------------------------

@pytest.fixture
def market(make_project):
    """Temasek funded two flood-sensor projects in Bangkok; a third one seeks USD 4 M."""
    for title in ("Flood sensors on canals", "Canal water level sensors and flood alerts"):
        make_project(title=title, summary="Water-level sensors along canals warn residents of floods.",
                     participations=funded_by("Temasek Foundation"))
    make_project(title="Electric buses for the old town", city="da-nang", focus_areas=("Built Infrastructure",),
                 summary="Electric bus fleet and charging depot.", participations=funded_by("World Bank"))
    target = make_project(title="Flood early warning sensors for canals", seeking_funding=True,
                          funding_sought=Decimal("4000000"), currency="USD",
                          summary="Sensors measure canal water levels and warn of floods.")
    return target


def test_the_funder_of_similar_projects_ranks_first_with_checkable_reasons(client, market):
    data = client.get(f"/api/v1/projects/{market.id}/matches").get_json()
    first = data["items"][0]
    assert first["organisation"]["name"] == "Temasek Foundation"
    assert 0 < first["score"] <= 1
    assert first["reasons"][0].startswith("funded 2 similar projects in Bangkok: ")
    assert "Flood sensors on canals" in first["reasons"][0]
    scores = [item["score"] for item in data["items"]]
    assert scores == sorted(scores, reverse=True) and all(0 <= s <= 1 for s in scores)
    world_bank = next(item for item in data["items"] if item["organisation"]["name"] == "World Bank")
    assert "ticket range USD 500 k–3.75 B fits USD 4 M sought" in world_bank["reasons"]
    answer = client.get(f"/api/v1/projects/{market.id}/matches")
    assert answer.headers["Cache-Control"] == "private, no-store"


def test_unpublished_evidence_counts_only_for_those_who_may_see_it(client, as_user, make_project, market):
    draft = make_project(title="Canal flood sensors, second phase", status="draft",
                         summary="More water-level sensors on canals against floods.",
                         participations=funded_by("Mastercard"))
    names = [item["organisation"]["name"] for item in
             client.get(f"/api/v1/projects/{market.id}/matches").get_json()["items"]]
    assert "Mastercard" not in names
    assert client.get(f"/api/v1/projects/{draft.id}/matches").status_code == 404
    assert client.get(f"/api/v1/projects/{draft.id}/matches").mimetype == "application/problem+json"
    as_user("official")
    items = client.get(f"/api/v1/projects/{market.id}/matches").get_json()["items"]
    mastercard = next(item for item in items if item["organisation"]["name"] == "Mastercard")
    assert "Canal flood sensors, second phase" in mastercard["reasons"][0]
    assert client.get(f"/api/v1/projects/{draft.id}/matches").status_code == 200


def test_recent_interest_is_a_reason_only_for_those_who_see_interest(client, as_user, make_project, market):
    other = make_project(title="Smart bus stops", summary="Displays at bus stops.")
    token = as_user("partner")
    assert client.post(f"/projects/{other.id}/interest", data={
        "csrf_token": token, "amount": "", "currency": "", "message": "We could help"}).status_code == 302
    said = "expressed interest in 1 project in Bangkok this year"
    as_user("official")
    items = client.get(f"/api/v1/projects/{market.id}/matches").get_json()["items"]
    assert said in next(i for i in items if i["organisation"]["name"] == ADB)["reasons"]
    as_user("other_partner")
    items = client.get(f"/api/v1/projects/{market.id}/matches").get_json()["items"]
    assert all(said not in item["reasons"] for item in items)


def test_a_partner_s_matches_and_dismissing_one(client, as_user, make_project, market):
    make_project(title="Not seeking anything", summary="Flood sensors on canals.")
    make_project(title="Draft seeking funding", status="draft", seeking_funding=True)
    make_project(title="Solar <b>roofs</b> for schools", city="da-nang", seeking_funding=True,
                 focus_areas=("Quality Environment",), summary="Rooftop solar panels.")
    temasek = org("Temasek Foundation")
    url = f"/api/v1/organisations/{temasek.id}/matches"
    public = [item["project"]["title"] for item in client.get(url).get_json()["items"]]
    assert public == ["Flood early warning sensors for canals", "Solar <b>roofs</b> for schools"]
    as_user("partner")
    assert client.get(f"/organisations/{temasek.id}/projects-for-you").status_code == 403
    token = as_user("other_partner")
    items = client.get(url).get_json()["items"]
    assert [item["project"]["title"] for item in items] == ["Flood early warning sensors for canals",
                                                             "Solar <b>roofs</b> for schools"]
    assert items[0]["score"] > items[1]["score"]
    assert items[0]["project"]["funding_sought"] == "4000000.00"
    assert items[0]["reasons"][0].startswith("funded 2 similar projects in Bangkok")
    page = client.get(f"/organisations/{temasek.id}/projects-for-you").get_data(as_text=True)
    assert "Flood early warning sensors for canals" in page and f'href="/projects/{market.id}#interest"' in page
    assert "Solar &lt;b&gt;roofs&lt;/b&gt;" in page
    dismiss = f"/organisations/{temasek.id}/matches/{market.id}/dismiss"
    assert client.post(dismiss, data={}).status_code == 400  # no CSRF token: nothing stored
    assert db.session.scalar(select(MatchDismissal)) is None
    assert client.post(dismiss, data={"csrf_token": token}).status_code == 302
    assert client.post(dismiss, data={"csrf_token": token}).status_code == 302  # stays one dismissal
    assert len(db.session.scalars(select(MatchDismissal)).all()) == 1
    titles = [item["project"]["title"] for item in client.get(url).get_json()["items"]]
    assert titles == ["Solar <b>roofs</b> for schools"]
    assert "Flood early warning" not in client.get(f"/organisations/{temasek.id}/projects-for-you").get_data(
        as_text=True)
    as_user("partner")
    assert client.post(dismiss, data={"csrf_token": csrf_token(client, "/dashboard")}).status_code == 403
    assert len(db.session.scalars(select(MatchDismissal)).all()) == 1
    # a dismissal is the partner's own: others still see the project ranked for it
    assert len(client.get(url).get_json()["items"]) == 2


def test_the_project_page_panel_is_for_insiders(app, client, as_user, people, market):
    def panel():
        with app.test_request_context():
            from flask_login import login_user
            if who is not None:
                login_user(who)
            return render_template("matching/_project_panel.html", project=market)
    who = None
    assert "likely-funders" not in panel()
    who = people["partner"]
    assert "likely-funders" not in panel()
    for insider in ("official", "focal"):
        who = people[insider]
        html = panel()
        assert "Partners likely to fund it" in html and "Temasek Foundation" in html


# --- scoring ----------------------------------------------------------------------------------------------------

def test_ticket_fit_and_money_words():
    assert scoring.ticket_fit(Decimal(4_000_000), "USD", Decimal(1_000_000), Decimal(10_000_000), "USD") == 1.0
    assert scoring.ticket_fit(Decimal(100_000_000), "USD", Decimal(1), Decimal(10_000_000), "USD") == 0.0
    assert 0 < scoring.ticket_fit(Decimal(20_000_000), "USD", None, Decimal(10_000_000), "USD") < 1
    assert scoring.ticket_fit(Decimal(4_000_000), "THB", Decimal(1), Decimal(10_000_000), "USD") is None
    assert (scoring.money(Decimal(4_000_000)), scoring.money(Decimal(250_000))) == ("4 M", "250 k")


def test_a_score_is_in_zero_one_and_grows_with_the_evidence():
    doc = scoring.Doc(id=1, title="t", vector=scoring.vectorise("Flood sensors", "canal water"),
                      focus=frozenset({"Safety and Security"}), country="TH", country_name="Thailand", city_id=1,
                      city_name="Bangkok", amount=Decimal(5), currency="USD")
    full = scoring.Partner(id=1, name="p", funded=[scoring.Doc(**{**doc.__dict__, "id": 2})],
                           interests=[doc], profile=scoring.Profile(
                               focus=doc.focus, countries=frozenset({"TH"}), ticket_min=Decimal(1),
                               ticket_max=Decimal(10), currency="USD")).summarise()
    half = scoring.Partner(id=3, name="r", funded=full.funded).summarise()
    assert 0 < scoring.score(doc, half) < scoring.score(doc, full) <= 1.0
    assert scoring.score(doc, scoring.Partner(id=2, name="q").summarise()) == 0.0
    assert scoring.reasons(doc, full)[-1] == "expressed interest in this project"
