"""Read queries for the public city pages about places and plans (a city's projects: projects.places)."""
from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from smartcities.extensions import db
from smartcities.geo.models import City, Country
from smartcities.plans.models import NationalPlan


def countries_with_cities() -> list[Country]:
    """Member states that have cities in the registry, by name, with their cities loaded."""
    return list(db.session.scalars(
        select(Country).where(Country.cities.any()).options(selectinload(Country.cities)).order_by(Country.name)
    ))


def city_by_slug(slug: str) -> City | None:
    """The city with this slug and its country, or None."""
    return db.session.scalar(select(City).where(City.slug == slug).options(selectinload(City.country)))


def plans_covering(city: City) -> list[NationalPlan]:
    """The national plans of the city's country and the city's own plans, newest first."""
    return list(db.session.scalars(
        select(NationalPlan)
        .where(NationalPlan.country_code == city.country_code,
               or_(NationalPlan.level == "national", NationalPlan.city_id == city.id))
        .options(selectinload(NationalPlan.focus_areas))
        .order_by(NationalPlan.level.desc(), NationalPlan.start_year.desc(), NationalPlan.title)
    ))
