"""Registering and editing projects: rules, location fallback, partners, refusing lost updates, history."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from smartcities.accounts.permissions import can, require
from smartcities.audit import services as audit
from smartcities.audit.models import AuditEvent
from smartcities.database import utcnow
from smartcities.errors import DomainError, NotFound, ValidationError
from smartcities.extensions import db
from smartcities.geo.geocoding import geocode
from smartcities.geo.services import find_city
from smartcities.organisations.models import Organisation
from smartcities.organisations.services import close_matches, find_organisation, organisation_for
from smartcities.overlap import services as overlap
from smartcities.overlap.models import OverlapFlag
from smartcities.projects.models import FocusArea, Project, ProjectParticipation
from smartcities.projects.sites import Site, recorded, set_sites, sites_of

EDITABLE = ("draft", "returned", "published")
MAX_PARTNERS = 50   # rows per project, in the form, the project file and the API alike
MAX_NAME = 200      # characters in an organisation's name (its column's size)
FIELDS = ("title", "summary", "description", "stage", "start_date", "end_date", "currency", "seeking_funding",
          "funding_sought")


@dataclass
class Saved:
    """A saved project and what the person should be told about it (e.g. the geocoder was unreachable)."""

    project: Project
    notice: str = ""


class StaleEdit(DomainError):
    """The project changed after the form was loaded; the save is refused, never merged."""

    def __init__(self, project_id: int, loaded_version: int):
        super().__init__(_("This project was changed by someone else after you opened it."))
        self.project_id = project_id
        self.loaded_version = loaded_version


def get_visible(project_id: int, user) -> Project:
    """The project if this user may see it; drafts and other unpublished projects are 404 to everyone else."""
    project = db.session.get(Project, project_id)
    if project is None or not can(user, "view_project", project):
        raise NotFound(_("There is no such project."))
    return project


def snapshot(project: Project) -> dict[str, Any]:
    """The project's recorded fields, as stored in the audit trail."""
    values = {name: getattr(project, name) for name in FIELDS}
    values.update(
        city=project.city.slug if project.city else None, status=project.status,
        budget=project.budget_amount, review_comment=project.review_comment,
        published_at=project.published_at, version=project.version,
        focus_areas=[fa.name for fa in project.focus_areas], **recorded(sites_of(project)),
        partners=sorted(_participant_label(p) for p in project.participations),
    )
    return {name: audit.jsonable(value) for name, value in values.items()}


def _participant_label(p: ProjectParticipation) -> str:
    commitment = f" {p.committed_amount} {p.committed_currency}" if p.committed_amount is not None else ""
    return f"{p.organisation.name} ({p.role}){commitment}"


def resolve(clean: dict[str, Any], user, project: Project | None) -> dict[str, Any]:
    """Check the rules across fields and resolve names to rows; raises ValidationError naming each field."""
    errors: dict[str, str] = {}
    city = find_city(clean["city"]) if clean.get("city") else (user.city if user.role == "city_official" else None)
    if city is None:
        errors["city"] = _("Choose a city.")
    elif project is None or city.id != project.city_id:
        require(user, "create_project", city)
    if city is not None and clean.get("country") and clean["country"] != city.country_code:
        errors["country"] = _("%(city)s is in %(code)s.", city=city.name, code=city.country_code)
    if (clean["budget"] is not None or clean["funding_sought"] is not None) and not clean["currency"]:
        errors["currency"] = _("is required with a budget or an amount sought")
    if clean["funding_sought"] is not None and not clean["seeking_funding"]:
        errors["funding_sought"] = _("tick 'Seeking funding', or leave this empty")
    sites = clean.get("locations")  # the form's hidden list of every site wins over latitude/longitude…
    if sites is not None and len(sites) == 1 and clean["latitude"] is not None and clean["longitude"] is not None \
            and max(abs(sites[0].lat - clean["latitude"]), abs(sites[0].lon - clean["longitude"])) > 1e-6:
        # …except where a browser without script changed the visible fields of a one-site project (the map
        # script keeps them equal to the first site): the site moves and keeps its name.
        sites = [Site(clean["latitude"], clean["longitude"], sites[0].name)]
    if sites is None:
        if (clean["latitude"] is None) != (clean["longitude"] is None):
            errors["latitude"] = _("give both latitude and longitude (click the map), or neither")
        # One point from latitude/longitude (a form without script, a one-site project): the name its one site
        # had stays with it.
        kept = project.sites[0].name if project is not None and len(project.sites) == 1 else None
        sites = [Site(clean["latitude"], clean["longitude"], kept)] if clean["latitude"] is not None else []
    areas = list(db.session.scalars(select(FocusArea).where(FocusArea.name.in_(clean["focus_areas"]))
                                    .order_by(FocusArea.id)))
    if len(areas) != len(set(clean["focus_areas"])):
        errors["focus_areas"] = _("unknown focus area")
    rows = clean["partners"]
    if len(rows) > MAX_PARTNERS:
        errors["partners"] = _("at most %(n)d partners per project", n=MAX_PARTNERS)
    elif any(not 1 <= len(name.strip()) <= MAX_NAME for name, _role, _amount, _currency in rows):
        errors["partners"] = _("an organisation name has 1 to %(n)d characters", n=MAX_NAME)
    elif any(amount is not None and not (currency or clean["currency"]) for _name, _role, amount, currency in rows):
        errors["partners"] = _("a committed amount needs a currency")
    elif city is not None and not clean.get("new_partners"):
        unsure = _misspelt_partners([name for name, *_ in rows], city, user)
        if unsure:
            errors["partners"] = " ".join(unsure) + " " + _(
                "Correct the name, or tick \u201cAdd the names not found as new organisations\u201d.")
    if errors:
        raise ValidationError(errors)
    return {**clean, "city": city, "focus_areas": areas, "sites": sites}


