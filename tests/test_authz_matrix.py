"""The authorisation matrix of every read surface and every route test_permissions.py leaves out.

Each role (and anonymous) reads every route of the app's url_map, against a Bangkok project in each status: the
own city and country of some viewers, another's of the others. A small table below says what each viewer may see;
an allowed answer carries the item, a refused one is a 404, 403 or sign-in redirect, and no answer of any route
names a project or an organisation its viewer may not see. A route without a case fails the coverage test.
"""
from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from support import csrf_token
from test_permissions import CASES as WRITE_CASES
from test_permissions import ROLES

from smartcities.accounts.models import User
from smartcities.api.http import CACHE_KEY, ResponseCache
from smartcities.extensions import db
from smartcities.geo.services import find_city
from smartcities.organisations.models import MatchDismissal, Organisation
from smartcities.overlap.models import OverlapFlag
from smartcities.plans.models import NationalPlan
from smartcities.projects.models import Project, ProjectParticipation

# --- the expectations, written out (never asked of the app's own permission functions) ------------------------
STATUSES = ("draft", "submitted", "returned", "published", "archived")
EVERY = set(STATUSES)
# Statuses of a Bangkok project each viewer may see: admins all, Bangkok's officials their city in every status,
# Thailand's focal point its submitted/returned/published work, everyone else (Chiang Mai, Vietnam) published only.
SEES = {"anonymous": {"published"}, "partner": {"published"}, "official": EVERY, "other_official": {"published"},
        "focal": {"submitted", "returned", "published"}, "other_focal": {"published"}, "admin": EVERY}
VIEWERS = tuple(SEES)
INSIDERS = {"official", "focal", "admin"}  # of a Bangkok project: its flags, its place on their dashboard
CITY_TEAM = {"official", "admin"}  # edit Bangkok projects
PARTNER_TEAM = {"partner", "admin"}  # act for the partner (ADB): its profile, its matches
SEES_PRIVATE_ORG = {"official", "focal", "admin"}  # the organisation named only in Bangkok's draft
FORM_OPENERS = {"official", "other_official", "admin"}  # the project form and its geocoder
PLAN_KEEPERS = {"focal", "other_focal", "admin"}  # the plan pages; Thailand's plans: focal and admin only
EDITABLE = {"draft", "returned", "published"}  # the others are under review or retired
COMPARED = {"submitted", "published"}  # what the overlap check compares a draft with

WORDS = {"draft": "Quorvex", "submitted": "Jumblatt", "returned": "Frizzoq", "published": "Plivance",
         "archived": "Zendrix"}
ORGANISATION = "Hushmarsh Canal Trust"
TH_PLAN, VN_PLAN = "th-bangkok-bma", "vn-danang-6439-2018"
SUBJECTS = {**WORDS, "org": ORGANISATION, "th-plan": f'href="/plans/{TH_PLAN}/edit"',
            "vn-plan": f'href="/plans/{VN_PLAN}/edit"'}  # subject -> the text that shows it
SUMMARY = "Water level sensors on the canals warn each district before floods reach the streets."
OVERLAP_DRAFT = {"title": "Canal flood sensors with smart poles", "summary": SUMMARY, "city": "bangkok",
                 "focus_areas": ["Safety and Security"], "start_date": "2026-01-01", "end_date": "2027-12-31",
                 "location": {"lat": 13.7563, "lon": 100.5018}}
ELSEWHERE = {  # (rule, method) -> the test_permissions.py cases that prove it for every role
    ("/projects/new", "POST"): ("create",), ("/projects/<int:project_id>/edit", "POST"): ("edit",),
    ("/admin/users", "POST"): ("create account",),
    ("/admin/users/<int:user_id>/deactivate", "POST"): ("deactivate account",),
    ("/projects/<int:project_id>/<any(submit, publish, return, reopen, archive):move>", "POST"): (
        "submit", "reopen", "publish", "return", "archive"),
    ("/projects/<int:project_id>/<any(follow, unfollow):action>", "POST"): ("follow", "unfollow"),
    ("/projects/<int:project_id>/flags/<int:flag_id>/dismiss", "POST"): ("dismiss flag",),
    ("/projects/<int:project_id>/interest", "POST"): ("interest",),
}
# Route prefixes whose every route and role another module's own matrix proves, with its coverage test.
OWN_MATRICES = {("/notifications", "/admin/webhooks"): "test_notifications_access.py",
                ("/documents", "/api/v1/documents"): "test_documents_access.py"}
