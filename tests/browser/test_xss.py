"""Issue 14, the XSS corpus: stored through the portal's own entry points, then every page, popup, feed and
export that shows it loaded in Chromium, in English and in Thai. Nothing runs (no dialog, no `window.__xss`), no
element is injected (no `[data-xss]`, no inline handler, no `javascript:` link), the text is shown exactly as
written (static JS included: map popups, the project form's live overlap list), and JSON, GeoJSON, OGC features,
CSV, the JSON Feed and IATI XML carry it as data. Payloads holding a character the input rule refuses (NUL, bidi
controls) are refused by the project and interest forms, naming the field, storing nothing.

One project per payload carries it in its title, summary, description, address (a location name, used to
place the project and not stored), partner (a new organisation of that name), an interest message, the
justification of each of its overlap flags, the reason one flag was dismissed and the comment on its returned
revision; one plan per payload in its title, summary and source; one plan holds every payload as an initiative;
one partner account per payload is named with it. The corpus is stored once; each role's browser reads its pages
in English, then switches to Thai by the language menu and reads them again.
"""
from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pytest
from axe import watch_page
from sqlalchemy import func, select
from support import PASSWORD
from xss_payloads import ACCEPTED, REFUSED, Payload

from smartcities.extensions import db
from smartcities.organisations.models import Interest, Organisation
from smartcities.overlap.models import OverlapFlag
from smartcities.plans.models import NationalPlan
from smartcities.projects.models import Project

LOCALES = ("en", "th")
BANGKOK = (13.7563, 100.5018)
# Pins 0.008° apart (about 90 px at zoom 14, beyond the 80 px cluster radius), so every one is its own marker.
MAP_VIEW = "/?at=14/13.7563/100.4978"
SPACING = 0.008
ALL_INITIATIVES = "XSS-ALL"
ALL_INITIATIVES_TITLE = "Every payload as an initiative"
TABS = 3  # pages of a list loading at once
BLANK_TILE = "data:image/gif;base64,R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7"
SSTI_EVALUATED = "Total 49 items"   # what "Total {{7*7}} items" would read if a template engine evaluated it
CSV_FORMULA_STARTS = ("=", "+", "-", "@")  # SECURITY.md: CSV formula cells are quoted (OWASP: a leading ')

# Once every image has loaded or failed (so an onerror had its turn): what ran, what became markup, the text.
READ = """async () => {
  await Promise.all([...document.images].map(image => image.complete ? null : new Promise(done => {
    image.addEventListener('load', done); image.addEventListener('error', done); })));
  const all = [...document.querySelectorAll('*')];
  return {
    lang: document.documentElement.lang,
    probe: {
      xss: typeof window.__xss,
      injected: document.querySelectorAll('[data-xss]').length,
      handlers: all.filter(e => [...e.attributes].some(a => a.name.toLowerCase().startsWith('on'))).length,
      scriptLinks: all.filter(e => ['href', 'src', 'action', 'formaction', 'data', 'xlink:href']
        .some(name => /^\\s*javascript:/i.test(e.getAttribute(name) || ''))).length,
    },
    text: document.body ? document.body.innerText : document.documentElement.textContent,
  };
}"""
CLEAN = {"xss": "undefined", "injected": 0, "handlers": 0, "scriptLinks": 0}
# Every pin clicked in turn, the newest popup read: one round trip instead of one per pin.
OPEN_EVERY_POPUP = """() => [...document.querySelectorAll('.leaflet-marker-icon.pin-icon')].map(pin => {
  pin.click();
  const popups = document.querySelectorAll('.leaflet-popup-content');
  const popup = popups[popups.length - 1];
  return {title: popup.querySelector('h2').innerText, text: popup.innerText};
})"""
# The project page's places for each field, read as the reader sees them.
PROJECT_FIELDS = """() => {
  const texts = selector => [...document.querySelectorAll(selector)].map(e => e.innerText);
  return {title: texts('h1'), summary: texts('p.summary'), description: texts('div.description'),
          partners: texts('section[aria-labelledby=partners-heading] tbody th'),
          comment: texts('#revision .message'), justifications: texts('#flags .flag p:has(strong) .message'),
          subjects: texts('#flags .flag p.title'),
          interest: texts('section[aria-labelledby=interests-heading] .message')};
}"""
PROJECT_FORM_VALUES = """() => ({
  title: document.querySelector('input[name=title]').value,
  summary: document.querySelector('textarea[name=summary]').value,
  description: document.querySelector('textarea[name=description]').value,
  partner: document.querySelector('input[name="participants-0-organisation"]').value,
})"""
# The form's overlap check has answered (it runs once on load); an unavailable check would hide the list.
OVERLAP_CHECKED = """() => (status => status.textContent && status.textContent !== status.dataset.checking
                                     && status.textContent !== status.dataset.unavailable)
                     (document.getElementById('overlap-status'))"""
