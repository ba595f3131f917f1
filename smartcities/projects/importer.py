"""Bulk import of published projects from the Project file (CSV or GeoJSON): all rows or none."""
from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select

from smartcities.database import utcnow
from smartcities.errors import ValidationError
from smartcities.extensions import db
from smartcities.geo.models import Country
from smartcities.geo.services import city_index, lookup_city
from smartcities.organisations.models import Organisation
from smartcities.projects import validation as v
from smartcities.projects.models import FocusArea, Project, ProjectParticipation, project_focus_areas

COLUMNS = ("title", "summary", "city", "country", "focus_areas", "stage", "start_date", "end_date",
           "budget", "currency", "latitude", "longitude", "partners")
BATCH = 2000


@dataclass
class ImportContext:
    """Lookups loaded once per file, so 100,000 rows cost no per-row queries."""

    cities: dict = field(default_factory=city_index)
    countries: set[str] = field(default_factory=lambda: set(db.session.scalars(select(Country.code))))
    areas: dict[str, int] = field(default_factory=lambda: {
        fa.name.lower(): fa.id for fa in db.session.scalars(select(FocusArea))})


def read_rows(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """(row number, raw values) from a CSV (row 1 is the first data row) or a GeoJSON FeatureCollection."""
    if path.suffix.lower() in (".geojson", ".json"):
        yield from _geojson_rows(path)
        return
    with open(path, newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in ("title", "city") if c not in (reader.fieldnames or [])]
        if missing:
            raise ValidationError("header", f"the CSV header lacks column(s): {', '.join(missing)}; "
                                            f"expected: {','.join(COLUMNS)}")
        for number, row in enumerate(reader, start=1):
            yield number, row


def _geojson_rows(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValidationError("file", f"not valid JSON: {exc}") from None
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection" or not isinstance(
            data.get("features"), list):
        raise ValidationError("file", "a GeoJSON file must be a FeatureCollection")
    for number, feature in enumerate(data["features"], start=1):
        props = dict(feature.get("properties") or {}) if isinstance(feature, dict) else {}
        geometry = feature.get("geometry") if isinstance(feature, dict) else None
        if isinstance(geometry, dict) and geometry.get("type") == "Point":
            coords = geometry.get("coordinates") or []
            if len(coords) >= 2:
                props["longitude"], props["latitude"] = coords[0], coords[1]
        elif geometry is not None:
            props["geometry"] = "__invalid__"
        yield number, props


def clean_row(raw: dict[str, Any], ctx: ImportContext) -> tuple[dict | None, dict[str, str]]:
    """Validate one row: (clean values, {}) or (None, {field: message})."""
    errors: dict[str, str] = {}
    clean: dict[str, Any] = {}

    def attempt(name: str, fn: Callable[[], Any]) -> Any:
        try:
            return fn()
        except v.FieldError as exc:
            errors[name] = str(exc)
            return None

    title = str(raw.get("title") or "").strip()
    if not title or len(title) > 200:
        errors["title"] = "is required (at most 200 characters)"
    country = str(raw.get("country") or "").strip().upper()
    if country and country not in ctx.countries:
        errors["country"] = f"unknown country {raw.get('country')!r}; use an ASEAN ISO 3166-1 alpha-2 code"
    city = lookup_city(ctx.cities, str(raw.get("city") or ""))
    if city is None:
        errors["city"] = f"unknown city {raw.get('city')!r}"
    elif country and city.country_code != country:
        errors["city"] = f"{city.name} is in {city.country_code}, not {country}"
    if raw.get("geometry") == "__invalid__":
        errors["geometry"] = "must be a Point"
    areas = []
    for name in v.split_list(raw.get("focus_areas")):
        if name.lower() not in ctx.areas:
            errors["focus_areas"] = f"unknown focus area {name!r}"
        else:
            areas.append(ctx.areas[name.lower()])
    clean["stage"] = attempt("stage", lambda: v.parse_stage(raw.get("stage")))
    start = attempt("start_date", lambda: v.parse_date(raw.get("start_date")))
    end = attempt("end_date", lambda: v.parse_date(raw.get("end_date")))
    attempt("end_date", lambda: v.check_dates(start, end))
    budget = attempt("budget", lambda: v.parse_amount(raw.get("budget")))
    currency = attempt("currency", lambda: v.parse_currency(raw.get("currency")))
    if budget is not None and currency is None and "currency" not in errors:
        errors["currency"] = "is required when a budget is given"
    lat = attempt("latitude", lambda: v.parse_coordinate(raw.get("latitude"), 90, "latitude"))
    lon = attempt("longitude", lambda: v.parse_coordinate(raw.get("longitude"), 180, "longitude"))
    if (lat is None) != (lon is None) and "latitude" not in errors and "longitude" not in errors:
        errors["latitude" if lat is None else "longitude"] = "give both latitude and longitude, or neither"
    partners = [p for p in (attempt("partners", lambda s=s: v.parse_partner(s))
                            for s in v.split_list(raw.get("partners"))) if p]
    if errors:
        return None, errors
    clean.update(title=title, summary=str(raw.get("summary") or "").strip(), city_id=city.id,
                 start_date=start, end_date=end, budget_amount=budget, currency=currency,
                 latitude=lat if lat is not None else city.latitude,
                 longitude=lon if lon is not None else city.longitude)
    return {"project": clean, "areas": sorted(set(areas)), "partners": list(dict.fromkeys(partners))}, {}


def _organisation_ids(names: Iterable[str]) -> dict[str, int]:
    """Existing organisations by name; unknown names become new, unclassified organisations."""
    wanted = set(names)
    found = {o.name: o.id for o in db.session.scalars(select(Organisation).where(Organisation.name.in_(wanted)))}
    for name in sorted(wanted - set(found)):
        org = Organisation(name=name, kind="other", description="Added by a bulk project import.")
        db.session.add(org)
        db.session.flush()
        found[name] = org.id
    return found


def _write(rows: list[dict], now) -> None:
    values = [{**r["project"], "status": "published", "published_at": now, "created_at": now,
               "updated_at": now, "version": 1, "description": "", "seeking_funding": False} for r in rows]
    ids = db.session.scalars(insert(Project).returning(Project.id, sort_by_parameter_order=True), values).all()
    links = [{"project_id": pid, "focus_area_id": fa} for pid, r in zip(ids, rows) for fa in r["areas"]]
    if links:
        db.session.execute(insert(project_focus_areas), links)
    orgs = _organisation_ids(name for r in rows for name, _ in r["partners"])
    roles = [{"project_id": pid, "organisation_id": orgs[name], "role": role}
             for pid, r in zip(ids, rows) for name, role in r["partners"]]
    if roles:
        db.session.execute(insert(ProjectParticipation), roles)


def import_projects(path: Path, progress: Callable[[Iterable], Iterable] = lambda it: it) -> int:
    """Validate every row, then insert them all as published projects; on any error raise and write nothing."""
    ctx = ImportContext()
    clean_rows: list[dict] = []
    errors: dict[str, str] = {}
    for number, raw in progress(read_rows(path)):
        clean, row_errors = clean_row(raw, ctx)
        for name, message in row_errors.items():
            errors[f"row {number}: {name}"] = message
        if clean:
            clean_rows.append(clean)
    if errors:
        raise ValidationError(errors)
    if not clean_rows:
        raise ValidationError("file", "no project rows found")
    now = utcnow()
    for start in range(0, len(clean_rows), BATCH):
        _write(clean_rows[start:start + BATCH], now)
    db.session.flush()
    return len(clean_rows)
