"""Bulk formats of the open data: projects and cities as GeoJSON (RFC 7946), projects as CSV for spreadsheets."""
from __future__ import annotations

import csv
import io
import json

from flask import Response, current_app, request
from sqlalchemy import select

from smartcities.api import serializers as s
from smartcities.api.serializers import absolute_url
from smartcities.api.http import json_response, versioned
from smartcities.api.params import next_url, parse_list, project_page
from smartcities.api.views import bp, country_filter
from smartcities.extensions import db
from smartcities.geo.models import City
from smartcities.projects.models import Project
from smartcities.projects.queries import (
    ProjectFilters, conditions, count_projects, count_sites, counts_by, list_projects, map_rows, parse_filters,
)
from smartcities.projects.search_index import URL_HOST, project_features

GEOJSON = "application/geo+json"
WHOLE_BATCH = 2000   # projects read at a time for an unpaged GeoJSON
# A stored Feature's URL as JSON writes it: quotes unescaped there are the document's own, never a value's.
STORED_URL = b'"url":"' + json.dumps(URL_HOST)[1:-1].encode()
CSV_COLUMNS = (
    "id", "title", "summary", "description", "city", "city_slug", "country", "country_name", "focus_areas",
    "stage", "start_date", "end_date", "budget", "currency", "seeking_funding", "funding_sought",
    "latitude", "longitude", "partners", "url", "published_at", "updated_at",
)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@bp.get("/api/v1/projects.geojson")
@versioned
def projects_geojson() -> Response:
    """All matching projects in one FeatureCollection (for GIS users; the home map asks for clusters); paged only
    when `limit` is set."""
    filters, page = parse_list(request.args, default=None, maximum=500)
    if page.limit is None:
        return current_app.response_class(_whole_collection(filters, page.after), mimetype=GEOJSON)
    result = project_page(filters, page, map_rows, s.project_feature)
    return json_response({"type": "FeatureCollection", "features": result["items"],
                          "next": result["next"], "total": result["total"]}, GEOJSON)


def _whole_collection(filters: ProjectFilters, after: int | None) -> bytes:
    """Every matching project as one FeatureCollection (the bytes json_response would make) from the Features the
    commits stored (search_index.project_features), read WHOLE_BATCH at a time into one buffer that becomes the body
    without a copy: at 100,000 projects, building every row and Feature for the request took 5-10 s and ten times
    the document's memory. A project whose Feature is not stored (a database not reindexed since) is built here."""
    url = b'"url":"' + json.dumps(absolute_url(""), ensure_ascii=False)[1:-1].encode("utf-8")
    body, separator = io.BytesIO(), b""
    body.write(b'{"type":"FeatureCollection","features":[')
    while True:
        query = (select(Project.id, project_features.c.feature).where(*conditions(filters))
                 .outerjoin(project_features, project_features.c.project_id == Project.id)
                 .order_by(Project.id).limit(WHOLE_BATCH))
        rows = db.session.execute(query if after is None else query.where(Project.id > after)).all()
        missing = [pid for pid, feature in rows if feature is None]
        built = {row["id"]: row for row in map_rows(filters, among=missing)} if missing else {}
        for pid, feature in rows:
            if feature is None:
                if pid not in built:   # no site: not on the map
                    continue
                feature = json.dumps(s.project_feature(built[pid]), ensure_ascii=False, separators=(",", ":"))
                body.write(separator + feature.encode("utf-8"))
            else:
                body.write(separator + feature.encode("utf-8").replace(STORED_URL, url, 1))
            separator = b","
        if len(rows) < WHOLE_BATCH:
            break
        after = rows[-1][0]
    body.write(b'],"next":null,"total":%d}' % count_projects(filters))
    return body.getvalue()


@bp.get("/api/v1/project-sites.geojson")
@versioned
def project_sites_geojson() -> Response:
    """Every site of the matching projects as its own Point (same filters as projects.geojson); with `limit`,
    paged by project: a page holds every site of at most `limit` projects."""
    filters, page = parse_list(request.args, default=None, maximum=500)
    rows = map_rows(filters, page.limit + 1 if page.limit else None, page.after)
    more = page.limit is not None and len(rows) > page.limit
    rows = rows[:page.limit] if more else rows
    return json_response({"type": "FeatureCollection", "features": [f for row in rows for f in s.site_features(row)],
                          "next": next_url(rows[-1]["id"]) if more else None, "total": count_sites(filters)}, GEOJSON)


@bp.get("/api/v1/cities.geojson")
def cities_geojson() -> Response:
    """Cities as a FeatureCollection with their published-project counts (the map's city layer)."""
    query = select(City).order_by(City.name)
    country = country_filter()
    if country:
        query = query.where(City.country_code == country)
    counts = counts_by("city")
    features = [s.city_feature(c, counts.get(c.id, 0)) for c in db.session.scalars(query)]
    return json_response({"type": "FeatureCollection", "features": features}, GEOJSON)


def safe_cell(value: str) -> str:
    """Text that a spreadsheet will not run as a formula (OWASP: prefix a quote)."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def csv_row(project: Project) -> list[str]:
    """One project as CSV cells: codes and labels; lists joined by "; "."""
    data = s.project_to_dict(project)
    text = {
        "title": data["title"], "summary": data["summary"], "description": data["description"],
        "city": data["city"]["name"], "country_name": data["country"]["name"],
        "focus_areas": "; ".join(fa["name"] for fa in data["focus_areas"]),
        "partners": "; ".join(f"{p['name']} ({p['role']})" for p in data["partners"]),
    }
    plain = {
        "id": data["id"], "city_slug": data["city"]["slug"], "country": data["country"]["code"],
        "stage": data["stage"], "start_date": data["start_date"], "end_date": data["end_date"],
        "budget": data["budget"], "currency": data["currency"],
        "seeking_funding": "true" if data["seeking_funding"] else "false",
        "funding_sought": data["funding_sought"], "latitude": data["location"]["lat"],
        "longitude": data["location"]["lon"], "url": data["url"], "published_at": data["published_at"],
        "updated_at": data["updated_at"],
    }
    return [safe_cell(text[c]) if c in text else ("" if plain[c] is None else str(plain[c])) for c in CSV_COLUMNS]


@bp.get("/api/v1/projects.csv")
@versioned
def projects_csv() -> Response:
    """Every matching project, one row each, UTF-8 with a BOM so that Excel shows Thai, Khmer and Vietnamese."""
    filters = parse_filters(request.args)
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    writer.writerows(csv_row(p) for p in list_projects(filters))
    return current_app.response_class(
        out.getvalue().encode("utf-8"), mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="ascn-projects.csv"'})