PLAN_FORM_VALUES = """() => ({
  titles: [...document.querySelectorAll('input[name$="-title"]')].map(e => e.value).filter(Boolean),
  descriptions: [...document.querySelectorAll('textarea[name$="-description"]')].map(e => e.value).filter(Boolean),
})"""


@dataclass
class Corpus:
    """Where each accepted payload was stored."""

    projects: dict[int, Payload]
    organisations: dict[int, Payload]
    plans: dict[str, Payload]
    flag_texts: dict[int, int]  # per project: its justifications plus the one dismissal reason


# --- storing, through the entry points people use ------------------------------------------------------------

def project_form(token: str, payload: str, n: int, **changes: str) -> dict:
    """The project form with the payload in every free-text field, at the n-th point of a grid over Bangkok."""
    data = {
        "title": payload, "summary": payload, "description": payload, "address": payload, "city": "bangkok",
        "country": "TH",
        "focus_areas": ["Safety and Security"], "stage": "planning", "start_date": "2026-01-01",
        "end_date": "2027-06-30", "budget": "250000", "currency": "THB",
        "latitude": f"{BANGKOK[0] + (n // 8 - 2) * SPACING:.4f}",
        "longitude": f"{BANGKOK[1] + (n % 8 - 4) * SPACING:.4f}",
        "participants-0-organisation": payload, "participants-0-role": "funding", "participants-0-amount": "",
        "participants-0-currency": "", "participants-1-organisation": "", "participants-1-role": "",
        "partners": "", "csrf_token": token,
        # Each payload names an organisation of its own; where two look alike, the form asks to confirm a new one.
        "new_partners": "y",
    }
    data.update(changes)
    return data


def plan_file(payloads: Iterable[Payload]) -> dict:
    """One national plan per payload (title, summary, source) and one holding every payload as an initiative."""
    payloads = list(payloads)
    entry = {"country": "TH", "level": "national", "city": None, "period": {"start": 2025, "end": 2030},
             "focus_areas": ["Safety and Security"]}
    plans = [{**entry, "id": f"XSS-{n:02d}", "title": p.text, "summary": p.text, "source": p.text,
              "initiatives": []} for n, p in enumerate(payloads)]
    plans.append({**entry, "id": ALL_INITIATIVES, "title": ALL_INITIATIVES_TITLE, "summary": "",
                  "source": "tests/browser/xss_payloads.py",
                  "initiatives": [{"title": p.text, "description": p.text} for p in payloads]})
    return {"plans": plans}


def flag_ids(project_id: int, *statuses: str) -> list[int]:
    """The project's flags in these statuses (any, if none is given), as the last request committed them."""
    db.session.rollback()
    query = select(OverlapFlag.id).where(OverlapFlag.project_id == project_id).order_by(OverlapFlag.id)
    return list(db.session.scalars(query.where(OverlapFlag.status.in_(statuses)) if statuses else query))


def submit_answering_every_flag(client, token: str, project_id: int, answer: str) -> None:
    """Submit with the payload as the justification of each open flag; submitting refreshes the flags first,
    so a flag found only then is answered on the next try."""
    for _attempt in range(3):
        answers = {f"justification-{flag_id}": answer for flag_id in flag_ids(project_id, "open")}
        response = client.post(f"/projects/{project_id}/submit", data={"csrf_token": token, **answers})
        if response.status_code == 302:
            return
        assert response.status_code == 400, response.status_code
    raise AssertionError(f"project {project_id} could not be submitted")


def created_id(response) -> int:
    assert response.status_code == 302, response.get_data(as_text=True)
    return int(response.headers["Location"].rsplit("/", 1)[1])


