"""Account management shared by the CLI and the admin pages: create, set password, deactivate, sign in."""
from __future__ import annotations

import functools
import hashlib
import hmac
import re
import secrets
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash

from smartcities.accounts.models import ROLES, User
from smartcities.accounts.permissions import require
from smartcities.audit import services as audit
from smartcities.errors import DomainError, NotFound, ValidationError
from smartcities.extensions import db
from smartcities.geo.services import find_city, find_country
from smartcities.organisations.models import Organisation
from smartcities.organisations.services import find_organisation
from smartcities.text import FieldError, clean_text

MIN_PASSWORD = 10
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def check_password_strength(password: str, field: str = "password") -> None:
    if len(password or "") < MIN_PASSWORD:
        raise ValidationError(field, f"must be at least {MIN_PASSWORD} characters long")


def find_user(email: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.email) == normalise_email(email)))


def create_user(email: str, role: str, password: str, *, display_name: str = "", city: str | None = None,
                country: str | None = None, organisation: int | str | None = None) -> User:
    """Create an account; the role decides which of city / country / organisation is required."""
    errors: dict[str, str] = {}
    email = normalise_email(email)
    if not _EMAIL.match(email):
        errors["email"] = "is not a valid e-mail address"
    elif find_user(email):
        errors["email"] = "an account with this e-mail already exists"
    if role not in ROLES:
        errors["role"] = f"must be one of: {', '.join(ROLES)}"
    if len(password or "") < MIN_PASSWORD:
        errors["password"] = f"must be at least {MIN_PASSWORD} characters long"
    try:
        name = clean_text(display_name, "display_name", 120)
    except FieldError as error:
        errors["display_name"], name = error.problem, ""
    user = User(email=email, role=role, display_name=name)
    _tie(user, role, city, country, organisation, errors)
    if errors:
        raise ValidationError(errors)
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    return user


def _tie(user: User, role: str, city: str | None, country: str | None, organisation: int | str | None,
         errors: dict[str, str]) -> None:
    """Set the city / country / organisation the role needs on `user`, adding what is wrong to `errors`."""
    user.city, user.country_code, user.organisation = None, None, None
    if role == "city_official" or city:
        user.city = find_city(city)
        if user.city is None:
            errors["city"] = f"unknown city {city!r}" if city else "is required for a city official"
        else:
            user.country_code = user.city.country_code
    if role == "focal_point" or country:
        found = find_country(country)
        if found is None:
            errors["country"] = f"unknown country {country!r}" if country else "is required for a focal point"
        else:
            user.country_code = found.code
    if role == "partner" or organisation:
        org = _find_organisation(organisation)
        if org is None:
            errors["organisation"] = (f"unknown organisation {organisation!r}" if organisation
                                      else "is required for a partner")
        user.organisation = org


def _ties(user: User) -> dict[str, Any]:
    """What the audit records of an account's role and what it is tied to."""
    return {"role": user.role, "city": user.city.slug if user.city else None, "country": user.country_code,
            "organisation": user.organisation.id if user.organisation else None}


def _find_organisation(value: int | str | None) -> Organisation | None:
    if value is None or str(value).strip() == "":
        return None
    if str(value).strip().isdigit():
        return db.session.get(Organisation, int(value))
    return find_organisation(str(value))


def set_password(email: str, password: str, actor: User | None = None) -> User:
    """Set an account's password (ending its sessions); recorded, `actor` None meaning the command line."""
    user = find_user(email)
    if user is None:
        raise NotFound(f"no account for {email!r}")
    check_password_strength(password)
    user.set_password(password)
    db.session.flush()
    audit.record(user, "password_set", actor)
    return user


def deactivate(email: str, actor: User | None = None) -> User:
    """Stop an account from signing in; recorded, `actor` None meaning the command line."""
    user = find_user(email)
    if user is None:
        raise NotFound(f"no account for {email!r}")
    was_active = user.active
    user.active = False
    user.end_sessions()
    db.session.flush()
    audit.record(user, "deactivated", actor, audit.diff({"active": was_active}, {"active": False}))
    return user


