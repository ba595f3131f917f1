"""Bulk import of published projects from the Project file (CSV or GeoJSON): all rows or none.

A CSV row has one site (latitude, longitude); a GeoJSON feature a Point or a MultiPoint of up to 100 sites,
with an optional `location_names` property (one name or null per point, in order). Without a place, a new
project stands at its city's centre.

A row whose `id` (or `url`, …/projects/<id>) names a published project of this portal updates that project,
as when the portal's own export (/api/v1/projects.csv or .geojson) is edited and imported back; a row without
one is a new project. Columns outside the contract (the export's `description`, `city_slug`, `updated_at`, …)
are ignored. An update changes only what the row states: a column the file does not have (the GeoJSON export
has no summary, dates or budget) leaves that field as it is.
"""
from __future__ import annotations

import csv
import gc
import json
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from itertools import islice
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from sqlalchemy import insert, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import selectinload

from smartcities import public_version
from smartcities.audit import services as audit
from smartcities.audit.models import AuditEvent
from smartcities.database import utcnow
from smartcities.errors import ValidationError
from smartcities.extensions import db
from smartcities.geo.models import City, Country
from smartcities.geo.services import city_index, lookup_city
from smartcities.organisations.models import Organisation, OrganisationName
from smartcities.organisations.names import lookup_keys
from smartcities.organisations.services import index_names
from smartcities.projects import search_index
from smartcities.projects import validation as v
from smartcities.projects.models import (
    IATI_ROLES, MAX_SITES, FocusArea, Project, ProjectParticipation, ProjectSite, project_focus_areas,
)
from smartcities.projects.services import snapshot
from smartcities.projects.sites import Site, parse_sites, recorded, set_sites, sites_of

COLUMNS = ("title", "summary", "city", "country", "focus_areas", "stage", "start_date", "end_date",
           "budget", "currency", "latitude", "longitude", "partners")
BATCH = 2000  # rows checked (existing projects looked up) and written per round trip
MAX_PARTNERS = 50
MAX_PARTNER_NAME = 200  # Organisation.name
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")  # what the CSV export quotes (smartcities.api.exports.safe_cell)
PROJECT_PAGE = re.compile(r"^/projects/(\d+)/?$")
# The input-hygiene rule (text.clean_text) for every text a row may hold: (column's size, multi-line).
TEXTS = {"title": (200, False), "summary": (2000, True), "city": (200, False), "country": (200, False),
         "focus_areas": (2000, False), "stage": (200, False), "start_date": (200, False), "end_date": (200, False),
         "budget": (200, False), "currency": (200, False), "latitude": (200, False), "longitude": (200, False),
         "partners": (20_000, False), "id": (200, False), "url": (2000, False)}
ANALYZE_AFTER = 1000  # rows written by an import from which PostgreSQL's statistics are refreshed at once
ANALYZE_BULK_TABLES = text("ANALYZE projects, project_sites, project_focus_areas, project_participations, "
                           "organisations, organisation_names, audit_events, project_search, search_words")
NUMBERS = ("budget", "latitude", "longitude", "id")  # the columns a GeoJSON property may give as a number
LISTS = ("focus_areas", "partners")  # and those it may give as a list (as the GeoJSON export does)
# Which project attributes each contract column sets; an update sets only those of the columns the row has.
SETS = {"title": ("title",), "summary": ("summary",), "stage": ("stage",), "start_date": ("start_date",),
        "end_date": ("end_date",), "budget": ("budget_amount",), "currency": ("currency",),
        "latitude": ("sites",), "longitude": ("sites",), "locations": ("sites",)}
# What an update must know of a project to check the row against it (read as plain rows, not objects).
CURRENT = (Project.id, Project.status, Project.city_id, Project.start_date, Project.end_date,
           Project.budget_amount, Project.currency, Project.funding_sought)


@dataclass
class ImportContext:
    """Lookups loaded once per file, so 100,000 rows cost no per-row queries."""

    cities: dict = field(default_factory=city_index)
    countries: set[str] = field(default_factory=lambda: set(db.session.scalars(select(Country.code))))
    areas: dict[str, int] = field(default_factory=lambda: {
        fa.name.lower(): fa.id for fa in db.session.scalars(select(FocusArea))})
    current: dict[int, Any] = field(default_factory=dict)  # the projects the rows being checked name, by id
    claimed: dict[int, int] = field(default_factory=dict)  # project id -> the row that updates it

    def area(self, area_id: int) -> FocusArea:
        return db.session.get(FocusArea, area_id)