@pytest.fixture
def corpus(client, as_user, people, runner, tmp_path) -> Corpus:
    """Every accepted payload stored in every free-text field, through the forms and the plan import."""
    path = tmp_path / "plans.json"
    path.write_text(json.dumps(plan_file(ACCEPTED), ensure_ascii=False), encoding="utf-8")
    result = runner.invoke(args=["plans", "import", str(path)])
    assert result.exit_code == 0, result.output

    token = as_user("official")
    projects = {created_id(client.post("/projects/new", data=project_form(token, p.text, n))): p
                for n, p in enumerate(ACCEPTED)}
    for project_id, p in projects.items():
        submit_answering_every_flag(client, token, project_id, p.text)
    token = as_user("focal")
    for project_id, p in projects.items():
        assert client.post(f"/projects/{project_id}/publish", data={"csrf_token": token}).status_code == 302
        response = client.post(f"/projects/{project_id}/flags/{flag_ids(project_id)[0]}/dismiss",
                               data={"csrf_token": token, "reason": p.text})
        assert response.status_code == 302, response.get_data(as_text=True)
    token = as_user("partner")
    for project_id, p in projects.items():
        response = client.post(f"/projects/{project_id}/interest", data={"csrf_token": token, "message": p.text})
        assert response.status_code == 302, response.get_data(as_text=True)
    token = as_user("official")  # an edit of each published project waits for review...
    for n, (project_id, p) in enumerate(projects.items()):
        version = str(db.session.get(Project, project_id).version)
        db.session.rollback()
        response = client.post(f"/projects/{project_id}/edit",
                               data=project_form(token, p.text, n, stage="implementation", version=version))
        assert response.status_code == 302, response.get_data(as_text=True)
    token = as_user("focal")  # ...and is returned with the payload as the reviewer's comment
    for project_id, p in projects.items():
        response = client.post(f"/projects/{project_id}/return", data={"csrf_token": token, "comment": p.text})
        assert response.status_code == 302, response.get_data(as_text=True)

    db.session.rollback()
    by_name = {p.text: p for p in ACCEPTED}
    organisations = {o.id: by_name[o.name] for o in db.session.scalars(
        select(Organisation).where(Organisation.name.in_(list(by_name))))}
    token = as_user("admin")
    for n, (organisation_id, p) in enumerate(organisations.items()):
        response = client.post("/admin/users", data={
            "csrf_token": token, "email": f"xss-{n}@partners.example", "display_name": p.text, "role": "partner",
            "organisation": str(organisation_id), "password": PASSWORD, "city": "", "country": ""})
        assert response.status_code == 302, response.get_data(as_text=True)
    flag_texts = {project_id: len(db.session.scalars(select(OverlapFlag.id).where(
        OverlapFlag.project_id == project_id, OverlapFlag.justification.is_not(None))).all()) + 1
        for project_id in projects}
    db.session.rollback()
    return Corpus(projects=projects, organisations=organisations,
                  plans={f"XSS-{n:02d}": p for n, p in enumerate(ACCEPTED)}, flag_texts=flag_texts)


def assert_stored_exactly(corpus: Corpus) -> None:
    """What the entry points stored is what was typed: nothing escaped, stripped or rewritten on the way in."""
    for project_id, p in corpus.projects.items():
        project = db.session.get(Project, project_id)
        [revision] = project.revisions
        flags = db.session.scalars(select(OverlapFlag).where(OverlapFlag.project_id == project_id)).all()
        assert (project.title, project.summary, project.description, project.status) == (
            p.text, p.text, p.text, "published"), p.name
        assert [x.organisation.name for x in project.participations] == [p.text], p.name
        assert (revision.status, revision.review_comment) == ("returned", p.text), p.name
        justified = [f.justification for f in flags if f.justification is not None]
        assert justified and set(justified) == {p.text}, p.name
        assert [f.dismissal_reason for f in flags if f.status == "dismissed"] == [p.text], p.name
        messages = db.session.scalars(select(Interest.message).where(Interest.project_id == project_id)).all()
        assert messages == [p.text], p.name
    assert sorted(corpus.organisations.values()) == sorted(ACCEPTED)
    for plan_id, p in corpus.plans.items():
        plan = db.session.scalar(select(NationalPlan).where(NationalPlan.external_id == plan_id))
        assert (plan.title, plan.summary, plan.source) == (p.text, p.text, p.text), p.name
    every = db.session.scalar(select(NationalPlan).where(NationalPlan.external_id == ALL_INITIATIVES))
    assert [(i.title, i.description) for i in every.initiatives] == [(p.text, p.text) for p in ACCEPTED]
    db.session.rollback()


