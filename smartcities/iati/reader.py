"""Reading an IATI activities file (2.0x) into plain activities: no database, every problem named by activity
and element ("activity 3 (XM-DAC-46004-P1234): budget[2]/value"); codes per the IATI 2.03 code lists."""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path

from smartcities.errors import ValidationError
from smartcities.iati.export import XML_LANG
from smartcities.projects.models import MAX_SITE_NAME, MAX_SITES
from smartcities.projects.sites import Site
from smartcities.projects.validation import CURRENCIES, EARLIEST, LATEST
from smartcities.text import FieldError, clean_text

ROLES = {"1": "funding", "2": "accountable", "3": "extending", "4": "implementing"}  # OrganisationRole
# ActivityStatus: 1 Pipeline/identification, 2 Implementation, 3 Finalisation, 4 Closed, 5 Cancelled, 6 Suspended.
# The export writes 1 for both concept and planning; identification is the concept stage, so 1 reads as concept.
STAGES = {"1": "concept", "2": "implementation", "3": "completed", "4": "completed", "6": "implementation"}
CANCELLED = "5"
STARTS, ENDS = ("1", "2"), ("3", "4")  # ActivityDateType: planned/actual start, planned/actual end (planned first)
MAX_TITLE, MAX_SUMMARY, MAX_DESCRIPTION, MAX_NAME = 200, 2000, 20000, 200
_POS = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s+(-?\d+(?:\.\d+)?)\s*$")


@dataclass
class Activity:
    """One iati-activity as plain values (what the importer needs of it)."""

    number: int
    identifier: str
    title: str
    description: str = ""
    status: str = ""
    countries: list[str] = field(default_factory=list)
    sites: list[Site] = field(default_factory=list)
    start: date | None = None
    end: date | None = None
    budget: Decimal | None = None
    currency: str | None = None
    partners: list[tuple[str | None, str, str]] = field(default_factory=list)  # (ref, name, role)
    sectors: list[tuple[str, str, str]] = field(default_factory=list)  # (vocabulary, vocabulary-uri, code)
    # other-identifier type A9 (Other Activity Identifier): the activity this one republishes (the portal's export
    # of an imported project names the activity it came from)
    others: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    problems: dict[str, str] = field(default_factory=dict)  # "activity N (id): element" -> what is wrong

    @property
    def label(self) -> str:
        return f"activity {self.number} ({self.identifier})" if self.identifier else f"activity {self.number}"


def _narrative(element: ET.Element | None) -> str:
    """The element's narrative in English (or without a language), else its first one; "" if none."""
    if element is None:
        return ""
    narratives = element.findall("narrative")
    english = [n for n in narratives if n.get(XML_LANG, "en").lower().startswith("en")]
    chosen = (english or narratives)[:1]
    return (chosen[0].text or "").strip() if chosen else ""


def _date(value: str | None) -> date:
    try:
        day = date.fromisoformat((value or "").strip()[:10])
    except ValueError:
        raise FieldError(f"{value!r} is not a date (YYYY-MM-DD)") from None
    if not EARLIEST <= day <= LATEST:
        raise FieldError(f"{day} is not between {EARLIEST} and {LATEST}")
    return day


class _Checker:
    """Collects the problems of one activity, each under its element's path."""

    def __init__(self, errors: dict[str, str], label: str):
        self.errors, self.label = errors, label

    def add(self, where: str, message: str) -> None:
        self.errors[f"{self.label}: {where}"] = message

    def text(self, where: str, value: str, longest: int, multiline: bool = False) -> str:
        try:
            return clean_text(value, where, longest, multiline)
        except FieldError as error:
            self.add(where, error.problem)
            return ""


def _sites(element: ET.Element, check: _Checker) -> list[Site]:
    sites = []
    for n, location in enumerate(element.findall("location"), start=1):
        pos = location.findtext("point/pos")
        if pos is None:
            continue  # a location by name or administrative area only: no point to place
        match = _POS.match(pos)
        lat, lon = (float(match[1]), float(match[2])) if match else (None, None)
        if lat is None or not (-90 <= lat <= 90 and -180 <= lon <= 180):
            check.add(f"location[{n}]/point/pos", f"{pos.strip()[:40]!r} is not 'latitude longitude' in degrees")
            continue
        name = check.text(f"location[{n}]/name", _narrative(location.find("name")), MAX_SITE_NAME)
        sites.append(Site(lat, lon, name or None))
    if len(sites) > MAX_SITES:
        check.add("location", f"{len(sites)} located points; a project has at most {MAX_SITES} sites")
    return sites