def read_rows(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """(row number, raw values) from a CSV (row 1 is the first data row) or a GeoJSON FeatureCollection.

    A row holds only the columns (properties) the file has, so an update can tell "empty" from "not given".
    """
    if path.suffix.lower() in (".geojson", ".json"):
        yield from _geojson_rows(path)
        return
    with open(path, newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle, restval="")
        try:
            missing = [c for c in ("title", "city") if c not in (reader.fieldnames or [])]
            if missing:
                raise ValidationError("header", f"the CSV header lacks column(s): {', '.join(missing)}; "
                                                f"expected: {','.join(COLUMNS)}")
            for number, row in enumerate(reader, start=1):
                yield number, {name: _unquote(value) for name, value in row.items() if isinstance(name, str)}
        except UnicodeDecodeError:
            raise ValidationError("file", "is not UTF-8 text") from None
        except csv.Error as exc:  # e.g. a cell over the csv module's 131,072 characters
            raise ValidationError("file", f"line {reader.line_num}: not readable as CSV ({exc})") from None


def _unquote(value: Any) -> Any:
    """Undo the quote the export puts before a cell a spreadsheet would run as a formula ("'=SUM…")."""
    if isinstance(value, str) and len(value) > 1 and value[0] == "'" and value[1] in FORMULA_STARTS:
        return value[1:]
    return value


def _geojson_rows(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:  # RecursionError: nested too deep
        raise ValidationError("file", f"not valid JSON: {exc}") from None
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection" or not isinstance(
            data.get("features"), list):
        raise ValidationError("file", "a GeoJSON file must be a FeatureCollection")
    for number, feature in enumerate(data["features"], start=1):
        properties = feature.get("properties") if isinstance(feature, dict) else None
        props = dict(properties) if isinstance(properties, dict) else {}
        geometry = feature.get("geometry") if isinstance(feature, dict) else None
        if isinstance(geometry, dict) and geometry.get("type") == "Point":
            coords = geometry.get("coordinates")
            problem = _point_problem(coords)
            if problem:
                props["geometry"] = problem
            else:
                props["longitude"], props["latitude"] = coords[0], coords[1]
        elif isinstance(geometry, dict) and geometry.get("type") == "MultiPoint":
            props.update(_multipoint(geometry.get("coordinates")))
        elif geometry is not None:
            props["geometry"] = "must be a Point or a MultiPoint"
        yield number, props


def _multipoint(coords: Any) -> dict[str, Any]:
    """A MultiPoint's sites as {"locations": [{"lat", "lon"}, …]}, or {"geometry": what is wrong}."""
    if not isinstance(coords, list) or not 1 <= len(coords) <= MAX_SITES:
        return {"geometry": f"a MultiPoint has 1 to {MAX_SITES} points (one per site)"}
    for index, point in enumerate(coords, start=1):
        problem = _point_problem(point)
        if problem:
            return {"geometry": f"point {index}: {problem}"}
    return {"locations": [{"lon": point[0], "lat": point[1]} for point in coords]}


def _point_problem(coords: Any) -> str | None:
    """What is wrong with a Point's coordinates, or None for [longitude, latitude(, altitude)] in range."""
    if not isinstance(coords, list) or not 2 <= len(coords) <= 3 or not all(
            isinstance(c, (int, float)) and not isinstance(c, bool) and c == c for c in coords):
        return f"coordinates must be [longitude, latitude] numbers, not {json.dumps(coords)[:40]}"
    if not -180 <= coords[0] <= 180 or not -90 <= coords[1] <= 90:
        return (f"coordinates {json.dumps(coords)[:40]} are out of range: longitude is -180 to 180, "
                "latitude -90 to 90")
    return None


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def target_id(raw: dict[str, Any], errors: dict[str, str]) -> int | None:
    """The project a row names by `id`, or else by a `url` of the form …/projects/<id>; None for a new project."""
    number = None
    value = raw.get("id")
    if not _blank(value):
        text = str(value).strip()
        if isinstance(value, bool) or not text.isdigit() or not 0 < int(text) < 2 ** 31:
            errors["id"] = f"{value!r} is not the id of a project of this portal; leave it empty for a new project"
            return None
        number = int(text)
    url = raw.get("url")
    if not _blank(url):
        match = PROJECT_PAGE.match(urlparse(str(url).strip()).path)
        if match and number is None:
            number = int(match[1])
        elif match and int(match[1]) != number:
            errors["url"] = f"{url!r} is the page of project {match[1]}, but the row's id is {number}"
    return number


def _check_target(number: int | None, row: int, ctx: ImportContext, errors: dict[str, str]) -> Any:
    """The current values of the project a row updates, or None; names what is wrong in `errors`."""
    if number is None:
        return None
    current = ctx.current.get(number)
    if current is None:
        errors["id"] = f"there is no project {number} in this portal; leave id empty to add the row as a new project"
    elif current.status != "published":
        errors["id"] = f"project {number} is {current.status}: an import updates only published projects"
    elif ctx.claimed.setdefault(number, row) != row:
        errors["id"] = f"project {number} is already named by row {ctx.claimed[number]}"
    else:
        return current
    return None


def partner_list(value: Any, errors: dict[str, str]) -> list[tuple[str, str]]:
    """(name, role) pairs from 'Name (role); …' or, as the GeoJSON export has them, [{"name", "role"}, …]."""
    pairs = []
    items = value if isinstance(value, list) else v.split_list(value)
    for item in items:
        try:
            if isinstance(item, dict):
                name = v.clean_text(item.get("name") or "", "a partner's name", 4000)
                role = str(item.get("role") or "").strip().lower()
                if role not in IATI_ROLES:
                    raise v.FieldError(f"{item.get('role')!r} is not a role; use one of: {', '.join(IATI_ROLES)}")
            elif _blank(item):
                continue
            else:
                name, role = v.parse_partner(str(item))
            if not 1 <= len(name) <= MAX_PARTNER_NAME:
                shown = name if len(name) <= 40 else name[:40] + "…"
                raise v.FieldError(f"a partner's name must be 1 to {MAX_PARTNER_NAME} characters "
                                   f"({shown!r} has {len(name)})")
        except v.FieldError as exc:
            errors["partners"] = str(exc)
            continue
        pairs.append((name, role))
    pairs = list(dict.fromkeys(pairs))
    if len(pairs) > MAX_PARTNERS and "partners" not in errors:
        errors["partners"] = f"at most {MAX_PARTNERS} partners per project (this row has {len(pairs)})"
    return pairs


def clean_row(raw: dict[str, Any], ctx: ImportContext, number: int = 0) -> tuple[dict | None, dict[str, str]]:
    """Validate one row: (clean values, {}) or (None, {field: message}).

    For a row that updates a project, the rules across fields (dates in order, a currency with a budget or an
    amount sought) hold for the project as it will be: the row's values, and the project's own where the
    file has no such column.
    """
    errors: dict[str, str] = {}
    clean: dict[str, Any] = {}
    given = {name for name in (*COLUMNS, "locations") if name in raw}

    def attempt(name: str, fn: Callable[[], Any]) -> Any:
        try:
            return fn()
        except v.FieldError as exc:
            errors[name] = str(exc)
            return None

    for name, (limit, multiline) in TEXTS.items():
        value = raw.get(name)
        if name in NUMBERS and isinstance(value, (int, float)) and not isinstance(value, bool):
            value = raw[name] = str(value)  # a GeoJSON number is read as its text in a CSV cell would be
        if value is not None and not (name in LISTS and isinstance(value, list)):
            try:
                raw[name] = v.clean_text(value, name, limit, multiline)  # refuses any other type: "must be text"
            except v.FieldError as exc:
                errors[name] = exc.problem
                raw[name] = None if name in ("id", "url") else ""
    if errors:  # a row with a NUL, a bidi control or an over-long text: checking it further says nothing more
        return None, errors
    current = _check_target(target_id(raw, errors), number, ctx, errors)

    def after(column: str, value: Any, attribute: str | None = None) -> Any:
        """The field as the project will have it once the row is imported."""
        return value if current is None or column in given else getattr(current, attribute or column)

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
    elif current is not None and current.city_id != city.id:
        home = db.session.get(City, current.city_id)
        errors["city"] = f"project {current.id} is in {home.name}, not {city.name}; an import does not move a project"
    if raw.get("geometry"):
        errors["geometry"] = str(raw["geometry"])
    areas = []
    for name in v.split_list(raw.get("focus_areas")):
        if name.lower() not in ctx.areas:
            errors["focus_areas"] = f"unknown focus area {name!r}"
        else:
            areas.append(ctx.areas[name.lower()])
    clean["stage"] = attempt("stage", lambda: v.parse_stage(raw.get("stage")))
    start = attempt("start_date", lambda: v.parse_date(raw.get("start_date")))
    end = attempt("end_date", lambda: v.parse_date(raw.get("end_date")))
    if "start_date" not in errors and "end_date" not in errors:
        attempt("end_date" if current is None or "end_date" in given else "start_date",
                lambda: v.check_dates(after("start_date", start), after("end_date", end)))
    budget = attempt("budget", lambda: v.parse_amount(raw.get("budget")))
    currency = attempt("currency", lambda: v.parse_currency(raw.get("currency")))
    if "budget" not in errors and "currency" not in errors and after("currency", currency) is None:
        if after("budget", budget, "budget_amount") is not None:
            errors["currency"] = "is required when a budget is given"
        elif current is not None and current.funding_sought is not None:
            errors["currency"] = f"is required: project {current.id} seeks funding of {current.funding_sought}"
    lat = attempt("latitude", lambda: v.parse_coordinate(raw.get("latitude"), 90, "latitude"))
    lon = attempt("longitude", lambda: v.parse_coordinate(raw.get("longitude"), 180, "longitude"))
    if (lat is None) != (lon is None) and "latitude" not in errors and "longitude" not in errors:
        errors["latitude" if lat is None else "longitude"] = "give both latitude and longitude, or neither"
    sites = _row_sites(raw, lat, lon, errors)
    partners = partner_list(raw.get("partners"), errors)
    if errors:
        return None, errors
    clean.update(title=title, summary=str(raw.get("summary") or "").strip(), city_id=city.id,
                 start_date=start, end_date=end, budget_amount=budget, currency=currency,
                 sites=sites or [Site(city.latitude, city.longitude)])
    row = {"number": number, "id": None, "city": city, "project": clean, "areas": sorted(set(areas)),
           "partners": partners}
    if current is not None:  # only what the row states
        row.update(id=current.id, areas=row["areas"] if "focus_areas" in given else None,
                   partners=partners if "partners" in given else None, one_point="locations" not in given,
                   project={name: clean[name] for column in given for name in SETS.get(column, ())})
    return row, {}


def _row_sites(raw: dict[str, Any], lat: float | None, lon: float | None, errors: dict[str, str]) -> list[Site]:
    """The row's sites: a MultiPoint's, else its one point; `location_names` names them (same length)."""
    points = raw.get("locations") or ([{"lat": lat, "lon": lon}] if lat is not None and lon is not None else [])
    names = raw.get("location_names")
    if names is not None:
        if not isinstance(names, list) or len(names) != len(points):
            shown = len(names) if isinstance(names, list) else "no list of"
            errors["location_names"] = (f"must list one name (or null) per point of the geometry: {len(points)} "
                                        f"point(s), {shown} name(s)")
            return []
        points = [dict(point, name=name) for point, name in zip(points, names)]
    try:
        return parse_sites(points, "location_names", required=False)
    except ValidationError as exc:  # the points were checked with the geometry: only a name can be wrong here
        errors.update({name.removesuffix(".name"): message for name, message in exc.errors.items()})
        return []


def find_or_add_organisations(names: Iterable[str]) -> dict[str, Organisation]:
    """Existing public organisations by name, else by the keys of their other names (as find_organisation
    decides: the surest key that names exactly one); the other names become new, unclassified organisations
    (one per key: "Foo Ltd" and "FOO" in one file are one). A few queries whatever the number of names."""
    wanted = set(names)
    public = Organisation.is_public.is_(True)
    found = {o.name: o for o in db.session.scalars(select(Organisation).where(Organisation.name.in_(wanted), public))}
    missing = sorted(wanted - set(found))
    keys = {name: lookup_keys(name) for name in missing}
    owners: dict[str, set[int]] = defaultdict(set)
    for org_id, key in db.session.execute(select(OrganisationName.organisation_id, OrganisationName.key).join(
            Organisation).where(OrganisationName.key.in_({k for ks in keys.values() for k in ks}), public)):
        owners[key].add(org_id)
    made: dict[str, Organisation] = {}
    for name in missing:
        ids = next((owners[key] for key in keys[name] if key in owners), set())
        same = next((made[key] for key in keys[name] if key in made), None)
        if len(ids) == 1:
            found[name] = db.session.get(Organisation, next(iter(ids)))
        elif same is not None:
            found[name] = same
        else:
            found[name] = Organisation(name=name, kind="other", description="Added by a bulk project import.")
            index_names(found[name])
            db.session.add(found[name])
            made.update(dict.fromkeys(keys[name], found[name]))
    db.session.flush()
    return found


def _created_changes(row: dict, names: dict[int, str], published: str) -> dict[str, list[Any]]:
    """`audit.diff({}, snapshot(project))` of the project a row creates, built without loading it back.

    Written out field by field (with `published`, the ISO time of publication): at 100,000 rows the generic
    snapshot and diff would cost more than inserting the events.
    """
    p = row["project"]
    start, end, budget = p["start_date"], p["end_date"], p["budget_amount"]
    values = {name: p[name] for name in ("title", "summary", "stage", "currency")}
    values.update(**recorded(p["sites"]), start_date=start and start.isoformat(),
                  end_date=end and end.isoformat(), seeking_funding=False,
                  city=row["city"].slug, status="published", budget=None if budget is None else str(budget),
                  published_at=published, version=1, focus_areas=[names[i] for i in row["areas"]],
                  partners=sorted(f"{name} ({role})" for name, role in row["partners"]))
    return {name: [None, value] for name, value in values.items() if value not in (None, "", [])}


def _create(rows: list[dict], now: datetime) -> None:
    """Insert new published projects with their links, and a "created" event each (by the system)."""
    values = [{**{k: v for k, v in r["project"].items() if k != "sites"}, "status": "published",
               "published_at": now, "created_at": now, "updated_at": now, "version": 1, "description": "",
               "seeking_funding": False} for r in rows]
    ids = db.session.scalars(insert(Project).returning(Project.id, sort_by_parameter_order=True), values).all()
    db.session.execute(insert(ProjectSite), [
        {"project_id": pid, "position": position, "name": site.name, "latitude": site.lat, "longitude": site.lon}
        for pid, r in zip(ids, rows) for position, site in enumerate(r["project"]["sites"])])
    links = [{"project_id": pid, "focus_area_id": fa} for pid, r in zip(ids, rows) for fa in r["areas"]]
    if links:
        db.session.execute(insert(project_focus_areas), links)
    orgs = find_or_add_organisations(name for r in rows for name, _ in r["partners"])
    # Two names of one organisation in a row ("ADB", "Asian Development Bank") are one participation.
    roles = [{"project_id": pid, "organisation_id": org_id, "role": role} for pid, r in zip(ids, rows)
             for org_id, role in dict.fromkeys((orgs[name].id, role) for name, role in r["partners"])]
    if roles:
        db.session.execute(insert(ProjectParticipation), roles)
    names = dict(db.session.execute(select(FocusArea.id, FocusArea.name)).all())
    published = audit.jsonable(now)
    db.session.execute(AuditEvent.__table__.insert(), [  # Core: 100,000 events without the ORM's bookkeeping
        {"entity_type": "project", "entity_id": pid, "action": "created", "user_id": None, "created_at": now,
         "changes": _created_changes(r, names, published)} for pid, r in zip(ids, rows)])
    conn = db.session.connection()
    if conn.dialect.name == "postgresql":
        # The derived rows are read back from what this transaction just wrote: without statistics of those rows
        # the planner scans whole tables for every batch (an import of 100,000 took twice as long).
        conn.execute(text("ANALYZE projects, project_sites, project_participations, project_focus_areas"))
    search_index.refresh(conn, ids)  # bulk inserts: no flush to say what to index


def update_from_import(project: Project, row: dict, organisations: dict[str, Organisation],
                       ctx: ImportContext, now: datetime) -> bool:
    """Apply a checked row to the published project it names; record an "updated" event. False if unchanged.

    The one place an import changes an existing project, so that it can be routed through review later.
    """
    before = snapshot(project)
    with db.session.no_autoflush:
        for name, value in row["project"].items():
            if name == "sites":
                set_sites(project, _moved_first_site(project, value) if row.get("one_point") else value)
            elif getattr(project, name) != value:
                setattr(project, name, value)
        if row["areas"] is not None:
            areas = [ctx.area(i) for i in row["areas"]]
            if list(project.focus_areas) != areas:
                project.focus_areas = areas
        if row["partners"] is not None:  # keep the rows (and commitments) of the roles that stay
            kept = {(p.organisation_id, p.role): p for p in project.participations}
            named = dict.fromkeys((organisations[name], role) for name, role in row["partners"])
            wanted = [kept.get((organisation.id, role)) or ProjectParticipation(organisation=organisation, role=role)
                      for organisation, role in named]
            if wanted != list(project.participations):
                project.participations = wanted
    if snapshot(project) == before:
        return False
    project.updated_at = now
    project.updated_by_id = None
    db.session.flush()  # bumps the version, which the event records (edit conflicts are told by it)
    audit.record(project, "updated", None, audit.diff(before, snapshot(project)))
    return True


def _moved_first_site(project: Project, sites: list[Site]) -> list[Site]:
    """A row with one point (a CSV's latitude/longitude, a GeoJSON Point) moves the first site: the others and its
    name stay, so re-importing an export that writes the first site only loses nothing."""
    current = sites_of(project)
    return [Site(sites[0].lat, sites[0].lon, current[0].name if current else None), *current[1:]]


def _update(rows: list[dict], ctx: ImportContext, now: datetime) -> int:
    projects = {p.id: p for p in db.session.scalars(
        select(Project).where(Project.id.in_([r["id"] for r in rows])).options(
            selectinload(Project.city), selectinload(Project.focus_areas),
            selectinload(Project.participations).selectinload(ProjectParticipation.organisation)))}
    organisations = find_or_add_organisations(name for r in rows for name, _ in r["partners"] or ())
    return sum(update_from_import(projects[r["id"]], r, organisations, ctx, now) for r in rows)


def _batches(items: Iterable, size: int) -> Iterator[list]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


def _written(write: Callable[..., Any], rows: list[dict], *args: Any) -> Any:
    """Write one batch; a refusal by the database names the batch's rows (the caller rolls back)."""
    try:
        return write(rows, *args)
    except DBAPIError as exc:
        raise ValidationError(f"rows {rows[0]['number']}-{rows[-1]['number']}",
                              f"the database refused them: {exc.orig}") from exc


def import_projects(path: Path, progress: Callable[[Iterable], Iterable] = lambda it: it) -> dict[str, int]:
    """Check every row, then create or update them all as published projects; on any error raise, write nothing.

    Returns {"created", "updated", "unchanged"}. Nothing is committed here: the caller commits, or rolls back
    on the ValidationError (which names each bad row and field).
    """
    ctx = ImportContext()
    new: list[dict] = []
    updates: list[dict] = []
    errors: dict[str, str] = {}
    try:
        for batch in _batches(progress(read_rows(path)), BATCH):
            ids = {n for n in (target_id(raw, {}) for _, raw in batch) if n is not None}
            ctx.current = {r.id: r for r in db.session.execute(
                select(*CURRENT).where(Project.id.in_(ids)))} if ids else {}
            for number, raw in batch:
                clean, row_errors = clean_row(raw, ctx, number)
                for name, message in row_errors.items():
                    errors[f"row {number}: {name}"] = message
                if clean:
                    (updates if clean["id"] else new).append(clean)
            gc.freeze()  # checked rows live until the end: spare the collector from walking them again and again
        if errors:
            raise ValidationError(errors)
        if not new and not updates:
            raise ValidationError("file", "no project rows found")
        now = utcnow()
        for batch in _batches(new, BATCH):
            _written(_create, batch, now)
        changed = sum(_written(_update, batch, ctx, now) for batch in _batches(updates, BATCH))
        db.session.flush()
        if new or changed:
            public_version.bump(db.session)  # the bulk inserts bypass the ORM's flush, which would have said so
        if len(new) + changed >= ANALYZE_AFTER and db.engine.dialect.name == "postgresql":
            # Fresh statistics for the planner, as after any bulk load: until autovacuum gets to it, PostgreSQL
            # plans on the old row counts (at 100,000 imported projects a city page's partner query took 200 ms
            # instead of 28).
            db.session.execute(ANALYZE_BULK_TABLES)
    finally:
        gc.unfreeze()
    return {"created": len(new), "updated": changed, "unchanged": len(updates) - changed}
