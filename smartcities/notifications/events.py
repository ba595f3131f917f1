"""Recording events (one call from each service that changes something) and telling the right people.

`record` writes the Event, the inbox entries of everyone who is told and the pending webhook deliveries in the
caller's transaction: committed together with the change, or not at all (an outbox). The worker sends the
e-mail and the webhooks later, so a request never waits on a mail server or a partner's system.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from flask import current_app, has_request_context
from sqlalchemy import or_, select, text

from smartcities.accounts.models import User
from smartcities.accounts.permissions import can
from smartcities.accounts.visibility import may_see_project
from smartcities.database import utcnow
from smartcities.extensions import db
from smartcities.notifications.models import (
    DEFAULT_CHANNEL, PUBLIC_KINDS, Event, Notification, NotificationPreference, TopicFollow, WebhookDelivery,
    WebhookEndpoint,
)
from smartcities.organisations.models import Follow

CHANNEL = "ascn_outbox"  # the PostgreSQL LISTEN/NOTIFY channel that wakes idle workers


def with_urls(build: Callable[[], Any]) -> Any:
    """Run a serializer that builds absolute URLs, also outside a request (CLI, worker): on PUBLIC_URL."""
    if has_request_context():
        return build()
    with current_app.test_request_context(base_url=current_app.config.get("PUBLIC_URL") or "http://localhost"):
        return build()


def _active(query) -> list[User]:
    return list(db.session.scalars(query.where(User.active.is_(True))))


def city_officials(city_id: int) -> list[User]:
    """The active officials of a city."""
    return _active(select(User).where(User.role == "city_official", User.city_id == city_id))


def focal_points(country_code: str) -> list[User]:
    """The active focal points of a country."""
    return _active(select(User).where(User.role == "focal_point", User.country_code == country_code))


def followers(project) -> list[User]:
    """Everyone following the project, its city, its country, one of its focus areas or one of its partners."""
    topics = [("city", str(project.city_id)), ("country", project.city.country_code)]
    topics += [("focus_area", str(area.id)) for area in project.focus_areas]
    topics += [("organisation", str(p.organisation_id)) for p in project.participations]
    by_topic = select(TopicFollow.user_id).where(or_(*[(TopicFollow.topic == topic) & (TopicFollow.target == target)
                                                      for topic, target in topics]))
    by_project = select(Follow.user_id).where(Follow.project_id == project.id)
    return _active(select(User).where(or_(User.id.in_(by_topic), User.id.in_(by_project))))


def _project_audience(kind: str, project) -> list[User]:
    """Who is told of a project event, exactly as the issue says; see `_tell` for the visibility filter."""
    if kind == "project.submitted":
        return focal_points(project.city.country_code)
    if kind == "project.returned":
        return city_officials(project.city_id)
    if kind == "project.published":
        return city_officials(project.city_id) + followers(project)
    if kind == "project.revised":
        return followers(project)
    return []  # project.archived: partner systems only


def _tell(event: Event, people: Iterable[User], actor, allowed: Callable[[User], bool]) -> None:
    """Inbox entries (and e-mail per each person's choice) for everyone who may see the subject, not the actor."""
    people = list({person.id: person for person in people}.values())  # once each, whatever way they follow
    prefs = {}
    if people:
        prefs = {row.user_id: row.channel for row in db.session.scalars(select(NotificationPreference).where(
            NotificationPreference.kind == event.kind, NotificationPreference.user_id.in_([p.id for p in people])))}
    mail_on = bool(current_app.config.get("MAIL_URL"))
    waiting = _unread_review_requests(event) if event.kind == "project.submitted" else set()
    for person in people:
        if (actor is not None and person.id == getattr(actor, "id", None)) or not allowed(person) \
                or person.id in waiting:
            continue
        channel = prefs.get(person.id, DEFAULT_CHANNEL.get(event.kind, "portal"))
        state = {"email": "pending", "digest": "digest"}.get(channel) if mail_on else None
        db.session.add(Notification(user_id=person.id, event=event, mail_state=state,
                                    mail_due_at=event.created_at if state == "pending" else None))
        if state == "pending":
            wake_workers()


def _unread_review_requests(event: Event) -> set[int]:
    """People with an unread review request for this project already (each saved revision asks again)."""
    return set(db.session.scalars(select(Notification.user_id).join(Event, Notification.event_id == Event.id).where(
        Event.kind == event.kind, Event.project_id == event.project_id, Event.id != event.id,
        Notification.read_at.is_(None))))


def _queue_webhooks(event: Event) -> None:
    """A pending delivery for every active endpoint subscribed to this (public) kind."""
    if event.kind not in PUBLIC_KINDS:
        return
    for endpoint in db.session.scalars(select(WebhookEndpoint).where(WebhookEndpoint.active.is_(True))):
        if event.kind in (endpoint.events or []):
            db.session.add(WebhookDelivery(endpoint=endpoint, event=event, due_at=event.created_at))
            wake_workers()


def wake_workers() -> None:
    """On PostgreSQL, tell idle workers there is work when this transaction commits (NOTIFY waits for the commit
    and is dropped with a rollback); elsewhere they find it at their next poll."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text(f"NOTIFY {CHANNEL}"))


def _event(kind: str, subject_type: str, subject_id: Any, actor, info: dict, project=None,
           data: dict | None = None) -> Event:
    event = Event(kind=kind, subject_type=subject_type, subject_id=str(subject_id), info=info, data=data,
                  project_id=project.id if project is not None else None, created_at=utcnow(),
                  actor_id=getattr(actor, "id", None) if getattr(actor, "is_authenticated", False) else None)
    db.session.add(event)
    return event


def project_event(kind: str, project, actor, comment: str | None = None) -> Event:
    """Record a workflow move of a project (project.submitted|returned|published|revised|archived)."""
    from smartcities.api.serializers import project_to_dict

    info = {"title": project.title, "city": project.city.name}
    if comment:
        info["comment"] = comment
    data = with_urls(lambda: project_to_dict(project)) if kind in PUBLIC_KINDS else None
    event = _event(kind, "project", project.id, actor, info, project, data)
    _tell(event, _project_audience(kind, project), actor, lambda person: may_see_project(person, project))
    _queue_webhooks(event)
    db.session.flush()
    return event


def interest_event(interest, actor) -> Event:
    """Record a partner's interest in a project: the city's officials are told."""
    project = interest.project
    info = {"title": project.title, "city": project.city.name, "organisation": interest.organisation.name}
    event = _event("interest.created", "interest", interest.id, actor, info, project)
    _tell(event, city_officials(project.city_id), actor,
          lambda person: can(person, "see_interest", interest))
    db.session.flush()
    return event


def plan_event(plan, actor=None) -> Event:
    """Record a plan created or changed (by the form or a Plan file): partner systems are told."""
    from smartcities.api.serializers import plan_detail

    event = _event("plan.updated", "plan", plan.external_id, actor, {"title": plan.title},
                   data=with_urls(lambda: plan_detail(plan)))
    _queue_webhooks(event)
    db.session.flush()
    return event


def match_event(project, organisation, score: float, reasons: list[str]) -> Event:
    """Record that a published project seeking funding matches an organisation that opted in: its users are told."""
    info = {"title": project.title, "city": project.city.name, "organisation": organisation.name,
            "organisation_id": organisation.id, "score": round(score, 2), "reasons": reasons[:3]}
    event = _event("match.suggested", "project", project.id, None, info, project)
    people = _active(select(User).where(User.role == "partner", User.organisation_id == organisation.id))
    _tell(event, people, None, lambda person: may_see_project(person, project))
    db.session.flush()
    return event


def flag_event(flag, actor=None) -> Event:
    """Record a new overlap flag on a published project after a plan changed: its city and reviewers are told.

    Called by the overlap package where it stores a new flag for a published project (the lead wires it).
    """
    project = flag.project
    people = city_officials(project.city_id) + focal_points(project.city.country_code)
    info = {"title": project.title, "city": project.city.name, "subject": flag.subject}
    event = _event("overlap.flagged", "overlap_flag", flag.id, actor, info, project)
    _tell(event, people, actor,
          lambda person: can(person, "justify_flag", flag) or can(person, "dismiss_flag", flag))
    db.session.flush()
    return event
