"""The inbox, each person's choices (channel per kind, language), follows of places and topics, unsubscribing."""
from __future__ import annotations

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import selectinload

from smartcities.accounts.models import User
from smartcities.accounts.visibility import audience_of, may_see_organisation, may_see_project, projects_visible_to
from smartcities.audit.services import record
from smartcities.database import utcnow
from smartcities.errors import NotFound, ValidationError
from smartcities.extensions import db
from smartcities.geo.models import City, Country
from smartcities.notifications.models import (
    CHANNELS, DEFAULT_CHANNEL, PERSONAL_KINDS, TOPICS, Event, Notification, NotificationPreference,
    NotificationSettings, TopicFollow,
)
from smartcities.organisations.models import Organisation
from smartcities.projects.models import FocusArea, Project

KIND_LABELS = {
    "project.submitted": _l("A project waits for my review"),
    "project.returned": _l("A project of my city is returned"),
    "interest.created": _l("A partner is interested in a project of my city"),
    "project.published": _l("A project is published"),
    "project.revised": _l("A published project is updated"),
    "overlap.flagged": _l("A published project may overlap a changed plan"),
    "match.suggested": _l("A project seeking funding matches my organisation"),
}
CHANNEL_LABELS = {"portal": _l("In the portal only"), "email": _l("E-mail at once"), "digest": _l("Daily digest")}
TOPIC_LABELS = {"city": _l("City"), "country": _l("Country"), "focus_area": _l("Focus area"),
                "organisation": _l("Partner")}
PAGE = 50


def describe(event: Event) -> str:
    """One line saying what happened, in the current language (inbox, e-mail subject and body)."""
    info = event.info or {}
    title, city = info.get("title", ""), info.get("city", "")
    lines = {
        "project.submitted": lambda: _("“%(title)s” (%(city)s) waits for your review", title=title, city=city),
        "project.returned": lambda: _("“%(title)s” (%(city)s) was returned to the city", title=title, city=city),
        "project.published": lambda: _("“%(title)s” (%(city)s) was published", title=title, city=city),
        "project.revised": lambda: _("“%(title)s” (%(city)s) was updated", title=title, city=city),
        "project.archived": lambda: _("“%(title)s” (%(city)s) was archived", title=title, city=city),
        "interest.created": lambda: _("%(organisation)s is interested in “%(title)s”",
                                      organisation=info.get("organisation", ""), title=title),
        "plan.updated": lambda: _("The plan “%(title)s” was updated", title=title),
        "overlap.flagged": lambda: _("“%(title)s” may overlap with “%(subject)s”", title=title,
                                     subject=info.get("subject", "")),
        "match.suggested": lambda: _("“%(title)s” (%(city)s) seeks funding and matches %(organisation)s",
                                     title=title, city=city, organisation=info.get("organisation", "")),
    }
    return lines[event.kind]()


def link(event: Event) -> str:
    """The page the notification is about (a path on this site)."""
    if event.project_id is not None:
        return f"/projects/{event.project_id}"
    return f"/plans#plan-{event.subject_id}"


def _mine(user):
    """The user's notifications about things they may still see (a city official who moved city sees no more)."""
    visible = projects_visible_to(audience_of(user))
    return (select(Notification).join(Event, Notification.event_id == Event.id)
            .outerjoin(Project, Event.project_id == Project.id)
            .where(Notification.user_id == user.id, or_(Event.project_id.is_(None), visible)))


def inbox(user, page: int = 1) -> list[Notification]:
    """The user's notifications, newest first, one page of PAGE."""
    query = (_mine(user).options(selectinload(Notification.event)).order_by(Notification.id.desc())
             .limit(PAGE).offset(PAGE * (max(page, 1) - 1)))
    return list(db.session.scalars(query))


def unread_count(user) -> int:
    """How many notifications the user has not read (the header's count)."""
    query = _mine(user).where(Notification.read_at.is_(None)).with_only_columns(func.count(Notification.id))
    return db.session.scalar(query) or 0


def mark_read(user, notification_id: int) -> Notification:
    """Mark one of the user's own notifications read (NotFound for anyone else's); returns it."""
    notification = db.session.get(Notification, notification_id)
    if notification is None or notification.user_id != user.id:
        raise NotFound(_("No such notification."))
    if notification.read_at is None:
        notification.read_at = utcnow()
        db.session.flush()
    return notification


def mark_all_read(user) -> int:
    """Mark every notification of the user read; returns how many were unread."""
    changed = db.session.execute(update(Notification).where(Notification.user_id == user.id,
                                                            Notification.read_at.is_(None))
                                 .values(read_at=utcnow()).execution_options(synchronize_session=False))
    return changed.rowcount


def channels(user) -> dict[str, str]:
    """{kind: channel} for every kind a person can be told of, defaults filled in."""
    chosen = {row.kind: row.channel for row in db.session.scalars(
        select(NotificationPreference).where(NotificationPreference.user_id == user.id))}
    return {kind: chosen.get(kind, DEFAULT_CHANNEL[kind]) for kind in PERSONAL_KINDS}


def settings_of(user) -> NotificationSettings:
    """The person's settings row (made on first use)."""
    found = db.session.get(NotificationSettings, user.id)
    if found is None:
        found = NotificationSettings(user_id=user.id)
        db.session.add(found)
    return found


