"""Figures for /stats, computed from published projects with one grouped query each."""
from __future__ import annotations

from decimal import Decimal
from typing import NamedTuple

from sqlalchemy import and_, func, select

from smartcities.accounts.visibility import PUBLISHED
from smartcities.extensions import db
from smartcities.geo.models import City, Country
from smartcities.organisations.models import Organisation
from smartcities.projects.models import FocusArea, Project, ProjectParticipation, project_focus_areas



class Amount(NamedTuple):
    """A sum of money for one label (a partner's name, a country's code), in one currency (never mixed)."""

    label: str
    currency: str
    amount: Decimal


def projects_per_country() -> list[tuple[str, str, int]]:
    """(country code, name, published projects) for every member state, most projects first."""
    rows = db.session.execute(
        select(Country.code, Country.name, func.count(Project.id))
        .select_from(Country)
        .outerjoin(City, City.country_code == Country.code)
        .outerjoin(Project, and_(Project.city_id == City.id, PUBLISHED))
        .group_by(Country.code, Country.name)
        .order_by(func.count(Project.id).desc(), Country.name)
    )
    return [tuple(row) for row in rows]


def projects_per_focus_area() -> list[tuple[str, int]]:
    """(focus area name, published projects), in the framework's order."""
    rows = db.session.execute(
        select(FocusArea.name, func.count(Project.id))
        .select_from(FocusArea)
        .outerjoin(project_focus_areas, project_focus_areas.c.focus_area_id == FocusArea.id)
        .outerjoin(Project, and_(Project.id == project_focus_areas.c.project_id, PUBLISHED))
        .group_by(FocusArea.id, FocusArea.name)
        .order_by(FocusArea.id)
    )
    return [(name, count) for name, count in rows]


def _committed(label_column, *joins) -> list[Amount]:
    """Committed amounts of published projects, summed per label and currency, largest first."""
    total = func.sum(ProjectParticipation.committed_amount)
    query = (select(label_column, ProjectParticipation.committed_currency, total)
             .select_from(ProjectParticipation)
             .join(Project, Project.id == ProjectParticipation.project_id))
    for target, condition in joins:
        query = query.join(target, condition)
    query = (query.where(PUBLISHED, ProjectParticipation.committed_amount.is_not(None))
             .group_by(label_column, ProjectParticipation.committed_currency)
             .order_by(total.desc(), label_column))
    return [Amount(label, currency, Decimal(amount)) for label, currency, amount in db.session.execute(query)]


def committed_per_partner() -> list[Amount]:
    """Funding committed by each organisation to published projects, per currency."""
    return _committed(Organisation.name, (Organisation, Organisation.id == ProjectParticipation.organisation_id))


def committed_per_country() -> list[Amount]:
    """Funding committed to published projects in each member state (by country code), per currency."""
    return _committed(City.country_code, (City, City.id == Project.city_id))


def seeking_per_country() -> list[tuple[str, str, int]]:
    """(country code, name, published projects seeking funding), countries with none left out."""
    rows = db.session.execute(
        select(Country.code, Country.name, func.count(Project.id))
        .join(City, City.country_code == Country.code)
        .join(Project, Project.city_id == City.id)
        .where(PUBLISHED, Project.seeking_funding.is_(True))
        .group_by(Country.code, Country.name)
        .order_by(func.count(Project.id).desc(), Country.name)
    )
    return [tuple(row) for row in rows]


def country_names() -> dict[str, str]:
    """Every member state's reference name by its code."""
    return dict(db.session.execute(select(Country.code, Country.name)).all())


def funding_sought() -> list[Amount]:
    """Total funding sought by published projects, per currency."""
    total = func.sum(Project.funding_sought)
    rows = db.session.execute(
        select(Project.currency, total)
        .where(PUBLISHED, Project.seeking_funding.is_(True), Project.funding_sought.is_not(None))
        .group_by(Project.currency)
        .order_by(total.desc())
    )
    return [Amount("", currency or "", Decimal(amount)) for currency, amount in rows]


def headline_figures() -> dict[str, int]:
    """Counts shown above the charts: projects, cities with projects, active partners, seeking funding."""
    projects = select(Project.id, Project.city_id, Project.seeking_funding).where(PUBLISHED).subquery()
    counts = db.session.execute(select(
        func.count(projects.c.id), func.count(func.distinct(projects.c.city_id)),
        func.count(projects.c.id).filter(projects.c.seeking_funding.is_(True)),
    )).one()
    partners = db.session.scalar(
        select(func.count(func.distinct(ProjectParticipation.organisation_id)))
        .join(Project, Project.id == ProjectParticipation.project_id).where(PUBLISHED)
    )
    return {"projects": counts[0], "cities": counts[1], "seeking": counts[2], "partners": partners}


def by_currency(amounts: list[Amount]) -> dict[str, list[Amount]]:
    """Split amounts into one list per currency, so each chart has one scale and one unit."""
    groups: dict[str, list[Amount]] = {}
    for amount in amounts:
        groups.setdefault(amount.currency, []).append(amount)
    return groups
