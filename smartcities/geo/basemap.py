"""The offline basemap: Southeast Asia's countries, from Natural Earth, for maps whose tiles cannot load.

Natural Earth (public domain) as TopoJSON in the `world-atlas` npm package (ISC): its 1:10m countries are
decoded here, clipped to the region, simplified and rounded to a small GeoJSON file that the portal ships
(static/basemap/), each country with its ISO code and a point inside it for its label. Rebuild it with
`make basemap`.
"""
from __future__ import annotations

import argparse
import json
import math
from collections.abc import Iterable, Sequence
from pathlib import Path

Point = tuple[float, float]
Ring = list[Point]

# lon/lat box of the region: Myanmar's west to Papua's east, Timor and Java's south to Myanmar's north.
REGION = (86.0, -14.0, 147.0, 30.0)
TOLERANCE = 0.01      # degrees (about 1 km) a simplified edge may stray from Natural Earth's
DECIMALS = 3          # about 100 m: finer than the simplification
MIN_AREA = 0.004      # square degrees: smaller islands are dropped, unless they are all a country has
# ISO 3166-1 numeric (world-atlas feature ids) to alpha-2, for every country the region shows.
ISO2 = {
    "096": "BN", "104": "MM", "116": "KH", "360": "ID", "418": "LA", "458": "MY", "608": "PH", "702": "SG",
    "704": "VN", "764": "TH", "626": "TL", "156": "CN", "356": "IN", "050": "BD", "064": "BT", "524": "NP",
    "036": "AU", "598": "PG", "158": "TW", "392": "JP", "344": "HK", "446": "MO", "585": "PW", "583": "FM",
    "316": "GU", "580": "MP",
}


