"""Revisions: an edit of a published project waits for the country's focal point before anyone else sees it.

The project row keeps the published version; the edit is stored as a ProjectRevision (the form's values as
JSON). Publishing the revision applies it through the same rules as any save; returning it leaves the
published version untouched. The overlap check runs on the revision as on a new submission.
"""
from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _

from smartcities.accounts.permissions import require
from smartcities.audit import services as audit
from smartcities.database import utcnow
from smartcities.errors import DomainError, ValidationError
from smartcities.extensions import db
from smartcities.matching import suggestions
from smartcities.notifications import events
from smartcities.organisations.services import publish_partners
from smartcities.overlap import services as overlap
from smartcities.overlap.conversion import project_draft
from smartcities.projects import services
from smartcities.projects.models import Project, ProjectRevision
from smartcities.projects.sites import Site, from_json, locations_field, recorded

MAX_COMMENT = 4000
DATES = ("start_date", "end_date")
AMOUNTS = ("budget", "funding_sought")


def _to_json(values: dict[str, Any]) -> dict[str, Any]:
    """The resolved form values as JSON: names for rows, ISO dates, money as exact text."""
    data = {name: audit.jsonable(values[name]) for name in (*services.FIELDS, "budget")}
    data.update(city=values["city"].slug, focus_areas=[area.name for area in values["focus_areas"]],
                locations=[list(site) for site in values["sites"]],
                partners=[[name, role, audit.jsonable(amount), currency]
                          for name, role, amount, currency in values["partners"]])
    return data


def _from_json(data: dict[str, Any]) -> dict[str, Any]:
    """Back to the form's clean values, so publishing goes through the same rules as a save."""
    clean = dict(data, country=None, address="", new_partners=True)  # its new names were confirmed when proposed
    for name in DATES:
        clean[name] = date.fromisoformat(data[name]) if data.get(name) else None
    for name in AMOUNTS:
        clean[name] = Decimal(data[name]) if data.get(name) is not None else None
    clean["partners"] = [(name, role, Decimal(amount) if amount is not None else None, currency)
                         for name, role, amount, currency in data["partners"]]
    clean["locations"] = _sites(data)
    first = clean["locations"][0] if clean["locations"] else Site(None, None)
    clean["latitude"], clean["longitude"] = first.lat, first.lon
    return clean


def _sites(data: dict[str, Any]) -> list[Site]:
    """A revision's sites; one stored before projects had several sites has its latitude/longitude instead."""
    if "locations" in data:
        return from_json(data["locations"])
    return [Site(data["latitude"], data["longitude"])] if data.get("latitude") is not None else []


def _as_snapshot(data: dict[str, Any]) -> dict[str, Any]:
    """A revision's values in the shape of the project's audit snapshot, to compare field by field."""
    shown = {name: data.get(name) for name in services.FIELDS}
    shown.update(city=data["city"], budget=data.get("budget"), focus_areas=data["focus_areas"],
                 **recorded(_sites(data)),
                 partners=sorted(f"{name} ({role})" + (f" {amount} {currency}" if amount is not None else "")
                                 for name, role, amount, currency in data["partners"]))
    return shown


def changes(project: Project, revision: ProjectRevision) -> dict[str, list[Any]]:
    """{field: [published, proposed]} for every field the revision changes."""
    published = services.snapshot(project)
    proposed = _as_snapshot(revision.values)
    return audit.diff({name: published.get(name) for name in proposed}, proposed)


def refresh_flags(project: Project) -> None:
    """The project's flags as its next review sees them: its open revision's when it has one (a plan recheck must
    not replace those with the published version's)."""
    revision = project.open_revision
    _refresh_flags(project, revision.values if revision is not None else None)


def _refresh_flags(project: Project, data: dict[str, Any] | None) -> None:
    """Flags for the revision's text and place (as at a submission), or for the published version again."""
    draft = project_draft(project)
    if data is not None:
        clean = _from_json(data)
        draft = replace(draft, title=clean["title"],
                        text=" ".join(filter(None, (clean["summary"], clean["description"]))),
                        focus_areas=frozenset(clean["focus_areas"]), start=clean["start_date"],
                        end=clean["end_date"], lat=clean["latitude"], lon=clean["longitude"],
                        sites=tuple((site.lat, site.lon) for site in clean["locations"]),
                        partners=frozenset(name for name, *_ in clean["partners"]))
    overlap.refresh_flags(project, draft)


