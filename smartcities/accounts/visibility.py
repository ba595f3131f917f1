"""The one visibility rule: who may see which projects and organisations, as a predicate and as SQL.

Anyone sees published projects; a city official also sees every project of their city; a focal point also
sees their country's submitted, returned and published projects; an admin sees all. An organisation first
named in an unpublished project is seen by the same insiders of the city it was named for until a project
naming it is published. Every surface asks here (pages, open data, the overlap check, statistics).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, or_, select, true

from smartcities.geo.models import City
from smartcities.organisations.models import Organisation
from smartcities.projects.models import Project

REVIEWABLE = ("submitted", "returned", "published")


@dataclass(frozen=True)
class Audience:
    """What one person may see beyond published work: everything, or their city, or their country."""

    everything: bool = False
    city_id: int | None = None
    country_code: str | None = None


PUBLIC = Audience()
PUBLISHED = Project.status == "published"  # what everyone sees (the rule for PUBLIC) as SQL


def audience_of(user: Any) -> Audience:
    """The audience of a signed-in, active user; anonymous visitors, partners and deactivated accounts: PUBLIC."""
    if user is None or not getattr(user, "is_authenticated", False) or not getattr(user, "active", False):
        return PUBLIC
    if user.role == "admin":
        return Audience(everything=True)
    if user.role == "city_official" and user.city_id is not None:
        return Audience(city_id=user.city_id)
    if user.role == "focal_point" and user.country_code:
        return Audience(country_code=user.country_code)
    return PUBLIC


def sees_project(audience: Audience, status: str, city_id: int, country_code: str) -> bool:
    """The rule for one project, from its status, city and country."""
    return (status == "published" or audience.everything or city_id == audience.city_id
            or (country_code == audience.country_code and status in REVIEWABLE))


def may_see_project(user: Any, project: Any) -> bool:
    """May this user see this project (its page, its data, flags that point at it)?"""
    return sees_project(audience_of(user), project.status, project.city_id, project.city.country_code)


def projects_visible_to(audience: Audience) -> ColumnElement[bool]:
    """The rule as an SQL condition on Project."""
    if audience.everything:
        return true()
    allowed = [PUBLISHED]
    if audience.city_id is not None:
        allowed.append(Project.city_id == audience.city_id)
    if audience.country_code is not None:
        allowed.append(Project.status.in_(REVIEWABLE)
                       & Project.city_id.in_(select(City.id).where(City.country_code == audience.country_code)))
    return or_(*allowed)


def sees_organisation(audience: Audience, is_public: bool, city_id: int | None, country_code: str | None) -> bool:
    """An organisation is public, or private to the insiders of the city it was first named for."""
    return (is_public or audience.everything or (city_id is not None and city_id == audience.city_id)
            or (country_code is not None and country_code == audience.country_code))


def may_see_organisation(user: Any, organisation: Any) -> bool:
    """May this user see this organisation (its page, its name in the partner picker)?"""
    city = organisation.private_to_city
    return sees_organisation(audience_of(user), organisation.is_public, organisation.private_to_city_id,
                             city.country_code if city is not None else None)


def organisations_visible_to(audience: Audience) -> ColumnElement[bool]:
    """The organisation rule as an SQL condition on Organisation."""
    if audience.everything:
        return true()
    allowed = [Organisation.is_public.is_(True)]
    if audience.city_id is not None:
        allowed.append(Organisation.private_to_city_id == audience.city_id)
    if audience.country_code is not None:
        allowed.append(Organisation.private_to_city_id.in_(
            select(City.id).where(City.country_code == audience.country_code)))
    return or_(*allowed)