def decode_arcs(topology: dict) -> list[Ring]:
    """The topology's arcs as lon/lat points (quantized deltas undone)."""
    (sx, sy), (tx, ty) = topology["transform"]["scale"], topology["transform"]["translate"]
    arcs = []
    for arc in topology["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x, y = x + dx, y + dy
            points.append((x * sx + tx, y * sy + ty))
        arcs.append(points)
    return arcs


def stitch(indexes: Iterable[int], arcs: Sequence[Ring]) -> Ring:
    """One ring from its arcs; ~i is arc i backwards, and each arc starts where the last one ended."""
    ring: Ring = []
    for index in indexes:
        points = arcs[index] if index >= 0 else arcs[~index][::-1]
        ring.extend(points if not ring else points[1:])
    return ring


def polygons(geometry: dict, arcs: Sequence[Ring]) -> list[list[Ring]]:
    """A Polygon or MultiPolygon geometry as polygons of rings (outer ring first)."""
    if geometry.get("type") == "Polygon":
        return [[stitch(ring, arcs) for ring in geometry["arcs"]]]
    if geometry.get("type") == "MultiPolygon":
        return [[stitch(ring, arcs) for ring in polygon] for polygon in geometry["arcs"]]
    return []


def clip(ring: Ring, box: tuple[float, float, float, float] = REGION) -> Ring:
    """The part of a ring inside the box (Sutherland–Hodgman, one edge of the box at a time)."""
    west, south, east, north = box
    edges = [(lambda p: p[0] >= west, lambda a, b: _at_x(a, b, west)),
             (lambda p: p[0] <= east, lambda a, b: _at_x(a, b, east)),
             (lambda p: p[1] >= south, lambda a, b: _at_y(a, b, south)),
             (lambda p: p[1] <= north, lambda a, b: _at_y(a, b, north))]
    points = _open(ring)
    for inside, cross in edges:
        if not points:
            break
        kept: Ring = []
        for i, current in enumerate(points):
            previous = points[i - 1]
            if inside(current):
                if not inside(previous):
                    kept.append(cross(previous, current))
                kept.append(current)
            elif inside(previous):
                kept.append(cross(previous, current))
        points = kept
    return points + points[:1] if len(points) >= 3 else []


def _at_x(a: Point, b: Point, x: float) -> Point:
    return x, a[1] + (b[1] - a[1]) * (x - a[0]) / (b[0] - a[0])


def _at_y(a: Point, b: Point, y: float) -> Point:
    return a[0] + (b[0] - a[0]) * (y - a[1]) / (b[1] - a[1]), y


def _open(ring: Ring) -> Ring:
    return ring[:-1] if len(ring) > 1 and ring[0] == ring[-1] else list(ring)


def simplify(points: Ring, tolerance: float = TOLERANCE) -> Ring:
    """Douglas–Peucker: the fewest of the points that stay within `tolerance` of the line they draw."""
    if len(points) < 3:
        return list(points)
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        first, last = stack.pop()
        far, distance = first, 0.0
        for i in range(first + 1, last):
            d = _distance(points[i], points[first], points[last])
            if d > distance:
                far, distance = i, d
        if distance > tolerance:
            keep[far] = True
            stack += [(first, far), (far, last)]
    return [p for p, kept in zip(points, keep) if kept]


def _distance(p: Point, a: Point, b: Point) -> float:
    """From p to the segment a–b."""
    dx, dy = b[0] - a[0], b[1] - a[1]
    if not dx and not dy:
        return math.dist(p, a)
    t = max(0.0, min(1.0, ((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / (dx * dx + dy * dy)))
    return math.dist(p, (a[0] + t * dx, a[1] + t * dy))


def area(ring: Ring) -> float:
    """Unsigned area in square degrees (shoelace)."""
    return abs(sum(a[0] * b[1] - b[0] * a[1] for a, b in zip(ring, ring[1:]))) / 2


def contains(ring: Ring, point: Point) -> bool:
    """Is the point inside the ring (even–odd rule)?"""
    x, y, inside = point[0], point[1], False
    for (x1, y1), (x2, y2) in zip(ring, ring[1:]):
        if (y1 > y) != (y2 > y) and x < x1 + (y - y1) * (x2 - x1) / (y2 - y1):
            inside = not inside
    return inside


def label_point(ring: Ring, steps: int = 24) -> Point:
    """A point well inside the ring, for its label: of a grid over it, the one farthest from its edge."""
    xs, ys = [p[0] for p in ring], [p[1] for p in ring]
    best, clearance = (sum(xs) / len(xs), sum(ys) / len(ys)), -1.0
    for i in range(1, steps):
        for j in range(1, steps):
            point = (min(xs) + (max(xs) - min(xs)) * i / steps, min(ys) + (max(ys) - min(ys)) * j / steps)
            if contains(ring, point):
                edge = min(_distance(point, a, b) for a, b in zip(ring, ring[1:]))
                if edge > clearance:
                    best, clearance = point, edge
    return best


def _rounded(ring: Ring) -> list[list[float]]:
    """The ring at DECIMALS places, repeated points dropped (it stays closed)."""
    out: list[list[float]] = []
    for x, y in ring:
        point = [round(x, DECIMALS), round(y, DECIMALS)]
        if not out or point != out[-1]:
            out.append(point)
    return out


def country_feature(geometry: dict, arcs: Sequence[Ring]) -> dict | None:
    """One country's part of the region as a GeoJSON feature, or None when none of it is there."""
    kept = []
    for polygon in polygons(geometry, arcs):
        clipped = (clip(ring) for ring in polygon)
        outer, *holes = [_rounded(simplify(ring, TOLERANCE)) if ring else [] for ring in clipped]
        if len(outer) >= 4:
            kept.append([outer, *(hole for hole in holes if len(hole) >= 4)])
    if not kept:
        return None
    largest = max(kept, key=lambda polygon: area(polygon[0]))
    kept = [polygon for polygon in kept if polygon is largest or area(polygon[0]) >= MIN_AREA]
    code = str(geometry.get("id", ""))
    lon, lat = label_point(largest[0])
    return {"type": "Feature", "id": ISO2.get(code, code),
            "properties": {"name": geometry.get("properties", {}).get("name", ""), "iso2": ISO2.get(code),
                           "label": [round(lon, DECIMALS), round(lat, DECIMALS)]},
            "geometry": {"type": "MultiPolygon", "coordinates": kept}}


def build(topology: dict, layer: str = "countries") -> dict:
    """The basemap: every country of the topology's `layer` that the region shows, as a FeatureCollection."""
    arcs = decode_arcs(topology)
    features = [feature for geometry in topology["objects"][layer]["geometries"]
                if (feature := country_feature(geometry, arcs)) is not None]
    features.sort(key=lambda feature: feature["properties"]["name"])
    return {"type": "FeatureCollection",
            "attribution": "Made with Natural Earth (public domain), via the world-atlas package",
            "bbox": list(REGION), "features": features}


def main(argv: list[str] | None = None) -> None:
    """`python -m smartcities.geo.basemap countries-10m.json static/basemap/southeast-asia.geojson`."""
    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("topology", type=Path, help="world-atlas's countries-10m.json")
    parser.add_argument("out", type=Path, help="the GeoJSON file to write")
    args = parser.parse_args(argv)
    basemap = build(json.loads(args.topology.read_text(encoding="utf-8")))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(basemap, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8")
    print(f"{args.out}: {len(basemap['features'])} countries, {args.out.stat().st_size:,} bytes")


if __name__ == "__main__":
    main()
