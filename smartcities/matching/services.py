"""Matches between projects and partners: gathers the evidence the asker may see (few queries; the published part
kept once per public data version), scores it with smartcities.matching.scoring, stores dismissed matches."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from datetime import timedelta
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import and_, select

from smartcities import public_version
from smartcities.api.serializers import absolute_url
from smartcities.accounts.permissions import can, require
from smartcities.accounts.visibility import PUBLIC, Audience, audience_of, projects_visible_to
from smartcities.audit.services import record
from smartcities.database import utcnow
from smartcities.errors import DomainError, NotFound
from smartcities.extensions import db
from smartcities.geo.models import City, Country
from smartcities.matching.scoring import Doc, Partner, Profile, idf_of, normalise, rank, rank_projects, tf
from smartcities.organisations.models import Interest, MatchDismissal, Organisation, PartnerProfile
from smartcities.overlap.engine.analysis import analyse
from smartcities.projects.models import FocusArea, Project, ProjectParticipation, project_focus_areas

RECENT = timedelta(days=365)    # interest counts as "this year" for a year


def _rows(condition) -> dict[int, dict[str, Any]]:
    """Plain facts of the projects matching `condition`: three queries whatever their number."""
    facts: dict[int, dict[str, Any]] = {}
    query = (select(Project.id, Project.title, Project.summary, Project.description, Project.city_id, City.name,
                    City.country_code, Country.name, Project.funding_sought, Project.budget_amount, Project.currency,
                    Project.seeking_funding)
             .join(City, City.id == Project.city_id).join(Country, Country.code == City.country_code)
             .where(condition))
    for pid, title, summary, description, city_id, city, code, country, sought, budget, currency, seeking \
            in db.session.execute(query):
        facts[pid] = {"title": title, "text": f"{summary or ''}\n{description or ''}", "city_id": city_id,
                      "city": city, "country": code, "country_name": country, "amount": sought or budget,
                      "currency": currency, "seeking": seeking, "focus": set(), "funders": set()}
    if facts:
        ids = select(Project.id).where(condition)
        for pid, name in db.session.execute(
                select(project_focus_areas.c.project_id, FocusArea.name)
                .join(FocusArea, FocusArea.id == project_focus_areas.c.focus_area_id)
                .where(project_focus_areas.c.project_id.in_(ids))):
            facts[pid]["focus"].add(name)
        for pid, org_id in db.session.execute(
                select(ProjectParticipation.project_id, ProjectParticipation.organisation_id)
                .where(ProjectParticipation.role == "funding", ProjectParticipation.project_id.in_(ids))):
            facts[pid]["funders"].add(org_id)
    return facts


def _doc(pid: int, fact: dict[str, Any], counts, idf: dict[str, float]) -> Doc:
    return Doc(id=pid, title=fact["title"], vector=normalise({f: tf(c) * idf.get(f, 1.0) for f, c in counts.items()}),
               focus=frozenset(fact["focus"]), country=fact["country"], country_name=fact["country_name"],
               city_id=fact["city_id"], city_name=fact["city"], amount=fact["amount"], currency=fact["currency"])


def _published() -> dict[str, Any]:
    """Every published project as a Doc with its funders and whether it seeks funding, and the IDF."""
    facts = _rows(Project.status == "published")
    counts = {pid: analyse(fact["title"], fact["text"]).counts for pid, fact in facts.items()}
    idf = idf_of(counts.values())
    return {"docs": {pid: _doc(pid, fact, counts[pid], idf) for pid, fact in facts.items()},
            "funders": {pid: frozenset(fact["funders"]) for pid, fact in facts.items()},
            "seeking": frozenset(pid for pid, fact in facts.items() if fact["seeking"]), "idf": idf}


def published() -> dict[str, Any]:
    """The published part of the evidence, computed once per public data version in this process."""
    return public_version.memo(("matching", "published"), _published)


def _evidence(audience: Audience) -> tuple[dict[int, Doc], dict[int, frozenset[int]]]:
    """The projects this audience may see, as Docs, with their funders: the published ones, plus the others
    the visibility rule shows it (analysed on the fly: a city's or a country's unpublished work is small)."""
    base = published()
    docs, funders = dict(base["docs"]), dict(base["funders"])
    if audience != PUBLIC:
        extra = _rows(and_(Project.status != "published", projects_visible_to(audience)))
        for pid, fact in extra.items():
            docs[pid] = _doc(pid, fact, analyse(fact["title"], fact["text"]).counts, base["idf"])
            funders[pid] = frozenset(fact["funders"])
    return docs, funders


def _profile(row: PartnerProfile, names: dict[str, str]) -> Profile:
    return Profile(focus=frozenset(names.get(slug, slug) for slug in row.focus_areas),
                   countries=frozenset(row.countries), ticket_min=row.ticket_min, ticket_max=row.ticket_max,
                   currency=row.currency)


def _partners(docs: dict[int, Doc], funders: dict[int, frozenset[int]], interests: dict[int, list[Doc]],
              only: set[int] | None = None) -> list[Partner]:
    """Public organisations with a profile or a funded project among `docs`, summarised for scoring."""
    funded: dict[int, list[Doc]] = defaultdict(list)
    for pid, orgs in funders.items():
        for org_id in orgs:
            funded[org_id].append(docs[pid])
    names = dict(db.session.execute(select(FocusArea.slug, FocusArea.name)).all())
    profiles = {row.organisation_id: row for row in db.session.scalars(select(PartnerProfile))}
    wanted = only if only is not None else set(funded) | set(profiles)
    query = select(Organisation.id, Organisation.name).where(Organisation.is_public.is_(True),
                                                             Organisation.id.in_(wanted))
    return [Partner(id=org_id, name=name, funded=funded.get(org_id, []), interests=interests.get(org_id, []),
                    profile=_profile(profiles[org_id], names) if org_id in profiles else None).summarise()
            for org_id, name in db.session.execute(query)]


def _public_partners() -> dict[int, Partner]:
    """Every partner summarised over the published evidence, without interest: once per public data version."""
    base = published()
    return public_version.memo(("matching", "partners"), lambda: {
        partner.id: partner for partner in _partners(base["docs"], base["funders"], {})})


def _recent_interest(docs: dict[int, Doc], condition) -> dict[int, list[Doc]]:
    """Projects each organisation expressed interest in during the last year, among `docs`, where `condition`."""
    found: dict[int, list[Doc]] = defaultdict(list)
    query = (select(Interest.organisation_id, Interest.project_id).distinct()
             .where(Interest.created_at >= utcnow() - RECENT, condition))
    for org_id, pid in db.session.execute(query):
        if pid in docs:
            found[org_id].append(docs[pid])
    return found


def _interest_seen_by(user: Any) -> Any:
    """Interest is private: the city's officials, the country's focal point and admins see what their projects
    received (as on their dashboards); anyone else counts none of it."""
    audience = audience_of(user)
    if audience.everything:
        return True
    if audience.city_id is not None:
        return Interest.project_id.in_(select(Project.id).where(Project.city_id == audience.city_id))
    if audience.country_code is not None:
        return Interest.project_id.in_(select(Project.id).join(City, City.id == Project.city_id)
                                       .where(City.country_code == audience.country_code))
    return None


def _match_dict(match, organisation: dict[str, Any] | None = None, project: Doc | None = None) -> dict[str, Any]:
    item: dict[str, Any] = {"score": round(match.score, 3), "reasons": match.reasons}
    if organisation is not None:
        item["organisation"] = organisation
    if project is not None:
        item["project"] = {"id": project.id, "title": project.title, "city": project.city_name,
                           "country": project.country, "funding_sought": None if project.amount is None
                           else str(project.amount), "currency": project.currency,
                           "url": absolute_url(f"/projects/{project.id}")}
    return item


def project_matches(project: Project, user: Any, limit: int = 10) -> list[dict[str, Any]]:
    """Organisations ranked by how likely they are to fund `project`, on the evidence `user` may see."""
    if not can(user, "view_project", project):
        raise NotFound(_("No such project."))
    docs, funders = _evidence(audience_of(user))
    target = docs.get(project.id)
    if target is None:  # e.g. a project of an audience's own city not yet in the memo
        fact = _rows(Project.id == project.id)[project.id]
        target = _doc(project.id, fact, analyse(fact["title"], fact["text"]).counts, published()["idf"])
    seen = _interest_seen_by(user)
    interests = _recent_interest(docs, seen) if seen is not None else {}
    partners = dict(_public_partners())
    base = published()["funders"]
    touched = {org_id for pid, orgs in funders.items() if pid not in base for org_id in orgs}
    if touched:  # unpublished work the asker may see adds to these partners' history
        partners.update({p.id: p for p in _partners(docs, funders, {}, only=touched)})
    candidates = [replace(p, interests=interests[p.id]) if p.id in interests else p for p in partners.values()
                  if p.id not in funders.get(project.id, ())]
    return [_match_dict(match, organisation={"id": partner.id, "name": partner.name,
                                             "url": absolute_url(f"/organisations/{partner.id}")})
            for partner, match in rank(target, candidates, limit)]


def dismissed_ids(organisation: Organisation) -> set[int]:
    return set(db.session.scalars(select(MatchDismissal.project_id)
                                  .where(MatchDismissal.organisation_id == organisation.id)))


def organisation_matches(organisation: Organisation, user: Any, limit: int = 20) -> list[dict[str, Any]]:
    """Published projects seeking funding, ranked for the organisation on published evidence (the same for
    everyone), minus those it funds already. For its own users and admins, also its recent interest and
    without the projects it dismissed; for anyone else, neither (both are private)."""
    personal = can(user, "act_for_organisation", organisation)
    base = published()
    docs, funders = base["docs"], base["funders"]
    interests = _recent_interest(docs, Interest.organisation_id == organisation.id) if personal else {}
    partner = _public_partners().get(organisation.id) or Partner(id=organisation.id,
                                                                   name=organisation.name).summarise()
    if organisation.id in interests:
        partner = replace(partner, interests=interests[organisation.id])
    skip = dismissed_ids(organisation) if personal else set()
    targets = [docs[pid] for pid in base["seeking"] if pid not in skip and organisation.id not in funders[pid]]
    return [_match_dict(match, project=doc) for doc, match in rank_projects(partner, targets, limit)]


def dismiss(organisation: Organisation, project: Project, user: Any) -> MatchDismissal:
    """Keep a suggested project out of the organisation's matches from now on (idempotent, audited)."""
    require(user, "act_for_organisation", organisation)
    if project.status != "published":
        raise DomainError(_("Only published projects are suggested."))
    existing = db.session.scalar(select(MatchDismissal).where(MatchDismissal.organisation_id == organisation.id,
                                                              MatchDismissal.project_id == project.id))
    if existing is not None:
        return existing
    dismissal = MatchDismissal(organisation_id=organisation.id, project_id=project.id, user_id=user.id)
    db.session.add(dismissal)
    db.session.flush()
    record(organisation, "match_dismissed", user, {"project": [None, project.id]})
    return dismissal

