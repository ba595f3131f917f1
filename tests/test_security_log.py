"""The security log: account changes, sign-ins and sign-outs, automatic flag removal and imports are audit
events, read by admins at /admin/audit (filtered, paged, escaped)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from smartcities.accounts import services as accounts
from smartcities.accounts.models import ROLES, User
from smartcities.audit.models import AuditEvent
from smartcities.errors import DomainError
from smartcities.extensions import db
from smartcities.overlap.models import OverlapFlag
from smartcities.overlap.services import refresh_flags
from support import PASSWORD, csrf_token
from test_projects_import import GOOD, write_csv

NEW_PASSWORD = "a long enough password"
TIES = {"admin": {}, "city_official": {"city": "bangkok"}, "focal_point": {"country": "TH"},
        "partner": {"organisation": "Temasek Foundation"}}


def events(**where) -> list[AuditEvent]:
    """Events as committed now (a fresh query after the request or command), oldest first."""
    db.session.rollback()
    query = select(AuditEvent).order_by(AuditEvent.id)
    for name, value in where.items():
        query = query.where(getattr(AuditEvent, name) == value)
    return list(db.session.scalars(query))


def user_id(email: str) -> int:
    db.session.rollback()
    return db.session.scalar(select(User.id).where(User.email == email))


# --- the CLI and the admin pages ------------------------------------------------------------------------

def test_cli_user_commands_are_recorded_with_the_command_line_as_actor(runner):
    result = runner.invoke(args=["users", "create", "--email", "New@Example.org", "--role", "focal_point",
                                 "--country", "th", "--password-stdin"], input=NEW_PASSWORD + "\n")
    assert result.exit_code == 0, result.output
    uid = user_id("new@example.org")
    [created] = events(entity_type="user", entity_id=uid)
    assert (created.action, created.user_id) == ("created", None)
    assert created.changes["email"] == [None, "new@example.org"] and created.changes["role"] == [None, "focal_point"]
    assert created.changes["country"] == [None, "TH"]

    result = runner.invoke(args=["users", "set-password", "--email", "new@example.org", "--password-stdin"],
                           input="another long password\n")
    assert result.exit_code == 0, result.output
    result = runner.invoke(args=["users", "deactivate", "--email", "new@example.org"])
    assert result.exit_code == 0, result.output
    later = events(entity_type="user", entity_id=uid)
    assert [(e.action, e.user_id) for e in later] == [("created", None), ("password_set", None),
                                                     ("deactivated", None)]
    assert later[2].changes == {"active": [True, False]}
    assert "another long password" not in str(later[1].changes)  # no secret in the log


def test_refused_cli_commands_write_no_event(runner):
    before = len(events())
    assert runner.invoke(args=["users", "create", "--email", "x@example.org", "--role", "city_official",
                               "--password-stdin"], input=NEW_PASSWORD + "\n").exit_code == 1
    assert runner.invoke(args=["users", "set-password", "--email", "nobody@example.org", "--password-stdin"],
                         input=NEW_PASSWORD + "\n").exit_code == 1
    assert len(events()) == before


def test_admin_page_actions_are_recorded_with_the_admin(client, auth, make_user):
    admin = make_user("admin", email="boss@example.org")
    auth.login(admin.email)
    token = csrf_token(client, "/admin/users")
    assert client.post("/admin/users", data={"email": "off@example.org", "role": "city_official", "city": "hanoi",
                                             "password": PASSWORD, "csrf_token": token}).status_code == 302
    uid = user_id("off@example.org")
    assert client.post(f"/admin/users/{uid}/deactivate", data={"csrf_token": token}).status_code == 302
    recorded = [(e.action, e.user_id) for e in events(entity_type="user", entity_id=uid)]
    assert recorded == [("created", admin.id), ("deactivated", admin.id)]


def test_role_changes_are_recorded_and_end_the_sessions(app, make_user):
    admin = make_user("admin")
    official = make_user("city_official", city="bangkok")
    token = official.session_token
    with app.test_request_context():
        with pytest.raises(DomainError):
            accounts.change_role(admin, admin.id, "partner", organisation="Temasek Foundation")
        accounts.change_role(admin, official.id, "focal_point", country="VN")
        db.session.commit()
    [event] = events(entity_type="user", entity_id=official.id, action="role_changed")
    assert event.user_id == admin.id
    assert event.changes == {"role": ["city_official", "focal_point"], "city": ["bangkok", None],
                             "country": ["TH", "VN"]}
    changed = db.session.get(User, official.id)
    assert (changed.role, changed.city_id, changed.country_code) == ("focal_point", None, "VN")
    assert changed.session_token != token


# --- signing in and out ---------------------------------------------------------------------------------

def login(client, email, password=PASSWORD, address="203.0.113.7"):
    return client.post("/login", data={"email": email, "password": password, "csrf_token": csrf_token(client)},
                       environ_base={"REMOTE_ADDR": address})


def test_sign_in_success_failure_and_sign_out_are_recorded_with_the_address(client, make_user):
    user = make_user("partner", email="pat@example.org", organisation="Temasek Foundation")
    assert login(client, "Pat@Example.org", "wrong password!", address="198.51.100.9").status_code == 400
    assert login(client, "pat@example.org").status_code == 302
    client.environ_base["REMOTE_ADDR"] = "203.0.113.7"  # the session is bound to its address
    assert client.post("/logout", data={"csrf_token": csrf_token(client, "/")}).status_code == 302
    failed, signed_in, signed_out = events(entity_type="session", entity_id=user.id)
    assert (failed.action, failed.user_id) == ("sign_in_failed", None)
    assert failed.changes == {"email": [None, "Pat@Example.org"], "address": [None, "198.51.100.9"]}
    assert (signed_in.action, signed_in.user_id, signed_in.changes) == (
        "signed_in", user.id, {"address": [None, "203.0.113.7"]})
    assert (signed_out.action, signed_out.user_id, signed_out.changes) == (
        "signed_out", user.id, {"address": [None, "203.0.113.7"]})


def test_refused_sign_ins_are_recorded_once_per_limit_window(app, client, make_user, monkeypatch):
    """The first attempt a sign-in limit refuses is in the log, with the limit; a flood of them adds nothing."""
    monkeypatch.setitem(app.config, "LOGIN_RATE_LIMIT", "3 per 15 minutes")
    user = make_user("partner", email="pat@example.org", organisation="Temasek Foundation")
    for _ in range(3):
        assert login(client, "pat@example.org", "wrong password!", address="198.51.100.9").status_code == 400
    for _ in range(5):
        assert login(client, "pat@example.org", address="198.51.100.9").status_code == 429
    actions = [event.action for event in events(entity_type="session", entity_id=user.id)]
    assert actions == ["sign_in_failed"] * 3 + ["sign_in_refused"]
    refused = events(action="sign_in_refused")[0]
    assert refused.changes == {"email": [None, "pat@example.org"], "address": [None, "198.51.100.9"],
                               "limit": [None, "account_address"]}
    assert login(client, "pat@example.org", address="203.0.113.7").status_code == 302  # elsewhere: let in


def test_a_failure_for_an_unknown_email_stores_a_hash_and_creates_no_account(client):
    users = db.session.scalar(select(func.count(User.id)))
    assert login(client, "Guess@Example.org", "some password").status_code == 400
    assert login(client, "guess@example.org", "other password").status_code == 400
    first, second = events(action="sign_in_failed")
    assert (first.entity_type, first.entity_id, first.user_id) == ("session", 0, None)
    assert first.changes["address"] == [None, "203.0.113.7"]
    assert "email" not in first.changes and "guess" not in str(first.changes).lower()
    assert len(first.changes["email_hash"][1]) == 64 and first.changes == second.changes  # same guess, same hash
    assert db.session.scalar(select(func.count(User.id))) == users


def test_a_deactivated_account_signing_in_is_a_failure(client, make_user):
    user = make_user("admin", email="gone@example.org")
    user.active = False
    db.session.commit()
    assert login(client, "gone@example.org").status_code == 400
    assert [e.action for e in events(entity_type="session", entity_id=user.id)] == ["sign_in_failed"]


# --- automatic changes ----------------------------------------------------------------------------------

def test_open_flags_removed_by_a_recheck_are_recorded_one_each(make_project):
    project = make_project(title="Smart poles with PM2.5 and flood sensors", status="draft",
                           summary="Install smart poles with sensors for PM2.5 air quality, vehicle counting and "
                                   "road flooding.", focus_areas=("Safety and Security", "Quality Environment"))
    flags = refresh_flags(project)
    db.session.commit()
    open_flags = {f.id: f.subject for f in flags if f.status == "open"}
    assert open_flags
    project.title, project.summary = "Choir festival", "A choir festival."
    db.session.commit()
    refresh_flags(project)
    db.session.commit()
    removed = events(entity_type="overlap_flag", action="auto_removed")
    assert {e.entity_id for e in removed} == set(open_flags) and len(removed) == len(open_flags)
    assert all(e.user_id is None for e in removed)
    assert all(e.changes["subject"] == [open_flags[e.entity_id], None] for e in removed)
    assert all(e.changes["project_id"] == [project.id, None] for e in removed)
    assert not db.session.scalars(select(OverlapFlag).where(OverlapFlag.id.in_(open_flags))).all()


def test_a_bulk_import_is_one_system_event_with_the_counts(runner, tmp_path):
    path = write_csv(tmp_path / "p.csv", [GOOD, {**GOOD, "title": "Another canal project"}])
    result = runner.invoke(args=["projects", "import", path])
    assert result.exit_code == 0, result.output
    [event] = events(action="imported")
    assert (event.entity_type, event.entity_id, event.user_id) == ("system", 0, None)
    assert event.changes == {"file": [None, "p.csv"], "kind": [None, "projects"], "created": [None, 2],
                             "updated": [None, 0], "unchanged": [None, 0]}
    assert len(events(entity_type="project", action="created")) == 2  # and each project has its own


# --- the admin page -------------------------------------------------------------------------------------

def test_the_page_is_for_admins_only(client, auth, make_user):
    anonymous = client.get("/admin/audit")
    assert anonymous.status_code == 302 and anonymous.headers["Location"].startswith("/login?next=")
    for role in ROLES:
        if role == "admin":
            continue
        user = make_user(role, **TIES[role])
        auth.login(user.email)
        assert client.get("/admin/audit").status_code == 403, role
        assert client.get("/admin/audit?page=2&from=bad").status_code == 403, role
        auth.logout()
    admin = make_user("admin")
    auth.login(admin.email)
    assert client.get("/admin/audit").status_code == 200
    assert 'href="/admin/audit"' in client.get("/dashboard").get_data(as_text=True)


@pytest.fixture
def admin_client(client, auth, make_user):
    admin = make_user("admin", email="boss@example.org")
    auth.login(admin.email)
    return client


def rows(page: str) -> list[str]:
    body = page.split('<table class="audit-log">', 1)[1].split("</table>\n  </div>", 1)[0]
    return body.split("<tr data-event=")[1:]


def test_filters_by_actor_action_entity_and_dates(admin_client, make_user, runner):
    other = make_user("admin", email="other@example.org")
    runner.invoke(args=["users", "deactivate", "--email", other.email])
    boss = user_id("boss@example.org")
    by_email = admin_client.get("/admin/audit?actor=BOSS@example.org").get_data(as_text=True)
    by_id = admin_client.get(f"/admin/audit?actor={boss}").get_data(as_text=True)
    assert len(rows(by_email)) == len(rows(by_id)) >= 1 and "signed_in" in by_email
    assert "deactivated" not in by_email  # the command line did that, not boss
    deactivations = admin_client.get("/admin/audit?action=deactivated").get_data(as_text=True)
    assert len(rows(deactivations)) == 1 and "command line" in rows(deactivations)[0]
    sessions = rows(admin_client.get("/admin/audit?entity=session").get_data(as_text=True))
    assert sessions and all(">session #" in row for row in sessions)
    assert all("signed_in" in row for row in rows(admin_client.get("/admin/audit?security=1&action=signed_in")
                                                   .get_data(as_text=True)))
    today = datetime.now(timezone.utc).date()
    assert rows(admin_client.get(f"/admin/audit?from={today}&to={today}").get_data(as_text=True))
    assert not rows(admin_client.get(f"/admin/audit?to={today - timedelta(days=1)}").get_data(as_text=True))
    assert not rows(admin_client.get(f"/admin/audit?from={today + timedelta(days=1)}").get_data(as_text=True))
    assert not rows(admin_client.get("/admin/audit?actor=99999999999999999999").get_data(as_text=True))
    assert admin_client.get("/admin/audit?to=9999-12-31&from=0001-01-01").status_code == 200


def test_security_events_are_marked(admin_client, runner):
    result = runner.invoke(args=["users", "create", "--email", "p@example.org", "--role", "admin",
                                 "--password-stdin"], input=NEW_PASSWORD + "\n")  # "created": not security
    assert result.exit_code == 0, result.output
    page = admin_client.get("/admin/audit").get_data(as_text=True)
    [created] = [row for row in rows(page) if "p@example.org" in row]
    [signed_in] = [row for row in rows(page) if "signed_in" in row]
    assert 'class="security"' in signed_in and "Security</span>" in signed_in
    assert "security" not in created


@pytest.mark.parametrize("query, field", [("from=2025-13-01", "from"), ("to=yesterday", "to"),
                                          ("from=2025-03-02&to=2025-03-01", "to")])
def test_a_bad_date_is_a_form_error(admin_client, query, field):
    response = admin_client.get(f"/admin/audit?{query}")
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and 'role="alert"' in page and f'id="error-{field}"' in page
    assert "YYYY-MM-DD" in page or "before the start date" in page


def test_a_typed_script_is_shown_escaped(client, auth, make_user):
    payload = "<script>alert(1)</script>@example.org"
    make_user("partner", email=payload, organisation="Temasek Foundation")
    admin = make_user("admin", email="boss@example.org")
    client.environ_base["REMOTE_ADDR"] = "203.0.113.7"
    assert login(client, payload.upper(), "wrong password!").status_code == 400  # kept as typed: an account
    assert login(client, payload).status_code == 302  # the actor of "signed_in"
    auth.logout()
    auth.login(admin.email)
    db.session.rollback()
    for query in ("", f"?actor={payload}", f"?action={payload}", f"?entity={payload}&from={payload}"):
        page = client.get("/admin/audit", query_string=query.lstrip("?")).get_data(as_text=True)
        assert "<script>alert(1)" not in page and "<SCRIPT>ALERT(1)" not in page, query
    page = client.get("/admin/audit").get_data(as_text=True)
    assert "&lt;SCRIPT&gt;ALERT(1)&lt;/SCRIPT&gt;@EXAMPLE.ORG" in page  # the failure, e-mail as typed
    assert page.count("&lt;script&gt;alert(1)&lt;/script&gt;@example.org") >= 2  # created, and the actor
    mine = client.get("/admin/audit", query_string={"actor": payload}).get_data(as_text=True)
    assert [row for row in rows(mine) if "signed_in" in row]


def test_pages_of_fifty_newest_first_and_bad_pages_are_404(admin_client):
    db.session.rollback()
    start = datetime(2020, 1, 1, tzinfo=timezone.utc)
    db.session.add_all([AuditEvent(entity_type="system", entity_id=0, action=f"test_{n:03}", user_id=None,
                                   changes={}, created_at=start + timedelta(minutes=n)) for n in range(120)])
    db.session.commit()
    query = "/admin/audit?from=2020-01-01&to=2020-01-01"
    first = rows(admin_client.get(query).get_data(as_text=True))
    assert len(first) == 50 and "test_119" in first[0] and "test_070" in first[-1]
    third = admin_client.get(query + "&page=3").get_data(as_text=True)
    assert len(rows(third)) == 20 and "test_000" in rows(third)[-1] and "page 3 of 3" in third
    assert 'rel="prev"' in third and "from=2020-01-01" in third
    for bad in ("4", "0", "-1", "x", "1.5", ""):
        assert admin_client.get(query + f"&page={bad}").status_code == 404, bad