def authenticate(email: str, password: str) -> User | None:
    """The active account with this e-mail and password, else None (same work either way: no timing hint)."""
    user = find_user(email)
    if user is None:
        check_password_hash(_unknown_account_hash(current_app.config["PASSWORD_HASH_METHOD"]), password or "")
        return None
    if not user.check_password(password or "") or not user.active:
        return None
    return user


@functools.cache
def _unknown_account_hash(method: str) -> str:
    """A hash to check unknown e-mails against, so their answer takes as long as a real account's."""
    return generate_password_hash(secrets.token_hex(16), method=method)


def change_password(user: User, current: str, new: str) -> None:
    """A signed-in user replacing their own password; the current one must be given."""
    if not user.check_password(current or ""):
        raise ValidationError("current_password", _("is not your current password"))
    check_password_strength(new, "new_password")
    user.set_password(new)
    db.session.flush()
    audit.record(user, "password_changed", user)


def create_account(actor: User | None, email: str, role: str, password: str, **details: Any) -> User:
    """An admin (or, `actor` None, the command line) creating an account (see `create_user` for the details
    each role needs); recorded in the audit."""
    if actor is not None:
        require(actor, "manage_users")
    user = create_user(email, role, password, **details)
    audit.record(user, "created", actor, audit.diff({}, {"email": user.email, **_ties(user)}))
    return user


def change_role(actor: User | None, user_id: int, role: str, *, city: str | None = None,
                country: str | None = None, organisation: int | str | None = None) -> User:
    """An admin (or, `actor` None, the command line) giving an account another role and what it is tied to;
    its sessions end, so the new rights apply from its next sign-in. Recorded in the security log."""
    if actor is not None:
        require(actor, "manage_users")
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound(_("There is no such account."))
    if actor is not None and user.id == actor.id:
        raise DomainError(_("You cannot change your own role."))
    errors: dict[str, str] = {}
    if role not in ROLES:
        raise ValidationError("role", f"must be one of: {', '.join(ROLES)}")
    before = _ties(user)
    with db.session.no_autoflush:  # the lookups must not write the half-changed account
        user.role = role
        _tie(user, role, city, country, organisation, errors)
    if errors:
        raise ValidationError(errors)
    db.session.flush()
    changes = audit.diff(before, _ties(user))
    if changes:
        user.end_sessions()
        audit.record(user, "role_changed", actor, changes)
    return user


def _email_hash(email: str) -> str:
    """A keyed hash of an e-mail that has no account: repeated guesses can be told apart, not read."""
    key = current_app.config["SECRET_KEY"]
    key = key.encode() if isinstance(key, str) else key
    return hmac.new(key, normalise_email(email).encode(), hashlib.sha256).hexdigest()


def record_sign_in(email: str, user: User | None, address: str | None) -> None:
    """Log a sign-in: `user` is who signed in, None for a failure.

    Filed under ("session", account id). A failure names the e-mail as typed only when an account has it;
    for an unknown e-mail it is filed under account id 0 with a keyed hash, so the log is no list of guesses.
    """
    if user is not None:
        audit.record(("session", user.id), "signed_in", user, {"address": [None, address]})
        return
    account = find_user(email)
    if account is not None:
        audit.record(("session", account.id), "sign_in_failed", None,
                     {"email": [None, (email or "")[:320]], "address": [None, address]})
    else:
        audit.record(("session", 0), "sign_in_failed", None,
                     {"email_hash": [None, _email_hash(email)], "address": [None, address]})


def record_sign_in_refused(email: str, address: str | None, scope: str) -> None:
    """Log that a sign-in limit started refusing attempts (filed as a failure is, with the limit's scope)."""
    account = find_user(email)
    who = {"email": [None, (email or "")[:320]]} if account is not None else {"email_hash": [None, _email_hash(email)]}
    audit.record(("session", account.id if account is not None else 0), "sign_in_refused", None,
                 {**who, "address": [None, address], "limit": [None, scope]})


def record_sign_out(user: User, address: str | None) -> None:
    audit.record(("session", user.id), "signed_out", user, {"address": [None, address]})


def deactivate_account(actor: User, user_id: int) -> User:
    """An admin stopping an account from signing in; admins cannot lock themselves out."""
    require(actor, "manage_users")
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound(_("There is no such account."))
    if user.id == actor.id:
        raise DomainError(_("You cannot deactivate your own account."))
    deactivate(user.email, actor)
    return user
