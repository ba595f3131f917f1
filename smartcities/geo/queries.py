"""Read queries for the public city pages: each a single query (or one per eager-loaded collection)."""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from smartcities.extensions import db
from smartcities.geo.models import City, Country
from smartcities.organisations.models import Organisation
from smartcities.plans.models import NationalPlan
from smartcities.projects.models import IATI_ROLES, Project, ProjectParticipation

PUBLISHED = Project.status == "published"


def countries_with_cities() -> list[Country]:
    """Member states that have cities in the registry, by name, with their cities loaded."""
    return list(db.session.scalars(
        select(Country).where(Country.cities.any()).options(selectinload(Country.cities)).order_by(Country.name)
    ))


def project_counts() -> dict[int, int]:
    """Published projects per city id (cities without any are absent)."""
    rows = db.session.execute(select(Project.city_id, func.count(Project.id)).where(PUBLISHED)
                              .group_by(Project.city_id))
    return {city_id: count for city_id, count in rows}


def city_by_slug(slug: str) -> City | None:
    """The city with this slug and its country, or None."""
    return db.session.scalar(select(City).where(City.slug == slug).options(selectinload(City.country)))


def published_projects(city: City) -> list[Project]:
    """The city's published projects by title, with their focus areas."""
    return list(db.session.scalars(
        select(Project).where(Project.city_id == city.id, PUBLISHED)
        .options(selectinload(Project.focus_areas)).order_by(Project.title)
    ))


def plans_covering(city: City) -> list[NationalPlan]:
    """The national plans of the city's country and the city's own plans, newest first."""
    return list(db.session.scalars(
        select(NationalPlan)
        .where(NationalPlan.country_code == city.country_code,
               or_(NationalPlan.level == "national", NationalPlan.city_id == city.id))
        .options(selectinload(NationalPlan.focus_areas))
        .order_by(NationalPlan.level.desc(), NationalPlan.start_year.desc(), NationalPlan.title)
    ))


@dataclass
class ActivePartner:
    """An organisation taking part in published projects of a place, with its roles there."""

    organisation: Organisation
    project_ids: set[int] = field(default_factory=set)
    roles: list[str] = field(default_factory=list)


def partners_in(city: City) -> list[ActivePartner]:
    """Organisations in the city's published projects, by name: their projects there and their roles."""
    rows = db.session.execute(
        select(Organisation, ProjectParticipation.role, Project.id)
        .join(ProjectParticipation, ProjectParticipation.organisation_id == Organisation.id)
        .join(Project, Project.id == ProjectParticipation.project_id)
        .where(Project.city_id == city.id, PUBLISHED)
        .order_by(Organisation.name)
    )
    partners: dict[int, ActivePartner] = {}
    for organisation, role, project_id in rows:
        entry = partners.setdefault(organisation.id, ActivePartner(organisation))
        entry.project_ids.add(project_id)
        if role not in entry.roles:
            entry.roles.append(role)
    for entry in partners.values():
        entry.roles.sort(key=IATI_ROLES.index)
    return list(partners.values())
