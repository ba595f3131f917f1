"""Account management shared by the CLI and the admin pages: create, set password, deactivate."""
from __future__ import annotations

import re

from sqlalchemy import func, select

from smartcities.accounts.models import ROLES, User
from smartcities.errors import NotFound, ValidationError
from smartcities.extensions import db
from smartcities.geo.services import find_city, find_country
from smartcities.organisations.models import Organisation

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
    user = User(email=email, role=role, display_name=(display_name or "").strip()[:120])
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
    if errors:
        raise ValidationError(errors)
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    return user


def _find_organisation(value: int | str | None) -> Organisation | None:
    if value is None or str(value).strip() == "":
        return None
    if str(value).strip().isdigit():
        return db.session.get(Organisation, int(value))
    return db.session.scalar(select(Organisation).where(func.lower(Organisation.name) == str(value).strip().lower()))


def set_password(email: str, password: str) -> User:
    user = find_user(email)
    if user is None:
        raise NotFound(f"no account for {email!r}")
    check_password_strength(password)
    user.set_password(password)
    db.session.flush()
    return user


def deactivate(email: str) -> User:
    user = find_user(email)
    if user is None:
        raise NotFound(f"no account for {email!r}")
    user.active = False
    db.session.flush()
    return user
