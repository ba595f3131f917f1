"""JSON Feed 1.1 of recently published or updated projects: the whole network, one city, one country."""
from __future__ import annotations

import re
from typing import Any

from flask import Blueprint, Response, request
from sqlalchemy import select

from smartcities.api.http import json_response, versioned
from smartcities.api.serializers import absolute_url, iso_datetime, project_url
from smartcities.errors import NotFound
from smartcities.extensions import csrf, db
from smartcities.geo.models import City, Country
from smartcities.projects.models import Project
from smartcities.projects.queries import ProjectFilters, recent_projects

bp = Blueprint("feeds", __name__)
csrf.exempt(bp)

FEED_SIZE = 50
FEED_TYPE = "application/feed+json"
SLUG = re.compile(r"^[a-z0-9-]{1,80}$")


def feed_item(project: Project) -> dict[str, Any]:
    """One project as a JSON Feed item; its page URL is its stable id. Plain text only, never HTML."""
    text = "\n\n".join(part for part in (project.summary, project.description) if part and part.strip())
    return {
        "id": project_url(project.id),
        "url": project_url(project.id),
        "title": project.title,
        "content_text": text or project.title,
        "summary": project.summary or None,
        "date_published": iso_datetime(project.published_at or project.created_at),
        "date_modified": iso_datetime(project.updated_at),
        "authors": [{"name": f"{project.city.name}, {project.city.country.name}"}],
        "tags": [area.name for area in project.focus_areas],
        "language": "en",
    }


def feed(title: str, home_path: str, filters: ProjectFilters) -> Response:
    """The feed document for the projects matching `filters`, newest change first."""
    items = [feed_item(p) for p in recent_projects(filters, FEED_SIZE)]
    return json_response({
        "version": "https://jsonfeed.org/version/1.1",
        "title": title,
        "home_page_url": absolute_url(home_path),
        "feed_url": absolute_url(request.path),
        "description": "Smart-city projects published in the ASEAN Smart Cities Network registry.",
        "language": "en",
        "items": [{k: v for k, v in item.items() if v is not None} for item in items],
    }, FEED_TYPE)


@bp.get("/feed.json")
@versioned
def network_feed() -> Response:
    """The latest project changes across the network."""
    return feed("ASCN projects", "/", ProjectFilters())


@bp.get("/cities/<slug>/feed.json")
@versioned
def city_feed(slug: str) -> Response:
    """The latest project changes of one city."""
    city = db.session.scalar(select(City).where(City.slug == slug)) if SLUG.match(slug) else None
    if city is None:
        raise NotFound(f"no city with slug {slug!r}")
    return feed(f"ASCN projects in {city.name}", f"/cities/{city.slug}", ProjectFilters(city_id=city.id))


@bp.get("/countries/<code>/feed.json")
@versioned
def country_feed(code: str) -> Response:
    """The latest project changes of one country (ISO2, any case)."""
    country = db.session.get(Country, code.upper()) if len(code) == 2 and code.isascii() and code.isalpha() else None
    if country is None:
        raise NotFound(f"no country with code {code!r}")
    return feed(f"ASCN projects in {country.name}", "/cities",
                ProjectFilters(country=country.code))
