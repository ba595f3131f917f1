"""The home map's clusters: projects grouped on a grid of the zoom level, counted in SQL, so the map only ever
downloads what it shows (about a screen's worth of cells, whatever the number of projects).

A cell is CELL_PX screen pixels wide at the asked zoom (Web Mercator: 256 << zoom pixels round the world); the
box asked for is widened to whole cells, so that every cluster counts all of its cell's projects. A cell of one
project is a pin; at POINT_ZOOM and closer every project is a pin (up to POINT_LIMIT of them).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Integer, cast, func, select, text

from smartcities.extensions import db
from smartcities.geo.models import City
from smartcities.projects.map_points import MapFilters, focus_slugs, map_points, partner_roles
from smartcities.projects.models import Project

CELL_PX = 60
MAX_ZOOM = 20
POINT_ZOOM = 16  # the map's closest zoom
POINT_LIMIT = 2000
MAX_CELLS = 4096  # a 4K screen's worth; a wider box is answered at a coarser zoom
WORLD = (-180.0, -90.0, 180.0, 90.0)


def cell_degrees(zoom: int) -> float:
    """The side of a grid cell at `zoom`, in degrees."""
    return 360.0 / (256 << zoom) * CELL_PX


def _snap(low: float, high: float, size: float, offset: float, top: float) -> tuple[float, float]:
    """[low, high] widened to whole cells of the grid that starts at -offset, kept within [-offset, top]."""
    start = math.floor((low + offset) / size) * size - offset
    end = math.ceil((high + offset) / size) * size - offset
    return max(start, -offset), min(end, top)


def grid_box(bbox: tuple[float, float, float, float], zoom: int) -> tuple[float, float, float, float]:
    """The box widened to whole cells (a box across the antimeridian widened on both sides)."""
    size = cell_degrees(zoom)
    west, south, east, north = bbox
    south, north = _snap(south, north, size, 90.0, 90.0)
    if west <= east:
        west, east = _snap(west, east, size, 180.0, 180.0)
    else:
        west, east = _snap(west, 180.0, size, 180.0, 180.0)[0], _snap(-180.0, east, size, 180.0, 180.0)[1]
        if west <= east:  # the widened sides meet: the whole round of the world
            west, east = -180.0, 180.0
    return west, south, east, north


def cells_across(bbox: tuple[float, float, float, float], zoom: int) -> int:
    """How many grid cells of `zoom` cover the box."""
    size = cell_degrees(zoom)
    west, south, east, north = bbox
    width = east - west if west <= east else 360.0 - (west - east)
    return max(1, math.ceil(width / size)) * max(1, math.ceil((north - south) / size))


def grid_zoom(bbox: tuple[float, float, float, float], zoom: int) -> int:
    """`zoom`, or the closest coarser one at which the box holds at most MAX_CELLS cells."""
    while zoom > 0 and cells_across(bbox, zoom) > MAX_CELLS:
        zoom -= 1
    return zoom


@dataclass(frozen=True)
class Clusters:
    """What the map draws in a box: groups (count, mean position, extent) and single projects."""

    zoom: int
    bbox: tuple[float, float, float, float]
    clusters: list[dict[str, Any]]
    points: list[dict[str, Any]]

    @property
    def total(self) -> int:
        """Projects in the box: the clusters' counts and the pins add up to it."""
        return sum(c["count"] for c in self.clusters) + len(self.points)

    def to_dict(self) -> dict[str, Any]:
        """The JSON answer of /api/v1/map/clusters."""
        return {"zoom": self.zoom, "bbox": list(self.bbox), "cell": cell_degrees(self.zoom), "total": self.total,
                "clusters": self.clusters, "points": self.points}


def _cell(value: Any, size: float) -> Any:
    """The grid index of a non-negative coordinate: CAST truncates on SQLite (floor, for values >= 0), rounds on
    PostgreSQL, hence floor() there (SQLite has floor() only when built with its math functions)."""
    scaled = value / size
    if db.session.get_bind().dialect.name == "sqlite":
        return cast(scaled, Integer)
    return cast(func.floor(scaled), Integer)


def _round(value: float) -> float:
    return round(float(value), 5)


def clusters_in(filters: MapFilters, bbox: tuple[float, float, float, float] | None, zoom: int) -> Clusters:
    """The clusters and pins of matching projects in `bbox` (None: the world) at `zoom` (0..MAX_ZOOM)."""
    bbox = bbox or WORLD
    if zoom >= POINT_ZOOM:
        box = grid_box(bbox, POINT_ZOOM)
        points = _points(filters.with_bbox(box), limit=POINT_LIMIT + 1)
        if len(points) <= POINT_LIMIT:
            return Clusters(zoom, box, [], points)
        zoom = POINT_ZOOM  # more pins than a map can draw: grouped at the closest grid instead
    zoom = grid_zoom(bbox, min(zoom, POINT_ZOOM))
    box = grid_box(bbox, zoom)
    size = cell_degrees(zoom)
    points = map_points(filters.with_bbox(box))
    rows = db.session.execute(
        select(_cell(points.c.lon + 180.0, size).label("cx"), _cell(points.c.lat + 90.0, size).label("cy"),
               func.count().label("n"), func.avg(points.c.lat).label("lat"), func.avg(points.c.lon).label("lon"),
               func.min(points.c.lat).label("s"), func.max(points.c.lat).label("n_"),
               func.min(points.c.lon).label("w"), func.max(points.c.lon).label("e"),
               func.min(points.c.project_id).label("first"))
        .group_by(text("cx"), text("cy")).order_by(text("cx"), text("cy"))).mappings().all()
    clusters = [{"lat": _round(r["lat"]), "lon": _round(r["lon"]), "count": r["n"],
                 "bounds": [r["w"], r["s"], r["e"], r["n_"]]} for r in rows if r["n"] > 1]
    singles = [r["first"] for r in rows if r["n"] == 1]
    return Clusters(zoom, box, clusters, _points(filters.with_bbox(box), only=singles) if singles else [])


def _points(filters: MapFilters, limit: int | None = None, only: list[int] | None = None) -> list[dict[str, Any]]:
    """Single pins in id order, with what their popups show (a pin opens at once, without another request)."""
    points = map_points(filters)
    query = (select(points.c.project_id, points.c.lat, points.c.lon, Project.title, Project.stage,
                    Project.seeking_funding, City.name.label("city"), City.country_code.label("country"))
             .join(Project, Project.id == points.c.project_id).join(City, City.id == Project.city_id)
             .order_by(points.c.project_id))
    if only is not None:
        query = query.where(points.c.project_id.in_(only))
    if limit is not None:
        query = query.limit(limit)
    rows = db.session.execute(query).all()
    ids = [row.project_id for row in rows]
    areas, partners = focus_slugs(ids), partner_roles(ids)
    return [{"id": row.project_id, "lat": row.lat, "lon": row.lon, "title": row.title,
             "focus": (areas.get(row.project_id) or [None])[0], "focus_areas": areas.get(row.project_id, []),
             "stage": row.stage, "seeking_funding": row.seeking_funding, "city": row.city, "country": row.country,
             "partners": partners.get(row.project_id, [])} for row in rows]
