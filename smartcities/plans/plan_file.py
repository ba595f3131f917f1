"""Validation of the Plan file format (design §4) into clean dicts, collecting every problem."""
from __future__ import annotations

import re
from typing import Any

from smartcities.errors import ValidationError
from smartcities.geo.models import City
from smartcities.plans.models import LEVELS
from smartcities.projects.validation import EARLIEST, LATEST
from smartcities.text import FieldError, clean_text

# A plan's id: a stable reference used in URLs and Plan files (NationalPlan.external_id holds up to 80).
PLAN_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
PLAN_ID_RULE = "must be 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or a digit"
FIRST_YEAR, LAST_YEAR = EARLIEST.year, LATEST.year
MAX_TEXT = 20_000  # a plan's summary or source, an initiative's description
MAX_NAME = 200  # a city named in the file (longer is no known city)


def _clean(value: Any, key: str, limit: int, errors: dict[str, str], multiline: bool = False) -> str | None:
    """The shared input-hygiene rule (text.clean_text) for the field at path `key`; None when refused."""
    try:
        return clean_text(value, key.rpartition(".")[2], limit, multiline)
    except FieldError as exc:
        errors[key] = exc.problem
        return None


def _required(value: Any, key: str, limit: int, errors: dict[str, str]) -> str | None:
    cleaned = _clean(value, key, limit, errors)
    if cleaned == "":
        errors[key] = f"is required (at most {limit} characters)"
        return None
    return cleaned


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


def _initiative_key(value: Any, key: str, seen: set[str], errors: dict[str, str]) -> str | None:
    """An initiative's optional stable id: the plan-id form, unique within its plan; None when absent."""
    if value is None or value == "":
        return None
    cleaned = _clean(value, key, 64, errors)
    if cleaned is None:
        return None
    if not PLAN_ID.fullmatch(cleaned):
        errors[key] = PLAN_ID_RULE
    elif cleaned in seen:
        errors[key] = f"duplicate initiative id {cleaned!r} in this plan"
    seen.add(cleaned)
    return cleaned


def validate_plan(raw: Any, where: str, countries: set[str], find_city, known_areas: set[str],
                  errors: dict[str, str]) -> dict | None:
    """Check one plan; add `errors[field path] = message` and return the cleaned plan (or None)."""
    if not isinstance(raw, dict):
        errors[where] = "must be an object"
        return None
    before = len(errors)
    plan_id = _clean(raw.get("id"), f"{where}.id", 64, errors)
    if plan_id == "":
        errors[f"{where}.id"] = "is required (a string of at most 64 characters)"
    elif plan_id is not None and not PLAN_ID.fullmatch(plan_id):
        errors[f"{where}.id"] = PLAN_ID_RULE
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
        name = raw.get("city") if isinstance(raw.get("city"), str) else None
        city = find_city(name) if name and _clean(name, f"{where}.city", MAX_NAME, errors) else None
        if city is None and f"{where}.city" not in errors:
            errors[f"{where}.city"] = f"unknown city {raw.get('city')!r} (required for a city-level plan)"
        elif city is not None and country and city.country_code != country:  # None: the name was refused
            errors[f"{where}.city"] = f"{city.name} is not in {country}"
    elif level == "national" and raw.get("city") not in (None, ""):
        errors[f"{where}.city"] = "must be null for a national plan"
    title = _required(raw.get("title"), f"{where}.title", 300, errors)
    summary = _clean(raw.get("summary"), f"{where}.summary", MAX_TEXT, errors, multiline=True)
    source = _clean(raw.get("source"), f"{where}.source", MAX_TEXT, errors, multiline=True)
    period = raw.get("period")
    start = end = None
    if not isinstance(period, dict):
        errors[f"{where}.period"] = "must be an object {\"start\": year, \"end\": year or null}"
    else:
        start, end = period.get("start"), period.get("end")
        if not isinstance(start, int) or isinstance(start, bool) or not FIRST_YEAR <= start <= LAST_YEAR:
            errors[f"{where}.period.start"] = f"must be a year between {FIRST_YEAR} and {LAST_YEAR}"
        elif end is not None and (not isinstance(end, int) or isinstance(end, bool) or end < start
                                  or end > LAST_YEAR):
            errors[f"{where}.period.end"] = f"must be null or a year from period.start to {LAST_YEAR}"
    areas = _focus(raw.get("focus_areas"), known_areas, f"{where}.focus_areas", errors)
    initiatives = []
    raw_initiatives = raw.get("initiatives", [])
    if not isinstance(raw_initiatives, list):
        errors[f"{where}.initiatives"] = "must be a list"
        raw_initiatives = []
    keys: set[str] = set()
    for i, item in enumerate(raw_initiatives):
        here = f"{where}.initiatives[{i}]"
        if not isinstance(item, dict):
            errors[here] = "must be an object"
            continue
        key = _initiative_key(item.get("id"), f"{here}.id", keys, errors)
        item_title = _required(item.get("title"), f"{here}.title", 300, errors)
        description = _clean(item.get("description"), f"{here}.description", MAX_TEXT, errors, multiline=True)
        initiatives.append({"id": key, "title": item_title, "description": description,
                            "focus_areas": _focus(item.get("focus_areas"), known_areas, f"{here}.focus_areas",
                                                  errors)})
    if len(errors) > before:
        return None
    return {"id": plan_id, "country": country, "level": level, "city": city, "title": title,
            "start": start, "end": end, "focus_areas": areas, "summary": summary,
            "source": source, "initiatives": initiatives}


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
