"""Published projects: filters parsed from plain parameters (API, feeds, OGC, web map) and the queries over them."""
from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timezone
from typing import Any

from sqlalchemy import ColumnElement, Connection, Select, and_, func, or_, select
from sqlalchemy.orm import selectinload

from smartcities.accounts.visibility import PUBLISHED
from smartcities.errors import ValidationError
from smartcities.extensions import db
from smartcities.geo.models import City, Country
from smartcities.organisations.models import Organisation
from smartcities.projects import search
from smartcities.projects.models import (
    STAGES, FocusArea, Project, ProjectParticipation, ProjectSite, project_focus_areas,
)
from smartcities.projects.validation import FieldError
from smartcities.text import slugify

MAX_ID = 2**31 - 1  # ids are 32-bit integers in every database we run on
MAX_TEXT = 200
TRUE, FALSE = ("true", "1", "yes"), ("false", "0", "no")


def load_options() -> tuple:
    """Everything a serialised project shows, loaded in a fixed number of queries (no N+1)."""
    return (
        selectinload(Project.city).joinedload(City.country),
        selectinload(Project.focus_areas),
        selectinload(Project.participations).selectinload(ProjectParticipation.organisation),
    )


@dataclass(frozen=True)
class ProjectFilters:
    """Resolved filters: codes and ids that exist, bounds that make sense; None means "not filtered"."""

    country: str | None = None
    city_id: int | None = None
    focus_area_id: int | None = None
    stage: str | None = None
    partner_id: int | None = None
    seeking_funding: bool | None = None
    q: str | None = None
    bbox: tuple[float, float, float, float] | None = None
    updated_since: datetime | None = None


def parse_int(raw: str, what: str = "an id") -> int:
    """A positive 32-bit integer, or FieldError."""
    try:
        number = int(raw)
    except ValueError:
        raise FieldError(f"{raw!r} is not {what} (a positive integer)") from None
    if not 1 <= number <= MAX_ID:
        raise FieldError(f"must be between 1 and {MAX_ID}")
    return number


def parse_bool(raw: str) -> bool:
    """'true'/'false' (also 1/0, yes/no), any case."""
    value = raw.lower()
    if value not in TRUE + FALSE:
        raise FieldError(f"{raw!r} is not a boolean; use true or false")
    return value in TRUE


def parse_bbox(raw: str) -> tuple[float, float, float, float]:
    """'minLon,minLat,maxLon,maxLat' (or the 6-number form with heights, which are ignored), WGS 84."""
    parts = raw.split(",")
    try:
        numbers = [float(part) for part in parts]
    except ValueError:
        numbers = []
    if len(numbers) not in (4, 6) or not all(math.isfinite(n) for n in numbers):
        raise FieldError("must be four numbers: minLon,minLat,maxLon,maxLat")
    if len(numbers) == 6:
        numbers = [numbers[0], numbers[1], numbers[3], numbers[4]]
    min_lon, min_lat, max_lon, max_lat = numbers
    if not (-180 <= min_lon <= 180 and -180 <= max_lon <= 180):
        raise FieldError("longitudes must be between -180 and 180")
    if not (-90 <= min_lat <= max_lat <= 90):
        raise FieldError("latitudes must be between -90 and 90, the minimum first")
    return min_lon, min_lat, max_lon, max_lat


def parse_datetime(raw: str) -> datetime:
    """An ISO 8601 date or date-time, as aware UTC (a date means its midnight UTC, no offset means UTC)."""
    try:
        if len(raw) <= 10:
            value = datetime.combine(date.fromisoformat(raw), time(), timezone.utc)
        else:
            value = datetime.fromisoformat(raw.replace("z", "Z"))
        if value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)
    except (ValueError, OverflowError):
        raise FieldError(f"{raw!r} is not an ISO 8601 date or date-time, e.g. 2026-01-31T08:00:00Z") from None


def _country(raw: str) -> str:
    country = db.session.get(Country, raw.upper()) if len(raw) == 2 and raw.isascii() and raw.isalpha() else None
    if country is None:
        raise FieldError(f"unknown country {raw!r}; use an ISO 3166-1 alpha-2 code such as TH")
    return country.code


def _city(raw: str) -> int:
    city_id = db.session.scalar(select(City.id).where(City.slug == slugify(raw)))
    if city_id is None:
        raise FieldError(f"unknown city {raw!r}; use a city slug such as bangkok")
    return city_id


def _focus_area(raw: str) -> int:
    area_id = db.session.scalar(select(FocusArea.id).where(
        or_(func.lower(FocusArea.name) == raw.lower(), FocusArea.slug == slugify(raw))))
    if area_id is None:
        names = ", ".join(db.session.scalars(select(FocusArea.name).order_by(FocusArea.id)))
        raise FieldError(f"unknown focus area {raw!r}; use one of: {names}")
    return area_id


