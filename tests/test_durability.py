"""Durability under SIGKILL and one winner per edit conflict, against the real app under gunicorn (issue 14).

Officials register drafts through the form from 8 threads while the gunicorn master and its workers are killed
with SIGKILL; after a restart every draft that was answered is there with all its rows, and nothing is half
written. Then 8 people save the same project (and the same plan) from the same version: one wins, the others
are told who changed it. The database is a throwaway one (PostgreSQL with TEST_DATABASE_URL, else SQLite).
"""
from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from decimal import Decimal
from html.parser import HTMLParser
from itertools import count
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests
from sqlalchemy import func, select, text
from sqlalchemy.orm import selectinload

from smartcities import create_app
from smartcities.accounts import services as accounts
from smartcities.audit.models import AuditEvent
from smartcities.extensions import db
from smartcities.organisations.models import Organisation
from smartcities.plans.models import NationalPlan
from smartcities.projects.models import FocusArea, Project, ProjectParticipation
from support import PASSWORD, throwaway_postgres
from test_proxy import free_port, wait_until

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PEOPLE = 8  # threads, and officials (Bangkok) and focal points (Thailand) signed in, one per thread
ACKNOWLEDGED_BEFORE_KILL = 40
STREAM_TITLE = re.compile(r"Stream project (\d+)-(\d+)")
PROJECT_CONFLICT = "Not saved: this project was changed by"
PLAN_CONFLICT = "Not saved: this plan was changed by"
RACE_PLAN = "th-bangkok-bma"


# --- the server, its database and its people ---------------------------------------------------------------------

class Gunicorn:
    """The portal under gunicorn (a master and 2 workers) in a process group of its own, for one killpg."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.env, self.log, self.port = env, log, free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        with open(self.log, "ab") as out:
            self.process = subprocess.Popen(
                [str(BIN / "gunicorn"), "--config", "python:smartcities.gunicorn_config", "--workers", "2",
                 "--bind", f"127.0.0.1:{self.port}", "app:app"],
                cwd=REPO, env=self.env, stdout=out, stderr=out, start_new_session=True)
        wait_until(lambda: requests.get(self.url + "/readyz", timeout=5).status_code == 200, "a ready worker", 60,
                   self.process, self.log)
        wait_until(lambda: len(self.workers()) == 2, "both workers", 30, self.process, self.log)

    def workers(self) -> list[int]:
        """The master's children, from /proc (psutil is no test dependency)."""
        return [int(stat.parent.name) for stat in Path("/proc").glob("[0-9]*/stat")
                if (_stat(stat) or ["", ""])[1] == str(self.process.pid)]

    def kill(self) -> None:
        """SIGKILL to the master and every worker at once: no shutdown code of theirs runs."""
        workers = self.workers()
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)
        wait_until(lambda: all((_stat(Path(f"/proc/{pid}/stat")) or ["Z"])[0] == "Z" for pid in workers),
                   "the killed workers to be gone", 10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=30)


def _stat(path: Path) -> list[str] | None:
    """A process's state and parent pid onwards (/proc/PID/stat after its name), or None once it is gone."""
    try:
        return path.read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None


