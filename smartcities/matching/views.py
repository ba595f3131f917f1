"""Matches as JSON (/api/v1/…/matches), the partner's "Projects for you" page, dismissing a match, and the
project page's panel of likely funders (a template global, shown to the project's insiders)."""
from __future__ import annotations

import hashlib
from typing import Any

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from smartcities.accounts.permissions import can, require
from smartcities.accounts.visibility import may_see_organisation, may_see_project
from smartcities.api.http import data_version, json_response
from smartcities.errors import DomainError, NotFound
from smartcities.extensions import db, limiter
from smartcities.matching.services import dismiss, organisation_matches, project_matches
from smartcities.organisations.models import Organisation
from smartcities.projects.models import Project

bp = Blueprint("matching", __name__)
ID = "int(max=2147483647)"


def _personal(data: dict[str, Any]) -> Response:
    """A JSON answer that depends on who asks: never stored by a shared cache."""
    response = json_response(data)
    # Our own validators, so the open-data hook leaves this answer's Cache-Control alone.
    response.set_etag(hashlib.blake2b(response.get_data(), digest_size=16).hexdigest())
    response.last_modified = data_version().modified
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Vary"] = "Cookie"
    return response


def _organisation(organisation_id: int) -> Organisation:
    found = db.session.get(Organisation, organisation_id)
    if found is None or not found.is_public or not may_see_organisation(current_user, found):
        raise NotFound(f"no organisation with id {organisation_id}")
    return found


# The JSON answers count against the API's rate limit (API_RATE_LIMIT), as every other /api/v1 route does.
api_limit = limiter.shared_limit(lambda: current_app.config["API_RATE_LIMIT"], scope="api")


@bp.get(f"/api/v1/projects/<{ID}:project_id>/matches")
@api_limit
def project_matches_json(project_id: int) -> Response:
    """Organisations ranked by how likely they are to fund the project, with a score and reasons."""
    project = db.session.get(Project, project_id)
    if project is None or not may_see_project(current_user, project):
        raise NotFound(f"no project with id {project_id}")
    items = project_matches(project, current_user)
    return _personal({"project_id": project.id, "items": items, "total": len(items)})


@bp.get(f"/api/v1/organisations/<{ID}:organisation_id>/matches")
@api_limit
def organisation_matches_json(organisation_id: int) -> Response:
    """Published projects seeking funding ranked for the organisation (its own users: without the dismissed)."""
    organisation = _organisation(organisation_id)
    items = organisation_matches(organisation, current_user)
    return _personal({"organisation_id": organisation.id, "items": items, "total": len(items)})


@bp.get(f"/organisations/<{ID}:organisation_id>/projects-for-you")
@login_required
def for_you(organisation_id: int):
    """The partner's page of projects seeking funding that fit it, each with why, to dismiss or follow up."""
    organisation = _organisation(organisation_id)
    require(current_user, "act_for_organisation", organisation)
    return render_template("matching/for_you.html", organisation=organisation,
                           matches=organisation_matches(organisation, current_user))


@bp.post(f"/organisations/<{ID}:organisation_id>/matches/<{ID}:project_id>/dismiss")
@login_required
def dismiss_match(organisation_id: int, project_id: int):
    """Set a suggested project aside; it stays out of the organisation's matches."""
    organisation = _organisation(organisation_id)
    project = db.session.get(Project, project_id)
    if project is None or not may_see_project(current_user, project):
        abort(404)
    try:
        dismiss(organisation, project, current_user)
    except DomainError:
        db.session.rollback()
        raise
    db.session.commit()
    flash(_("The project will not be suggested again."), "success")
    return redirect(url_for("matching.for_you", organisation_id=organisation.id))


@bp.app_template_global("likely_funders")
def likely_funders(project: Project, limit: int = 5) -> list[dict[str, Any]] | None:
    """The project page's panel: for its city's officials, the country's focal point and admins; else None."""
    if not can(current_user, "view_internal", project):
        return None
    return project_matches(project, current_user, limit)
