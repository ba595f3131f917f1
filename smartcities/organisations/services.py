"""Organisations named in project forms, partners' interest in projects, and following projects."""
from __future__ import annotations

from decimal import Decimal
from difflib import get_close_matches

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from smartcities.accounts.models import User
from smartcities.accounts.permissions import require
from smartcities.accounts.visibility import audience_of, organisations_visible_to
from smartcities.audit.services import record
from smartcities.errors import DomainError, ValidationError
from smartcities.extensions import db
from smartcities.geo.models import City
from smartcities.notifications import events
from smartcities.notifications.models import TopicFollow
from smartcities.organisations.models import (
    Follow, Interest, MatchDismissal, Organisation, OrganisationName, PartnerProfile,
)
from smartcities.organisations.names import lookup_keys, name_key, name_keys
from smartcities.projects.models import Project

MAX_MESSAGE = 4000
CLOSE = 0.85  # difflib ratio of two keys from which a new name is probably a known one misspelt


def find_organisation(name: str, city: City | None = None) -> Organisation | None:
    """The organisation a written name means: a public one by its exact name in any case, else the private one
    `city` already named; else the one (only one: an ambiguous name finds none) whose name, alias, acronym or
    IATI identifier has the same key, ignoring case, diacritics, punctuation and legal forms."""
    same = func.lower(Organisation.name) == name.strip().lower()
    scopes = [Organisation.is_public.is_(True)] + ([Organisation.private_to_city_id == city.id] if city else [])
    for scope in scopes:
        found = db.session.scalar(select(Organisation).where(same, scope))
        if found is not None:
            return found
    for key in lookup_keys(name):
        for scope in scopes:
            ids = set(db.session.scalars(select(OrganisationName.organisation_id).join(Organisation)
                                         .where(OrganisationName.key == key, scope)))
            if len(ids) > 1:
                return None
            if ids:
                return db.session.get(Organisation, ids.pop())
    return None


def index_names(organisation: Organisation, *, aliases: list[str] | None = None, acronym: str | None = None,
                iati_ref: str | None = None) -> None:
    """Rebuild the keys an organisation is found under, from its name and its other names (None: keep them)."""
    labels = {kind: [entry.label for entry in organisation.names if entry.kind == kind]
              for kind in ("alias", "acronym", "iati")}
    for kind, given in (("alias", aliases), ("acronym", [acronym] if acronym else acronym),
                        ("iati", [iati_ref] if iati_ref else iati_ref)):
        if given is not None:
            labels[kind] = [label.strip() for label in given if label.strip()]
    wanted: dict[str, tuple[str, str]] = {}
    # A key two names share is kept once, under the more specific kind: "ADB" is the acronym, though the
    # name "Asian Development Bank (ADB)" gives that key too.
    for kind, names in (("acronym", labels["acronym"]), ("iati", labels["iati"]), ("name", [organisation.name]),
                        ("alias", labels["alias"])):
        for label in names:
            for key in sorted(name_keys(label)):
                wanted.setdefault(key, (kind, label))
    current = {entry.key: entry for entry in organisation.names}
    for key, entry in current.items():
        if key not in wanted:
            organisation.names.remove(entry)
    for key, (kind, label) in wanted.items():
        if key in current:
            current[key].kind, current[key].label = kind, label
        else:
            organisation.names.append(OrganisationName(key=key, kind=kind, label=label))


def organisation_for(name: str, city: City, public: bool, user) -> Organisation:
    """The organisation with this name, or a new unclassified one named for a project of `city` (audited).

    A new one named in unpublished work stays private to that city until a project naming it is published.
    """
    found = find_organisation(name, city)
    if found is not None and (found.is_public or not public):
        return found
    if found is not None:  # a published project names the city's private one: it becomes public
        _make_public(found)
        return found
    organisation = Organisation(name=name.strip(), kind="other", description="", is_public=public,
                                private_to_city=None if public else city)
    index_names(organisation)
    db.session.add(organisation)
    db.session.flush()
    record(organisation, "created", user, {"name": [None, organisation.name], "is_public": [None, public]})
    return organisation


