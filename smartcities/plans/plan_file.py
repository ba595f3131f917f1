"""Validation of the Plan file format (design §4) into clean dicts, collecting every problem."""
from __future__ import annotations

from typing import Any

from smartcities.errors import ValidationError
from smartcities.geo.models import City
from smartcities.plans.models import LEVELS


def _text(value: Any, required: bool, limit: int) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None if required else ""
    if not isinstance(value, str):
        return None
    value = value.strip()
    return value if len(value) <= limit else None


def _focus(names: Any, known: set[str], where: str, errors: dict[str, str]) -> list[str]:
    if names is None:
        return []
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        errors[where] = "must be a list of focus area names"
        return []
    unknown = [n for n in names if n not in known]
    if unknown:
        errors[where] = f"unknown focus area {unknown[0]!r}; use one of: {', '.join(sorted(known))}"
    return [n for n in dict.fromkeys(names) if n in known]


def validate_plan(raw: Any, where: str, countries: set[str], find_city, known_areas: set[str],
                  errors: dict[str, str]) -> dict | None:
    """Check one plan; add `errors[field path] = message` and return the cleaned plan (or None)."""
    if not isinstance(raw, dict):
        errors[where] = "must be an object"
        return None
    before = len(errors)
    plan_id = _text(raw.get("id"), True, 80)
    if not plan_id:
        errors[f"{where}.id"] = "is required (a string of at most 80 characters)"
    country = raw.get("country")
    if not isinstance(country, str) or country.upper() not in countries:
        errors[f"{where}.country"] = f"unknown country {country!r}; use an ISO 3166-1 alpha-2 code of ASEAN"
        country = None
    else:
        country = country.upper()
    level = raw.get("level")
    if level not in LEVELS:
        errors[f"{where}.level"] = "must be 'national' or 'city'"
    city: City | None = None
    if level == "city":
        city = find_city(raw.get("city")) if isinstance(raw.get("city"), str) else None
        if city is None:
            errors[f"{where}.city"] = f"unknown city {raw.get('city')!r} (required for a city-level plan)"
        elif country and city.country_code != country:
            errors[f"{where}.city"] = f"{city.name} is not in {country}"
    elif level == "national" and raw.get("city") not in (None, ""):
        errors[f"{where}.city"] = "must be null for a national plan"
    title = _text(raw.get("title"), True, 300)
    if not title:
        errors[f"{where}.title"] = "is required (at most 300 characters)"
    period = raw.get("period")
    start = end = None
    if not isinstance(period, dict):
        errors[f"{where}.period"] = "must be an object {\"start\": year, \"end\": year or null}"
    else:
        start, end = period.get("start"), period.get("end")
        if not isinstance(start, int) or isinstance(start, bool) or not 1950 <= start <= 2100:
            errors[f"{where}.period.start"] = "must be a year between 1950 and 2100"
        elif end is not None and (not isinstance(end, int) or isinstance(end, bool) or end < start or end > 2100):
            errors[f"{where}.period.end"] = "must be null or a year not before period.start"
    areas = _focus(raw.get("focus_areas"), known_areas, f"{where}.focus_areas", errors)
    initiatives = []
    raw_initiatives = raw.get("initiatives", [])
    if not isinstance(raw_initiatives, list):
        errors[f"{where}.initiatives"] = "must be a list"
        raw_initiatives = []
    for i, item in enumerate(raw_initiatives):
        here = f"{where}.initiatives[{i}]"
        if not isinstance(item, dict):
            errors[here] = "must be an object"
            continue
        item_title = _text(item.get("title"), True, 300)
        if not item_title:
            errors[f"{here}.title"] = "is required (at most 300 characters)"
        description = item.get("description") or ""
        if not isinstance(description, str):
            errors[f"{here}.description"] = "must be text"
            description = ""
        initiatives.append({"title": item_title, "description": description.strip(),
                            "focus_areas": _focus(item.get("focus_areas"), known_areas, f"{here}.focus_areas",
                                                  errors)})
    if len(errors) > before:
        return None
    return {"id": plan_id, "country": country, "level": level, "city": city, "title": title,
            "start": start, "end": end, "focus_areas": areas, "summary": (raw.get("summary") or "").strip(),
            "source": (raw.get("source") or "").strip(), "initiatives": initiatives}


def validate_plan_file(data: Any, countries: set[str], find_city, known_areas: set[str]) -> list[dict]:
    """All plans of a Plan file, cleaned; raises ValidationError naming every bad field."""
    if not isinstance(data, dict) or not isinstance(data.get("plans"), list):
        raise ValidationError("plans", 'the file must be an object {"plans": [...]}')
    errors: dict[str, str] = {}
    cleaned, seen = [], set()
    for n, raw in enumerate(data["plans"]):
        plan = validate_plan(raw, f"plans[{n}]", countries, find_city, known_areas, errors)
        if plan is None:
            continue
        if plan["id"] in seen:
            errors[f"plans[{n}].id"] = f"duplicate id {plan['id']!r} in the file"
        seen.add(plan["id"])
        cleaned.append(plan)
    if errors:
        raise ValidationError(errors)
    return cleaned
