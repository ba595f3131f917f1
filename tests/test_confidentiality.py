"""Confidential until published: a submitted Chiang Mai project, and the organisation it first names, leave no
trace on any surface for anyone but its insiders (the city's officials, Thailand's focal point, admins).

Each case builds the scenario the way a city official does (the project form, then submit) and compares what an
outsider receives with what the same outsider received before the project existed: anything new is a trace.
Pages that take the project's or the organisation's id must answer exactly as they do for an id that never
existed. The open-data response cache is emptied before each read, so an answer is computed from the database
rather than replayed from before the project existed.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import select
from support import AuthActions, csrf_token

from smartcities.api.http import CACHE_KEY, ResponseCache
from smartcities.extensions import db
from smartcities.organisations.models import Organisation
from smartcities.overlap.models import OverlapFlag
from smartcities.projects.models import Project

TITLE_WORD, SUMMARY_WORD, DESCRIPTION_WORD = "Zqxwvfloodgate", "Qjxkplumbline", "Vbnmcistern"
ORGANISATION = "Hushvault Capital Fund"
SECRETS = (TITLE_WORD, SUMMARY_WORD, DESCRIPTION_WORD, ORGANISATION, "Hushvault")
# Close to an initiative of Thailand's national plan (Net Pracharat), so the project carries a stored flag.
TITLE = f"{TITLE_WORD} broadband for 24,700 villages (Net Pracharat)"
SUMMARY = f"{SUMMARY_WORD} fibre to every village around the old city."
DESCRIPTION = f"{DESCRIPTION_WORD} towers along the ring road."
FLAG_SUBJECT = "Net Pracharat project to bring broadband to about 24,700 villages"
START, END, LAT, LON = "2026-01-01", "2027-06-30", 18.7901, 98.9871
NO_SUCH_ID = 2_000_000_000  # an id no row will have: the answer for a project or organisation that never existed

# Overlap checks, each sent as `POST <label>`: the project's own words, city, place, dates and partner; and a draft
# on the same theme from another Thai city, which names nothing of the project at all.
OVERLAP = {
    "/api/v1/overlap-check same-draft": {
        "title": TITLE, "summary": SUMMARY, "description": DESCRIPTION, "city": "chiang-mai",
        "focus_areas": ["Built Infrastructure"], "start_date": START, "end_date": END,
        "location": {"lat": LAT, "lon": LON}, "partners": [ORGANISATION]},
    "/api/v1/overlap-check same-theme-phuket": {
        "title": "Net Pracharat broadband to villages", "city": "phuket", "start_date": START, "end_date": END},
}
SAME_DRAFT = "POST /api/v1/overlap-check same-draft"
UNUSED_WORD = "Plonkwizzle"  # never written anywhere: what the overlap check answers for an unknown word

# Who must not see it, and who must.
OUTSIDERS = {
    "anonymous": None,
    "partner": ("partner", {"organisation": "Asian Development Bank (ADB)"}),
    "bangkok_official": ("city_official", {"city": "bangkok"}),
    "vn_focal_point": ("focal_point", {"country": "VN"}),
}
INSIDERS = ("chiang_mai_official", "th_focal_point")
SIGNED_IN = ("partner", "bangkok_official", "vn_focal_point")


@dataclass(frozen=True)
class Secret:
    project_id: int
    organisation_id: int


# Surfaces at a fixed address: (case name, path or `POST <overlap label>`, roles). What an outsider gets after
# the project is submitted must equal what they got before it existed.
FIXED = [
    ("home", "/", OUTSIDERS),
    ("home_search", f"/?q={TITLE_WORD}", OUTSIDERS),
    ("cities", "/cities", OUTSIDERS),
    ("city_page", "/cities/chiang-mai", OUTSIDERS),
    ("organisations", "/organisations", OUTSIDERS),
    ("plans", "/plans", OUTSIDERS),
    ("stats", "/stats", OUTSIDERS),
    ("feed", "/feed.json", OUTSIDERS),
    ("city_feed", "/cities/chiang-mai/feed.json", OUTSIDERS),
    ("country_feed", "/countries/th/feed.json", OUTSIDERS),
    ("api_projects", "/api/v1/projects", OUTSIDERS),
    ("api_search_title", f"/api/v1/projects?q={TITLE_WORD}", OUTSIDERS),
    ("api_search_summary", f"/api/v1/projects?q={SUMMARY_WORD}", OUTSIDERS),
    ("api_search_city", "/api/v1/projects?city=chiang-mai", OUTSIDERS),
    ("api_geojson", "/api/v1/projects.geojson", OUTSIDERS),
    ("api_csv", "/api/v1/projects.csv", OUTSIDERS),
    ("api_cities_geojson", "/api/v1/cities.geojson", OUTSIDERS),
    ("api_city", "/api/v1/cities/chiang-mai", OUTSIDERS),
    ("api_countries", "/api/v1/countries", OUTSIDERS),
    ("api_organisations", "/api/v1/organisations", OUTSIDERS),
    ("ogc_collections", "/ogc/collections", OUTSIDERS),
    ("ogc_projects", "/ogc/collections/projects/items?limit=1000", OUTSIDERS),
    ("ogc_search", f"/ogc/collections/projects/items?q={TITLE_WORD}", OUTSIDERS),
    ("ogc_cities", "/ogc/collections/cities/items?limit=1000", OUTSIDERS),
    ("ogc_city", "/ogc/collections/cities/items/chiang-mai", OUTSIDERS),
    ("overlap_check", SAME_DRAFT, OUTSIDERS),
    ("overlap_check_same_theme", "POST /api/v1/overlap-check same-theme-phuket", OUTSIDERS),
    ("dashboard", "/dashboard", SIGNED_IN),
    ("partner_picker", "/projects/new", ("bangkok_official",)),
]

# Surfaces addressed by the secret's id: the answer must be the one for an id that never existed.
BY_ID = [
    ("project_page", "/projects/{project}", 404),
    ("project_edit", "/projects/{project}/edit", None),  # 404, or for anonymous visitors: sign in first
    ("api_project", "/api/v1/projects/{project}", 404),
    ("ogc_project", "/ogc/collections/projects/items/{project}", 404),
    ("organisation_page", "/organisations/{organisation}", 404),
    ("api_organisation", "/api/v1/organisations/{organisation}", 404),
    ("api_partner_filter", "/api/v1/projects?partner={organisation}", 400),
    ("geojson_partner_filter", "/api/v1/projects.geojson?partner={organisation}", 400),
    ("ogc_partner_filter", "/ogc/collections/projects/items?partner={organisation}", 400),
]

OUTSIDER_CASES = ([pytest.param(path, role, id=f"{name}-{role}") for name, path, roles in FIXED for role in roles]
                  + [pytest.param(path, role, id=f"{name}-{role}")
                     for name, path, _ in BY_ID for role in OUTSIDERS])
ID_STATUS = {path: status for _, path, status in BY_ID}


# --- the scenario ---------------------------------------------------------------------------------------------

def project_form(token: str, **changes: Any) -> dict[str, Any]:
    """The project form as a Chiang Mai official fills it in, naming a new organisation as a funder."""
    data = {
        "title": TITLE, "summary": SUMMARY, "description": DESCRIPTION, "city": "chiang-mai", "country": "TH",
        "focus_areas": ["Built Infrastructure"], "stage": "planning", "start_date": START, "end_date": END,
        "budget": "250000", "currency": "THB", "latitude": str(LAT), "longitude": str(LON),
        "participants-0-organisation": ORGANISATION, "participants-0-role": "funding",
        "participants-1-organisation": "", "participants-1-role": "", "partners": "", "csrf_token": token,
    }
    data.update(changes)
    return data


def signed_in(app, user, token: bool = True):
    """A browser of its own, signed in as `user`, and its CSRF token (None when not asked for)."""
    browser = app.test_client()
    assert AuthActions(browser).login(user.email).status_code == 302
    return browser, (csrf_token(browser, "/dashboard") if token else None)


def register_draft(browser, token: str) -> int:
    """POST /projects/new as the Chiang Mai official; the id of the saved draft."""
    response = browser.post("/projects/new", data=project_form(token))
    assert response.status_code == 302, response.get_data(as_text=True)
    match = re.fullmatch(r"/projects/(\d+)", response.headers["Location"])
    assert match, response.headers["Location"]
    return int(match.group(1))


def submit(browser, token: str, project_id: int) -> None:
    """Submit, answering each flag that needs a justification (the form's `justification-<id>` fields)."""
    flags = db.session.scalars(select(OverlapFlag).where(OverlapFlag.project_id == project_id))
    answers = {f"justification-{flag.id}": "A village-level rollout the national programme does not reach."
               for flag in flags if flag.needs_justification}
    response = browser.post(f"/projects/{project_id}/submit", data={"csrf_token": token, **answers})
    assert response.status_code == 302, response.get_data(as_text=True)


def secret_of(project_id: int) -> Secret:
    """The submitted project and its new organisation, checked to be what the scenario needs."""
    project = db.session.get(Project, project_id)
    assert (project.status, project.city.slug) == ("submitted", "chiang-mai")
    organisation = db.session.scalar(select(Organisation).where(Organisation.name == ORGANISATION))
    assert organisation is not None and not organisation.is_public
    assert organisation.private_to_city is not None and organisation.private_to_city.slug == "chiang-mai"
    assert [p.organisation_id for p in project.participations] == [organisation.id]
    assert db.session.scalar(select(OverlapFlag.id).where(OverlapFlag.project_id == project_id)) is not None
    return Secret(project_id, organisation.id)


def submitted_secret(app, official) -> Secret:
    """The Chiang Mai official registers the project (naming the new organisation) and submits it."""
    browser, token = signed_in(app, official)
    project_id = register_draft(browser, token)
    submit(browser, token, project_id)
    return secret_of(project_id)


@pytest.fixture
def chiang_mai_official(make_user):
    return make_user("city_official", email="official@chiangmai.example", city="chiang-mai")


@pytest.fixture
def th_focal_point(make_user):
    return make_user("focal_point", email="focal@th.example", country="TH")


def viewer(app, make_user, role: str, table: dict):
    """A browser for `role`: anonymous, or signed in as a new user of that role."""
    spec = table[role]
    if spec is None:
        return app.test_client()
    kind, fields = spec
    return signed_in(app, make_user(kind, email=f"{role}@viewer.example", **fields), token=False)[0]


# --- reading a surface ----------------------------------------------------------------------------------------

VOLATILE = [
    (re.compile(r'nonce="[^"]*"'), 'nonce=""'),
    (re.compile(r'(name="csrf_token"[^>]*value=")[^"]*'), r"\1"),
    (re.compile(r'"timeStamp":"[^"]*"'), '"timeStamp":""'),
]


@dataclass(frozen=True)
class Answer:
    status: int
    headers: tuple[tuple[str, str], ...]
    body: str

    @property
    def text(self) -> str:
        return "\n".join(f"{k}: {v}" for k, v in self.headers) + "\n" + self.body


def read(app, browser, path: str) -> Answer:
    """One request, computed afresh (the open-data cache emptied), with per-request noise normalised away."""
    app.extensions[CACHE_KEY] = ResponseCache(app.extensions[CACHE_KEY].max_bytes)
    if path.startswith("POST "):
        label = path.removeprefix("POST ")
        response = browser.post(label.split()[0], json=OVERLAP[label])
    else:
        response = browser.get(path)
    body = response.get_data(as_text=True)
    for pattern, replacement in VOLATILE:
        body = pattern.sub(replacement, body)
    kept = ("Content-Type", "Location", "ETag", "Last-Modified", "Content-Disposition")
    return Answer(response.status_code, tuple((k, response.headers[k]) for k in kept if k in response.headers),
                  body)


def traces(answer: Answer, secret: Secret, baseline: Answer | None = None) -> list[str]:
    """Every secret word, name or link in the answer that was not already in the baseline."""
    text, before = answer.text.lower(), (baseline.text.lower() if baseline else "")
    found = [word for word in SECRETS if word.lower() in text and word.lower() not in before]
    for pattern in (rf"/projects/{secret.project_id}(?!\d)", rf"/organisations/{secret.organisation_id}(?!\d)",
                    rf'"project_id":\s*{secret.project_id}(?!\d)'):
        if re.search(pattern, text) and not re.search(pattern, before):
            found.append(pattern)
    return found


# --- outsiders: no trace --------------------------------------------------------------------------------------

@pytest.mark.parametrize("path, role", OUTSIDER_CASES)
def test_outsiders_get_no_trace_of_the_submitted_project(app, make_user, chiang_mai_official, path, role):
    browser = viewer(app, make_user, role, OUTSIDERS)
    if path in ID_STATUS:
        secret = submitted_secret(app, chiang_mai_official)
        number = secret.organisation_id if "{organisation}" in path else secret.project_id
        answer = read(app, browser, path.format(project=number, organisation=number))
        never = read(app, browser, path.format(project=NO_SUCH_ID, organisation=NO_SUCH_ID))
        never = Answer(never.status, tuple((k, v.replace(str(NO_SUCH_ID), str(number))) for k, v in never.headers),
                       never.body.replace(str(NO_SUCH_ID), str(number)))
        assert traces(answer, secret, never) == []
        assert answer.status == (ID_STATUS[path] or never.status) and answer.status != 200
        if ID_STATUS[path] == 400:
            assert "no organisation" in answer.body
        assert answer == never, "the answer differs from the one for an id that never existed"
        return
    before = read(app, browser, path)
    assert before.status == 200
    secret = submitted_secret(app, chiang_mai_official)
    after = read(app, browser, path)
    assert traces(after, secret, before) == []
    if path.startswith("POST "):
        flags = [flag for flag in json.loads(after.body)["flags"] if flag["kind"] == "project"]
        assert [f for f in flags if f["project_id"] == secret.project_id] == []
        assert not any("km" in reason or "partner" in reason.lower() for f in flags for reason in f["reasons"])
        assert json.loads(after.body)["checked"] == json.loads(before.body)["checked"]
    assert after == before, "the answer moved when a project this caller may not see was submitted"


@pytest.mark.parametrize("role", [pytest.param(role, id=f"overlap_check_word_oracle-{role}") for role in OUTSIDERS])
def test_overlap_scores_do_not_tell_which_words_unpublished_projects_use(app, make_user, chiang_mai_official, role):
    """A word of the submitted project must weigh in a check exactly as a word nobody ever wrote."""
    browser = viewer(app, make_user, role, OUTSIDERS)
    submitted_secret(app, chiang_mai_official)

    def answer(word: str) -> Any:
        response = browser.post("/api/v1/overlap-check", json={
            "title": f"Net Pracharat broadband to villages {word}", "city": "phuket",
            "start_date": START, "end_date": END})
        assert response.status_code == 200
        return json.loads(response.get_data(as_text=True).replace(word, "WORD"))

    unknown = answer(UNUSED_WORD)
    assert unknown["flags"], "the probe must reach a plan initiative"
    for word in (TITLE_WORD, SUMMARY_WORD, DESCRIPTION_WORD):
        assert answer(word) == unknown, f"{word} of the unpublished project changes the scores"


@pytest.mark.parametrize("role", [pytest.param("bangkok_official", id="partner_naming-bangkok_official")])
def test_naming_the_private_organisation_in_another_city_reveals_nothing(app, make_user, chiang_mai_official, role):
    """A Bangkok official who happens to type the same name gets what a name nobody used would give them: an
    organisation they may see, spelt as they typed it, never the Chiang Mai one (its id, its spelling)."""
    secret = submitted_secret(app, chiang_mai_official)
    browser, token = signed_in(app, make_user("city_official", email=f"{role}@viewer.example", city="bangkok"))
    typed, control = ORGANISATION.lower(), "zorblax capital fund"
    response = browser.post("/projects/new", data=project_form(
        token, title="Bangkok district kiosks", summary="Service kiosks.", description="", city="bangkok",
        latitude="13.7501", longitude="100.5101", **{"participants-0-organisation": typed,
                                                     "participants-1-organisation": control,
                                                     "participants-1-role": "funding"}))
    assert response.status_code == 302, response.get_data(as_text=True)
    page = read(app, browser, response.headers["Location"]).body
    linked = {int(n) for n in re.findall(r'href="/organisations/(\d+)"', page)}
    assert control in page and len(linked) == 2
    assert secret.organisation_id not in linked, "the Bangkok project was tied to Chiang Mai's private organisation"
    assert ORGANISATION not in page and typed in page, "the private organisation's own spelling was shown"
    assert {n: read(app, browser, f"/organisations/{n}").status for n in linked} == dict.fromkeys(linked, 200)


@pytest.mark.parametrize("path", [pytest.param(path, id=f"{name}-bangkok_official") for name, path in [
    ("own_project_near_it", "/projects/{own}"), ("own_project_edit_near_it", "/projects/{own}/edit"),
    ("dashboard_with_own_project_near_it", "/dashboard")]])
def test_a_flag_stored_against_it_on_another_citys_project_stays_hidden(app, make_user, chiang_mai_official, path):
    """A Bangkok project drawn at the same place is flagged against it for Thailand's reviewer to weigh; the
    Bangkok official who registered it is shown nothing of that flag."""
    secret = submitted_secret(app, chiang_mai_official)
    browser, token = signed_in(app, make_user("city_official", email="near@bkk.example", city="bangkok"))
    response = browser.post("/projects/new", data=project_form(
        token, title="Bangkok broadband for 24,700 villages (Net Pracharat)", city="bangkok",
        summary="Fibre to every village around the old city.", description="Towers along the ring road.",
        **{"participants-0-organisation": "", "participants-0-role": ""}))
    assert response.status_code == 302, response.get_data(as_text=True)
    own = int(response.headers["Location"].rsplit("/", 1)[1])
    stored = db.session.scalars(select(OverlapFlag.other_project_id).where(OverlapFlag.project_id == own)).all()
    assert secret.project_id in stored  # the reviewer's to weigh: what is tested is that it is not shown here
    answer = read(app, browser, path.format(own=own))
    assert answer.status == 200
    assert traces(answer, secret) == []


# --- insiders: they do see it ---------------------------------------------------------------------------------

INSIDER_SURFACES = [
    ("project_page", "/projects/{project}", INSIDERS),
    ("dashboard", "/dashboard", INSIDERS),
    ("organisation_page", "/organisations/{organisation}", INSIDERS),
    ("overlap_check", SAME_DRAFT, INSIDERS),
    ("partner_picker", "/projects/new", ("chiang_mai_official",)),
]
INSIDER_CASES = [pytest.param(name, path, role, id=f"{name}-{role}")
                 for name, path, roles in INSIDER_SURFACES for role in roles]


@pytest.mark.parametrize("name, path, role", INSIDER_CASES)
def test_insiders_see_the_submitted_project(app, make_user, chiang_mai_official, th_focal_point, name, path, role):
    browser = signed_in(app, chiang_mai_official if role == "chiang_mai_official" else th_focal_point, False)[0]
    before = read(app, browser, path) if name == "overlap_check" else None
    secret = submitted_secret(app, chiang_mai_official)
    answer = read(app, browser, path.format(project=secret.project_id, organisation=secret.organisation_id))
    assert answer.status == 200
    if name == "project_page":
        for text in (TITLE_WORD, SUMMARY_WORD, DESCRIPTION_WORD, ORGANISATION, FLAG_SUBJECT):
            assert text in answer.body, text
    elif name == "dashboard":
        assert TITLE_WORD in answer.body and f'href="/projects/{secret.project_id}"' in answer.body
        if role == "th_focal_point":  # the city answered the flag; the reviewer weighs it
            assert f'href="/projects/{secret.project_id}#flag-' in answer.body and FLAG_SUBJECT in answer.body
    elif name == "organisation_page":
        assert ORGANISATION in answer.body
    elif name == "overlap_check":
        flags = [f for f in json.loads(answer.body)["flags"] if f["project_id"] == secret.project_id]
        assert len(flags) == 1 and flags[0]["project_title"] == TITLE
        assert any(ORGANISATION in reason for reason in flags[0]["reasons"])
        assert any("km" in reason or "same city" in reason for reason in flags[0]["reasons"])
        assert json.loads(answer.body)["checked"]["projects"] == json.loads(before.body)["checked"]["projects"] + 1
    elif name == "partner_picker":
        assert f'<option value="{ORGANISATION}">' in answer.body


# --- after publication it is public ---------------------------------------------------------------------------

PUBLISHED_SURFACES = [
    ("organisations", "/organisations", (ORGANISATION,)),
    ("api_organisations", "/api/v1/organisations", (ORGANISATION,)),
    ("api_project", "/api/v1/projects/{project}", (TITLE_WORD, SUMMARY_WORD, DESCRIPTION_WORD, ORGANISATION)),
    ("api_organisation", "/api/v1/organisations/{organisation}", (ORGANISATION, TITLE_WORD)),
    ("api_partner_filter", "/api/v1/projects?partner={organisation}", (TITLE_WORD, ORGANISATION)),
    ("api_search", f"/api/v1/projects?q={SUMMARY_WORD}", (TITLE_WORD,)),
    ("feed", "/feed.json", (TITLE_WORD, SUMMARY_WORD)),
    ("city_page", "/cities/chiang-mai", (TITLE_WORD,)),
]


def publish(app, th_focal_point, secret: Secret) -> None:
    browser, token = signed_in(app, th_focal_point)
    response = browser.post(f"/projects/{secret.project_id}/publish", data={"csrf_token": token})
    assert response.status_code == 302, response.get_data(as_text=True)
    assert db.session.get(Project, secret.project_id).status == "published"


@pytest.mark.parametrize("path, expected", [pytest.param(path, expected, id=name)
                                            for name, path, expected in PUBLISHED_SURFACES])
def test_once_published_the_project_and_its_organisation_are_public(app, client, chiang_mai_official,
                                                                    th_focal_point, path, expected):
    secret = submitted_secret(app, chiang_mai_official)
    publish(app, th_focal_point, secret)
    answer = read(app, client, path.format(project=secret.project_id, organisation=secret.organisation_id))
    assert answer.status == 200
    for text in expected:
        assert text in answer.body, text
    organisation = db.session.get(Organisation, secret.organisation_id)
    assert organisation.is_public and organisation.private_to_city_id is None


# --- the public data version does not move with private work --------------------------------------------------

@pytest.mark.parametrize("path", ["/api/v1/projects.geojson", "/feed.json"])
def test_public_etag_moves_only_when_the_project_is_published(app, client, chiang_mai_official, th_focal_point,
                                                              path):
    def validators() -> tuple[str, str]:
        response = client.get(path)
        assert response.status_code == 200
        return response.headers["ETag"], response.headers["Last-Modified"]

    seeded = validators()
    browser, token = signed_in(app, chiang_mai_official)
    project_id = register_draft(browser, token)
    assert validators() == seeded, "saving a draft changed the public ETag"
    version = db.session.get(Project, project_id).version
    edited = browser.post(f"/projects/{project_id}/edit",
                          data=project_form(token, budget="260000", version=str(version)))
    assert edited.status_code == 302
    assert validators() == seeded, "editing a draft changed the public ETag"
    submit(browser, token, project_id)
    secret = secret_of(project_id)
    assert validators() == seeded, "submitting a project changed the public ETag"
    publish(app, th_focal_point, secret)
    assert validators()[0] != seeded[0], "publishing a project left the public ETag unchanged"