# --- reading, in Chromium --------------------------------------------------------------------------------------

class Reader:
    """One person's browser in one language: loads pages, and checks each for dialogs, script and markup.

    Pages listed one after another (`visit_each`) load in TABS tabs at once, each read as soon as it is there.
    """

    def __init__(self, context, live_server: str, tally: Counter):
        self.live_server, self.tally, self.locale = live_server, tally, "en"
        self.dialogs: list[str] = []
        self.off_site: list[str] = []  # the app must need nothing from elsewhere (tiles are a blank data: image)
        self.failed: list[str] = []
        self.reports: list[list[str]] = []
        self.tabs = [self._watched(context.new_page()) for _ in range(TABS)]
        self.page = self.tabs[0]

    def _watched(self, tab):
        tab.on("dialog", lambda dialog: (self.dialogs.append(dialog.message), dialog.dismiss()))
        tab.on("request", lambda request: None if request.url.startswith((self.live_server, "data:"))
               else self.off_site.append(request.url))
        tab.on("response", lambda response: None if response.status < 400
               or not response.request.is_navigation_request()
               else self.failed.append(f"{response.status} {response.url}"))
        self.reports.append(watch_page(tab, self.live_server))
        return tab

    def use(self, locale: str) -> None:
        """Switch to `locale` by the site's own language menu."""
        if locale != self.locale:
            self.page.goto("/api/docs")
            with self.page.expect_navigation():
                self.page.select_option("#lang-select", locale)
            self.locale = locale

    def visit(self, path: str) -> str:
        """Load an HTML page in this language, check it, and return its text as shown (innerText)."""
        self.page.goto(path, wait_until="domcontentloaded")
        return self.check(path)["text"]

    def visit_each(self, paths: Iterable[str]) -> Iterator[tuple[str, object]]:
        """Each page loaded and checked, as (path, the tab showing it); the next pages load meanwhile."""
        waiting, loading = list(paths), []
        for tab in self.tabs:
            if waiting:
                loading.append(self._start(tab, waiting.pop(0)))
        while loading:
            tab, path = loading.pop(0)
            tab.wait_for_url(self.live_server + path, wait_until="domcontentloaded")
            self.check(path, tab)
            yield path, tab
            if waiting:
                loading.append(self._start(tab, waiting.pop(0)))

    def _start(self, tab, path: str) -> tuple:
        tab.evaluate("url => { location.href = url; }", self.live_server + path)
        return tab, path

    def check(self, where: str, tab=None, page: bool = True) -> dict:
        """Nothing ran, nothing became markup, nothing was reported (and a page of the site's is in this
        language); what the document reads now."""
        tab = tab or self.page
        read = tab.evaluate(READ)
        problems = [p for report in self.reports for p in report
                    # Chromium asks for /favicon.ico beside a bare JSON or XML document; the site has none.
                    if not p.endswith("/favicon.ico)")]
        assert read["probe"] == CLEAN, f"injected on {where} ({self.locale}): {read['probe']}"
        assert self.dialogs == [], f"dialog on {where} ({self.locale}): {self.dialogs}"
        assert problems == [], f"on {where} ({self.locale}): {problems}"
        assert self.off_site == [], f"{where} asked another host: {self.off_site[:3]}"
        assert self.failed == [], f"{where}: {self.failed}"
        assert read["lang"] == self.locale or not page, f"{where}: not in {self.locale}"
        return read

    def document(self, path: str) -> bytes:
        """Load a JSON or XML document in the browser, check the rendered view, and return its body."""
        response = self.page.goto(path)
        assert response is not None and response.ok, f"{path}: {response and response.status}"
        if "xml" in response.headers["content-type"]:
            # Chromium's XML tree viewer styles itself inline, which the site's CSP refuses: once it has drawn,
            # those reports are the browser's, not the document's.
            self.page.evaluate("() => new Promise(done => requestAnimationFrame(() => setTimeout(done)))")
            for report in self.reports:
                report[:] = [p for p in report if "style-src" not in p]
        self.check(path, page=False)
        return response.body()

    def shown(self, kind: str, text: str, payloads: Iterable[Payload], times: int = 1) -> None:
        """Each payload appears (at least `times` times) in the page's text exactly as stored."""
        payloads = list(payloads)
        missing = [p.name for p in payloads if text.count(p.text) < times]
        assert not missing, f"{kind} ({self.locale}) does not show literally: {missing}"
        assert SSTI_EVALUATED not in text, f"{kind} ({self.locale}) evaluated a template expression"
        self.tally[kind, self.locale] += len(payloads)


