"""The non-text evidence of an overlap (periods, dates, distance, focus areas, partners) and its wording."""
from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import date

from geopy.distance import geodesic

EARTH_RADIUS_KM = 6371.0088


def plan_covers(start_year: int, end_year: int | None, start: date | None, end: date | None) -> bool:
    """True when a plan's period (whole years, end None = open) overlaps the project's dates."""
    if start is not None and end_year is not None and start.year > end_year:
        return False
    return end is None or end.year >= start_year


def _span(start: date | None, end: date | None) -> str:
    if start is None and end is None:
        return "a project without dates"
    first = str(start.year) if start else "…"
    last = str(end.year) if end else "open"
    return first if first == last else f"{first}–{last}"


def period_reason(start_year: int, end_year: int | None, start: date | None, end: date | None) -> str:
    """'plan period 2018–open covers 2026–2027'."""
    period = f"{start_year}–{end_year if end_year is not None else 'open'}"
    return f"plan period {period} covers {_span(start, end)}"


def dates_overlap(a_start: date | None, a_end: date | None, b_start: date | None, b_end: date | None) -> bool:
    """True when two date ranges share a day; a missing bound is open."""
    if a_start and b_end and a_start > b_end:
        return False
    return not (b_start and a_end and b_start > a_end)


def dates_reason(a_start: date | None, a_end: date | None, b_start: date | None, b_end: date | None) -> str:
    """'dates overlap: 2026–2027 and 2025–2026'."""
    if not (b_start or b_end):
        return "the other project has no dates, so it may run at the same time"
    return f"dates overlap: {_span(a_start, a_end)} and {_span(b_start, b_end)}"


def haversine_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance: quick enough to filter candidates."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def nearest_pair(a: Iterable[tuple[float, float]], b: Iterable[tuple[float, float]]) -> tuple | None:
    """The closest pair of sites, one from each list (great-circle distance); None if either is empty."""
    pairs = [(haversine_km(p, q), p, q) for p in a for q in b]
    return min(pairs)[1:] if pairs else None


def geodesic_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Distance on the WGS-84 ellipsoid: the figure a reviewer reads."""
    return geodesic(a, b).km


def distance_reason(km: float, same_city: bool, city_centre: bool) -> str:
    """'1.2 km away' with what the distance is measured between."""
    text = f"{km:.1f} km away" if km >= 0.1 else "at the same place (0.0 km away)"
    if same_city:
        text = f"same city, {text}"
    if city_centre:
        text += " (a city centre stands in for a missing location)"
    return text


def focus_overlap(draft: frozenset[str], other: frozenset[str]) -> tuple[float, list[str]]:
    """Share of the draft's focus areas the other also has (0.5 when the draft names none), and which."""
    shared = sorted(draft & other)
    if not draft:
        return 0.5, shared
    return len(shared) / len(draft), shared


def focus_reason(shared: list[str]) -> str:
    """'shared focus areas: Safety and Security'."""
    return ("shared focus area: " if len(shared) == 1 else "shared focus areas: ") + ", ".join(shared)


def _organisation_key(name: str) -> str:
    return " ".join(name.casefold().replace(".", " ").replace(",", " ").split())


def shared_partners(draft: Iterable[str], other: Iterable[str]) -> list[str]:
    """Partner organisations both name (case and punctuation aside), as the draft wrote them."""
    theirs = {_organisation_key(name) for name in other}
    return sorted({name for name in draft if _organisation_key(name) in theirs})


def partners_reason(names: list[str]) -> str:
    """'shared funding partner: Asian Development Bank': the double-funding risk."""
    label = "shared partner" if len(names) == 1 else "shared partners"
    return f"{label}: {', '.join(names)} (possible double funding)"