def close_matches(name: str, user, limit: int = 3) -> list[str]:
    """Organisations this user may see whose name is probably `name` misspelt ("Asian Developmnt Bank"); none
    when `name` itself is found."""
    by_key: dict[str, str] = {}
    for known in organisation_names(user):
        by_key.setdefault(name_key(known), known)
    return [by_key[key] for key in get_close_matches(name_key(name), list(by_key), n=limit, cutoff=CLOSE)]


def organisation_names(user) -> list[str]:
    """The names of the organisations this user may see, for the form's pick list."""
    return list(db.session.scalars(select(Organisation.name).where(organisations_visible_to(audience_of(user)))
                                   .order_by(Organisation.name)))


def _make_public(organisation: Organisation) -> None:
    """Publish a city's private organisation, or fold it into the public one of the same name if there is one."""
    twin = find_organisation(organisation.name)
    if twin is None:
        organisation.is_public, organisation.private_to_city = True, None
        db.session.flush()
        return
    held = {(p.project_id, p.role) for p in twin.participations}
    for participation in list(organisation.participations):
        if (participation.project_id, participation.role) in held:
            db.session.delete(participation)
        else:
            participation.organisation = twin
    db.session.flush()
    record(twin, "merged", None, {"merged_from": [None, {"id": organisation.id, "name": organisation.name}]})
    db.session.delete(organisation)
    db.session.flush()


def publish_partners(project: Project) -> None:
    """A published project makes every organisation it names public (one public organisation per name)."""
    for organisation in {p.organisation for p in project.participations if not p.organisation.is_public}:
        _make_public(organisation)


def merge_organisations(source: Organisation, target: Organisation, user) -> Organisation:
    """Fold `source` (e.g. a misspelt duplicate) into `target`, keeping every participation, interest and account,
    its partner profile (when `target` has none), the matches it set aside and the people following it.

    `user` is the admin who asked (None from the command line); the view checks the permission.
    """
    if source.id == target.id:
        raise ValidationError("into", _("Choose another organisation to merge into."))
    moved = {"participations": 0, "interests": 0, "users": 0}
    held = {(p.project_id, p.role) for p in target.participations}
    for participation in list(source.participations):
        if (participation.project_id, participation.role) in held:
            db.session.delete(participation)  # the same role in the same project: one row is enough
        else:
            participation.organisation = target
            held.add((participation.project_id, participation.role))
        moved["participations"] += 1
    for interest in db.session.scalars(select(Interest).where(Interest.organisation_id == source.id)):
        interest.organisation_id = target.id
        moved["interests"] += 1
    for account in db.session.scalars(select(User).where(User.organisation_id == source.id)):
        account.organisation_id = target.id
        moved["users"] += 1
    moved.update(_merge_partner_data(source, target))
    if source.is_public and not target.is_public:
        target.is_public, target.private_to_city = True, None
    # The duplicate's names stay findable: they are the target's aliases now (its acronym and IATI id too,
    # where the target has none).
    index_names(target, aliases=[*target.aliases, source.name, *source.aliases],
                acronym=target.acronym or source.acronym, iati_ref=target.iati_ref or source.iati_ref)
    db.session.flush()
    record(target, "merged", user, {"merged_from": [None, {"id": source.id, "name": source.name}],
                                    **{name: [None, count] for name, count in moved.items()}})
    db.session.delete(source)
    db.session.flush()
    return target


def _merge_partner_data(source: Organisation, target: Organisation) -> dict[str, int]:
    """Move the duplicate's profile, dismissed matches and followers to `target` (what both hold stays once)."""
    moved = {"profile": 0, "dismissals": 0, "followers": 0}
    if source.profile is not None and target.profile is None:
        kept = source.profile
        columns = [c.key for c in PartnerProfile.__table__.columns if c.key != "organisation_id"]
        target.profile = PartnerProfile(**{name: getattr(kept, name) for name in columns})
        moved["profile"] = 1
    dismissed = set(db.session.scalars(select(MatchDismissal.project_id)
                                       .where(MatchDismissal.organisation_id == target.id)))
    for dismissal in db.session.scalars(select(MatchDismissal).where(MatchDismissal.organisation_id == source.id)):
        if dismissal.project_id in dismissed:
            db.session.delete(dismissal)
        else:
            dismissal.organisation_id = target.id
            dismissed.add(dismissal.project_id)
        moved["dismissals"] += 1
    following = set(db.session.scalars(select(TopicFollow.user_id).where(
        TopicFollow.topic == "organisation", TopicFollow.target == str(target.id))))
    for follow in db.session.scalars(select(TopicFollow).where(
            TopicFollow.topic == "organisation", TopicFollow.target == str(source.id))):
        if follow.user_id in following:
            db.session.delete(follow)
        else:
            follow.target = str(target.id)
            following.add(follow.user_id)
        moved["followers"] += 1
    return moved