def _stage(raw: str) -> str:
    if raw.lower() not in STAGES:
        raise FieldError(f"{raw!r} is not a stage; use one of: {', '.join(STAGES)}")
    return raw.lower()


def _partner(raw: str) -> int:
    organisation_id = parse_int(raw, "an organisation id")
    organisation = db.session.get(Organisation, organisation_id)
    if organisation is None or not organisation.is_public:
        raise FieldError(f"no organisation with id {organisation_id}")
    return organisation_id


def _text(raw: str) -> str:
    if len(raw) > MAX_TEXT:
        raise FieldError(f"must be at most {MAX_TEXT} characters")
    return raw


# parameter name -> (ProjectFilters field, parser of the stripped, non-empty raw value)
PARSERS: dict[str, tuple[str, Callable[[str], Any]]] = {
    "country": ("country", _country),
    "city": ("city_id", _city),
    "focus_area": ("focus_area_id", _focus_area),
    "stage": ("stage", _stage),
    "partner": ("partner_id", _partner),
    "seeking_funding": ("seeking_funding", parse_bool),
    "q": ("q", _text),
    "bbox": ("bbox", parse_bbox),
    "updated_since": ("updated_since", parse_datetime),
}


def clean_params(params: Mapping[str, str], names: Sequence[str]) -> dict[str, str]:
    """The named parameters that were given (stripped, blanks dropped); NUL characters are refused."""
    given = {name: str(params.get(name) or "").strip() for name in names}
    bad = [name for name, value in given.items() if "\x00" in value]
    if bad:
        raise ValidationError({name: "must not contain NUL characters" for name in bad})
    return {name: value for name, value in given.items() if value}


def parse_filters(params: Mapping[str, str]) -> ProjectFilters:
    """Resolve the filter parameters; raise ValidationError naming every bad one. Unknown names are ignored."""
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for name, raw in clean_params(params, tuple(PARSERS)).items():
        field, parser = PARSERS[name]
        try:
            values[field] = parser(raw)
        except FieldError as exc:
            errors[name] = str(exc)
    if errors:
        raise ValidationError(errors)
    return ProjectFilters(**values)


def within(bbox: tuple[float, float, float, float], longitude: Any, latitude: Any) -> ColumnElement[bool]:
    """Points inside a WGS 84 box; one whose west edge is east of its east edge crosses the antimeridian."""
    min_lon, min_lat, max_lon, max_lat = bbox
    lon = (longitude.between(min_lon, max_lon) if min_lon <= max_lon
           else or_(longitude >= min_lon, longitude <= max_lon))  # RFC 7946, 5.2
    return and_(latitude.between(min_lat, max_lat), lon)


def conditions(filters: ProjectFilters) -> list[ColumnElement[bool]]:
    """SQL conditions for published projects matching the filters."""
    where: list[ColumnElement[bool]] = [PUBLISHED]
    f = filters
    if f.country:
        where.append(Project.city_id.in_(select(City.id).where(City.country_code == f.country)))
    if f.city_id:
        where.append(Project.city_id == f.city_id)
    if f.focus_area_id:
        where.append(Project.focus_areas.any(FocusArea.id == f.focus_area_id))
    if f.stage:
        where.append(Project.stage == f.stage)
    if f.partner_id:
        where.append(Project.participations.any(ProjectParticipation.organisation_id == f.partner_id))
    if f.seeking_funding is not None:
        where.append(Project.seeking_funding.is_(f.seeking_funding))
    if f.q:
        where.append(search.matching(f.q))
    if f.bbox:
        where.append(Project.sites.any(within(f.bbox, ProjectSite.longitude, ProjectSite.latitude)))  # any site
    if f.updated_since:
        where.append(Project.updated_at >= f.updated_since)
    return where


def count_projects(filters: ProjectFilters) -> int:
    """How many published projects match."""
    return db.session.scalar(select(func.count(Project.id)).where(*conditions(filters)))


def count_sites(filters: ProjectFilters) -> int:
    """How many sites the matching published projects have."""
    matching = select(Project.id).where(*conditions(filters))
    return db.session.scalar(select(func.count(ProjectSite.id)).where(ProjectSite.project_id.in_(matching)))


def page_order(query: Select, q: str | None, after_id: int | None) -> Select:
    """The order of a list of projects and its keyset: best first for a search (`q`), else by id."""
    if q:
        return search.ranked(query, q, after_id)
    query = query.order_by(Project.id)
    return query if after_id is None else query.where(Project.id > after_id)