def language_of(user) -> str | None:
    """The language the person chose for e-mail (None: the site's default)."""
    found = db.session.get(NotificationSettings, user.id)
    return found.language if found is not None else None


def mail_language(user_id: int) -> str:
    """The language to write a person's e-mail in: their choice, else the site's default."""
    found = db.session.get(NotificationSettings, user_id)
    return (found.language if found is not None else None) or current_app.config["BABEL_DEFAULT_LOCALE"]


def still_visible(user, notification: Notification) -> bool:
    """Is the person still active and allowed to see what the notification is about (checked again at sending)?"""
    project_id = notification.event.project_id
    project = db.session.get(Project, project_id) if project_id is not None else None
    return user.active and (project_id is None or (project is not None and may_see_project(user, project)))


def save_preferences(user, choices: dict[str, str], language: str | None, languages: tuple[str, ...]) -> None:
    """Store a channel per kind and the e-mail language; a bad value is refused, naming its field."""
    errors = {kind: _("Choose one of the offered channels.") for kind, channel in choices.items()
              if kind not in PERSONAL_KINDS or channel not in CHANNELS}
    if language not in (None, "", *languages):
        errors["language"] = _("Choose one of the offered languages.")
    if errors:
        raise ValidationError(errors)
    _set_channels(user, choices)
    settings_of(user).language = language or None
    db.session.flush()


def _set_channels(user, choices: dict[str, str]) -> None:
    """Store the channels and record what changed in the trail."""
    before = channels(user)
    for kind, channel in choices.items():
        row = db.session.get(NotificationPreference, (user.id, kind))
        if row is None:
            db.session.add(NotificationPreference(user_id=user.id, kind=kind, channel=channel))
        else:
            row.channel = channel
    db.session.flush()
    after = channels(user)
    changes = {kind: [before[kind], after[kind]] for kind in after if before[kind] != after[kind]}
    if changes:
        record(("notification_preferences", user.id), "updated", user, changes)


def unsubscribe(user_id: int, kind: str) -> User:
    """Turn e-mail off for one kind ("*": every kind) of a person's notifications; the inbox keeps them."""
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound(_("This link is no longer valid."))
    kinds = PERSONAL_KINDS if kind == "*" else (kind,) if kind in PERSONAL_KINDS else ()
    if not kinds:
        raise NotFound(_("This link is no longer valid."))
    _set_channels(user, {name: "portal" for name in kinds})
    db.session.execute(update(Notification).where(Notification.user_id == user.id,
                                                  Notification.mail_state.in_(("pending", "digest")),
                                                  Notification.event_id.in_(
                                                      select(Event.id).where(Event.kind.in_(kinds))))
                       .values(mail_state=None).execution_options(synchronize_session=False))
    return user


def topic_choices(user) -> dict[str, list[tuple[str, str]]]:
    """What a person may follow: {topic: [(target, label)]} (partners: those the person may see)."""
    return {
        "city": [(str(c.id), f"{c.name} ({c.country_code})")
                 for c in db.session.scalars(select(City).order_by(City.name))],
        "country": [(c.code, c.name) for c in db.session.scalars(select(Country).order_by(Country.name))],
        "focus_area": [(str(a.id), a.name) for a in db.session.scalars(select(FocusArea).order_by(FocusArea.id))],
        "organisation": [(str(o.id), o.name) for o in db.session.scalars(select(Organisation).order_by(
            Organisation.name)) if may_see_organisation(user, o)],
    }


def follows(user) -> list[tuple[TopicFollow, str]]:
    """The places and topics the person follows, with their labels."""
    labels = {(topic, target): label for topic, items in topic_choices(user).items() for target, label in items}
    rows = db.session.scalars(select(TopicFollow).where(TopicFollow.user_id == user.id).order_by(TopicFollow.id))
    return [(row, labels[(row.topic, row.target)]) for row in rows if (row.topic, row.target) in labels]


def follow_topic(user, topic: str, target: str) -> TopicFollow:
    """Follow a city, country, focus area or partner (idempotent): its published projects are told to the person."""
    if topic not in TOPICS:
        raise ValidationError("topic", _("Choose a city, a country, a focus area or a partner."))
    if target not in {value for value, _label in topic_choices(user)[topic]}:
        raise ValidationError("target", _("Choose one of the offered %(topic)s.", topic=TOPIC_LABELS[topic]))
    existing = db.session.scalar(select(TopicFollow).where(TopicFollow.user_id == user.id,
                                                           TopicFollow.topic == topic, TopicFollow.target == target))
    if existing is not None:
        return existing
    row = TopicFollow(user_id=user.id, topic=topic, target=target)
    db.session.add(row)
    db.session.flush()
    record(row, "created", user, {"topic": [None, topic], "target": [None, target]})
    return row


def unfollow_topic(user, follow_id: int) -> None:
    """Stop following one place or topic (only one's own)."""
    row = db.session.get(TopicFollow, follow_id)
    if row is None or row.user_id != user.id:
        raise NotFound(_("You do not follow this."))
    record(row, "deleted", user, {"topic": [row.topic, None], "target": [row.target, None]})
    db.session.delete(row)
    db.session.flush()