def express_interest(project: Project, user, amount: Decimal | None, currency: str | None,
                     message: str) -> Interest:
    """Store a partner's interest in funding a published project, on behalf of the partner's organisation."""
    require(user, "express_interest", project)
    if project.status != "published":
        raise DomainError(_("Interest can be expressed only in published projects."))
    message = (message or "").strip()
    errors: dict[str, str] = {}
    if amount is not None and not currency:
        errors["currency"] = _("is required with an amount")
    if amount is None and not message:
        errors["message"] = _("give an amount or a message")
    if len(message) > MAX_MESSAGE:
        errors["message"] = _("must be at most %(n)d characters", n=MAX_MESSAGE)
    if errors:
        raise ValidationError(errors)
    interest = Interest(project=project, organisation_id=user.organisation_id, user_id=user.id,
                        amount=amount, currency=currency if amount is not None else None, message=message)
    db.session.add(interest)
    db.session.flush()
    record(interest, "created", user, {"project": [None, project.id], "amount": [None, str(amount or "")],
                                       "currency": [None, interest.currency], "message": [None, message]})
    events.interest_event(interest, user)
    return interest


def is_following(user, project: Project) -> bool:
    """True when the user follows the project."""
    return db.session.scalar(select(Follow.id).where(Follow.user_id == user.id,
                                                     Follow.project_id == project.id)) is not None


def follow(project: Project, user) -> Follow:
    """Follow a published project (idempotent)."""
    require(user, "follow", project)
    if project.status != "published":
        raise DomainError(_("Only published projects can be followed."))
    existing = db.session.scalar(select(Follow).where(Follow.user_id == user.id, Follow.project_id == project.id))
    if existing is not None:
        return existing
    following = Follow(user_id=user.id, project_id=project.id)
    db.session.add(following)
    db.session.flush()
    record(following, "created", user, {"project": [None, project.id]})
    return following


def unfollow(project: Project, user) -> None:
    """Stop following a project (idempotent)."""
    require(user, "follow", project)
    existing = db.session.scalar(select(Follow).where(Follow.user_id == user.id, Follow.project_id == project.id))
    if existing is not None:
        record(existing, "deleted", user, {"project": [project.id, None]})
        db.session.delete(existing)
        db.session.flush()


def followed_projects(user) -> list[Project]:
    """Published projects the user follows, most recently changed first."""
    return list(db.session.scalars(
        select(Project).join(Follow, Follow.project_id == Project.id).options(selectinload(Project.city))
        .where(Follow.user_id == user.id, Project.status == "published")
        .order_by(Project.updated_at.desc())))


def _interests():
    return (select(Interest).options(selectinload(Interest.project), selectinload(Interest.organisation))
            .order_by(Interest.created_at.desc(), Interest.id.desc()))


def interest_in(project: Project) -> list[Interest]:
    """Every interest expressed in one project, newest first."""
    return list(db.session.scalars(_interests().where(Interest.project_id == project.id)))


def interest_sent(organisation_id: int) -> list[Interest]:
    """Interest an organisation expressed, newest first."""
    return list(db.session.scalars(_interests().where(Interest.organisation_id == organisation_id)))


def interest_received(*, city_id: int | None = None, country_code: str | None = None) -> list[Interest]:
    """Interest in the projects of a city or of a country (neither: every project), newest first."""
    query = _interests().join(Project, Interest.project_id == Project.id)
    if city_id is not None:
        query = query.where(Project.city_id == city_id)
    if country_code is not None:
        query = query.join(City, Project.city_id == City.id).where(City.country_code == country_code)
    return list(db.session.scalars(query))
