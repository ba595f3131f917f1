"""IATI 2.03 XML of the published projects: /api/v1/iati/activities.xml and /api/v1/projects/<id>/iati.xml."""
from __future__ import annotations

from flask import Blueprint, Response, current_app, request

from smartcities.api.http import versioned
from smartcities.database import utcnow
from smartcities.documents import services as documents
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


def _documents(projects: list, reporter: export.Reporter) -> dict[int, list[export.DocumentLink]]:
    """The categorised documents of these projects as document-links (files by their download address)."""
    links: dict[int, list[export.DocumentLink]] = {}
    for document in documents.categorised_of_projects([project.id for project in projects]):
        url = document.url or f"{reporter.base_url}/documents/{document.id}/file"
        links.setdefault(document.project_id, []).append(export.DocumentLink(
            url, document.format, document.title, document.category, document.language, document.document_date))
    return links


def _xml(projects: list) -> Response:
    reporter = _reporter()
    document = export.activities(projects, reporter, utcnow(), _documents(projects, reporter))
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