def save_edit(project: Project, clean: dict[str, Any], user, loaded_version: int | None) -> services.Saved:
    """Save an edit: a draft or returned project directly, a published one as a revision for review."""
    if project.status != "published":
        return services.update_project(project, clean, user, loaded_version)
    services.check_editable(project, user)
    if loaded_version != project.version:
        raise services.StaleEdit(project.id, loaded_version or 0)
    values = services.resolve(clean, user, project)
    if values["city"].id != project.city_id:
        raise ValidationError("city", _("A published project stays in its city; archive it and register "
                                        "the project again in the other city."))
    notice = services.locate(values)
    data = _to_json(values)
    revision = project.open_revision
    if revision is None:  # not linked to the project until it is kept, so nothing is written by accident
        revision = ProjectRevision(project_id=project.id, values=data)
    if revision.id is not None and revision.values == data and revision.status == "pending":
        return services.Saved(project, notice)
    revision.values, revision.status, revision.review_comment = data, "pending", None
    revision.base_version = project.version
    revision.created_by_id = user.id
    if not changes(project, revision):
        if revision.id is not None:
            db.session.delete(revision)  # edited back to what is published: nothing waits for review
        db.session.flush()
        return services.Saved(project, notice)
    db.session.add(revision)
    db.session.flush()
    audit.record(project, "revision_proposed", user, changes(project, revision))
    _refresh_flags(project, data)
    events.project_event("project.submitted", project, user)  # a review request, as a first submission is
    return services.Saved(project, notice or _("The change waits for review; the published version stays "
                                               "public until the focal point publishes it."))


def pending(project: Project) -> ProjectRevision:
    """The project's revision waiting for review, or DomainError."""
    revision = project.open_revision
    if revision is None or revision.status != "pending":
        raise DomainError(_("This project has no change waiting for review."))
    return revision


def publish(project: Project, user) -> None:
    """Apply the pending revision to the published project; every public surface shows it from now on."""
    require(user, "publish", project)
    revision = pending(project)
    values = services.resolve(_from_json(revision.values), user, project)
    services.resolve_organisations(values, True, user)
    before = services.snapshot(project)
    with db.session.no_autoflush:
        services.apply_values(project, values)
    project.review_comment = None
    services.touch(project, user)
    revision.status, revision.decided_by_id, revision.decided_at = "published", user.id, utcnow()
    db.session.flush()
    audit.record(project, "revise", user, audit.diff(before, services.snapshot(project)))
    publish_partners(project)
    _refresh_flags(project, None)
    events.project_event("project.revised", project, user)
    suggestions.queue(project)   # it may have started seeking funding


def return_revision(project: Project, user, comment: str) -> None:
    """Send the pending revision back to the city with a comment; the published version is untouched."""
    require(user, "return", project)
    revision = pending(project)
    text = (comment or "").strip()
    if not text or len(text) > MAX_COMMENT:
        raise ValidationError("comment", _("Write a comment for the city (at most %(n)d characters).",
                                           n=MAX_COMMENT))
    revision.status, revision.review_comment = "returned", text
    revision.decided_by_id, revision.decided_at = user.id, utcnow()
    db.session.flush()
    audit.record(project, "revision_returned", user, {"review_comment": [None, text]})
    _refresh_flags(project, None)
    events.project_event("project.returned", project, user, text)


def form_values(project: Project) -> dict[str, Any] | None:
    """The open revision's values for the edit form (the city goes on editing it), or None."""
    revision = project.open_revision
    if revision is None:
        return None
    data = revision.values

    def text(value: Any) -> str:
        return "" if value is None else str(value)
    sites = _sites(data)
    return {
        **{name: text(data.get(name)) for name in ("title", "summary", "description", "stage", "start_date",
                                                   "end_date", "budget", "currency", "funding_sought")},
        "latitude": text(sites[0].lat) if sites else "", "longitude": text(sites[0].lon) if sites else "",
        "locations": locations_field(sites),
        "seeking_funding": bool(data.get("seeking_funding")), "city": data["city"],
        "country": project.city.country_code, "focus_areas": data["focus_areas"], "version": str(project.version),
        "participants": [{"organisation": name, "role": role, "amount": text(amount), "currency": text(currency)}
                         for name, role, amount, currency in data["partners"]] + [{}],
    }
