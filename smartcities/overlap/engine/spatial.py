"""A uniform latitude/longitude grid of project locations, to find the projects within a radius quickly."""
from __future__ import annotations

import math
from collections.abc import Hashable

from smartcities.overlap.engine.signals import haversine_km

_KM_PER_DEGREE = 111.2


class Grid:
    """Points in square cells about `cell_km` wide; a radius query reads only the cells it touches."""

    def __init__(self, cell_km: float) -> None:
        self._size = max(cell_km, 0.5) / _KM_PER_DEGREE
        self._cells: dict[tuple[int, int], set[Hashable]] = {}
        self._points: dict[Hashable, tuple[float, float]] = {}

    def _cell(self, point: tuple[float, float]) -> tuple[int, int]:
        return math.floor(point[0] / self._size), math.floor(point[1] / self._size)

    def add(self, key: Hashable, point: tuple[float, float]) -> None:
        """Place (or move) a key at a point."""
        self.remove(key)
        self._points[key] = point
        self._cells.setdefault(self._cell(point), set()).add(key)

    def remove(self, key: Hashable) -> None:
        """Forget a key; unknown keys are ignored."""
        point = self._points.pop(key, None)
        if point is not None:
            cell = self._cells[self._cell(point)]
            cell.discard(key)
            if not cell:
                del self._cells[self._cell(point)]

    def near(self, point: tuple[float, float], radius_km: float) -> dict[Hashable, float]:
        """Keys within radius_km of the point, with their great-circle distance."""
        lat_cells = math.ceil(radius_km / _KM_PER_DEGREE / self._size)
        lon_km = _KM_PER_DEGREE * max(math.cos(math.radians(point[0])), 0.01)
        lon_cells = math.ceil(radius_km / lon_km / self._size)
        row, col = self._cell(point)
        found = {}
        for r in range(row - lat_cells, row + lat_cells + 1):
            for c in range(col - lon_cells, col + lon_cells + 1):
                for key in self._cells.get((r, c), ()):
                    km = haversine_km(point, self._points[key])
                    if km <= radius_km:
                        found[key] = km
        return found


class Places:
    """Where registered projects are: by city, and on a grid for the ones with a location."""

    def __init__(self, radius_km: float) -> None:
        self.radius_km = radius_km
        self._grid = Grid(radius_km)
        self._by_city: dict[str, set[Hashable]] = {}
        self._city: dict[Hashable, str] = {}

    def add(self, key: Hashable, city: str, point: tuple[float, float] | None) -> None:
        """Place (or move) a project in a city, at a point when it has one."""
        self.remove(key)
        self._city[key] = city
        self._by_city.setdefault(city, set()).add(key)
        if point is not None:
            self._grid.add(key, point)

    def remove(self, key: Hashable) -> None:
        """Forget a project; unknown keys are ignored."""
        city = self._city.pop(key, None)
        if city is not None:
            self._by_city[city].discard(key)
            self._grid.remove(key)

    def around(self, city: str, point: tuple[float, float] | None) -> dict[Hashable, float | None]:
        """Projects in the city or within the radius of the point, with the distance when within it."""
        near = self._grid.near(point, self.radius_km) if point is not None else {}
        return {**dict.fromkeys(self._by_city.get(city, ())), **near}