@contextmanager
def reader(browser, live_server: str, tally: Counter, email: str | None = None) -> Iterator[Reader]:
    """A fresh browser, signed in as `email` (anonymous without one)."""
    context = browser.new_context(base_url=live_server, viewport={"width": 1400, "height": 1000})
    try:
        person = Reader(context, live_server, tally)
        page = person.page
        if email:
            page.goto("/login")
            page.fill("input[name=email]", email)
            page.fill("input[name=password]", PASSWORD)
            with page.expect_navigation():
                page.click("main form button[type=submit]")
        yield person
    finally:
        context.close()


def read_public_pages(person: Reader, corpus: Corpus) -> None:
    """The map and its popups, the city, the partner directory and profiles, the plans, the API docs."""
    page = person.page
    person.visit(MAP_VIEW)
    page.wait_for_function("() => document.documentElement.dataset.mapReady", timeout=15000)
    person.shown("home map list", person.check("the map's list")["text"], ACCEPTED)
    popups = page.evaluate(OPEN_EVERY_POPUP)
    person.check("map popups")
    assert sorted(popup["title"] for popup in popups) == sorted(p.text for p in ACCEPTED)
    for popup in popups:  # the title, and the partner of the same name
        person.shown("map popup", popup["text"], [p for p in ACCEPTED if p.text == popup["title"]], times=2)

    text = person.visit("/cities/bangkok")  # its projects, the partners active there, the plans covering it
    person.shown("city page", text, ACCEPTED, times=3)
    person.shown("partner directory", person.visit("/organisations"), ACCEPTED)
    paths = {f"/organisations/{organisation_id}": p for organisation_id, p in corpus.organisations.items()}
    for path, tab in person.visit_each(paths):  # its name, and its project's title
        person.shown("organisation page", tab.evaluate("() => document.body.innerText"), [paths[path]], times=2)
    person.visit("/plans")
    page.evaluate("() => document.querySelectorAll('article.plan details > summary').forEach(s => s.click())")
    # a plan's title, summary and source, and the initiative of the same text: title and description
    person.shown("plan page", person.check("/plans, every initiative list open")["text"], ACCEPTED, times=5)
    person.visit("/api/docs")  # shows no stored text: loaded for the record, checked like the others
    person.tally["API docs (no stored text)", person.locale] += 1


def csv_cell(text: str) -> str:
    """The documented CSV rule: a cell a spreadsheet would run as a formula starts with a quote."""
    return "'" + text if text.startswith(CSV_FORMULA_STARTS) else text