PUBLIC_PAGES = ("/", "/cities", "/stats", "/plans", "/healthz", "/readyz", "/api/docs", "/api/openapi.json",
                "/api/v1/plans?country=TH", f"/api/v1/plans/{TH_PLAN}", "/ogc/", "/ogc/conformance",
                "/ogc/collections", "/ogc/collections/projects", "/static/css/site.css",
                "/vendor/leaflet/leaflet.js")
# The size of the matrix: requests, and the assertions they make (per viewer and request: the status, each subject
# shown or not shown, a count), checked by test_the_matrix_counts so that no case drops out unnoticed.
REQUEST_COUNT, CASE_COUNT = 672, 3385  # +7, +49: project-sites.geojson; +77, +340: matches, profiles; +14, +98: map


def title(status: str) -> str:
    return f"{WORDS[status]} canal flood sensors with smart poles"


@dataclass(frozen=True)
class World:
    project: dict[str, int]  # status -> id of the Bangkok project in that status
    holder: int  # a published Bangkok project with a stored flag pointing at each of them
    private_org: int  # named only in the draft, so private to Bangkok
    partner_org: int  # public, a funder of each of them
    duplicate_org: int  # a public duplicate for the admin to merge
    published: int  # published Bangkok projects, counted in the database


@dataclass(frozen=True)
class Probe:
    """One request and its expected answer: the status, and for each subject whether it is shown."""

    url: str
    status: int
    shown: dict[str, bool] = field(default_factory=dict)
    method: str = "GET"
    data: dict | None = None  # form fields of a POST (the CSRF token is added)
    body: dict | None = None  # JSON of a POST
    remote: str = "127.0.0.1"  # the client's address
    location: str | None = None  # where a 302 goes (None: anonymous visitors to sign in, no check for others)
    count: tuple[Callable[[Any], int], int] | None = None  # (read from the JSON answer, expected)

    def claims(self, viewer: str) -> dict[str, bool]:
        """The probe's own claims, plus "not shown" for every subject hidden from this viewer."""
        hidden = {WORDS[s]: False for s in STATUSES if s not in SEES[viewer]}
        if viewer not in SEES_PRIVATE_ORG:
            hidden[ORGANISATION] = False
        explicit = {SUBJECTS[k]: v for k, v in self.shown.items()}
        assert not any(explicit.get(text) for text in hidden), f"the table expects a leak: {self.url} {viewer}"
        return {**hidden, **explicit}

    def cases(self, viewer: str) -> int:
        return 1 + len(self.claims(viewer)) + (1 if self.count else 0)


# --- the cases ------------------------------------------------------------------------------------------------

def gate(viewer: str, allowed: set[str], ok: int = 200) -> int:
    """A signed-in page: anonymous visitors are sent to sign in, other roles refused."""
    return 302 if viewer == "anonymous" else ok if viewer in allowed else 403


PUBLISHED_ONLY = {**{s: s == "published" for s in STATUSES}, "org": False}


def bangkok(doc: Any) -> int:
    """Bangkok's project_count in one city, a list of cities or a FeatureCollection of them."""
    if "project_count" in doc:
        return doc["project_count"]
    if doc.get("type") == "Feature":
        return doc["properties"]["project_count"]
    rows = [row.get("properties", row) for row in doc.get("items") or doc["features"]]
    return next(row["project_count"] for row in rows if row["slug"] == "bangkok")


def count_of(key: str, value: Any) -> Callable[[Any], int]:
    """The project_count of the item whose `key` is `value` in a JSON list."""
    return lambda doc: next(row["project_count"] for row in doc["items"] if row[key] == value)


def item_probes(viewer: str, w: World) -> list[Probe]:
    """Pages and records of one project, for each status."""
    probes = []
    for s, pid in w.project.items():
        seen = s in SEES[viewer]
        org = {"org": seen} if s == "draft" else {}
        probes.append(Probe(f"/projects/{pid}", 200 if seen else 404, {s: seen, **org}))
        edit = (302 if viewer == "anonymous" else 404 if not seen else 403 if viewer not in CITY_TEAM
                else 200 if s in EDITABLE else 409)
        probes.append(Probe(f"/projects/{pid}/edit", edit, {s: edit == 200, **({"org": edit == 200} if org else {})}))
        # likely funders: of any project the viewer may see, on evidence the viewer may see, public partners only
        probes.append(Probe(f"/api/v1/projects/{pid}/matches", 200 if seen else 404, {"org": False}))
        public = 200 if s == "published" else 404
        for url in (f"/api/v1/projects/{pid}", f"/api/v1/projects/{pid}/iati.xml",
                    f"/ogc/collections/projects/items/{pid}"):
            probes.append(Probe(url, public, {s: public == 200, "org": False}))
    flags = {s: viewer in INSIDERS and s in SEES[viewer] for s in STATUSES}
    probes.append(Probe(f"/projects/{w.holder}", 200, flags))
    return probes


