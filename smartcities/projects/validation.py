"""Field rules for a project, shared by the bulk import, the form and the API: raw values in, clean out."""
from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation

from babel.numbers import list_currencies

from smartcities.projects.models import IATI_ROLES, STAGES
from smartcities.text import FieldError, clean_text  # noqa: F401 (the shared rule, re-exported for every caller)

CURRENCIES = frozenset(list_currencies())
_PARTNER = re.compile(r"^(?P<name>.+?)\s*\((?P<role>[A-Za-z]+)\)\s*$")
EARLIEST, LATEST = date(1990, 1, 1), date(2100, 12, 31)  # the dates a project (or a plan's period) may name


def parse_date(value: str | None) -> date | None:
    if value is None or not str(value).strip():
        return None
    try:
        day = date.fromisoformat(str(value).strip())
    except ValueError:
        raise FieldError(f"{value!r} is not a date in the form YYYY-MM-DD") from None
    if not EARLIEST <= day <= LATEST:
        raise FieldError(f"{day.isoformat()} is not between {EARLIEST.isoformat()} and {LATEST.isoformat()}")
    return day


def parse_amount(value: str | None) -> Decimal | None:
    if value is None or not str(value).strip():
        return None
    try:
        amount = Decimal(str(value).strip().replace(",", ""))
    except InvalidOperation:
        raise FieldError(f"{value!r} is not a number") from None
    if not amount.is_finite() or amount < 0 or amount >= Decimal("1e16"):
        raise FieldError("must be a non-negative amount below 10^16")
    return amount.quantize(Decimal("0.01"))


def parse_currency(value: str | None) -> str | None:
    if value is None or not str(value).strip():
        return None
    code = str(value).strip().upper()
    if code not in CURRENCIES:
        raise FieldError(f"{value!r} is not an ISO 4217 currency code (for example USD, THB, SGD)")
    return code


def parse_coordinate(value: str | float | None, limit: float, name: str) -> float | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise FieldError(f"{value!r} is not a number") from None
    if not -limit <= number <= limit or number != number:
        raise FieldError(f"{name} must be between -{limit:g} and {limit:g}")
    return number


def parse_stage(value: str | None) -> str:
    stage = (value or "concept").strip().lower()
    if stage not in STAGES:
        raise FieldError(f"{value!r} is not a stage; use one of: {', '.join(STAGES)}")
    return stage


def parse_partner(spec: str) -> tuple[str, str]:
    """'Asian Development Bank (ADB) (funding)' -> ('Asian Development Bank (ADB)', 'funding')."""
    match = _PARTNER.match(spec.strip())
    if not match or match["role"].lower() not in IATI_ROLES:
        raise FieldError(f"{spec.strip()!r} must be 'Name (role)' with role one of: {', '.join(IATI_ROLES)}")
    name = clean_text(match["name"], "a partner's name", 4000)  # callers hold it to Organisation.name's size
    return name, match["role"].lower()


def split_list(value: str | list | None) -> list[str]:
    if value is None:
        return []
    items = value if isinstance(value, list) else str(value).split(";")
    return [str(item).strip() for item in items if str(item).strip()]


def check_dates(start: date | None, end: date | None) -> None:
    if start and end and end < start:
        raise FieldError("the end date is before the start date")