def read_open_data(person: Reader, corpus: Corpus) -> None:
    """JSON, GeoJSON, OGC features, the JSON Feed and IATI XML loaded in the browser, and the CSV: each value is the
    stored one."""
    expected = {project_id: p.text for project_id, p in corpus.projects.items()}

    items = json.loads(person.document("/api/v1/projects?limit=100"))["items"]
    assert {i["id"]: (i["title"], i["summary"], i["description"], [x["name"] for x in i["partners"]])
            for i in items} == {k: (t, t, t, [t]) for k, t in expected.items()}
    person.tally["JSON API projects", person.locale] += len(items)

    features = json.loads(person.document("/api/v1/projects.geojson"))["features"]
    assert {f["id"]: (f["properties"]["title"], [x["name"] for x in f["properties"]["partners"]])
            for f in features} == {k: (t, [t]) for k, t in expected.items()}
    person.tally["GeoJSON", person.locale] += len(features)
    features = json.loads(person.document("/ogc/collections/projects/items?limit=100"))["features"]
    assert {f["id"]: f["properties"]["title"] for f in features} == expected
    person.tally["OGC API features", person.locale] += len(features)

    names = {o["id"]: o["name"] for o in json.loads(person.document("/api/v1/organisations"))["items"]}
    assert {k: names.get(k) for k in corpus.organisations} == {k: p.text for k, p in corpus.organisations.items()}
    plans = {x["id"]: (x["title"], x["summary"], x["source"])
             for x in json.loads(person.document("/api/v1/plans"))["items"]}
    assert {k: plans.get(k) for k in corpus.plans} == {k: (p.text,) * 3 for k, p in corpus.plans.items()}
    every = json.loads(person.document(f"/api/v1/plans/{ALL_INITIATIVES}"))["initiatives"]
    assert [(i["title"], i["description"]) for i in every] == [(p.text, p.text) for p in ACCEPTED]
    person.tally["JSON API organisations and plans", person.locale] += len(corpus.organisations) + len(corpus.plans) + 1

    feed = json.loads(person.document("/feed.json"))["items"]
    assert {int(i["id"].rsplit("/", 1)[1]): (i["title"], i["summary"], i["content_text"]) for i in feed} == {
        k: (t, t, f"{t}\n\n{t}") for k, t in expected.items()}
    person.tally["JSON Feed", person.locale] += len(feed)

    root = ET.fromstring(person.document("/api/v1/iati/activities.xml"))
    activities = {a.findtext("title/narrative"): (a.findtext("description/narrative"),
                                                  [o.findtext("narrative") for o in a.findall("participating-org")])
                  for a in root.iter("iati-activity")}
    assert activities == {t: (t, [t]) for t in expected.values()}
    person.tally["IATI XML", person.locale] += len(activities)

    response = person.page.request.get("/api/v1/projects.csv")  # an attachment: fetched, not displayed
    assert response.ok
    rows = list(csv.DictReader(io.StringIO(response.text().removeprefix("\ufeff"))))
    assert {int(r["id"]): (r["title"], r["summary"], r["description"], r["partners"]) for r in rows} == {
        k: (csv_cell(t), csv_cell(t), csv_cell(t), csv_cell(f"{t} (funding)")) for k, t in expected.items()}
    assert {p.text[0] for p in ACCEPTED} >= set(CSV_FORMULA_STARTS)  # each formula start is tried...
    assert not [r["id"] for r in rows if any(r[column].startswith(CSV_FORMULA_STARTS)   # ...and none survives
                                             for column in ("title", "summary", "description", "partners"))]
    person.tally["CSV export", person.locale] += len(rows)


def read_project_pages(person: Reader, corpus: Corpus, kind: str) -> None:
    """Each project page as an insider sees it: every field where it is shown, exactly."""
    paths = {f"/projects/{project_id}": project_id for project_id in corpus.projects}
    for path, tab in person.visit_each(paths):
        p, flag_texts = corpus.projects[paths[path]], corpus.flag_texts[paths[path]]
        fields = tab.evaluate(PROJECT_FIELDS)
        subjects = fields.pop("subjects")
        assert subjects, f"{kind} {p.name}: no overlap flag shown"
        justifications = fields.pop("justifications")  # and the dismissal reason
        assert justifications == [p.text] * flag_texts, f"{kind} ({person.locale}) {p.name}: {justifications}"
        assert fields == {name: [p.text] for name in fields}, f"{kind} ({person.locale}) {p.name}: {fields}"
        assert SSTI_EVALUATED not in " ".join(subjects)
        person.tally[kind, person.locale] += 1


def read_project_forms(person: Reader, corpus: Corpus) -> None:
    """Each project's edit form: its own text as field values, and other payloads in the live overlap list."""
    paths = {f"/projects/{project_id}/edit": p for project_id, p in corpus.projects.items()}
    texts = {p.text for p in ACCEPTED} | {ALL_INITIATIVES_TITLE}
    for path, tab in person.visit_each(paths):
        p = paths[path]
        tab.wait_for_function(OVERLAP_CHECKED)
        read = person.check(f"{path}, overlaps checked", tab)
        values = tab.evaluate(PROJECT_FORM_VALUES)
        assert values == {name: p.text for name in values}, f"project form ({person.locale}) {p.name}: {values}"
        subjects = tab.evaluate("() => [...document.querySelectorAll('#overlap-live p')].map(e => e.innerText)")
        assert subjects and all(any(s.endswith(t) for t in texts) for s in subjects), subjects
        assert SSTI_EVALUATED not in read["text"]
        person.tally["project form and live overlaps", person.locale] += 1


