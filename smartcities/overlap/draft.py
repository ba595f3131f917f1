"""Parses an overlap-check request (the design's JSON draft) into an engine Draft, naming each bad field."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select

from smartcities.errors import ValidationError
from smartcities.extensions import db
from smartcities.geo.services import find_city
from smartcities.overlap.engine import Draft
from smartcities.projects import validation as v
from smartcities.projects.models import FocusArea
from smartcities.projects.sites import parse_sites

# Bounds on what one check may ask the engine to analyse (a longer text would hold a worker for seconds).
MAX_LENGTHS = {"title": 300, "summary": 2_000, "description": 10_000}
MAX_PARTNERS = 50
MAX_PARTNER_NAME = 200
MAX_NAME = 200  # a city or a focus area named in the draft (longer names are no known one)


def known_focus_areas() -> dict[str, str]:
    """Lower-case name and slug -> canonical name."""
    names: dict[str, str] = {}
    for area in db.session.scalars(select(FocusArea)):
        names[area.name.lower()] = names[area.slug] = area.name
    return names


def _text(value: Any, field: str, limit: int, errors: dict[str, str], multiline: bool = False) -> str | None:
    """The shared input-hygiene rule (text.clean_text); None with `errors[field]` set when it refuses."""
    try:
        return v.clean_text(value, field, limit, multiline)
    except v.FieldError as exc:
        errors[field] = exc.problem
        return None


def _strings(value: Any, field: str, errors: dict[str, str], limit: int = MAX_NAME) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        errors[field] = "must be a list of strings"
        return []
    items = [_text(item, f"{field}[{position}]", limit, errors) for position, item in enumerate(value)]
    return [item for item in items if item]


def _partners(value: Any, errors: dict[str, str]) -> list[str]:
    """At most MAX_PARTNERS names of at most MAX_PARTNER_NAME characters; each long one named by position."""
    if isinstance(value, list) and len(value) > MAX_PARTNERS:
        errors["partners"] = f"must list at most {MAX_PARTNERS} partners"
        return []
    return _strings(value, "partners", errors, MAX_PARTNER_NAME)


def parse_draft(payload: Any) -> Draft:
    """Validate a JSON draft; raise ValidationError with every bad field."""
    if not isinstance(payload, dict):
        raise ValidationError("body", "must be a JSON object")
    errors: dict[str, str] = {}
    title = payload.get("title")
    if not isinstance(title, str) or not title.strip():
        errors["title"] = "is required"
    else:
        title = _text(title, "title", MAX_LENGTHS["title"], errors)
    texts = []
    for name in ("summary", "description"):
        value = _text(payload.get(name), name, MAX_LENGTHS[name], errors, multiline=True)
        if value:
            texts.append(value)
    city_value = payload.get("city")
    city = None
    if isinstance(city_value, str) and _text(city_value, "city", MAX_NAME, errors) is not None:
        city = find_city(city_value)
    if city is None and "city" not in errors:
        errors["city"] = f"unknown city {city_value!r}; give a city slug or name" if city_value else "is required"
    areas = known_focus_areas()
    focus = _strings(payload.get("focus_areas"), "focus_areas", errors)
    unknown = [name for name in focus if name.lower() not in areas]
    if unknown:
        errors["focus_areas"] = f"unknown focus area {unknown[0]!r}"
    dates = {}
    for name in ("start_date", "end_date"):
        try:
            raw = payload.get(name)
            if raw is not None and not isinstance(raw, str):
                raise v.FieldError("must be a date in the form YYYY-MM-DD")
            dates[name] = v.parse_date(v.clean_text(raw, name, 40))
        except v.FieldError as exc:
            errors[name] = exc.problem
    if "start_date" not in errors and "end_date" not in errors:
        try:
            v.check_dates(dates.get("start_date"), dates.get("end_date"))
        except v.FieldError as exc:
            errors["end_date"] = str(exc)
    lat = lon = None
    location = payload.get("location")
    if location is not None:
        if not isinstance(location, dict):
            errors["location"] = 'must be an object {"lat": …, "lon": …}'
        else:
            for key, limit in (("lat", 90), ("lon", 180)):
                raw = location.get(key)
                if isinstance(raw, bool) or not isinstance(raw, (int, float)) or not -limit <= raw <= limit:
                    errors[f"location.{key}"] = f"must be a number between -{limit} and {limit}"
            if not errors.keys() & {"location.lat", "location.lon"}:
                lat, lon = float(location["lat"]), float(location["lon"])
    sites: tuple[tuple[float, float], ...] = ()
    if payload.get("locations") is not None:  # every site; the first stands for the project like `location`
        try:
            sites = tuple((site.lat, site.lon) for site in parse_sites(payload["locations"], required=False))
        except ValidationError as exc:
            errors.update(exc.errors)
        if sites and lat is None:
            lat, lon = sites[0]
    partners = _partners(payload.get("partners"), errors)
    project_id = payload.get("project_id")
    if project_id is not None and (isinstance(project_id, bool) or not isinstance(project_id, int) or project_id < 1):
        errors["project_id"] = "must be the id of a registered project (a positive integer)"
    if errors:
        raise ValidationError(errors)
    return Draft(title=title, text=" ".join(texts), city=city.slug, country=city.country_code,
                 focus_areas=frozenset(areas[name.lower()] for name in focus),
                 start=dates.get("start_date"), end=dates.get("end_date"), lat=lat, lon=lon, sites=sites,
                 partners=frozenset(partners), project_id=project_id)
