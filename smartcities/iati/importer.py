"""IATI import: the activities of an IATI file that happen in an ASCN city become published projects.

An activity is kept when one of its recipient countries is an ASEAN member and its located points (or, with
none, its title) place it in a member city of that country: the city nearest to any point, within
IATI_CITY_RADIUS_KM (default 50). Others are skipped, each with its reason. Kept activities bring their
participating organisations and roles, budget and sites; an activity imported before (same iati-identifier)
updates its project. All or nothing: any problem in an activity of an ASEAN member state raises ValidationError
and nothing is written; an activity elsewhere (or cancelled) is skipped without reading it further, so one
publisher's odd record in another region does not block the file.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask import current_app
from geopy.distance import geodesic
from sqlalchemy import select

from smartcities.audit import services as audit
from smartcities.errors import ValidationError
from smartcities.database import utcnow
from smartcities.extensions import db
from smartcities.geo.models import City, Country
from smartcities.iati.reader import CANCELLED, STAGES, Activity, read_activities
from smartcities.organisations.models import Organisation, OrganisationName
from smartcities.organisations.names import name_key
from smartcities.projects.importer import find_or_add_organisations
from smartcities.projects.models import FocusArea, Project
from smartcities.projects.services import apply_values, snapshot
from smartcities.projects.sites import Site

SUMMARY_LENGTH = 2000  # a description this short is the project's summary, a longer one its description


@dataclass
class Report:
    """What an import did: identifiers created, updated and unchanged; skipped ones with their reason."""

    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)
    notes: dict[str, list[str]] = field(default_factory=dict)

    def reasons(self) -> Counter:
        """How many activities were skipped for each kind of reason (the reason up to its first colon)."""
        return Counter(reason.split(":")[0] for reason in self.skipped.values())


@dataclass
class _Places:
    """The reference data an import places activities with, loaded once."""

    countries: set[str]
    cities: list[City]
    radius: float

    @classmethod
    def load(cls) -> _Places:
        return cls(set(db.session.scalars(select(Country.code))),
                   list(db.session.scalars(select(City).where(City.is_member.is_(True)).order_by(City.id))),
                   float(current_app.config["IATI_CITY_RADIUS_KM"]))


def _named_in(title: str, city: City) -> bool:
    names = [name for name in (city.name, city.local_name) if name]
    return any(re.search(rf"(?<!\w){re.escape(name)}(?!\w)", title, re.IGNORECASE) for name in names)


def outside(activity: Activity, places: _Places) -> str | None:
    """Why an activity is none of the network's whatever else it says (cancelled, outside ASEAN), or None."""
    if activity.status == CANCELLED:
        return "cancelled: activity-status 5"
    if not any(code in places.countries for code in activity.countries):
        return f"outside ASEAN: recipient-country {', '.join(activity.countries) or 'none'}"
    return None


def place(activity: Activity, places: _Places) -> tuple[City, list[Site]] | str:
    """The ASCN city and sites of an activity in an ASEAN member state, or why it is not one of the network's."""
    asean = [code for code in activity.countries if code in places.countries]
    cities = [city for city in places.cities if city.country_code in asean]
    if activity.sites and cities:
        km, city = min(((geodesic((site.lat, site.lon), (c.latitude, c.longitude)).km, c)
                        for site in activity.sites for c in cities), key=lambda pair: pair[0])
        if km <= places.radius:
            return city, activity.sites
        return f"no ASCN city near: the nearest, {city.name}, is {km:.0f} km from its closest location"
    named = [city for city in cities if _named_in(activity.title, city)]
    if named:
        return named[0], [Site(named[0].latitude, named[0].longitude)]
    return f"no ASCN city named: no located point, and the title names no member city of {', '.join(asean)}"