def interest_messages(person: Reader) -> list[str]:
    return person.page.evaluate("() => [...document.querySelectorAll('.dashboard .items .message')]"
                                ".map(e => e.innerText)")


def read_official_pages(person: Reader, corpus: Corpus) -> None:
    text = person.visit("/dashboard")
    person.shown("dashboard (city official)", text, ACCEPTED, times=2)   # the project, its interest message
    assert sorted(interest_messages(person)) == sorted(p.text for p in ACCEPTED)
    read_project_pages(person, corpus, "project page (city official)")
    read_project_forms(person, corpus)


def read_focal_point_pages(person: Reader, corpus: Corpus) -> None:
    text = person.visit("/dashboard")
    person.shown("dashboard (focal point)", text, ACCEPTED, times=2)
    assert sorted(interest_messages(person)) == sorted(p.text for p in ACCEPTED)
    person.shown("plan management", person.visit("/plans/manage"), ACCEPTED)
    person.visit(f"/plans/{ALL_INITIATIVES}/edit")  # form fields: attribute values and textarea contents
    values = person.page.evaluate(PLAN_FORM_VALUES)
    assert values == {"titles": [p.text for p in ACCEPTED], "descriptions": [p.text for p in ACCEPTED]}
    person.tally["plan form", person.locale] += len(ACCEPTED)


def read_admin_pages(person: Reader, corpus: Corpus) -> None:
    person.shown("admin accounts", person.visit("/admin/users"), ACCEPTED, times=2)  # name and organisation
    for kind, query in (("audit: projects created", "entity=project&action=created"),
                        ("audit: revisions returned", "action=revision_returned"),
                        ("audit: interest", "entity=interest"),
                        ("audit: flags dismissed", "entity=overlap_flag&action=dismissed")):
        person.shown(kind, person.visit(f"/admin/audit?{query}"), ACCEPTED)


def test_the_corpus_is_shown_literally_everywhere(app, browser, live_server, corpus, monkeypatch):
    # Static files cached as a proxy in front would let them be: 250 pages need not revalidate each one.
    monkeypatch.setitem(app.config, "SEND_FILE_MAX_AGE_DEFAULT", 3600)
    monkeypatch.setitem(app.config, "TILE_URL", BLANK_TILE)
    assert_stored_exactly(corpus)
    tally: Counter = Counter()
    with reader(browser, live_server, tally) as person:
        read_open_data(person, corpus)  # data: the same in every language
    for email, read in ((None, read_public_pages), ("official@bkk.example", read_official_pages),
                        ("focal@th.example", read_focal_point_pages), ("admin@example.org", read_admin_pages)):
        with reader(browser, live_server, tally, email) as person:
            for locale in LOCALES:
                person.use(locale)
                read(person, corpus)
    print("\n".join(f"{kind} [{locale}]: {n}" for (kind, locale), n in sorted(tally.items())))


@pytest.mark.parametrize("payload, problem", REFUSED, ids=[p.name for p, _ in REFUSED])
def test_refused_payloads_are_refused_naming_the_field(client, as_user, make_project, payload, problem):
    """A character that can reorder or hide what a reader sees is refused where it is typed; nothing is stored."""
    project = make_project(title="Canal sensors")
    token = as_user("official")
    for field, label in (("title", "Title"), ("summary", "Summary"), ("description", "Description"),
                         ("participants-0-organisation", "Organisation")):
        data = project_form(token, "A clean title", 0, **{field: payload.text})
        response = client.post("/projects/new", data=data)
        assert response.status_code == 400, field
        assert f"{label} {problem}" in response.get_data(as_text=True), field
    token = as_user("partner")
    response = client.post(f"/projects/{project.id}/interest", data={"csrf_token": token, "message": payload.text})
    assert response.status_code == 400
    assert f"Message {problem}" in response.get_data(as_text=True)
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Project)) == 1
    assert db.session.scalar(select(func.count()).select_from(Interest)) == 0