def listing_probes(viewer: str, w: World) -> list[Probe]:
    """Open data and public pages list published projects only, whoever asks; insiders' pages list their own."""
    public = [Probe(url, 200, PUBLISHED_ONLY) for url in (
        "/api/v1/projects?city=bangkok", "/api/v1/projects.geojson?city=bangkok", "/api/v1/projects.csv?city=bangkok",
        "/api/v1/iati/activities.xml?city=bangkok", "/ogc/collections/projects/items?city=bangkok&limit=100",
        "/api/v1/project-sites.geojson?city=bangkok",
        "/api/v1/map/clusters?city=bangkok&zoom=16&bbox=100.3,13.5,100.9,14.0", "/api/v1/map/projects?city=bangkok",
        "/feed.json", "/cities/bangkok/feed.json", "/countries/th/feed.json", "/cities/bangkok",
        f"/organisations/{w.partner_org}", f"/api/v1/organisations/{w.partner_org}")]
    counts = [Probe(url, 200, {"org": False}, count=(read, w.published)) for url, read in (
        ("/api/v1/cities", bangkok), ("/api/v1/cities/bangkok", bangkok), ("/api/v1/cities.geojson", bangkok),
        ("/ogc/collections/cities/items?limit=100", bangkok), ("/ogc/collections/cities/items/bangkok", bangkok),
        ("/api/v1/countries", count_of("code", "TH")),
        ("/api/v1/focus-areas", count_of("name", "Safety and Security")))]
    counts.append(Probe("/api/v1/organisations", 200, {"org": False},
                        count=(count_of("id", w.partner_org), 1)))
    orgs = [Probe("/organisations", 200, {"org": False}),
            Probe(f"/api/v1/organisations/{w.partner_org}/matches", 200, {"org": False}),
            Probe(f"/api/v1/organisations/{w.private_org}/matches", 404, {"org": False}),
            Probe(f"/organisations/{w.private_org}", 200 if viewer in SEES_PRIVATE_ORG else 404,
                  {"org": viewer in SEES_PRIVATE_ORG}),
            Probe(f"/api/v1/organisations/{w.private_org}", 404, {"org": False})]
    mine = {s: viewer in INSIDERS and s in SEES[viewer] for s in STATUSES}
    compared = w.published + len(SEES[viewer] & COMPARED - {"published"})  # the holder is published too
    insiders = [
        Probe("/dashboard", gate(viewer, set(VIEWERS)), mine),
        Probe("/api/v1/overlap-check", 200, {s: s in SEES[viewer] and s in COMPARED for s in STATUSES},
              method="POST", body=OVERLAP_DRAFT, count=(lambda doc: doc["checked"]["projects"], compared)),
    ]
    return public + counts + orgs + insiders


def page_probes(viewer: str, w: World) -> list[Probe]:
    """Forms, admin and plan pages: who may open them, and what their pick lists offer."""
    keeper = viewer in PLAN_KEEPERS
    return [
        Probe("/projects/new", gate(viewer, FORM_OPENERS), {"org": viewer in FORM_OPENERS & SEES_PRIVATE_ORG}),
        Probe("/projects/geocode?q=Siam+Square&city=bangkok", gate(viewer, FORM_OPENERS)),
        Probe(f"/organisations/{w.partner_org}/projects-for-you", gate(viewer, PARTNER_TEAM)),
        Probe(f"/organisations/{w.partner_org}/profile", gate(viewer, PARTNER_TEAM)),
        Probe("/admin/users", gate(viewer, {"admin"})),
        Probe("/admin/audit", gate(viewer, {"admin"})),
        Probe("/plans/manage", gate(viewer, PLAN_KEEPERS), {
            "th-plan": keeper and viewer != "other_focal", "vn-plan": keeper and viewer != "focal"}),
        Probe("/plans/new", gate(viewer, PLAN_KEEPERS)),
        Probe(f"/plans/{TH_PLAN}/edit", gate(viewer, {"focal", "admin"})),
        Probe("/account/password", gate(viewer, set(VIEWERS))),
        Probe("/login", 200 if viewer == "anonymous" else 302, location="/dashboard"),
        Probe("/metrics", 404, remote="203.0.113.9"),  # opened by address or token, never by a role
        *(Probe(url, 200) for url in PUBLIC_PAGES),
    ]