def list_projects(filters: ProjectFilters, limit: int | None = None, after_id: int | None = None) -> list[Project]:
    """Matching projects in id order (best first for a search), after the keyset `after_id`, at most `limit`
    (None: all), fully loaded."""
    query = page_order(select(Project).where(*conditions(filters)).options(*load_options()), filters.q, after_id)
    if limit is not None:
        query = query.limit(limit)
    return list(db.session.scalars(query))


def map_rows(filters: ProjectFilters, limit: int | None = None, after_id: int | None = None,
             only_id: int | None = None, among: Collection[int] | None = None,
             conn: Connection | None = None) -> list[dict[str, Any]]:
    """The map's compact view of matching projects in id order: plain rows from four queries, no ORM objects.

    `latitude`/`longitude` are the first site's, `locations` every site's ({"lat", "lon", "name"} in order).
    The home map loads every project at once; this takes about a quarter of the time of loading them as objects.
    `among`: only these projects; `conn`: read on this connection (a migration's, a commit's) instead of the session.
    """
    execute = (conn or db.session).execute
    ids = select(Project.id).where(*conditions(filters)).order_by(Project.id)
    if after_id is not None:
        ids = ids.where(Project.id > after_id)
    if only_id is not None:
        ids = ids.where(Project.id == only_id)
    if limit is not None:
        ids = ids.limit(limit)
    if among is not None:
        # Resolved first, the four queries get a list: inside a bulk import's transaction PostgreSQL has no
        # statistics of the rows just written and answered the subquery form with a scan per query.
        wanted: Any = list(execute(ids.where(Project.id.in_(among))).scalars())
    else:
        wanted = select(ids.subquery().c.id)
    rows = execute(
        select(Project.id, Project.title, ProjectSite.longitude, ProjectSite.latitude, Project.stage,
               Project.seeking_funding, Project.updated_at, City.name.label("city"), City.slug.label("city_slug"),
               City.country_code.label("country"))
        .join(Project.city).join(ProjectSite, and_(ProjectSite.project_id == Project.id, ProjectSite.position == 0))
        .where(Project.id.in_(wanted)).order_by(Project.id)).mappings()
    sites: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for project_id, lat, lon, name in execute(
            select(ProjectSite.project_id, ProjectSite.latitude, ProjectSite.longitude, ProjectSite.name)
            .where(ProjectSite.project_id.in_(wanted)).order_by(ProjectSite.project_id, ProjectSite.position)):
        sites[project_id].append({"lat": lat, "lon": lon, "name": name})
    areas: dict[int, list[str]] = defaultdict(list)
    for project_id, name in execute(
            select(project_focus_areas.c.project_id, FocusArea.name).join(FocusArea)
            .where(project_focus_areas.c.project_id.in_(wanted)).order_by(FocusArea.id)):
        areas[project_id].append(name)
    partners: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for project_id, organisation_id, name, role in execute(
            select(ProjectParticipation.project_id, Organisation.id, Organisation.name, ProjectParticipation.role)
            .join(ProjectParticipation.organisation).where(ProjectParticipation.project_id.in_(wanted))
            .order_by(ProjectParticipation.id)):
        partners[project_id].append({"id": organisation_id, "name": name, "role": role})
    return [{**row, "focus_areas": areas[row["id"]], "partners": partners[row["id"]], "locations": sites[row["id"]]}
            for row in rows]


def recent_projects(filters: ProjectFilters, limit: int) -> list[Project]:
    """The most recently published or updated matching projects, newest first (for feeds)."""
    query = (select(Project).where(*conditions(filters)).options(*load_options())
             .order_by(Project.updated_at.desc(), Project.id.desc()).limit(limit))
    return list(db.session.scalars(query))


def get_project(project_id: int) -> Project | None:
    """One published project, fully loaded, or None (drafts and archived projects are not public)."""
    if not 1 <= project_id <= MAX_ID:
        return None
    query = select(Project).where(Project.id == project_id, *conditions(ProjectFilters())).options(*load_options())
    return db.session.scalars(query).one_or_none()


def counts_by(dimension: str) -> dict[Any, int]:
    """Published projects per "city" (id), "country" (code), "focus_area" (id) or "organisation" (id)."""
    column, join = {
        "city": (Project.city_id, None),
        "country": (City.country_code, Project.city),
        "focus_area": (FocusArea.id, Project.focus_areas),
        "organisation": (ProjectParticipation.organisation_id, Project.participations),
    }[dimension]
    query = (select(column, func.count(func.distinct(Project.id)))
             .select_from(Project).where(*conditions(ProjectFilters())))
    if join is not None:
        query = query.join(join)
    return dict(db.session.execute(query.group_by(column)).all())