def _misspelt_partners(names: list[str], city, user) -> list[str]:
    """For each name that finds no organisation but is close to known ones, a question naming them."""
    questions = []
    for name in dict.fromkeys(name.strip() for name in names):
        if find_organisation(name, city) is None and (matches := close_matches(name, user)):
            questions.append(_("\u201c%(name)s\u201d is not a known organisation: did you mean %(matches)s?",
                               name=name, matches=", ".join(f"\u201c{match}\u201d" for match in matches)))
    return questions


def locate(values: dict[str, Any]) -> str:
    """Fill in the sites: those placed on the map, else the geocoded address, else the city centre."""
    notice = ""
    if not values["sites"]:
        found = geocode(values["address"], values["city"])
        values["sites"], notice = [Site(found.lat, found.lon)], found.notice
    values["latitude"], values["longitude"] = values["sites"][0].lat, values["sites"][0].lon
    return notice


def resolve_organisations(values: dict[str, Any], public: bool, user) -> None:
    """Resolve the partner names to organisations (creating missing ones) before the project is touched."""
    values["organisations"] = {name: organisation_for(name, values["city"], public, user)
                               for name, _role, _amount, _currency in values["partners"]}


def _participations(project: Project, values: dict[str, Any]) -> list[ProjectParticipation]:
    """The wanted participations, reusing existing rows so the (project, organisation, role) key never clashes."""
    existing = {(p.organisation, p.role): p for p in project.participations}
    wanted: dict[tuple[Organisation, str], ProjectParticipation] = {}
    currency = values["currency"]
    for name, role, amount, row_currency in values["partners"]:
        organisation = values["organisations"][name]
        key = (organisation, role)
        participation = existing.get(key) or wanted.get(key) or ProjectParticipation(
            organisation=organisation, role=role)
        if amount is not None or key not in wanted:
            participation.committed_amount = amount
            participation.committed_currency = (row_currency or currency) if amount is not None else None
        wanted[key] = participation
    return list(wanted.values())


def apply_values(project: Project, values: dict[str, Any]) -> None:
    """Copy the values onto the project, touching only what differs (an unchanged save writes nothing)."""
    project.city = values["city"]
    for name in FIELDS:
        if getattr(project, name) != values[name]:
            setattr(project, name, values[name])
    if project.budget_amount != values["budget"]:
        project.budget_amount = values["budget"]
    set_sites(project, values["sites"])
    if list(project.focus_areas) != values["focus_areas"]:
        project.focus_areas = values["focus_areas"]
    participations = _participations(project, values)
    if participations != list(project.participations):
        project.participations = participations
    if project.status == "returned":
        project.status = "draft"  # editing a returned project takes it back to draft


def touch(project: Project, user) -> None:
    """Stamp the change; it also makes the row's UPDATE (and so the version) happen when only links changed."""
    project.updated_by_id = user.id
    project.updated_at = utcnow()


def create_project(clean: dict[str, Any], user) -> Saved:
    """Register a draft project for a city the user may register in; the overlap flags are refreshed."""
    require(user, "open_project_form")
    values = resolve(clean, user, None)
    notice = locate(values)
    resolve_organisations(values, False, user)
    project = Project(status="draft", created_by_id=user.id)
    with db.session.no_autoflush:  # nothing may insert the half-built project
        apply_values(project, values)
    touch(project, user)
    db.session.add(project)
    db.session.flush()
    audit.record(project, "created", user, audit.diff({}, snapshot(project)))
    overlap.refresh_flags(project)
    return Saved(project, notice)


def check_editable(project: Project, user) -> None:
    """Raise unless this user may edit the project and its status allows editing (not under review or archived)."""
    require(user, "edit_project", project)
    if project.status not in EDITABLE:
        raise DomainError(_("A %(status)s project cannot be edited.", status=project.status))


def update_project(project: Project, clean: dict[str, Any], user, loaded_version: int | None) -> Saved:
    """Save an edit made on `loaded_version`; a stale version raises StaleEdit and nothing is written."""
    check_editable(project, user)
    if loaded_version != project.version:
        raise StaleEdit(project.id, loaded_version or 0)
    if project.status == "published":
        raise DomainError(_("A published project changes only through a reviewed revision."))
    values = resolve(clean, user, project)
    notice = locate(values)
    resolve_organisations(values, False, user)
    before = snapshot(project)
    apply_values(project, values)
    if snapshot(project) != before:
        touch(project, user)
        db.session.flush()
        audit.record(project, "updated", user, audit.diff(before, snapshot(project)))
        overlap.refresh_flags(project)
    return Saved(project, notice)


def flags_of(project: Project, user) -> list[OverlapFlag]:
    """The project's stored overlap flags this user may see: open first, then by severity and score."""
    order = {"open": 0, "acknowledged": 1, "dismissed": 2}
    rank = {"high": 0, "medium": 1, "low": 2}
    flags = db.session.scalars(select(OverlapFlag).options(selectinload(OverlapFlag.resolved_by),
                                                           selectinload(OverlapFlag.other_project))
                               .where(OverlapFlag.project_id == project.id))
    return sorted(overlap.visible_flags(flags, user),
                  key=lambda f: (order.get(f.status, 3), rank.get(f.severity, 3), -f.score))


def project_history(project: Project, user) -> list[AuditEvent]:
    """Changes to the project and to the overlap flags this user may see, newest first."""
    events = audit.history(project) + audit.events_for("overlap_flag", [f.id for f in flags_of(project, user)])
    return sorted(events, key=lambda e: (e.created_at, e.id), reverse=True)