def read_probes(viewer: str, w: World) -> list[Probe]:
    return item_probes(viewer, w) + listing_probes(viewer, w) + page_probes(viewer, w)


def write_probes(viewer: str, w: World) -> list[tuple[Probe, Callable[[], bool] | None]]:
    """Routes that change something and test_permissions.py does not try, each with its effect when allowed.

    A plan form with only a country gets past the permission check to the form's own errors (400) and saves
    nothing, so allowed and refused differ in the status alone; the admin's merge really happens.
    """
    def merged() -> bool:
        return db.session.get(Organisation, w.duplicate_org) is None
    def dismissed() -> bool:
        return db.session.scalar(select(func.count()).select_from(MatchDismissal)) > 0
    th_keeper = gate(viewer, {"focal", "admin"}, ok=400)
    signed_in = gate(viewer, set(VIEWERS), ok=400)
    return [
        (Probe("/plans/new", th_keeper, method="POST", data={"country": "TH"}), None),
        (Probe(f"/plans/{TH_PLAN}/edit", th_keeper, method="POST", data={"title": "Taken over"}), None),
        (Probe(f"/organisations/{w.duplicate_org}/merge", gate(viewer, {"admin"}, ok=302), method="POST",
               data={"into": str(w.partner_org)}, location=None if viewer == "anonymous" else
               f"/organisations/{w.partner_org}"), merged),
        (Probe(f"/organisations/{w.partner_org}/profile", gate(viewer, PARTNER_TEAM, ok=400), method="POST",
               data={"ticket_min": "9", "ticket_max": "1", "currency": "USD"}), None),
        (Probe(f"/organisations/{w.partner_org}/matches/{w.project['published']}/dismiss",
               gate(viewer, PARTNER_TEAM, ok=302), method="POST", data={}), dismissed),
        (Probe("/account/password", signed_in, method="POST", data={
            "current_password": "not the password", "new_password": "another long secret",
            "confirm": "another long secret"}), None),
        (Probe("/login", 400, method="POST", data={"email": "nobody@example.org", "password": "wrong"}), None),
        (Probe("/logout", 302, method="POST", data={}, location="/"), None),  # last: it signs the viewer out
    ]


# --- the scenario and the requests ----------------------------------------------------------------------------

@pytest.fixture
def world(app, make_project) -> World:
    """A Bangkok project in each status funded by a public partner; the draft also names a new organisation."""
    app.extensions[CACHE_KEY] = ResponseCache(app.extensions[CACHE_KEY].max_bytes)  # nothing from earlier tests
    partner = db.session.scalar(select(Organisation).where(Organisation.name == "Asian Development Bank (ADB)"))
    private = Organisation(name=ORGANISATION, kind="other", is_public=False, private_to_city=find_city("bangkok"))
    duplicate = Organisation(name="Asian Developmnet Bank", kind="other")
    db.session.add_all([private, duplicate])
    db.session.commit()
    ids = {}
    for status in STATUSES:
        project = make_project(title=title(status), summary=SUMMARY, status=status)
        db.session.add_all(ProjectParticipation(project=project, organisation=o, role="funding")
                           for o in [partner] + ([private] if status == "draft" else []))
        ids[status] = project.id
    holder = make_project(title="Canal gate controls for the eastern districts", status="published")
    db.session.add_all(OverlapFlag(project_id=holder.id, kind="project", other_project_id=pid, subject=title(s),
                                   score=0.9, severity="high", reasons=["same canals"]) for s, pid in ids.items())
    db.session.commit()
    published = db.session.scalar(select(func.count()).select_from(Project).where(
        Project.status == "published", Project.city_id == find_city("bangkok").id))
    return World(ids, holder.id, private.id, partner.id, duplicate.id, published)


def sign_in(client, auth, make_user, viewer: str) -> str:
    """Sign the client in as a new user of the viewer's role; the CSRF token of its session."""
    if viewer == "anonymous":
        return csrf_token(client, "/login")
    kind, tie = ROLES[viewer]
    assert auth.login(make_user(kind, **tie).email).status_code == 302
    return csrf_token(client, "/dashboard")


