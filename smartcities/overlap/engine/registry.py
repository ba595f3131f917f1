"""The registered projects a check compares a draft with, held as columns: one row per project, one per site.

At 100,000 projects a Python object per project and per site (its document, dates, sets, points and their places
in a grid) cost more memory than the whole text index. As numpy columns they cost a few dozen bytes each, a saved
copy is a few buffers, and what a check asks of every project in a city — is it there or near these points,
may this asker see it, does it run at the same time — is answered for all of them at once. A project's document
is made again, without its text, only for the few that share words with the draft.
"""
from __future__ import annotations

import math
from collections.abc import Hashable
from datetime import date

import numpy as np

from smartcities.overlap.engine.documents import ProjectDoc, Reach
from smartcities.overlap.engine.signals import EARTH_RADIUS_KM

_KM_PER_DEGREE = 111.2
_OPEN_START, _OPEN_END = 0, np.iinfo(np.int32).max   # date ordinals standing for a missing start or end
_COLUMNS = {"id": np.int64, "doc": np.int32, "city": np.int32, "country": np.int32, "public": bool,
            "start": np.int32, "end": np.int32, "focus": np.int32, "partners": np.int32, "at_centre": bool,
            "first_site": np.int64, "sites": np.int32, "alive": bool}


class _Codes:
    """Small integers for repeated values (cities, countries, sets of focus areas or partners)."""

    def __init__(self) -> None:
        self.values: list[Hashable] = []
        self._codes: dict[Hashable, int] = {}

    def code(self, value: Hashable) -> int:
        found = self._codes.get(value)
        if found is None:
            found = self._codes[value] = len(self.values)
            self.values.append(value)
        return found

    def find(self, value: Hashable) -> int:
        """The value's code, or -1 if no project has it."""
        return self._codes.get(value, -1)


def _ordinal(day: date | None, missing: int) -> int:
    return day.toordinal() if day is not None else missing


def _date(ordinal: int, missing: int) -> date | None:
    return None if ordinal == missing else date.fromordinal(int(ordinal))


def _haversine_km(lat: float, lon: float, lats: np.ndarray, lons: np.ndarray) -> np.ndarray:
    """Great-circle distances from one point to many (signals.haversine_km, vectorised)."""
    lat1, lon1, lat2, lon2 = math.radians(lat), math.radians(lon), np.radians(lats), np.radians(lons)
    h = np.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.minimum(1.0, np.sqrt(h)))


