"""The read-only JSON API under /api/v1/: places, focus areas, published projects, partners and plans."""
from __future__ import annotations

import re
from typing import Any

from flask import Blueprint, Response, current_app, request
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from smartcities.api import serializers as s
from smartcities.api.http import json_response, register_http, versioned
from smartcities.api.params import parse_list, project_page
from smartcities.errors import NotFound
from smartcities.extensions import csrf, db, limiter
from smartcities.geo.models import City, Country
from smartcities.accounts.visibility import PUBLIC, organisations_visible_to
from smartcities.organisations.models import Organisation
from smartcities.organisations.profiles import profile_to_dict
from smartcities.plans.models import NationalPlan, PlanInitiative
from smartcities.projects.models import FocusArea
from smartcities.projects.queries import ProjectFilters, counts_by, get_project, list_projects, parse_filters

bp = Blueprint("api", __name__)
csrf.exempt(bp)
register_http(bp)
# One budget per client address for the whole API, read on each request; API_RATE_LIMIT empty (the default)
# leaves the open data unlimited.
limiter.shared_limit(lambda: current_app.config["API_RATE_LIMIT"], scope="api")(bp)

SLUG = re.compile(r"^[a-z0-9-]{1,80}$")
PLAN_ID = re.compile(r"^[A-Za-z0-9._-]{1,80}$")


def _plan_load() -> tuple:
    return (joinedload(NationalPlan.city), selectinload(NationalPlan.focus_areas),
            selectinload(NationalPlan.initiatives).selectinload(PlanInitiative.focus_areas))


def _listing(items: list[dict[str, Any]]) -> Response:
    return json_response({"items": items, "next": None, "total": len(items)})


def country_filter() -> str | None:
    """The validated `country` parameter (ISO2 code) of a place or plan list, or None."""
    return parse_filters({"country": request.args.get("country", "")}).country


@bp.get("/api/v1/countries")
def countries() -> Response:
    """ASEAN member states."""
    counts = counts_by("country")
    rows = db.session.scalars(select(Country).order_by(Country.name))
    return _listing([s.country_to_dict(c, counts.get(c.code, 0)) for c in rows])


@bp.get("/api/v1/cities")
def cities() -> Response:
    """Cities, optionally of one country."""
    country = country_filter()
    query = select(City).order_by(City.name)
    if country:
        query = query.where(City.country_code == country)
    counts = counts_by("city")
    return _listing([s.city_to_dict(c, counts.get(c.id, 0)) for c in db.session.scalars(query)])


@bp.get("/api/v1/cities/<slug>")
def city(slug: str) -> Response:
    """One city and the plans that apply to it."""
    place = db.session.scalar(select(City).where(City.slug == slug)) if SLUG.match(slug) else None
    if place is None:
        raise NotFound(f"no city with slug {slug!r}")
    data = s.city_to_dict(place, counts_by("city").get(place.id, 0))
    plans = db.session.scalars(
        select(NationalPlan).where(NationalPlan.country_code == place.country_code)
        .where((NationalPlan.level == "national") | (NationalPlan.city_id == place.id))
        .order_by(NationalPlan.external_id))
    data["plans"] = [{"id": p.external_id, "title": p.title, "level": p.level,
                      "api_url": s.absolute_url(f"/api/v1/plans/{p.external_id}")} for p in plans]
    return json_response(data)


@bp.get("/api/v1/focus-areas")
def focus_areas() -> Response:
    """The six ASCN focus areas."""
    counts = counts_by("focus_area")
    rows = db.session.scalars(select(FocusArea).order_by(FocusArea.id))
    return _listing([s.focus_area_to_dict(a, counts.get(a.id, 0)) for a in rows])


@bp.get("/api/v1/projects")
@versioned
def projects() -> Response:
    """Published projects, filtered, one keyset page at a time."""
    filters, page = parse_list(request.args, default=50, maximum=500)
    return json_response(project_page(filters, page, list_projects, s.project_to_dict))


@bp.get("/api/v1/projects/<int(max=2147483647):project_id>")
@versioned
def project(project_id: int) -> Response:
    """One published project."""
    found = get_project(project_id)
    if found is None:
        raise NotFound(f"no published project with id {project_id}")
    return json_response(s.project_to_dict(found))


@bp.get("/api/v1/organisations")
@versioned
def organisations() -> Response:
    """Every organisation with its published-project count."""
    counts = counts_by("organisation")
    rows = db.session.scalars(select(Organisation).where(organisations_visible_to(PUBLIC))
                              .options(selectinload(Organisation.names)).order_by(Organisation.name))
    return _listing([s.organisation_to_dict(o, counts.get(o.id, 0)) for o in rows])


@bp.get("/api/v1/organisations/<int(max=2147483647):organisation_id>")
@versioned
def organisation(organisation_id: int) -> Response:
    """One organisation and the published projects it takes part in."""
    found = db.session.get(Organisation, organisation_id)
    if found is None or not found.is_public:  # one named only in unpublished work does not exist here yet
        raise NotFound(f"no organisation with id {organisation_id}")
    projects_of = list_projects(ProjectFilters(partner_id=organisation_id))
    data = s.organisation_to_dict(found, len(projects_of))
    data["profile"] = profile_to_dict(found.profile)
    data["projects"] = [s.participation_summary(p, organisation_id) for p in projects_of]
    return json_response(data)


@bp.get("/api/v1/plans")
@versioned
def plans() -> Response:
    """National and city plans, optionally of one country."""
    country = country_filter()
    query = select(NationalPlan).options(*_plan_load()).order_by(NationalPlan.country_code, NationalPlan.external_id)
    if country:
        query = query.where(NationalPlan.country_code == country)
    return _listing([s.plan_summary(p) for p in db.session.scalars(query)])


@bp.get("/api/v1/plans/<plan_id>")
@versioned
def plan(plan_id: str) -> Response:
    """One plan with its initiatives, in the Plan file format."""
    found = db.session.scalar(select(NationalPlan).where(NationalPlan.external_id == plan_id)
                              .options(*_plan_load())) if PLAN_ID.match(plan_id) else None
    if found is None:
        raise NotFound(f"no plan with id {plan_id!r}")
    return json_response(s.plan_detail(found))
