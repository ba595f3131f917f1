"""Where projects are, for the home map: the one function reading projects' points, and the map's filters.

Every query of the map that needs a position goes through `map_points` (clusters, single pins); the list beside
the map reads the same filtered projects through `map_conditions`, so both always count the same projects.
"""
from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import ColumnElement, Subquery, func, select

from smartcities.accounts.visibility import PUBLIC, Audience, projects_visible_to
from smartcities.errors import ValidationError
from smartcities.extensions import db
from smartcities.geo.models import City
from smartcities.organisations.models import Organisation
from smartcities.projects.models import (
    FocusArea, Project, ProjectParticipation, ProjectSite, project_focus_areas,
)
from smartcities.projects.queries import (
    MAX_ID, ProjectFilters, clean_params, conditions, page_order, parse_filters, parse_int, within,
)
from smartcities.projects.validation import FieldError

# The filters of the map's API, with the meaning /api/v1/projects gives them, plus `funder` (the home map's
# "Funding partner": only a funding role counts).
FILTER_NAMES = ("q", "country", "city", "focus_area", "stage", "partner", "seeking_funding")
FUNDER = "funder"


@dataclass(frozen=True)
class MapFilters:
    """The project filters of the open data, a funding partner, and who is looking (the public, for open data)."""

    project: ProjectFilters = ProjectFilters()
    funder_id: int | None = None
    audience: Audience = PUBLIC

    def with_bbox(self, bbox: tuple[float, float, float, float] | None) -> MapFilters:
        """The same filters limited to a WGS 84 box (None: anywhere)."""
        return replace(self, project=replace(self.project, bbox=bbox))


def _funder(raw: str) -> int:
    """An organisation id; unlike `partner`, an unknown one is no error: it simply funds nothing."""
    if not re.fullmatch(r"\+?[0-9]+", raw):
        raise FieldError(f"{raw!r} is not an organisation id (a positive integer)")
    return parse_int(raw, "an organisation id")


def parse_map_filters(params: Mapping[str, str]) -> tuple[MapFilters, dict[str, str]]:
    """The map's filters from request parameters, and the errors naming each bad one (empty when all are good)."""
    errors: dict[str, str] = {}
    project = ProjectFilters()
    try:
        project = parse_filters({name: params.get(name, "") for name in FILTER_NAMES})
    except ValidationError as exc:
        errors.update(exc.errors)
    funder = None
    try:
        raw = clean_params(params, (FUNDER,)).get(FUNDER)
        funder = _funder(raw) if raw else None
    except ValidationError as exc:
        errors.update(exc.errors)
    except FieldError as exc:
        errors[FUNDER] = str(exc)
    return MapFilters(project, funder), errors


def map_conditions(filters: MapFilters) -> list[ColumnElement[bool]]:
    """SQL conditions on Project: the visibility rule, the open data's filters and the funding partner."""
    # conditions()[0] is "published": the visibility rule says which statuses this audience sees instead.
    where = [projects_visible_to(filters.audience), *conditions(filters.project)[1:]]
    if filters.funder_id is not None:
        where.append(Project.participations.any((ProjectParticipation.organisation_id == filters.funder_id)
                                                & (ProjectParticipation.role == "funding")))
    return where


def map_points(filters: MapFilters) -> Subquery:
    """THE place the map reads positions from: (project_id, lat, lon) of each matching visible project.

    One point per project, its first site (position 0), so that every count of the map is a count of projects.
    To draw every site instead, drop the position condition here and count distinct project ids in
    map_clusters (a project then appears wherever it has a site).
    """
    bbox = filters.project.bbox
    query = (select(Project.id.label("project_id"), ProjectSite.latitude.label("lat"),
                    ProjectSite.longitude.label("lon"))
             .join(ProjectSite, (ProjectSite.project_id == Project.id) & (ProjectSite.position == 0))
             .where(*map_conditions(filters.with_bbox(None))))
    if bbox:
        query = query.where(within(bbox, ProjectSite.longitude, ProjectSite.latitude))
    return query.subquery("points")


def count_matching(filters: MapFilters) -> int:
    """How many projects the map shows under these filters (the list's total)."""
    return db.session.scalar(select(func.count(Project.id)).where(*map_conditions(filters.with_bbox(None))))


def list_rows(filters: MapFilters, limit: int, after_id: int | None) -> list[dict[str, Any]]:
    """One page of the list beside the map in id order (best first for a search): id, title, city, country,
    stage, focus (first slug)."""
    query = (select(Project.id, Project.title, Project.stage, City.name.label("city"),
                    City.country_code.label("country"))
             .join(Project.city).where(*map_conditions(filters.with_bbox(None))).limit(limit))
    query = page_order(query, filters.project.q, None if after_id is None else min(after_id, MAX_ID))
    rows = [dict(row) for row in db.session.execute(query).mappings()]
    focus = first_focus([row["id"] for row in rows])
    for row in rows:
        row["focus"] = focus.get(row["id"])
    return rows


def first_focus(project_ids: list[int]) -> dict[int, str]:
    """The slug of each project's first focus area (framework order), which picks its pin's colour."""
    if not project_ids:
        return {}
    first = (select(project_focus_areas.c.project_id, func.min(project_focus_areas.c.focus_area_id).label("area"))
             .where(project_focus_areas.c.project_id.in_(project_ids))
             .group_by(project_focus_areas.c.project_id).subquery())
    return dict(db.session.execute(select(first.c.project_id, FocusArea.slug)
                                   .join(FocusArea, FocusArea.id == first.c.area)).all())


def focus_slugs(project_ids: list[int]) -> dict[int, list[str]]:
    """Each project's focus area slugs, in framework order."""
    found: dict[int, list[str]] = defaultdict(list)
    if project_ids:
        for project_id, slug in db.session.execute(
                select(project_focus_areas.c.project_id, FocusArea.slug).join(FocusArea)
                .where(project_focus_areas.c.project_id.in_(project_ids)).order_by(FocusArea.id)):
            found[project_id].append(slug)
    return found


def partner_roles(project_ids: list[int]) -> dict[int, list[dict[str, str]]]:
    """Each project's partners as {"name", "role"}, in the order they were added (public projects' partners
    are public organisations)."""
    found: dict[int, list[dict[str, str]]] = defaultdict(list)
    if project_ids:
        for project_id, name, role in db.session.execute(
                select(ProjectParticipation.project_id, Organisation.name, ProjectParticipation.role)
                .join(ProjectParticipation.organisation).where(ProjectParticipation.project_id.in_(project_ids))
                .order_by(ProjectParticipation.id)):
            found[project_id].append({"name": name, "role": role})
    return found


def focus_counts(filters: MapFilters) -> dict[str, int]:
    """Matching projects per focus area slug (the legend's numbers); areas without any are left out."""
    matching = select(Project.id).where(*map_conditions(filters.with_bbox(None)))
    rows = db.session.execute(
        select(FocusArea.slug, func.count(project_focus_areas.c.project_id))
        .join(project_focus_areas, project_focus_areas.c.focus_area_id == FocusArea.id)
        .where(project_focus_areas.c.project_id.in_(matching)).group_by(FocusArea.slug))
    return dict(rows.all())


def extent(filters: MapFilters) -> list[float] | None:
    """[minLon, minLat, maxLon, maxLat] of the matching projects' points (where to fit the map), or None."""
    points = map_points(filters)
    row = db.session.execute(select(func.min(points.c.lon), func.min(points.c.lat), func.max(points.c.lon),
                                    func.max(points.c.lat))).one()
    return None if row[0] is None else [float(value) for value in row]