def send(client, probe: Probe, token: str):
    if probe.method == "GET":
        return client.get(probe.url, environ_base={"REMOTE_ADDR": probe.remote})
    if probe.body is not None:
        return client.post(probe.url, json=probe.body)
    return client.post(probe.url, data={**(probe.data or {}), "csrf_token": token})


def problems(response, probe: Probe, viewer: str) -> list[str]:
    """What in the answer differs from the probe's expectations (empty: as expected)."""
    found = []
    text = response.get_data(as_text=True)
    if response.status_code != probe.status:
        found.append(f"status {response.status_code}, expected {probe.status}")
    where = probe.location or ("/login?next=" if viewer == "anonymous" else None)
    if response.status_code == 302 and where and not response.headers["Location"].startswith(where):
        found.append(f"redirected to {response.headers['Location']}, not to {where}")
    for marker, shown in probe.claims(viewer).items():
        if (marker in text) != shown:
            found.append(f"{marker!r} {'missing' if shown else 'LEAKED'}")
    if probe.count and response.status_code == 200:
        read, expected = probe.count
        if read(json.loads(text)) != expected:
            found.append(f"count {read(json.loads(text))}, expected {expected}")
    return found


@pytest.mark.parametrize("viewer", VIEWERS)
def test_every_read_surface_shows_what_the_viewer_may_see_and_nothing_else(client, auth, make_user, world, viewer):
    token = sign_in(client, auth, make_user, viewer)
    violations = [f"{probe.method} {probe.url} as {viewer}: {problem}" for probe in read_probes(viewer, world)
                  for problem in problems(send(client, probe, token), probe, viewer)]
    assert not violations, "\n".join(violations)


def state() -> tuple:
    """What the write probes could change (the audit trail aside: a refused sign-in is rightly recorded)."""
    def rows(query) -> list[tuple]:
        return [tuple(row) for row in db.session.execute(query).all()]
    return (rows(select(NationalPlan.id, NationalPlan.title, NationalPlan.version).order_by(NationalPlan.id)),
            rows(select(Organisation.id, Organisation.name).order_by(Organisation.id)),
            rows(select(ProjectParticipation.id, ProjectParticipation.organisation_id)
                 .order_by(ProjectParticipation.id)),
            rows(select(User.id, User.password_hash, User.active).order_by(User.id)))


@pytest.mark.parametrize("viewer", VIEWERS)
def test_routes_that_change_something_refuse_and_change_nothing(client, auth, make_user, world, viewer):
    token = sign_in(client, auth, make_user, viewer)
    violations = []
    for probe, effect in write_probes(viewer, world):
        before = state()
        found = problems(send(client, probe, token), probe, viewer)
        allowed = effect is not None and probe.status != 403 and viewer != "anonymous"
        if effect is not None and effect() is not allowed:
            found.append("the change was made" if not allowed else "the allowed change was not made")
        if not allowed and state() != before:
            found.append("something changed")
        violations += [f"{probe.method} {probe.url} as {viewer}: {problem}" for problem in found]
    assert not violations, "\n".join(violations)
    assert client.get("/dashboard").status_code == 302  # signed out by the last probe


def all_probes(world: World) -> list[tuple[str, Probe]]:
    return [(viewer, probe) for viewer in VIEWERS
            for probe in read_probes(viewer, world) + [p for p, _ in write_probes(viewer, world)]]


def test_every_route_of_the_url_map_has_a_case(app, world):
    """A new route fails here until the matrix (or test_permissions.py, named in ELSEWHERE) covers it."""
    adapter = app.url_map.bind("localhost")
    covered = {(adapter.match(probe.url.split("?")[0], method=probe.method, return_rule=True)[0].rule, probe.method)
               for _, probe in all_probes(world)}
    routes = {(rule.rule, method) for rule in app.url_map.iter_rules()
              for method in rule.methods - {"HEAD", "OPTIONS"}}
    assert {name for names in ELSEWHERE.values() for name in names} <= set(WRITE_CASES)
    assert set(ELSEWHERE) <= routes
    elsewhere = {(rule, method) for rule, method in routes for prefixes, module in OWN_MATRICES.items()
                 if rule.startswith(prefixes) and (Path(__file__).parent / module).exists()}
    assert routes - covered - set(ELSEWHERE) - elsewhere == set()


def test_the_matrix_counts(world):
    probes = all_probes(world)
    cases = sum(probe.cases(viewer) for viewer, probe in probes)
    print(f"{len(probes)} requests, {cases} cases")
    assert (len(probes), cases) == (REQUEST_COUNT, CASE_COUNT)