def _organisations(activities: list[tuple[Activity, City, list[Site]]]) -> dict[tuple, Organisation]:
    """Each (ref, name) of the kept activities' partners: by its IATI organisation identifier when one of the
    portal's organisations has it, else by name (organisations not known are added, as by `projects import`)."""
    pairs = {(ref, name) for activity, _c, _s in activities for ref, name, _role in activity.partners}
    keys = {name_key(ref): ref for ref, _name in pairs if ref}
    by_ref = {keys[key]: organisation for key, organisation in db.session.execute(
        select(OrganisationName.key, Organisation).join(Organisation)
        .where(OrganisationName.kind == "iati", OrganisationName.key.in_(keys), Organisation.is_public.is_(True)))}
    named = find_or_add_organisations(name for ref, name in pairs if ref not in by_ref)
    return {(ref, name): by_ref.get(ref) or named[name] for ref, name in pairs}


def _values(activity: Activity, city: City, sites: list[Site], areas: dict[str, FocusArea],
            organisations: dict[tuple, Organisation]) -> dict[str, Any]:
    """The activity as the values `apply_values` sets on a project."""
    short = len(activity.description) <= SUMMARY_LENGTH
    wanted = [areas[code] for vocabulary, _uri, code in activity.sectors if vocabulary in ("98", "99")
              and code in areas]
    partners = list(dict.fromkeys((f"{ref}|{name}", role) for ref, name, role in activity.partners))
    return {
        "city": city, "title": activity.title, "summary": activity.description if short else "",
        "description": "" if short else activity.description, "stage": STAGES.get(activity.status, "concept"),
        "start_date": activity.start, "end_date": activity.end, "currency": activity.currency,
        "budget": activity.budget, "seeking_funding": False, "funding_sought": None, "sites": sites,
        "focus_areas": sorted(set(wanted), key=lambda area: area.id),
        "partners": [(key, role, None, None) for key, role in partners],
        "organisations": {f"{ref}|{name}": organisation for (ref, name), organisation in organisations.items()},
    }


def import_iati(path: Path) -> Report:
    """Import an IATI activities file (see the module); the caller commits, or rolls back on ValidationError."""
    activities = read_activities(path)
    places, report = _Places.load(), Report()
    # An activity elsewhere is skipped unread (a publisher's file covers the world); one in ASEAN must be whole.
    skipped = {a.number: reason for a in activities if (reason := outside(a, places)) is not None}
    problems = {where: message for a in activities if a.number not in skipped
                for where, message in a.problems.items()}
    if problems:
        raise ValidationError(problems)  # naming every problem, before anything is written
    kept = []
    for activity in activities:
        found = skipped.get(activity.number) or place(activity, places)
        if isinstance(found, str):
            report.skipped[activity.identifier] = found
        else:
            kept.append((activity, *found))
        if activity.notes:
            report.notes[activity.identifier] = activity.notes
    organisations = _organisations(kept)
    areas = {area.slug: area for area in db.session.scalars(select(FocusArea))}
    named = {i for a, _c, _s in kept for i in (a.identifier, *a.others)}
    existing = {p.iati_identifier: p for p in db.session.scalars(
        select(Project).where(Project.iati_identifier.in_(named)))}
    now = utcnow()
    for activity, city, sites in kept:
        values = _values(activity, city, sites, areas, organisations)
        # the activity itself, else the one it republishes (a re-import of the portal's own export)
        project = next((existing[i] for i in (activity.identifier, *activity.others) if i in existing), None)
        before = snapshot(project) if project is not None else {}
        if project is None:
            project = Project(status="published", published_at=now, iati_identifier=activity.identifier)
            db.session.add(project)
        with db.session.no_autoflush:
            apply_values(project, values)
        if project.id is not None and snapshot(project) == before:
            report.unchanged.append(activity.identifier)
            continue
        project.updated_at, project.updated_by_id = now, None
        db.session.flush()
        audit.record(project, "updated" if before else "created", None, audit.diff(before, snapshot(project)))
        (report.updated if before else report.created).append(activity.identifier)
    db.session.flush()
    return report
