"""Query parameters of the open data: the grammar of their values (the OpenAPI document's patterns), and
paging: `limit` and an opaque keyset `cursor` (never an offset), and one page."""
from __future__ import annotations

import base64
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from flask import request

from smartcities.errors import ValidationError
from smartcities.projects.queries import (
    MAX_ID, ProjectFilters, clean_params, count_projects, parse_filters,
)

CURSOR_PREFIX = "after:"

# What str.strip() removes (each character whose isspace() is true): the API ignores it around a value, and a
# value made of nothing else is no value at all.
SPACE = r"[\t-\r\x1c-\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]"
# ASCII punctuation, space and tab: what `slugify` turns into the hyphen between two words of a slug.
SEPARATOR = r"[\t -/:-@\[-`{-~]"
_META = set("\\^$.|?*+()[]{}")


def optional_value(core: str) -> str:
    """The pattern of a parameter whose value is `core` with white space around it, or blank (not given)."""
    return f"^{SPACE}*(?:{core})?{SPACE}*$"


def either(options: Iterable[str]) -> str:
    """A pattern matching any of the given patterns."""
    return "(?:" + "|".join(options) + ")"


def literal(text: str) -> str:
    """`text` as a pattern that every regex dialect reads alike (only the metacharacters escaped)."""
    return "".join("\\" + c if c in _META else c for c in text)


def any_case(text: str) -> str:
    """`text` as a pattern in which each ASCII letter may be in either case."""
    return "".join(f"[{c.upper()}{c.lower()}]" if c.isascii() and c.isalpha() else literal(c) for c in text)


def slug_words(slug: str) -> str:
    """The ASCII texts that `slugify` turns into `slug`: its words in any case, between punctuation."""
    return f"{SEPARATOR}*" + f"{SEPARATOR}+".join(any_case(word) for word in slug.split("-")) + f"{SEPARATOR}*"


def whole_numbers_up_to(top: int) -> str:
    """A pattern of the whole numbers 1..top written without leading zeros."""
    digits = str(top)
    options = ["[1-9]" + "[0-9]" * shorter for shorter in range(len(digits) - 1)]
    for i, digit in enumerate(digits):  # as long as `top`: its first i digits, then a smaller one, then any
        lowest = 1 if i == 0 else 0
        if int(digit) > lowest:
            options.append(digits[:i] + f"[{lowest}-{int(digit) - 1}]" + "[0-9]" * (len(digits) - i - 1))
    return either([*options, digits])


def limit_pattern(maximum: int) -> str:
    """What `limit` accepts: a whole number from 1 to `maximum`, leading zeros allowed."""
    return "0*" + whole_numbers_up_to(maximum)


# base64url, unpadded, of "after:" and 1 to 10 digits: three digits make four characters, one or two the rest.
_THREE_DIGITS = "(?:(?:[MN][DTjz]|O[DT])[AEIMQUYcgk][w-z0-5])"
_ONE_DIGIT, _TWO_DIGITS = "(?:[MN][AQgw]|O[AQ])", "(?:(?:[MN][DTjz]|O[DT])[AEIMQUYcgk])"
CURSOR_PATTERN = (f"YWZ0ZXI6(?:{_THREE_DIGITS}{{1,3}}|{_THREE_DIGITS}{{0,3}}{_ONE_DIGIT}"
                  f"|{_THREE_DIGITS}{{0,2}}{_TWO_DIGITS})")


@dataclass(frozen=True)
class Page:
    """At most `limit` items (None: all of them) with ids above `after` (None: from the start)."""

    limit: int | None
    after: int | None


def encode_cursor(last_id: int) -> str:
    """The cursor that continues after the item `last_id`."""
    return base64.urlsafe_b64encode(f"{CURSOR_PREFIX}{last_id}".encode()).decode().rstrip("=")


def _decode_cursor(raw: str) -> int | None:
    """The id a cursor continues after, or None; one past every id (MAX_ID) when it names a larger one."""
    if not re.fullmatch(CURSOR_PATTERN, raw):
        return None
    text = base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)).decode("ascii")
    return min(int(text.removeprefix(CURSOR_PREFIX)), MAX_ID)


def parse_page(params: Mapping[str, str], default: int | None, maximum: int) -> Page:
    """Read `limit` (1..maximum; `default` when absent, None meaning all) and `cursor`; 400 names each bad one."""
    given = clean_params(params, ("limit", "cursor"))
    errors: dict[str, str] = {}
    limit = default
    if "limit" in given:
        raw = given["limit"]
        if re.fullmatch(limit_pattern(maximum), raw):
            limit = int(raw.lstrip("0"))
        else:
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


def this_url() -> str:
    """This request's absolute URL, its query percent-encoded: a URI whatever characters the client sent."""
    args = urlencode(list(request.args.items(multi=True)))
    return f"{request.base_url}?{args}" if args else request.base_url


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
