"""A place's published projects: counted per city, listed a page at a time, and the partners active there.

Places (geo) know nothing of projects; the queries that count or list a city's projects live here, with
the paging the public profile pages share (at most PER_PAGE projects, ordered by title then id).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

from sqlalchemy import Select, distinct, func, select
from sqlalchemy.orm import selectinload

from smartcities import public_version
from smartcities.accounts.visibility import PUBLISHED
from smartcities.extensions import db
from smartcities.geo.models import City
from smartcities.organisations.models import Organisation
from smartcities.projects.models import IATI_ROLES, Project, ProjectParticipation

PER_PAGE = 50
# A stable order, so that paging never shows a project twice or skips one (titles are not unique).
BY_TITLE = (Project.title, Project.id)

T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a longer list: its items, its 1-based number and the size of the whole list."""

    items: list[T]
    number: int
    total: int
    per_page: int = PER_PAGE

    @property
    def pages(self) -> int:
        return last_page(self.total, self.per_page)

    @property
    def has_prev(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.pages

    @property
    def first(self) -> int:
        """Position of the page's first item in the whole list (1-based; 0 when the list is empty)."""
        return (self.number - 1) * self.per_page + 1 if self.items else 0

    @property
    def last(self) -> int:
        return self.first + len(self.items) - 1 if self.items else 0


def last_page(total: int, per_page: int = PER_PAGE) -> int:
    """The number of the last page; an empty list still has page 1."""
    return max(1, -(-total // per_page))


def page_number(raw: str | None, total: int, per_page: int = PER_PAGE) -> int | None:
    """The page asked for by `?page=` (absent means 1), or None when it is malformed or past the end."""
    if raw is None:
        return 1
    if not raw.isascii() or not raw.isdigit() or len(raw) > 9:
        return None
    number = int(raw)
    return number if 1 <= number <= last_page(total, per_page) else None


def page_of(statement: Select, number: int, total: int, per_page: int = PER_PAGE) -> Page:
    """Run an ordered statement for one page of its rows."""
    items = list(db.session.scalars(statement.limit(per_page).offset((number - 1) * per_page)))
    return Page(items, number, total, per_page)


def project_counts() -> dict[int, int]:
    """Published projects per city id (cities without any are absent)."""
    rows = db.session.execute(select(Project.city_id, func.count(Project.id)).where(PUBLISHED)
                              .group_by(Project.city_id))
    return {city_id: count for city_id, count in rows}


def published_projects(city: City) -> Select:
    """The city's published projects by title (then id), with their focus areas: a statement to page."""
    return (select(Project).where(Project.city_id == city.id, PUBLISHED)
            .options(selectinload(Project.focus_areas)).order_by(*BY_TITLE))


@dataclass(frozen=True)
class ActivePartner:
    """An organisation taking part in published projects of a place: how many, and its roles there."""

    id: int
    name: str
    project_count: int
    roles: tuple[str, ...]


def published_count(city: City) -> int:
    """How many published projects the city has (once per public data version)."""
    return public_version.memo(("published_count", city.id), lambda: db.session.scalar(
        select(func.count(Project.id)).where(Project.city_id == city.id, PUBLISHED)))


def partners_in(city: City) -> list[ActivePartner]:
    """Organisations in the city's published projects, by name, counted in SQL (once per public data version:
    at 100,000 projects the count over a large city's participations takes 200 ms on PostgreSQL)."""
    return public_version.memo(("partners_in", city.id), lambda: _partners_in(city.id))


def _partners_in(city_id: int) -> list[ActivePartner]:
    in_city = (select(ProjectParticipation.organisation_id.label("org_id"), ProjectParticipation.role,
                      ProjectParticipation.project_id)
               .join(Project, Project.id == ProjectParticipation.project_id)
               .where(Project.city_id == city_id, PUBLISHED).subquery())
    roles: dict[int, list[str]] = {}
    for org_id, role in db.session.execute(select(in_city.c.org_id, in_city.c.role).distinct()):
        roles.setdefault(org_id, []).append(role)
    rows = db.session.execute(
        select(Organisation.id, Organisation.name, func.count(distinct(in_city.c.project_id)))
        .join(in_city, in_city.c.org_id == Organisation.id)
        .group_by(Organisation.id, Organisation.name).order_by(Organisation.name, Organisation.id)
    )
    return [ActivePartner(org_id, name, count, tuple(sorted(roles[org_id], key=IATI_ROLES.index)))
            for org_id, name, count in rows]
