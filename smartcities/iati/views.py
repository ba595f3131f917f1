"""IATI 2.03 XML of the published projects: /api/v1/iati/activities.xml and /api/v1/projects/<id>/iati.xml."""
from __future__ import annotations

from flask import Blueprint, Response, current_app, request

from smartcities.api.http import versioned
from smartcities.database import utcnow
from smartcities.errors import NotFound
from smartcities.extensions import limiter
from smartcities.iati import export
from smartcities.projects.queries import get_project, list_projects, parse_filters

XML = "application/xml"

bp = Blueprint("iati", __name__)
# The same per-address budget as the rest of /api/v1 (one shared scope), unlimited when API_RATE_LIMIT is empty.
limiter.shared_limit(lambda: current_app.config["API_RATE_LIMIT"], scope="api")(bp)


def _reporter() -> export.Reporter:
    base = (current_app.config.get("PUBLIC_URL") or request.host_url).rstrip("/")
    return export.Reporter(current_app.config["IATI_REPORTING_ORG_REF"],
                           current_app.config["IATI_REPORTING_ORG_NAME"], base)


def _xml(projects: list) -> Response:
    document = export.activities(projects, _reporter(), utcnow())
    return current_app.response_class(export.to_bytes(document), mimetype=XML)


@bp.get("/api/v1/iati/activities.xml")
@versioned
def activities() -> Response:
    """Every matching published project as one IATI activity (the filters of /api/v1/projects, no paging)."""
    return _xml(list_projects(parse_filters(request.args)))


@bp.get("/api/v1/projects/<int(max=2147483647):project_id>/iati.xml")
@versioned
def project_activity(project_id: int) -> Response:
    """One published project as an IATI activities file."""
    found = get_project(project_id)
    if found is None:
        raise NotFound(f"no published project with id {project_id}")
    return _xml([found])
