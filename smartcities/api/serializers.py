"""Plain-data shapes of the open data: projects, GeoJSON features, places, partners and plans."""
from __future__ import annotations

from datetime import date, datetime, timezone
from decimal import Decimal
from typing import Any

from flask import current_app, request

from smartcities.geo.models import City, Country
from smartcities.organisations.models import Organisation
from smartcities.plans.models import NationalPlan
from smartcities.plans.services import plan_to_dict
from smartcities.projects.models import FocusArea, Project


def absolute_url(path: str) -> str:
    """`path` on PUBLIC_URL when it is set, else on the host the client used (TRUSTED_HOSTS says which may be)."""
    return (current_app.config.get("PUBLIC_URL") or request.host_url).rstrip("/") + path


def iso_datetime(value: datetime | None) -> str | None:
    """RFC 3339 in UTC with a Z, to the second (stored naive timestamps are UTC)."""
    if value is None:
        return None
    aware = value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    return aware.astimezone(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


def iso_date(value: date | None) -> str | None:
    """A date as YYYY-MM-DD, or None."""
    return value.isoformat() if value else None


def money(value: Decimal | None) -> str | None:
    """A decimal amount as a string, never a float ("1250000.00")."""
    return None if value is None else f"{value:.2f}"


def project_url(project_id: int) -> str:
    """The absolute URL of a project's page (also its stable feed id)."""
    return absolute_url(f"/projects/{project_id}")


def project_to_dict(project: Project) -> dict[str, Any]:
    """A published project as the JSON API shows it."""
    city = project.city
    return {
        "id": project.id,
        "title": project.title,
        "summary": project.summary,
        "description": project.description,
        "stage": project.stage,
        "focus_areas": [{"name": fa.name, "slug": fa.slug} for fa in project.focus_areas],
        "start_date": iso_date(project.start_date),
        "end_date": iso_date(project.end_date),
        "budget": money(project.budget_amount),
        "currency": project.currency,
        "seeking_funding": project.seeking_funding,
        "funding_sought": money(project.funding_sought),
        "location": {"lat": project.latitude, "lon": project.longitude},  # the first site, as before sites
        "locations": [{"lat": site.latitude, "lon": site.longitude, "name": site.name} for site in project.sites],
        "city": {"slug": city.slug, "name": city.name, "url": absolute_url(f"/cities/{city.slug}")},
        "country": {"code": city.country.code, "name": city.country.name},
        "partners": [{
            "id": p.organisation_id,
            "name": p.organisation.name,
            "role": p.role,
            "committed_amount": money(p.committed_amount),
            "committed_currency": p.committed_currency,
        } for p in project.participations],
        "url": project_url(project.id),
        "published_at": iso_datetime(project.published_at),
        "updated_at": iso_datetime(project.updated_at),
    }


def sites_geometry(locations: list[dict[str, Any]]) -> dict[str, Any]:
    """One site: a Point; several: a MultiPoint in the sites' order (RFC 7946, [lon, lat])."""
    if len(locations) == 1:
        return {"type": "Point", "coordinates": [locations[0]["lon"], locations[0]["lat"]]}
    return {"type": "MultiPoint", "coordinates": [[site["lon"], site["lat"]] for site in locations]}


def project_feature(row: dict[str, Any], url: str | None = None) -> dict[str, Any]:
    """A `map_rows` row as a compact GeoJSON Feature; with several sites a MultiPoint and `location_names`.
    `url`: the page's address as it is to be written (by default the absolute URL of this request's host)."""
    feature = {
        "type": "Feature",
        "id": row["id"],
        "geometry": sites_geometry(row["locations"]),
        "properties": {
            "id": row["id"],
            "title": row["title"],
            "url": project_url(row["id"]) if url is None else url,
            "city": row["city"],
            "city_slug": row["city_slug"],
            "country": row["country"],
            "focus_areas": row["focus_areas"],
            "stage": row["stage"],
            "seeking_funding": row["seeking_funding"],
            "partners": row["partners"],
            "updated_at": iso_datetime(row["updated_at"]),
        },
    }
    if len(row["locations"]) > 1:
        feature["properties"]["location_names"] = [site["name"] for site in row["locations"]]
    return feature


def site_features(row: dict[str, Any]) -> list[dict[str, Any]]:
    """A `map_rows` row as one Point Feature per site (id "<project>-<position>"), for GIS users who cluster."""
    return [{
        "type": "Feature",
        "id": f"{row['id']}-{position}",
        "geometry": {"type": "Point", "coordinates": [site["lon"], site["lat"]]},
        "properties": {"project_id": row["id"], "project_title": row["title"], "name": site["name"],
                       "position": position, "url": project_url(row["id"])},
    } for position, site in enumerate(row["locations"])]


def country_to_dict(country: Country, project_count: int) -> dict[str, Any]:
    """A member state with its published-project count and feed."""
    return {"code": country.code, "alpha3": country.alpha3, "name": country.name, "capital": country.capital,
            "project_count": project_count, "feed_url": absolute_url(f"/countries/{country.code}/feed.json")}


def city_to_dict(city: City, project_count: int) -> dict[str, Any]:
    """A city as the JSON API shows it."""
    return {
        "slug": city.slug,
        "name": city.name,
        "local_name": city.local_name,
        "country": city.country_code,
        "location": {"lat": city.latitude, "lon": city.longitude},
        "is_member": city.is_member,
        "member_since": city.member_since,
        "project_count": project_count,
        "url": absolute_url(f"/cities/{city.slug}"),
        "feed_url": absolute_url(f"/cities/{city.slug}/feed.json"),
    }


def city_feature(city: City, project_count: int) -> dict[str, Any]:
    """A city as a GeoJSON Feature, identified by its slug."""
    return {
        "type": "Feature",
        "id": city.slug,
        "geometry": {"type": "Point", "coordinates": [city.longitude, city.latitude]},
        "properties": {
            "slug": city.slug,
            "name": city.name,
            "local_name": city.local_name,
            "country": city.country_code,
            "is_member": city.is_member,
            "member_since": city.member_since,
            "project_count": project_count,
            "url": absolute_url(f"/cities/{city.slug}"),
        },
    }


def focus_area_to_dict(area: FocusArea, project_count: int) -> dict[str, Any]:
    """A focus area with its published-project count."""
    return {"name": area.name, "slug": area.slug, "covers": area.covers, "project_count": project_count}


def organisation_to_dict(organisation: Organisation, project_count: int) -> dict[str, Any]:
    """A funding partner or stakeholder as the JSON API shows it."""
    return {
        "id": organisation.id,
        "name": organisation.name,
        "kind": organisation.kind,
        "kind_label": organisation.kind_label,
        "country": organisation.country_code,
        "origin": organisation.origin,
        "website": organisation.website,
        "description": organisation.description,
        "is_external_partner": organisation.is_external_partner,
        "partner_since": organisation.partner_since,
        "acronym": organisation.acronym,
        "aliases": organisation.aliases,
        "iati_ref": organisation.iati_ref,
        "project_count": project_count,
        "url": absolute_url(f"/organisations/{organisation.id}"),
    }


def participation_summary(project: Project, organisation_id: int) -> dict[str, Any]:
    """A project as listed under one of its partners, with that partner's roles in it."""
    roles = [p.role for p in project.participations if p.organisation_id == organisation_id]
    return {"id": project.id, "title": project.title, "roles": roles, "url": project_url(project.id)}


def plan_summary(plan: NationalPlan) -> dict[str, Any]:
    """A plan without its initiatives (the plan list)."""
    data = plan_detail(plan)
    data["initiative_count"] = len(data.pop("initiatives"))
    return data


def plan_detail(plan: NationalPlan) -> dict[str, Any]:
    """A plan in the Plan file format, plus the city slug and the plan's API address."""
    data = plan_to_dict(plan)
    data["city_slug"] = plan.city.slug if plan.city else None
    data["api_url"] = absolute_url(f"/api/v1/plans/{plan.external_id}")
    return data
