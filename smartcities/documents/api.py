"""GET /api/v1/documents: the public document library as JSON, filtered and paged like the other lists."""
from __future__ import annotations

import re
from typing import Any

from flask import Blueprint, Response, current_app, request
from sqlalchemy import select

from smartcities.api.http import json_response, versioned
from smartcities.api.params import Page, next_url, parse_page
from smartcities.api.serializers import absolute_url, iso_datetime
from smartcities.documents import services
from smartcities.documents.categories import CATEGORIES
from smartcities.documents.models import Document
from smartcities.errors import ValidationError
from smartcities.extensions import csrf, db, limiter
from smartcities.geo.models import City, Country
from smartcities.plans.models import NationalPlan
from smartcities.projects.models import Project
from smartcities.projects.queries import MAX_ID, clean_params
from smartcities.text import slugify

bp = Blueprint("documents_api", __name__)
csrf.exempt(bp)
limiter.shared_limit(lambda: current_app.config["API_RATE_LIMIT"], scope="api")(bp)
FILTERS = ("plan", "city", "country", "project", "q")
MAX_Q = 200


def _filters(params: Any) -> services.DocumentFilters:
    """The filters of a document list; ValidationError names every bad parameter."""
    given = clean_params(params, FILTERS)
    errors: dict[str, str] = {}
    filters = services.DocumentFilters()
    if "plan" in given:
        filters.plan_id = db.session.scalar(select(NationalPlan.id).where(NationalPlan.external_id == given["plan"]))
        if filters.plan_id is None:
            errors["plan"] = f"unknown plan {given['plan']!r}; use a plan id such as th-bangkok-bma"
    if "city" in given:
        filters.city_id = db.session.scalar(select(City.id).where(City.slug == slugify(given["city"])))
        if filters.city_id is None:
            errors["city"] = f"unknown city {given['city']!r}; use a city slug such as bangkok"
    if "country" in given:
        raw = given["country"]
        country = db.session.get(Country, raw.upper()) if len(raw) == 2 and raw.isascii() and raw.isalpha() else None
        filters.country_code = country.code if country else None
        if country is None:
            errors["country"] = f"unknown country {raw!r}; use an ISO 3166-1 alpha-2 code such as TH"
    if "project" in given:
        raw = given["project"]
        digits = raw.lstrip("0") or "0"
        project = (db.session.get(Project, int(digits)) if re.fullmatch("[0-9]+", raw) and len(digits) <= 10
                   and int(digits) <= MAX_ID else None)
        if project is None or project.status != "published":
            errors["project"] = f"no published project with id {raw!r}"
        else:
            filters.project_id = project.id
    if "q" in given:
        if len(given["q"]) > MAX_Q:
            errors["q"] = f"must be at most {MAX_Q} characters"
        filters.q = given["q"]
    if errors:
        raise ValidationError(errors)
    return filters


def attached_to(document: Document) -> dict[str, Any]:
    """What a document belongs to: its kind, key and name."""
    if document.project is not None:
        return {"kind": "project", "id": document.project.id, "title": document.project.title,
                "api_url": absolute_url(f"/api/v1/projects/{document.project.id}")}
    if document.plan is not None:
        return {"kind": "plan", "id": document.plan.external_id, "title": document.plan.title,
                "api_url": absolute_url(f"/api/v1/plans/{document.plan.external_id}")}
    if document.city is not None:
        return {"kind": "city", "id": document.city.slug, "title": document.city.name,
                "api_url": absolute_url(f"/api/v1/cities/{document.city.slug}")}
    return {"kind": "country", "id": document.country.code, "title": document.country.name, "api_url": None}


def document_to_dict(document: Document) -> dict[str, Any]:
    """One document in open data; `url` is the link, or for a file its download address."""
    return {
        "id": document.id,
        "title": document.title,
        "kind": "file" if document.is_file else "link",
        "url": absolute_url(f"/documents/{document.id}/file") if document.is_file else document.url,
        "page_url": absolute_url(f"/documents/{document.id}"),
        "format": document.format,
        "language": document.language,
        "category": document.category,
        "category_name": CATEGORIES.get(document.category or ""),
        "document_date": document.document_date.isoformat() if document.document_date else None,
        "size_bytes": document.size_bytes,
        "sha256": document.sha256,
        "attached_to": attached_to(document),
        "created_at": iso_datetime(document.created_at),
    }


def parse_list(params: Any) -> tuple[services.DocumentFilters, Page]:
    """Filters and paging together, so one 400 names every bad parameter."""
    errors: dict[str, str] = {}
    filters, page = services.DocumentFilters(), Page(50, None)
    try:
        filters = _filters(params)
    except ValidationError as error:
        errors.update(error.errors)
    try:
        page = parse_page(params, default=50, maximum=500)
    except ValidationError as error:
        errors.update(error.errors)
    if errors:
        raise ValidationError(errors)
    return filters, page


@bp.get("/api/v1/documents")
@versioned
def documents() -> Response:
    """Public documents (plans', places' and published projects'), filtered, one keyset page at a time."""
    filters, page = parse_list(request.args)
    rows = services.list_documents(filters, limit=page.limit + 1, after=page.after)
    more = len(rows) > page.limit
    items = [document_to_dict(row) for row in rows[:page.limit]]
    return json_response({"items": items, "next": next_url(items[-1]["id"]) if more else None,
                          "total": services.count_documents(filters)})