def _budget(element: ET.Element, activity: Activity, check: _Checker) -> None:
    """The sum of the budgets (original, else revised) in one currency; in several currencies none is kept."""
    default = element.get("default-currency")
    amounts: dict[str, Decimal] = {}
    budgets = element.findall("budget")
    kinds = {b.get("type", "1") for b in budgets}
    for n, budget in enumerate(budgets, start=1):
        if "1" in kinds and budget.get("type", "1") != "1":
            continue  # revised budgets restate the original ones
        value = budget.find("value")
        where = f"budget[{n}]/value"
        currency = (value.get("currency") if value is not None else None) or default
        try:
            amount = Decimal((value.text or "").strip()) if value is not None else None
        except InvalidOperation:
            amount = None
        if amount is None or not amount.is_finite() or amount < 0 or amount >= Decimal("1e16"):
            check.add(where, "must be a non-negative amount below 10^16")
        elif currency not in CURRENCIES:
            check.add(f"{where}/@currency", f"{currency!r} is not an ISO 4217 currency (nor is a default-currency)")
        else:
            amounts[currency] = amounts.get(currency, Decimal(0)) + amount
    if len(amounts) == 1:
        (activity.currency, total), = amounts.items()
        activity.budget = total.quantize(Decimal("0.01"))
    elif amounts:
        activity.notes.append(f"budgets in {', '.join(sorted(amounts))}: none kept (a project has one currency)")


def _partners(element: ET.Element, check: _Checker) -> list[tuple[str | None, str, str]]:
    partners = []
    for n, org in enumerate(element.findall("participating-org"), start=1):
        where = f"participating-org[{n}]"
        role = ROLES.get(org.get("role", ""))
        if role is None:
            check.add(f"{where}/@role", f"{org.get('role')!r} is not an IATI organisation role (1 to 4)")
            continue
        ref = (org.get("ref") or "").strip() or None
        name = check.text(f"{where}/narrative", _narrative(org), MAX_NAME)
        if not name and not ref:
            check.add(where, "names no organisation (no narrative and no @ref)")
            continue
        partners.append((ref, name or ref, role))
    return partners


def _activity(element: ET.Element, number: int) -> Activity:
    identifier = (element.findtext("iati-identifier") or "").strip()
    activity = Activity(number, identifier[:200], "")
    errors = activity.problems
    check = _Checker(errors, activity.label)
    if not identifier or len(identifier) > 200:
        check.add("iati-identifier", "is required (at most 200 characters)")
    title = check.text("title", _narrative(element.find("title")), 4 * MAX_TITLE)
    if len(title) > MAX_TITLE:  # publishers' titles can run long; a project's title has 200 characters
        title = title[:MAX_TITLE - 1].rsplit(" ", 1)[0].rstrip(" ,;:-") + "\u2026"
        activity.notes.append(f"title shortened to {MAX_TITLE} characters")
    activity.title = title
    if not activity.title and f"{activity.label}: title" not in errors:
        check.add("title", "is required: a narrative")
    descriptions = element.findall("description")
    general = [d for d in descriptions if d.get("type", "1") == "1"] or descriptions
    activity.description = check.text("description", _narrative(general[0]) if general else "", MAX_DESCRIPTION,
                                      multiline=True)
    status = element.find("activity-status")
    activity.status = status.get("code", "") if status is not None else ""
    if activity.status and activity.status not in STAGES and activity.status != CANCELLED:
        check.add("activity-status/@code", f"{activity.status!r} is not an IATI activity status (1 to 6)")
    activity.countries = [(c.get("code") or "").strip().upper() for c in element.findall("recipient-country")]
    activity.sites = _sites(element, check)
    dates = {d.get("type"): d for d in element.findall("activity-date")}
    for attribute, kinds in (("start", STARTS), ("end", ENDS)):
        kind = next((k for k in kinds if k in dates), None)
        if kind is not None:
            try:
                setattr(activity, attribute, _date(dates[kind].get("iso-date")))
            except FieldError as error:
                check.add(f"activity-date[@type={kind}]/@iso-date", str(error))
    if activity.start and activity.end and activity.end < activity.start:
        check.add("activity-date", "the end date is before the start date")
    _budget(element, activity, check)
    activity.partners = _partners(element, check)
    activity.sectors = [(s.get("vocabulary", "1"), s.get("vocabulary-uri", ""), s.get("code", ""))
                        for s in element.findall("sector")]
    activity.others = [(o.get("ref") or "").strip() for o in element.findall("other-identifier")
                       if o.get("type") == "A9" and (o.get("ref") or "").strip()]
    return activity


def read_activities(path: Path) -> list[Activity]:
    """Every activity of an iati-activities file (version 2.0x), each with the problems of its elements (an
    identifier used before is one); raises ValidationError for a file that is not one."""
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError as error:
        raise ValidationError("file", f"not well-formed XML: {error}") from None
    if root.tag != "iati-activities":
        raise ValidationError("file", f"the root element is <{root.tag}>, not <iati-activities>")
    version = root.get("version", "")
    if not re.fullmatch(r"2\.0[1-9]", version):
        raise ValidationError("iati-activities/@version", f"{version!r}: this reads IATI 2.01 to 2.09 files")
    activities = [_activity(element, n) for n, element in enumerate(root.findall("iati-activity"), 1)]
    seen: dict[str, int] = {}
    for activity in activities:
        if activity.identifier and seen.setdefault(activity.identifier, activity.number) != activity.number:
            activity.problems[f"{activity.label}: iati-identifier"] = \
                f"already used by activity {seen[activity.identifier]}"
    if not activities:
        raise ValidationError("file", "holds no iati-activity")
    return activities
