"""Telling partners of projects that need them: when a published project seeks funding, the organisations that
match it best and opted in (their profile's tell_matches) are told, once per project (issue 15, part 4).
`queue` runs in the publishing transaction and costs one query; the worker calls `suggest` later."""
from __future__ import annotations

from flask_login import AnonymousUserMixin
from sqlalchemy import select

from smartcities.extensions import db
from smartcities.matching.models import MatchSuggestion
from smartcities.notifications import events
from smartcities.notifications.models import Event
from smartcities.organisations.models import Organisation, PartnerProfile
from smartcities.projects.models import Project

BEST = 3            # how many of the best matches may be told
MIN_SCORE = 0.2     # the ranking's probability of funding it: below one in five, history alone interrupts nobody


def queue(project: Project) -> None:
    """Ask the worker to tell the best matches, when the project is published, seeks funding and some partner
    opted in at all."""
    if project.status == "published" and project.seeking_funding and db.session.scalar(
            select(PartnerProfile.organisation_id).where(PartnerProfile.tell_matches.is_(True)).limit(1)):
        db.session.add(MatchSuggestion(project_id=project.id))


def covers(profile: PartnerProfile | None, project: Project) -> bool:
    """Does the partner's own profile state the project's country and one of its focus areas? A partner new to
    the portal has no funding history for the ranking to go on: what it says it funds is enough to be told."""
    return profile is not None and project.city.country_code in (profile.countries or ()) and any(
        area.slug in (profile.focus_areas or ()) for area in project.focus_areas)


def _already_told(project: Project) -> set[int]:
    infos = db.session.scalars(select(Event.info).where(Event.kind == "match.suggested",
                                                        Event.project_id == project.id))
    return {info.get("organisation_id") for info in infos}


def suggest(project: Project) -> list[Event]:
    """Tell the opted-in organisations among the project's best matches (on published evidence only, as anyone
    sees it); nothing for a project that is not published or does not seek funding."""
    from smartcities.matching.services import project_matches  # the ranking's module needs the API's serializers

    if project.status != "published" or not project.seeking_funding:
        return []
    opted_in = set(db.session.scalars(select(PartnerProfile.organisation_id)
                                      .where(PartnerProfile.tell_matches.is_(True))))
    if not opted_in:
        return []
    told, found = _already_told(project), []
    for match in events.with_urls(lambda: project_matches(project, AnonymousUserMixin(), limit=BEST)):
        organisation_id = match["organisation"]["id"]
        if organisation_id in opted_in and organisation_id not in told and (
                match["score"] >= MIN_SCORE or covers(db.session.get(PartnerProfile, organisation_id), project)):
            organisation = db.session.get(Organisation, organisation_id)
            found.append(events.match_event(project, organisation, match["score"], match["reasons"]))
    return found