class Registry:
    """Registered projects in columns; a removed project's row and sites are reused or compacted away."""

    def __init__(self) -> None:
        self._rows: dict[int, int] = {}             # project id -> row
        self._free: list[int] = []
        self._columns = {name: np.zeros(0, dtype) for name, dtype in _COLUMNS.items()}
        self._titles: list[str] = []
        self._codes = {name: _Codes() for name in ("city", "country", "focus", "partners")}
        self._site_lat = np.zeros(0)
        self._site_lon = np.zeros(0)
        self._site_row = np.zeros(0, np.int32)      # -1: the site of a removed project
        self._sites_used = 0

    def __len__(self) -> int:
        return len(self._rows)

    def __contains__(self, project_id: int) -> bool:
        return project_id in self._rows

    def _new_row(self) -> int:
        if self._free:
            return self._free.pop()
        row = len(self._titles)
        if row >= len(self._columns["id"]):
            size = max(1024, 2 * row)
            for name, column in self._columns.items():
                self._columns[name] = np.concatenate([column, np.zeros(size - len(column), column.dtype)])
        self._titles.append("")
        return row

    def _add_sites(self, row: int, points: tuple[tuple[float, float], ...]) -> None:
        if self._sites_used + len(points) > len(self._site_row):
            live = self._site_row[:self._sites_used] >= 0
            if 2 * int(live.sum()) < self._sites_used:   # mostly removed projects' sites: compact instead of growing
                self._compact_sites(live)
            size = max(1024, 2 * (self._sites_used + len(points)))
            grow = size - len(self._site_row)
            if grow > 0:
                self._site_lat = np.concatenate([self._site_lat, np.zeros(grow)])
                self._site_lon = np.concatenate([self._site_lon, np.zeros(grow)])
                self._site_row = np.concatenate([self._site_row, np.full(grow, -1, np.int32)])
        start = self._sites_used
        for n, (lat, lon) in enumerate(points):
            self._site_lat[start + n], self._site_lon[start + n], self._site_row[start + n] = lat, lon, row
        self._sites_used += len(points)
        self._columns["first_site"][row], self._columns["sites"][row] = start, len(points)

    def _compact_sites(self, live: np.ndarray) -> None:
        keep = np.flatnonzero(live)
        rows = self._site_row[keep]
        self._site_lat[:len(keep)], self._site_lon[:len(keep)] = self._site_lat[keep], self._site_lon[keep]
        self._site_row[:len(keep)] = rows
        self._site_row[len(keep):] = -1
        self._sites_used = len(keep)
        if len(keep):
            firsts = np.flatnonzero(np.r_[True, rows[1:] != rows[:-1]])   # a project's sites stay together
            self._columns["first_site"][rows[firsts]] = firsts

    def put(self, project: ProjectDoc, doc: int, points: tuple[tuple[float, float], ...], at_centre: bool) -> None:
        """Add a project (or replace the one with its id) as the index's document `doc`, at these points."""
        self.remove(project.id)
        row = self._new_row()
        self._rows[project.id] = row
        codes = self._codes
        values = {"id": project.id, "doc": doc, "public": project.public, "at_centre": at_centre, "alive": True,
                  "start": _ordinal(project.start, _OPEN_START), "end": _ordinal(project.end, _OPEN_END),
                  "city": codes["city"].code(project.city), "country": codes["country"].code(project.country),
                  "focus": codes["focus"].code(project.focus_areas),
                  "partners": codes["partners"].code(project.partners)}
        for name, value in values.items():
            self._columns[name][row] = value
        self._titles[row] = project.title
        self._add_sites(row, points)

    def remove(self, project_id: int) -> int | None:
        """Forget a project; its document id, or None if it was not there."""
        row = self._rows.pop(project_id, None)
        if row is None:
            return None
        first, count = self._columns["first_site"][row], self._columns["sites"][row]
        self._site_row[first:first + count] = -1
        self._columns["alive"][row] = False
        self._titles[row] = ""
        self._free.append(row)
        return int(self._columns["doc"][row])

    def candidates(self, city: str, points: tuple[tuple[float, float], ...], radius_km: float, reach: Reach,
                   start: date | None, end: date | None, exclude: int | None) -> dict[int, tuple[int, float | None]]:
        """Document -> (row, km) of the projects in the city or with a site within the radius of one of the points,
        that the asker may see and whose dates overlap the draft's, but the `exclude` one; km is the nearest pair of
        sites' great-circle distance when within the radius, else None."""
        columns = self._columns
        near = np.full(len(self._titles), np.inf)
        sites = slice(0, self._sites_used)
        for lat, lon in points:
            band = np.flatnonzero(np.abs(self._site_lat[sites] - lat) <= radius_km / _KM_PER_DEGREE)
            band = band[self._site_row[band] >= 0]
            km = _haversine_km(lat, lon, self._site_lat[band], self._site_lon[band])
            np.minimum.at(near, self._site_row[band], km)
        alive = columns["alive"][:len(self._titles)]
        near[near > radius_km] = np.inf
        wanted = (columns["city"][:len(near)] == self._codes["city"].find(city)) | (near <= radius_km)
        seen = columns["public"][:len(near)] | reach.everything
        if reach.city is not None:
            seen |= columns["city"][:len(near)] == self._codes["city"].find(reach.city)
        if reach.country is not None:
            seen |= columns["country"][:len(near)] == self._codes["country"].find(reach.country)
        overlapping = ((columns["end"][:len(near)] >= _ordinal(start, _OPEN_START))
                       & (columns["start"][:len(near)] <= _ordinal(end, _OPEN_END)))
        rows = np.flatnonzero(alive & wanted & seen & overlapping & (columns["id"][:len(near)] != (exclude or 0)))
        kms = [None if math.isinf(km) else km for km in near[rows].tolist()]
        return dict(zip(columns["doc"][rows].tolist(), zip(rows.tolist(), kms)))

    def project(self, row: int) -> ProjectDoc:
        """A row as a document, without its text (the index keeps that as its features)."""
        columns = self._columns
        return ProjectDoc(id=int(columns["id"][row]), title=self._titles[row], text="",
                          city=self._codes["city"].values[columns["city"][row]],
                          country=self._codes["country"].values[columns["country"][row]],
                          focus_areas=self._codes["focus"].values[columns["focus"][row]],
                          start=_date(columns["start"][row], _OPEN_START), end=_date(columns["end"][row], _OPEN_END),
                          lat=None, lon=None, partners=self._codes["partners"].values[columns["partners"][row]],
                          public=bool(columns["public"][row]), sites=self.points(row))

    def points(self, row: int) -> tuple[tuple[float, float], ...]:
        first, count = self._columns["first_site"][row], self._columns["sites"][row]
        return tuple(zip(self._site_lat[first:first + count].tolist(), self._site_lon[first:first + count].tolist()))

    def at_city_centre(self, row: int) -> bool:
        """Its only point is its city's centre, standing in for a missing location."""
        return bool(self._columns["at_centre"][row])

    def city(self, row: int) -> str:
        return self._codes["city"].values[self._columns["city"][row]]
