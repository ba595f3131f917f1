"""A uniform latitude/longitude grid of project locations, to find the projects within a radius quickly."""
from __future__ import annotations

import math
from collections.abc import Hashable

from smartcities.overlap.engine.signals import haversine_km

_KM_PER_DEGREE = 111.2


class Grid:
    """Keys at one or more points, in square cells about `cell_km` wide; a radius query reads only the cells it
    touches. A key is held once per cell, not once per point, and its points are the caller's own tuple."""

    def __init__(self, cell_km: float) -> None:
        self._size = max(cell_km, 0.5) / _KM_PER_DEGREE
        self._cells: dict[tuple[int, int], set[Hashable]] = {}
        self._points: dict[Hashable, tuple[tuple[float, float], ...]] = {}

    def _cell(self, point: tuple[float, float]) -> tuple[int, int]:
        return math.floor(point[0] / self._size), math.floor(point[1] / self._size)

    def add(self, key: Hashable, points: tuple[tuple[float, float], ...]) -> None:
        """Place (or move) a key at its points."""
        self.remove(key)
        if points:
            self._points[key] = points
            for cell in {self._cell(point) for point in points}:
                self._cells.setdefault(cell, set()).add(key)

    def remove(self, key: Hashable) -> None:
        """Forget a key; unknown keys are ignored."""
        for cell in {self._cell(point) for point in self._points.pop(key, ())}:
            keys = self._cells[cell]
            keys.discard(key)
            if not keys:
                del self._cells[cell]

    def near(self, point: tuple[float, float], radius_km: float) -> dict[Hashable, float]:
        """Keys with a point within radius_km of this one, with the great-circle distance of their nearest."""
        lat_cells = math.ceil(radius_km / _KM_PER_DEGREE / self._size)
        lon_km = _KM_PER_DEGREE * max(math.cos(math.radians(point[0])), 0.01)
        lon_cells = math.ceil(radius_km / lon_km / self._size)
        row, col = self._cell(point)
        found = {}
        for r in range(row - lat_cells, row + lat_cells + 1):
            for c in range(col - lon_cells, col + lon_cells + 1):
                for key in self._cells.get((r, c), ()):
                    if key not in found:
                        km = min(haversine_km(point, theirs) for theirs in self._points[key])
                        if km <= radius_km:
                            found[key] = km
        return found


class Places:
    """Where registered projects are: by city, and their sites on a grid."""

    def __init__(self, radius_km: float) -> None:
        self.radius_km = radius_km
        self._grid = Grid(radius_km)
        self._by_city: dict[str, set[Hashable]] = {}
        self._city: dict[Hashable, str] = {}

    def add(self, key: Hashable, city: str, points: tuple[tuple[float, float], ...] = ()) -> None:
        """Place (or move) a project in a city, at each of its sites."""
        self.remove(key)
        self._city[key] = city
        self._by_city.setdefault(city, set()).add(key)
        self._grid.add(key, points)

    def remove(self, key: Hashable) -> None:
        """Forget a project; unknown keys are ignored."""
        city = self._city.pop(key, None)
        if city is not None:
            self._by_city[city].discard(key)
            self._grid.remove(key)

    def around(self, city: str, points: tuple[tuple[float, float], ...] = ()) -> dict[Hashable, float | None]:
        """Projects in the city or with a site within the radius of one of the points, with the distance of the
        nearest pair of sites when within it."""
        near: dict[Hashable, float] = {}
        for point in points:
            for key, km in self._grid.near(point, self.radius_km).items():
                if km < near.get(key, math.inf):
                    near[key] = km
        return {**dict.fromkeys(self._by_city.get(city, ())), **near}
