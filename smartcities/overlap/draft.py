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

# Bounds on what one check may ask the engine to analyse (a longer text would hold a worker for seconds).
MAX_LENGTHS = {"title": 300, "summary": 2_000, "description": 10_000}
MAX_PARTNERS = 50
MAX_PARTNER_NAME = 200


def known_focus_areas() -> dict[str, str]:
    """Lower-case name and slug -> canonical name."""
    names: dict[str, str] = {}
    for area in db.session.scalars(select(FocusArea)):
        names[area.name.lower()] = names[area.slug] = area.name
    return names


def _strings(value: Any, field: str, errors: dict[str, str]) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        errors[field] = "must be a list of strings"
        return []
    return [item.strip() for item in value if item.strip()]


def _partners(value: Any, errors: dict[str, str]) -> list[str]:
    """At most MAX_PARTNERS names of at most MAX_PARTNER_NAME characters; each long one named by position."""
    if isinstance(value, list) and len(value) > MAX_PARTNERS:
        errors["partners"] = f"must list at most {MAX_PARTNERS} partners"
        return []
    names = _strings(value, "partners", errors)
    if isinstance(value, list) and "partners" not in errors:
        for position, name in enumerate(value):
            if len(name.strip()) > MAX_PARTNER_NAME:
                errors[f"partners[{position}]"] = f"must be at most {MAX_PARTNER_NAME} characters"
    return names


def parse_draft(payload: Any) -> Draft:
    """Validate a JSON draft; raise ValidationError with every bad field."""
    if not isinstance(payload, dict):
        raise ValidationError("body", "must be a JSON object")
    errors: dict[str, str] = {}
    title = payload.get("title")
    if not isinstance(title, str) or not title.strip():
        errors["title"] = "is required"
    elif len(title) > MAX_LENGTHS["title"]:
        errors["title"] = f"must be at most {MAX_LENGTHS['title']:,} characters"
    texts = []
    for name in ("summary", "description"):
        value = payload.get(name)
        if value is not None and not isinstance(value, str):
            errors[name] = "must be text"
        elif value and len(value) > MAX_LENGTHS[name]:
            errors[name] = f"must be at most {MAX_LENGTHS[name]:,} characters"
        elif value:
            texts.append(value)
    city_value = payload.get("city")
    city = find_city(city_value) if isinstance(city_value, str) else None
    if city is None:
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
            dates[name] = v.parse_date(raw)
        except v.FieldError as exc:
            errors[name] = str(exc)
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
    partners = _partners(payload.get("partners"), errors)
    project_id = payload.get("project_id")
    if project_id is not None and (isinstance(project_id, bool) or not isinstance(project_id, int) or project_id < 1):
        errors["project_id"] = "must be the id of a registered project (a positive integer)"
    if errors:
        raise ValidationError(errors)
    return Draft(title=title.strip(), text=" ".join(texts), city=city.slug, country=city.country_code,
                 focus_areas=frozenset(areas[name.lower()] for name in focus),
                 start=dates.get("start_date"), end=dates.get("end_date"), lat=lat, lon=lon,
                 partners=frozenset(partners), project_id=project_id)
