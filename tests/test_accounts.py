"""Sign-in and sign-out, remember me, password change, rate limits, safe redirects, CSRF and the admin pages."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime

import pytest
from support import PASSWORD, csrf_token
from sqlalchemy import func, select

from smartcities.accounts.models import User
from smartcities.accounts.views import safe_next
from smartcities.audit.models import AuditEvent
from smartcities.extensions import db
from smartcities.projects.models import Project


def signed_in(client) -> bool:
    return client.get("/dashboard").status_code == 200


def test_sign_in_and_out(client, auth, make_user):
    make_user("city_official", email="somchai@example.org", city="bangkok")
    response = auth.login("Somchai@Example.org")
    assert response.status_code == 302 and response.headers["Location"] == "/dashboard"
    page = client.get("/dashboard").get_data(as_text=True)
    assert "somchai@example.org" in page and "Bangkok" in page
    assert auth.logout().status_code == 302
    assert client.get("/dashboard").headers["Location"].startswith("/login?next=")


@pytest.mark.parametrize("email, password", [("somchai@example.org", "wrong password!"),
                                             ("nobody@example.org", PASSWORD)])
def test_wrong_credentials_are_refused_with_one_message(client, auth, make_user, email, password):
    make_user("partner", email="somchai@example.org", organisation="Asian Development Bank (ADB)")
    response = auth.login(email, password)
    assert response.status_code == 400
    assert "Wrong e-mail or password" in response.get_data(as_text=True)
    assert not signed_in(client)


def test_deactivated_account_cannot_sign_in_and_loses_its_session(client, auth, make_user):
    user = make_user("focal_point", country="TH")
    auth.login(user.email)
    assert signed_in(client)
    user.active = False
    db.session.commit()
    assert not signed_in(client)
    assert auth.login(user.email).status_code == 400
    assert not signed_in(client)


def test_remember_me_sets_a_lasting_cookie_only_when_asked(client, make_user):
    user = make_user("admin")
    data = {"email": user.email, "password": PASSWORD, "csrf_token": csrf_token(client)}
    without = client.post("/login", data=data)
    remembered = [c for c in without.headers.getlist("Set-Cookie") if c.startswith("remember_token=")]
    assert all(c.startswith("remember_token=;") and "Max-Age=0" in c for c in remembered)  # at most a deletion
    client.post("/logout", data={"csrf_token": csrf_token(client, "/dashboard")})
    with_remember = client.post("/login", data={**data, "remember": "y", "csrf_token": csrf_token(client)})
    cookie = next(c for c in with_remember.headers.getlist("Set-Cookie") if c.startswith("remember_token="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    expires = parsedate_to_datetime(cookie.split("Expires=", 1)[1].split(";", 1)[0])
    assert abs(expires - datetime.now(timezone.utc) - timedelta(days=30)) < timedelta(minutes=5)  # REMEMBER_DAYS


def test_change_password(client, auth, make_user):
    user = make_user("city_official", city="bangkok")
    auth.login(user.email)
    token = csrf_token(client, "/account/password")

    def change(current, new, confirm=None):
        return client.post("/account/password", data={"current_password": current, "new_password": new,
                                                       "confirm": confirm or new, "csrf_token": token})
    wrong = change("not my password", "a brand new secret")
    assert wrong.status_code == 400 and "is not your current password" in wrong.get_data(as_text=True)
    assert "at least 10 characters" in change(PASSWORD, "short").get_data(as_text=True)
    assert "The passwords differ." in change(PASSWORD, "a brand new secret", "another one!!").get_data(as_text=True)
    assert change(PASSWORD, "a brand new secret").status_code == 302
    auth.logout()
    assert auth.login(user.email).status_code == 400
    assert auth.login(user.email, "a brand new secret").status_code == 302
    assert db.session.scalar(select(AuditEvent.action).where(AuditEvent.entity_type == "user",
                                                             AuditEvent.entity_id == user.id)) == "password_changed"


@pytest.fixture
def strict_limit(app, monkeypatch):
    """3 failures per account from one address and per address (LOGIN_ADDRESS_RATE_LIMIT empty: the same)."""
    monkeypatch.setitem(app.config, "LOGIN_RATE_LIMIT", "3 per 15 minutes")
    monkeypatch.setitem(app.config, "LOGIN_ADDRESS_RATE_LIMIT", "")
    monkeypatch.setitem(app.config, "LOGIN_ACCOUNT_RATE_LIMIT", "3 per 15 minutes")
    return monkeypatch


def attempt(client, email, password="wrong password!", address="10.0.0.1"):
    token = csrf_token(client)
    return client.post("/login", data={"email": email, "password": password, "csrf_token": token},
                       environ_base={"REMOTE_ADDR": address})


def signed_in_from(client, address: str) -> bool:
    """Strong session protection ties a session to its address: ask from the one that signed in."""
    return client.get("/dashboard", environ_base={"REMOTE_ADDR": address}).status_code == 200


def test_sign_in_is_rate_limited_per_address(client, make_user, strict_limit):
    user = make_user("admin")
    for n in range(3):
        assert attempt(client, f"guess{n}@example.org").status_code == 400
    blocked = attempt(client, user.email, PASSWORD)
    assert blocked.status_code == 429
    page = blocked.get_data(as_text=True)
    assert "Too many sign-in attempts from this address" in page and 'name="email"' in page
    assert 0 < int(blocked.headers["Retry-After"]) <= 15 * 60
    assert not signed_in(client)
    assert attempt(client, user.email, PASSWORD, address="10.0.0.2").status_code == 302


def test_sign_in_is_rate_limited_per_account_and_address(client, make_user, strict_limit):
    strict_limit.setitem(client.application.config, "LOGIN_ADDRESS_RATE_LIMIT", "10 per 15 minutes")
    user = make_user("admin")
    other = make_user("partner", organisation="Temasek Foundation")
    for _ in range(3):
        assert attempt(client, user.email.upper(), address="10.0.1.1").status_code == 400
    blocked = attempt(client, user.email, PASSWORD, address="10.0.1.1")
    assert blocked.status_code == 429 and blocked.headers["Retry-After"]
    assert "Too many sign-in attempts for this account from this address" in blocked.get_data(as_text=True)
    assert attempt(client, other.email, PASSWORD, address="10.0.1.1").status_code == 302  # other accounts: open
    assert attempt(client, user.email, PASSWORD, address="10.0.1.2").status_code == 302   # other addresses: open


def test_an_attack_on_an_account_from_many_addresses_slows_down(client, make_user, strict_limit):
    """The per-account total: past it, addresses that failed on the account wait; fresh ones get one try each."""
    user = make_user("admin")
    for n in range(3):
        assert attempt(client, user.email.upper(), address=f"10.0.1.{n}").status_code == 400
    blocked = attempt(client, user.email, PASSWORD, address="10.0.1.0")  # failed here before: must wait
    assert blocked.status_code == 429 and blocked.headers["Retry-After"]
    assert "for this account, from this address and others" in blocked.get_data(as_text=True)
    assert attempt(client, user.email, address="10.0.1.7").status_code == 400     # a fresh address: one guess
    assert attempt(client, user.email, PASSWORD, address="10.0.1.7").status_code == 429  # ... and no second
    other = make_user("partner", organisation="Temasek Foundation")
    assert attempt(client, other.email, PASSWORD, address="10.0.1.0").status_code == 302
    # The owner, from an address that has not failed on the account, is never refused.
    assert attempt(client, user.email, PASSWORD, address="10.0.1.9").status_code == 302
    assert signed_in_from(client, "10.0.1.9")


def test_an_attacker_elsewhere_cannot_lock_the_owner_out(app, client, make_user, monkeypatch):
    """With the default limits: 11 wrong passwords from 10.0.0.1, then the owner signs in from 10.0.0.2."""
    for name, default in (("LOGIN_RATE_LIMIT", "10 per 15 minutes"), ("LOGIN_ADDRESS_RATE_LIMIT", ""),
                          ("LOGIN_ACCOUNT_RATE_LIMIT", "30 per 15 minutes")):
        monkeypatch.setitem(app.config, name, default)
    user = make_user("city_official", city="bangkok")
    replies = [attempt(client, user.email, address="10.0.0.1").status_code for _ in range(11)]
    assert replies == [400] * 10 + [429]
    assert attempt(client, user.email, PASSWORD, address="10.0.0.1").status_code == 429
    assert attempt(client, user.email, PASSWORD, address="10.0.0.2").status_code == 302
    assert signed_in_from(client, "10.0.0.2")


def test_successful_sign_ins_do_not_use_up_the_limit(client, make_user, strict_limit):
    user = make_user("admin")
    for _ in range(5):
        # the same address as the requests after it: strong session protection ends a session that moves
        assert attempt(client, user.email, PASSWORD, address="127.0.0.1").status_code == 302
        client.post("/logout", data={"csrf_token": csrf_token(client, "/dashboard")})


@pytest.mark.parametrize("target, expected", [
    ("/projects/new", "/projects/new"), ("/cities/bangkok?x=1", "/cities/bangkok?x=1"),
    ("https://evil.example/", None), ("//evil.example/x", None), ("/\\evil.example", None),
    ("javascript:alert(1)", None), ("", None), ("/ok\r\nSet-Cookie: x=1", None),
])
def test_safe_next(target, expected):
    assert safe_next(target) == expected


def test_sign_in_returns_to_a_same_site_page_only(client, make_user):
    user = make_user("city_official", city="bangkok")
    token = csrf_token(client, "/login?next=/projects/new")
    good = client.post("/login", data={"email": user.email, "password": PASSWORD, "next": "/projects/new",
                                       "csrf_token": token})
    assert good.headers["Location"] == "/projects/new"
    client.post("/logout", data={"csrf_token": csrf_token(client, "/dashboard")})
    evil = client.post("/login", data={"email": user.email, "password": PASSWORD,
                                       "next": "https://evil.example/", "csrf_token": csrf_token(client)})
    assert evil.headers["Location"] == "/dashboard"


def test_login_form_carries_next_from_the_sign_in_redirect(client):
    redirect = client.get("/projects/new")
    assert redirect.status_code == 302
    page = client.get(redirect.headers["Location"]).get_data(as_text=True)
    assert 'name="next" type="hidden" value="/projects/new"' in page


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_posts_without_csrf_token_are_refused_and_change_nothing(client, auth, make_user, make_project):
    user = make_user("city_official", city="bangkok")
    refused = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert refused.status_code == 400 and not signed_in(client)
    auth.login(user.email)
    project = make_project(status="draft")
    projects = count(Project)
    assert client.post("/projects/new", data={"title": "No token", "city": "bangkok"}).status_code == 400
    assert client.post(f"/projects/{project.id}/submit").status_code == 400
    assert client.post("/logout").status_code == 400 and signed_in(client)
    assert count(Project) == projects and db.session.get(Project, project.id).status == "draft"


def test_admin_creates_and_deactivates_accounts(client, auth, make_user):
    admin = make_user("admin")
    auth.login(admin.email)
    token = csrf_token(client, "/admin/users")
    bad = client.post("/admin/users", data={"email": "not-an-address", "role": "city_official", "city": "",
                                            "password": "short", "csrf_token": token})
    page = bad.get_data(as_text=True)
    assert bad.status_code == 400
    assert "is not a valid e-mail address" in page and "is required for a city official" in page
    created = client.post("/admin/users", data={"email": "New.Official@example.org", "role": "city_official",
                                                "city": "da-nang", "display_name": "<b>Lan</b>",
                                                "password": PASSWORD, "csrf_token": token})
    assert created.status_code == 302
    user = db.session.scalar(select(User).where(User.email == "new.official@example.org"))
    assert user.city.slug == "da-nang" and user.country_code == "VN" and user.check_password(PASSWORD)
    listing = client.get("/admin/users").get_data(as_text=True)
    assert "&lt;b&gt;Lan&lt;/b&gt;" in listing and "<b>Lan</b>" not in listing
    assert client.post(f"/admin/users/{user.id}/deactivate", data={"csrf_token": token}).status_code == 302
    assert not db.session.get(User, user.id).active
    assert client.post(f"/admin/users/{admin.id}/deactivate", data={"csrf_token": token}).status_code == 409
    actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.entity_id == user.id,
                                                                 AuditEvent.entity_type == "user")).all()
    assert sorted(actions) == ["created", "deactivated"]


def test_password_change_ends_every_other_session(app, make_user):
    from support import AuthActions
    make_user("city_official", email="two@example.org", city="bangkok")
    laptop, phone = app.test_client(), app.test_client()
    AuthActions(laptop).login("two@example.org")
    AuthActions(phone).login("two@example.org")
    assert phone.get("/dashboard").status_code == 200
    token = csrf_token(laptop, "/account/password")
    response = laptop.post("/account/password", data={
        "current_password": PASSWORD, "new_password": "a brand new passphrase", "confirm": "a brand new passphrase",
        "csrf_token": token})
    assert response.status_code == 302
    assert laptop.get("/dashboard").status_code == 200  # the session that changed it goes on
    assert phone.get("/dashboard").status_code == 302  # every other session is signed out


def test_deactivation_and_cli_password_reset_end_sessions(app, client, auth, make_user, runner):
    make_user("partner", email="p@example.org", organisation="World Bank")
    auth.login("p@example.org")
    assert client.get("/dashboard").status_code == 200
    runner.invoke(args=["users", "set-password", "--email", "p@example.org", "--password-stdin"],
                  input="another long password\n")
    assert client.get("/dashboard").status_code == 302
    auth.login("p@example.org", "another long password")
    assert client.get("/dashboard").status_code == 200
    runner.invoke(args=["users", "deactivate", "--email", "p@example.org"])
    assert client.get("/dashboard").status_code == 302
