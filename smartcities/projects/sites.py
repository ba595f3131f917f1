"""A project's sites (1 to 100 points with optional names): the one rule that checks a list of them, and how a
project's sites are read and replaced, shared by the form, the revisions, the Project file and the open data."""
from __future__ import annotations

import json
from typing import Any, NamedTuple

from smartcities.errors import ValidationError
from smartcities.projects.models import MAX_SITE_NAME, MAX_SITES, Project, ProjectSite
from smartcities.text import FieldError, clean_text


class Site(NamedTuple):
    """One site as plain values: WGS 84 degrees and an optional name."""

    lat: float
    lon: float
    name: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """The open data's shape: {"lat", "lon", "name"}."""
        return {"lat": self.lat, "lon": self.lon, "name": self.name}


def _degrees(value: Any, limit: float, what: str) -> float:
    if isinstance(value, bool) or value is None or (isinstance(value, str) and not value.strip()):
        raise FieldError(f"is required: the {what} in degrees")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise FieldError(f"{str(value)[:40]!r} is not a number") from None
    if number != number or not -limit <= number <= limit:
        raise FieldError(f"{what} must be between -{limit:g} and {limit:g}")
    return number


def parse_sites(items: Any, field: str = "locations", required: bool = True) -> list[Site]:
    """Check a list of {"lat", "lon", "name"} (the numbers may be numeric text): 1 to MAX_SITES sites (none is
    allowed when not `required`), latitude -90..90, longitude -180..180, a name of at most MAX_SITE_NAME
    characters by the input-hygiene rule. Raises ValidationError naming each bad value (`locations[3].lat`)."""
    if not isinstance(items, list):
        raise ValidationError(field, "must be a list of sites, each {\"lat\", \"lon\", \"name\"}")
    if len(items) > MAX_SITES:
        raise ValidationError(field, f"at most {MAX_SITES} sites per project, not {len(items)}")
    if required and not items:
        raise ValidationError(field, "give at least one site")
    sites, errors = [], {}
    for index, item in enumerate(items):
        here = f"{field}[{index}]"
        if not isinstance(item, dict):
            errors[here] = "must be an object {\"lat\", \"lon\", \"name\"}"
            continue
        values = {}
        for key, limit, what in (("lat", 90, "latitude"), ("lon", 180, "longitude")):
            try:
                values[key] = _degrees(item.get(key), limit, what)
            except FieldError as error:
                errors[f"{here}.{key}"] = str(error)
        try:
            values["name"] = clean_text(item.get("name"), "", MAX_SITE_NAME) or None
        except FieldError as error:
            errors[f"{here}.name"] = error.problem
        if len(values) == 3:
            sites.append(Site(values["lat"], values["lon"], values["name"]))
    if errors:
        raise ValidationError(errors)
    return sites


def parse_sites_json(text: str | None, field: str = "locations") -> list[Site] | None:
    """The form's hidden `locations` field: a JSON list of sites, or None when it is blank (not given)."""
    if text is None or not text.strip():
        return None
    try:
        items = json.loads(text)
    except (ValueError, RecursionError):
        raise ValidationError(field, "is not a JSON list of sites") from None
    return parse_sites(items, field, required=False)


def locations_field(sites: list[Site]) -> str:
    """The form's hidden `locations` value: every site as JSON when there are several or the one has a name (the
    map script starts from it), else blank, so that a browser without script edits the one site in the
    latitude/longitude fields (a given list would win; without one, the site keeps its name)."""
    several = len(sites) > 1 or any(site.name for site in sites)
    return json.dumps([site.as_dict() for site in sites], ensure_ascii=False) if several else ""


def sites_of(project: Project) -> list[Site]:
    """The project's sites in their order."""
    return [Site(s.latitude, s.longitude, s.name) for s in project.sites]


def site_points(project: Project) -> list[tuple[float, float]]:
    """(latitude, longitude) of every site, in order: what a distance between projects is measured from."""
    return [(s.latitude, s.longitude) for s in project.sites]


def set_sites(project: Project, sites: list[Site]) -> None:
    """Make the project's sites these, in this order, touching only what differs (position i stays row i, so
    the (project, position) key never clashes within a flush)."""
    rows = list(project.sites)
    for position, site in enumerate(sites):
        if position < len(rows):
            row = rows[position]
            for attribute, value in (("latitude", site.lat), ("longitude", site.lon), ("name", site.name)):
                if getattr(row, attribute) != value:
                    setattr(row, attribute, value)
        else:
            project.sites.append(ProjectSite(position=position, latitude=site.lat, longitude=site.lon,
                                             name=site.name))
    for row in rows[len(sites):]:
        project.sites.remove(row)


def recorded(sites: list[Site]) -> dict[str, Any]:
    """The sites as the audit trail and the revision diff record them: `latitude`/`longitude` of the first (as
    ever since projects had one point), and `locations` ("13.7563, 100.5018 Junction 12", …) once there is more
    than that one unnamed point (None until then, so a one-site project's history reads as it always did)."""
    first = sites[0] if sites else Site(None, None)
    several = len(sites) > 1 or bool(first.name)
    return {"latitude": first.lat, "longitude": first.lon, "locations": [
        f"{site.lat!r}, {site.lon!r}" + (f" {site.name}" if site.name else "") for site in sites] if several else None}


def from_json(data: Any) -> list[Site]:
    """Sites stored as JSON by a revision ([[lat, lon, name], …]); values already checked when stored."""
    return [Site(float(lat), float(lon), name) for lat, lon, name in data]
