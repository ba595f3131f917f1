"""`flask users …`: accounts are created by admins, with the tie their role needs."""
from __future__ import annotations

from flask import current_app
from sqlalchemy import func, select

from smartcities.accounts.models import User
from smartcities.extensions import db
from smartcities.organisations.models import Organisation

PASSWORD = "a long enough password\n"


def users():
    return db.session.scalar(select(func.count(User.id)))


def test_create_each_role(runner):
    adb = db.session.scalar(select(Organisation.id).where(Organisation.name == "Asian Development Bank (ADB)"))
    cases = [
        ["--email", "Admin@Example.org", "--role", "admin"],
        ["--email", "fp@example.org", "--role", "focal_point", "--country", "th"],
        ["--email", "off@example.org", "--role", "city_official", "--city", "da-nang"],
        ["--email", "p@example.org", "--role", "partner", "--organisation", str(adb)],
    ]
    for args in cases:
        result = runner.invoke(args=["users", "create", *args, "--password-stdin"], input=PASSWORD)
        assert result.exit_code == 0, result.output
    admin = db.session.scalar(select(User).where(User.email == "admin@example.org"))
    assert admin.check_password(PASSWORD.strip())
    assert admin.password_hash.startswith(current_app.config["PASSWORD_HASH_METHOD"] + "$")
    official = db.session.scalar(select(User).where(User.email == "off@example.org"))
    assert official.city.slug == "da-nang" and official.country_code == "VN"
    assert db.session.scalar(select(User.country_code).where(User.email == "fp@example.org")) == "TH"


def test_refuses_bad_accounts_and_writes_nothing(runner):
    bad = [
        (["--email", "x@example.org", "--role", "city_official"], "city: is required"),
        (["--email", "x@example.org", "--role", "city_official", "--city", "gotham"], "unknown city"),
        (["--email", "x@example.org", "--role", "focal_point", "--country", "FR"], "unknown country"),
        (["--email", "x@example.org", "--role", "partner", "--organisation", "99999"], "unknown organisation"),
        (["--email", "not-an-email", "--role", "admin"], "email:"),
    ]
    for args, message in bad:
        result = runner.invoke(args=["users", "create", *args, "--password-stdin"], input=PASSWORD)
        assert result.exit_code == 1 and message in result.output, (args, result.output)
    short = runner.invoke(args=["users", "create", "--email", "y@example.org", "--role", "admin",
                                "--password-stdin"], input="short\n")
    assert short.exit_code == 1 and "password" in short.output
    assert users() == 0


def test_duplicate_email_set_password_and_deactivate(runner):
    runner.invoke(args=["users", "create", "--email", "a@example.org", "--role", "admin", "--password-stdin"],
                  input=PASSWORD)
    again = runner.invoke(args=["users", "create", "--email", "A@example.org", "--role", "admin",
                                "--password-stdin"], input=PASSWORD)
    assert again.exit_code == 1 and "already exists" in again.output and users() == 1
    result = runner.invoke(args=["users", "set-password", "--email", "a@example.org", "--password-stdin"],
                           input="another long password\n")
    assert result.exit_code == 0
    user = db.session.scalar(select(User).where(User.email == "a@example.org"))
    db.session.refresh(user)
    assert user.check_password("another long password")
    assert runner.invoke(args=["users", "deactivate", "--email", "a@example.org"]).exit_code == 0
    db.session.refresh(user)
    assert not user.active and not user.is_active
    missing = runner.invoke(args=["users", "deactivate", "--email", "nobody@example.org"])
    assert missing.exit_code == 1 and "no account" in missing.output
