"""Paging of the open-data lists: `limit` and an opaque keyset `cursor` (never an offset), and one page."""
from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from flask import request

from smartcities.errors import ValidationError
from smartcities.projects.queries import (
    MAX_ID, ProjectFilters, clean_params, count_projects, parse_filters,
)

CURSOR_PREFIX = "after:"


@dataclass(frozen=True)
class Page:
    """At most `limit` items (None: all of them) with ids above `after` (None: from the start)."""

    limit: int | None
    after: int | None


def encode_cursor(last_id: int) -> str:
    """The cursor that continues after the item `last_id`."""
    return base64.urlsafe_b64encode(f"{CURSOR_PREFIX}{last_id}".encode()).decode().rstrip("=")


def _decode_cursor(raw: str) -> int | None:
    try:
        text = base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)).decode("ascii")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    number = text.removeprefix(CURSOR_PREFIX)
    if not text.startswith(CURSOR_PREFIX) or not number.isdigit() or len(number) > 10 or int(number) > MAX_ID:
        return None
    return int(number)


def parse_page(params: Mapping[str, str], default: int | None, maximum: int) -> Page:
    """Read `limit` (1..maximum; `default` when absent, None meaning all) and `cursor`; 400 names each bad one."""
    given = clean_params(params, ("limit", "cursor"))
    errors: dict[str, str] = {}
    limit = default
    if "limit" in given:
        raw = given["limit"]
        limit = int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 9 else None
        if limit is None or not 1 <= limit <= maximum:
            errors["limit"] = f"must be a whole number from 1 to {maximum}"
    after = None
    if "cursor" in given:
        after = _decode_cursor(given["cursor"])
        if after is None:
            errors["cursor"] = "is not a cursor this API gave out; follow the `next` link of the previous page"
    if errors:
        raise ValidationError(errors)
    return Page(limit, after)


def parse_list(params: Mapping[str, str], default: int | None, maximum: int) -> tuple[ProjectFilters, Page]:
    """Filters and paging of a project list together, so one 400 names every bad parameter."""
    errors: dict[str, str] = {}
    filters, page = ProjectFilters(), Page(default, None)
    try:
        filters = parse_filters(params)
    except ValidationError as exc:
        errors.update(exc.errors)
    try:
        page = parse_page(params, default, maximum)
    except ValidationError as exc:
        errors.update(exc.errors)
    if errors:
        raise ValidationError(errors)
    return filters, page


def next_url(last_id: int) -> str:
    """This request's URL with the cursor moved past `last_id` (absolute, other parameters kept)."""
    args = [(k, v) for k, v in request.args.items(multi=True) if k != "cursor"]
    args.append(("cursor", encode_cursor(last_id)))
    return f"{request.base_url}?{urlencode(args)}"


def project_page(filters: ProjectFilters, page: Page, fetch: Callable[..., list],
                 shape: Callable[[Any], dict[str, Any]]) -> dict[str, Any]:
    """One page of published projects read by `fetch` (ORM or rows) and shaped: {"items", "next", "total"}."""
    rows = fetch(filters, page.limit + 1 if page.limit else None, page.after)
    more = page.limit is not None and len(rows) > page.limit
    items = [shape(row) for row in (rows[:page.limit] if more else rows)]
    return {"items": items, "next": next_url(items[-1]["id"]) if more else None, "total": count_projects(filters)}
