"""Issue 14, sessions: signing out ends the session on the server (every copy of its cookie, and the account's
other sessions), and the remember-me cookie is HttpOnly, SameSite=Lax, Secure in production, 30 days by default."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from support import PASSWORD, AuthActions, csrf_token

from smartcities import config


def dashboard_status(app, cookies: dict[str, str]) -> int:
    """/dashboard as another browser holding only these cookies (copied from the signed-in one) sees it."""
    thief = app.test_client()
    for name, value in cookies.items():
        thief.set_cookie(name, value)
    return thief.get("/dashboard").status_code


def test_a_session_cookie_copied_before_sign_out_no_longer_opens_the_dashboard(app, client, auth, make_user):
    make_user("city_official", email="lan@example.org", city="da-nang")
    auth.login("lan@example.org")
    copied = {"session": client.get_cookie("session").value}
    assert dashboard_status(app, copied) == 200      # the copy works while the session lasts...
    assert auth.logout().status_code == 302
    assert client.get("/dashboard").status_code == 302
    assert dashboard_status(app, copied) == 302      # ...and not after signing out


def test_a_remember_me_cookie_copied_before_sign_out_no_longer_signs_in(app, client, make_user):
    user = make_user("focal_point", country="VN")
    client.post("/login", data={"email": user.email, "password": PASSWORD, "remember": "y",
                                "csrf_token": csrf_token(client)})
    copied = {"remember_token": client.get_cookie("remember_token").value}
    assert dashboard_status(app, copied) == 200
    client.post("/logout", data={"csrf_token": csrf_token(client, "/dashboard")})
    assert dashboard_status(app, copied) == 302


def test_signing_out_signs_the_account_out_everywhere(app, make_user):
    """Sessions are signed cookies; the server ends one by changing the account's session token, so all end."""
    make_user("partner", email="two@example.org", organisation="World Bank")
    laptop, phone = app.test_client(), app.test_client()
    AuthActions(laptop).login("two@example.org")
    AuthActions(phone).login("two@example.org")
    AuthActions(laptop).logout()
    assert phone.get("/dashboard").status_code == 302
    AuthActions(phone).login("two@example.org")           # signing in again works as before
    assert phone.get("/dashboard").status_code == 200


def test_the_remember_me_cookie_settings(monkeypatch, tmp_path):
    for name in ("SMARTCITIES_ENV", "REMEMBER_DAYS"):
        monkeypatch.delenv(name, raising=False)
    settings = config.from_environment(str(tmp_path))
    assert settings["REMEMBER_COOKIE_DURATION"] == timedelta(days=30)
    assert settings["REMEMBER_COOKIE_HTTPONLY"] and settings["REMEMBER_COOKIE_SAMESITE"] == "Lax"
    assert not settings["REMEMBER_COOKIE_SECURE"]
    monkeypatch.setenv("REMEMBER_DAYS", "7")
    monkeypatch.setenv("SMARTCITIES_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "s" * 64)
    monkeypatch.setenv("DATABASE_URL", "postgresql://ascn@/ascn")
    settings = config.from_environment(str(tmp_path))
    assert settings["REMEMBER_COOKIE_DURATION"] == timedelta(days=7) and settings["REMEMBER_COOKIE_SECURE"]
    monkeypatch.setenv("REMEMBER_DAYS", "0")
    with pytest.raises(config.ConfigError, match="REMEMBER_DAYS must be at least 1"):
        config.from_environment(str(tmp_path))


def test_the_remember_me_cookie_as_sent(client, make_user, app, monkeypatch):
    monkeypatch.setitem(app.config, "REMEMBER_COOKIE_DURATION", timedelta(days=3))
    user = make_user("admin")
    reply = client.post("/login", data={"email": user.email, "password": PASSWORD, "remember": "y",
                                        "csrf_token": csrf_token(client)})
    cookie = next(c for c in reply.headers.getlist("Set-Cookie") if c.startswith("remember_token="))
    attributes = {part.strip().split("=")[0].lower() for part in cookie.split(";")[1:]}
    assert {"httponly", "samesite", "expires"} <= attributes and "SameSite=Lax" in cookie
    lasts = client.get_cookie("remember_token").expires - datetime.now(timezone.utc)
    assert timedelta(days=3) - timedelta(minutes=5) < lasts <= timedelta(days=3)