def _flask(env: dict[str, str], *args: str) -> None:
    result = subprocess.run([str(BIN / "flask"), "--app", "app", *args], cwd=REPO, env=env, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.fixture(scope="module")
def database_url(tmp_path_factory) -> Iterator[str]:
    test_url = os.environ.get("TEST_DATABASE_URL")
    if test_url:
        with throwaway_postgres(test_url, "durability") as url:
            yield url
    else:
        yield f"sqlite:///{tmp_path_factory.mktemp('durability') / 'portal.db'}"


@pytest.fixture(scope="module")
def reader(database_url):
    """An app on the server's database, for setting up people and reading what the server wrote."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": "durability-reader",
                      "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})  # scrypt per account is slow here
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(scope="module")
def server(database_url, reader, tmp_path_factory) -> Iterator[Gunicorn]:
    """Migrated and seeded by the real commands, with the people of the tests, then served by gunicorn."""
    home = tmp_path_factory.mktemp("gunicorn")  # XDG_RUNTIME_DIR: gunicorn's control socket is ours alone
    env = {key: value for key, value in os.environ.items() if key in {"PATH", "HOME", "LANG", "TZ", "OVERLAP_EMBEDDER"}}
    env.update(DATABASE_URL=database_url, SECRET_KEY="durability-" + "k" * 40, GEOCODER="offline", LEAFLET_CDN="0",
               RATELIMIT_STORAGE_URI="memory://", XDG_RUNTIME_DIR=str(home))
    _flask(env, "db", "upgrade")
    _flask(env, "seed")
    with reader.app_context():
        for n in range(PEOPLE):
            accounts.create_account(None, official(n), "city_official", PASSWORD, city="bangkok",
                                    display_name=f"Official {n}")
            accounts.create_account(None, focal_point(n), "focal_point", PASSWORD, country="TH",
                                    display_name=f"Focal point {n}")
        db.session.commit()
    gunicorn = Gunicorn(env, home / "gunicorn.log")
    try:
        gunicorn.start()
        yield gunicorn
    finally:
        gunicorn.stop()


def official(n: int) -> str:
    return f"official{n}@bkk.example"


def focal_point(n: int) -> str:
    return f"focal{n}@th.example"


# --- people at their browsers ------------------------------------------------------------------------------------

class Browser:
    """One person's user agent: its own cookies, forms posted with the page's CSRF token, redirects not followed."""

    def __init__(self, server: Gunicorn, email: str) -> None:
        self.server, self.session = server, requests.Session()
        login = self.get("/login").text
        reply = self.post("/login", {"email": email, "password": PASSWORD, "csrf_token": token_of(login)})
        assert reply.status_code == 302 and reply.headers["Location"].endswith("/dashboard"), reply.text[:500]

    def get(self, path: str) -> requests.Response:
        return self.session.get(self.server.url + path, timeout=30, allow_redirects=False)

    def post(self, path: str, data) -> requests.Response:
        return self.session.post(self.server.url + path, data=data, timeout=30, allow_redirects=False)


def token_of(html: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


class _Forms(HTMLParser):
    """Every form's fields as a browser would post them: checked boxes, selected options, textarea text."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[list[tuple[str, str]]] = []
        self.open = False  # inside a <form>: fields elsewhere on the page are no form's
        self.select: tuple[str, list[str], list[str]] | None = None  # name, options, selected
        self.textarea: tuple[str, list[str]] | None = None

    def handle_starttag(self, tag, attrs) -> None:
        a = dict(attrs)
        if tag == "form":
            self.forms.append([])
            self.open = True
        elif not self.open:
            return
        elif tag == "input" and a.get("name") and a.get("type", "text") not in ("submit", "button", "file"):
            if a.get("type") not in ("checkbox", "radio") or "checked" in a:
                self.forms[-1].append((a["name"], a.get("value") or ""))
        elif tag == "select":
            self.select = (a["name"], [], [])
        elif tag == "option" and self.select:
            self.select[1].append(a.get("value") or "")
            if "selected" in a:
                self.select[2].append(a.get("value") or "")
        elif tag == "textarea":
            self.textarea = (a["name"], [])

    def handle_data(self, data) -> None:
        if self.textarea:
            self.textarea[1].append(data)

    def handle_endtag(self, tag) -> None:
        if tag == "form":
            self.open = False
        elif tag == "select" and self.select:
            name, options, selected = self.select
            self.forms[-1] += [(name, value) for value in (selected or options[:1])]
            self.select = None
        elif tag == "textarea" and self.textarea:
            content = "".join(self.textarea[1])
            self.forms[-1].append((self.textarea[0], content[2:] if content.startswith("\r\n") else content))
            self.textarea = None


def edit_form(page: str, changes: dict[str, str]) -> list[tuple[str, str]]:
    """The page's edit form (the one carrying `version`) as loaded, with some fields given other values."""
    parser = _Forms()
    parser.feed(page)
    fields = next(form for form in parser.forms if any(name == "version" for name, _ in form))
    return [(name, value) for name, value in fields if name not in changes] + list(changes.items())


# --- the drafts of the stream ------------------------------------------------------------------------------------

def draft(thread: int, seq: int, areas: list[str], funders: list[str]) -> dict:
    """The form values of one official's seq-th draft: every value tells which draft it belongs to."""
    return {"title": f"Stream project {thread}-{seq}", "summary": f"Canal sensors, batch {thread}-{seq}",
            "description": f"Line one of {thread}-{seq}.\nLine two.", "city": "bangkok", "country": "TH",
            "focus_areas": [areas[thread % 6], areas[(thread + 1 + seq % 5) % 6]], "stage": "planning",
            "start_date": f"2026-{1 + seq % 12:02d}-01", "end_date": "2028-12-31", "budget": str(1000 * thread + seq),
            "currency": "THB", "latitude": f"13.{7000 + 10 * thread + seq % 10}", "longitude": f"100.{5000 + seq}",
            "participants-0-organisation": funders[thread % len(funders)], "participants-0-role": "funding",
            "participants-0-amount": str(100 + seq), "participants-0-currency": "USD",
            "participants-1-organisation": "", "participants-1-role": "",
            "partners": f"Stream partner {thread}-{seq} (implementing)",
            "new_partners": "y"}  # each names a new partner; they look alike, so the form asks to confirm


def problems_of(project: Project, areas: list[str], funders: list[str]) -> list[str]:
    """How a stored project differs from the draft its title names (every field and related row)."""
    found = STREAM_TITLE.fullmatch(project.title)
    if not found:
        return [f"project {project.id} {project.title!r} was never posted"]
    thread, seq = map(int, found.groups())
    sent = draft(thread, seq, areas, funders)
    stored = {"summary": project.summary, "description": project.description, "city": project.city.slug,
              "stage": project.stage, "start_date": project.start_date.isoformat(),
              "end_date": project.end_date.isoformat(), "budget": project.budget_amount, "currency": project.currency,
              "latitude": project.latitude, "longitude": project.longitude,
              "focus_areas": sorted(a.name for a in project.focus_areas),
              "partners": sorted((p.organisation.name, p.role, p.committed_amount, p.committed_currency)
                                 for p in project.participations),
              "author": project.created_by.email, "status": project.status}
    wanted = {**{key: sent[key] for key in ("summary", "description", "city", "stage", "start_date", "end_date",
                                            "currency")},
              "budget": Decimal(sent["budget"]), "latitude": float(sent["latitude"]),
              "longitude": float(sent["longitude"]), "focus_areas": sorted(sent["focus_areas"]),
              "partners": sorted([(sent["participants-0-organisation"], "funding", Decimal(100 + seq), "USD"),
                                  (f"Stream partner {thread}-{seq}", "implementing", None, None)]),
              "author": official(thread), "status": "draft"}
    return [f"project {project.id} {name}: {stored[name]!r} != {wanted[name]!r}"
            for name in wanted if stored[name] != wanted[name]]


def orphans() -> list[str]:
    """Rows whose parent row is missing, for every foreign key of the schema (SQLite does not enforce them)."""
    found = []
    for table in db.metadata.sorted_tables:
        for key in table.foreign_keys:
            parent = key.column.table.alias()
            missing = db.session.scalar(
                select(func.count()).select_from(table.outerjoin(parent, key.parent == parent.c[key.column.name]))
                .where(key.parent.is_not(None), parent.c[key.column.name].is_(None)))
            if missing:
                found.append(f"{missing} {table.name} rows whose {key.parent.name} names no {key.column.table.name}")
    return found


def run_stream(server: Gunicorn, areas: list[str], funders: list[str]):
    """Officials post drafts from PEOPLE threads until SIGKILL; returns {id: title} answered, lost, errors."""
    browsers = [Browser(server, official(n)) for n in range(PEOPLE)]
    answered: dict[int, str] = {}
    lost: list[str] = []
    errors: list[str] = []
    stop = threading.Event()

    def post_drafts(thread: int) -> None:
        browser = browsers[thread]
        token = token_of(browser.get("/projects/new").text)
        for seq in count():
            if stop.is_set():
                return
            values = draft(thread, seq, areas, funders) | {"csrf_token": token}
            try:
                reply = browser.post("/projects/new", values)
            except (requests.ConnectionError, requests.exceptions.ChunkedEncodingError) as error:
                lost.append(str(error))
                return
            saved = re.fullmatch(r"/projects/(\d+)", urlsplit(reply.headers.get("Location", "")).path)
            if reply.status_code != 302 or not saved:
                errors.append(f"{values['title']}: {reply.status_code} {reply.text[:300]}")
                return
            answered[int(saved.group(1))] = values["title"]

    threads = [threading.Thread(target=post_drafts, args=(n,)) for n in range(PEOPLE)]
    for thread in threads:
        thread.start()
    try:
        wait_until(lambda: len(answered) >= ACKNOWLEDGED_BEFORE_KILL or errors, "the stream's first drafts", 60)
        server.kill()
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=60)
    return browsers, dict(answered), lost, errors


