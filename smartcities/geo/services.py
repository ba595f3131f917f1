"""Lookups over seeded places: find a city by slug or name, the offline gazetteer."""
from __future__ import annotations

from sqlalchemy import func, or_, select

from smartcities.extensions import db
from smartcities.geo.models import City, Country
from smartcities.text import slugify


def find_city(name_or_slug: str | None) -> City | None:
    """A city by its slug or its name, in any case ('Bangkok', 'bangkok', 'Da Nang', 'da-nang')."""
    if not name_or_slug or not name_or_slug.strip():
        return None
    value = name_or_slug.strip()
    return db.session.scalar(
        select(City).where(or_(City.slug == slugify(value), func.lower(City.name) == value.lower(),
                               func.lower(City.local_name) == value.lower()))
        .order_by(City.is_member.desc()).limit(1)
    )


def find_country(code_or_name: str | None) -> Country | None:
    """A member state by ISO2 code, ISO3 code or English name, in any case."""
    if not code_or_name or not code_or_name.strip():
        return None
    value = code_or_name.strip()
    return db.session.scalar(
        select(Country).where(or_(Country.code == value.upper(), Country.alpha3 == value.upper(),
                                  func.lower(Country.name) == value.lower()))
    )


def city_index() -> dict[str, City]:
    """Every city under its slug, its lower-case name and local name: for bulk imports."""
    index: dict[str, City] = {}
    for city in db.session.scalars(select(City)):
        for key in (city.slug, city.name.lower(), (city.local_name or "").lower()):
            if key:
                index.setdefault(key, city)
    return index


def lookup_city(index: dict[str, City], value: str) -> City | None:
    """Resolve a city against `city_index()` the way `find_city` does."""
    value = value.strip()
    return index.get(slugify(value)) or index.get(value.lower())