def test_answered_drafts_survive_sigkill_of_master_and_workers(server, reader):
    with reader.app_context():
        areas = list(db.session.scalars(select(FocusArea.name).order_by(FocusArea.id)))
        funders = list(db.session.scalars(select(Organisation.name).order_by(Organisation.id).limit(3)))
        last_project = db.session.scalar(select(func.max(Project.id))) or 0  # what is there before is not checked
        last_organisation = db.session.scalar(select(func.max(Organisation.id)))
    browsers, answered, lost, errors = run_stream(server, areas, funders)
    assert not errors, errors[:3]
    assert len(answered) >= ACKNOWLEDGED_BEFORE_KILL
    in_flight = [error for error in lost if "refused" not in error.lower()]
    assert in_flight, f"no request was under way when the server died: {lost}"  # killed mid-stream

    server.start()
    with reader.app_context():
        projects = db.session.scalars(select(Project).where(Project.id > last_project).options(
            selectinload(Project.focus_areas), selectinload(Project.city), selectinload(Project.created_by),
            selectinload(Project.participations).selectinload(ProjectParticipation.organisation))).all()
        stored = {p.id: p.title for p in projects}
        assert {id_: stored.get(id_) for id_ in answered} == answered  # every answered draft, under its id
        assert [problem for p in projects for problem in problems_of(p, areas, funders)] == []
        assert orphans() == []
        created = set(db.session.scalars(select(AuditEvent.entity_id).where(
            AuditEvent.entity_type == "project", AuditEvent.action == "created", AuditEvent.entity_id > last_project)))
        assert created == set(stored)  # each project has its trail, and the trail no project that is not there
        new_partners = db.session.scalars(select(Organisation).where(Organisation.id > last_organisation)
                                          .options(selectinload(Organisation.participations))).all()
        assert sorted(o.name for o in new_partners) == sorted(t.replace("project", "partner") for t in stored.values())
        assert all(len(o.participations) == 1 for o in new_partners)
        if db.engine.dialect.name == "sqlite":
            assert db.session.execute(text("PRAGMA integrity_check")).scalar() == "ok"
    for id_, title in answered.items():  # the restarted server serves them, to the same sessions
        thread = int(STREAM_TITLE.fullmatch(title).group(1))
        page = browsers[thread].get(f"/projects/{id_}")
        assert page.status_code == 200 and title in page.text


def race(browsers: list[Browser], path: str, changes_of: Callable[[int], dict[str, str]]) -> list[requests.Response]:
    """Everyone loads the edit form, then all save their own changes at the same moment."""
    forms = [edit_form(b.get(path).text, changes_of(n)) for n, b in enumerate(browsers)]
    start = threading.Barrier(len(browsers))
    replies: list[requests.Response | None] = [None] * len(browsers)

    def save(n: int) -> None:
        start.wait()
        replies[n] = browsers[n].post(path, forms[n])

    threads = [threading.Thread(target=save, args=(n,)) for n in range(len(browsers))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return replies


def one_winner(replies: list[requests.Response], conflict: str, name_of: Callable[[int], str]) -> int:
    """The index of the only saved edit; every other reply is the conflict page naming the winner."""
    winners = [n for n, r in enumerate(replies) if r.status_code == 302]
    assert len(winners) == 1, [(r.status_code, r.text[:200]) for r in replies]
    winner = winners[0]
    for n, reply in enumerate(replies):
        if n != winner:
            assert reply.status_code == 409 and conflict in reply.text, (reply.status_code, reply.text[:300])
            assert f"{conflict} {name_of(winner)} at" in reply.text, "the conflict does not name the winner"
    return winner


def test_concurrent_edits_of_one_project_have_one_winner(server, reader):
    browsers = [Browser(server, official(n)) for n in range(PEOPLE)]
    token = token_of(browsers[0].get("/projects/new").text)
    created = browsers[0].post("/projects/new", {"title": "Race project", "city": "bangkok", "latitude": "13.75",
                                                 "longitude": "100.5", "csrf_token": token})
    assert created.status_code == 302, created.text[:500]
    project_id = int(created.headers["Location"].rsplit("/", 1)[1])
    with reader.app_context():
        loaded = db.session.get(Project, project_id).version
    replies = race(browsers, f"/projects/{project_id}/edit", lambda n: {
        "title": f"Race edit by official {n}", "summary": f"Summary of official {n}",
        "partners": f"Race partner {n} (extending)", "new_partners": "y"})
    winner = one_winner(replies, PROJECT_CONFLICT, lambda n: f"Official {n}")
    with reader.app_context():
        project = db.session.get(Project, project_id)
        assert (project.title, project.summary, project.version) == (
            f"Race edit by official {winner}", f"Summary of official {winner}", loaded + 1)
        assert [(p.organisation.name, p.role) for p in project.participations] == [(f"Race partner {winner}",
                                                                                     "extending")]
        assert list(db.session.scalars(select(Organisation.name).where(Organisation.name.like("Race partner %")))) \
            == [f"Race partner {winner}"]  # nothing of a refused edit was written
        assert db.session.scalar(select(func.count(AuditEvent.id)).where(
            AuditEvent.entity_type == "project", AuditEvent.entity_id == project_id,
            AuditEvent.action == "updated")) == 1


def test_concurrent_edits_of_one_plan_have_one_winner(server, reader):
    browsers = [Browser(server, focal_point(n)) for n in range(PEOPLE)]
    path = f"/plans/{RACE_PLAN}/edit"
    with reader.app_context():
        plan = db.session.scalar(select(NationalPlan).where(NationalPlan.external_id == RACE_PLAN))
        loaded, initiatives = plan.version, [i.title for i in plan.initiatives]
    spare = len(initiatives)  # the first blank initiative row

    def changes(n: int) -> dict:
        return {"title": f"Bangkok plan as saved by focal point {n}",
                f"initiatives-{spare}-title": f"Race initiative {n}",
                f"initiatives-{spare}-description": f"Added by focal point {n}"}

    winner = one_winner(race(browsers, path, changes), PLAN_CONFLICT, lambda n: f"Focal point {n}")
    with reader.app_context():
        plan = db.session.scalar(select(NationalPlan).where(NationalPlan.external_id == RACE_PLAN))
        assert (plan.title, plan.version) == (f"Bangkok plan as saved by focal point {winner}", loaded + 1)
        assert [i.title for i in plan.initiatives] == [*initiatives, f"Race initiative {winner}"]
        assert db.session.scalar(select(func.count(AuditEvent.id)).where(
            AuditEvent.entity_type == "national_plan", AuditEvent.entity_id == plan.id,
            AuditEvent.action == "updated")) == 1
