"""Event (the outbox), Notification (one person's inbox entry), preferences, follows, webhook endpoints."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON, Boolean, CheckConstraint, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from smartcities.database import sql_in, utcnow
from smartcities.extensions import db

# Every kind of event; the first ones are the contract's (webhooks may subscribe to the PUBLIC ones).
KINDS = ("project.submitted", "project.returned", "project.published", "project.revised", "project.archived",
         "interest.created", "plan.updated", "overlap.flagged", "match.suggested")
# Published data only: what a partner system may receive.
PUBLIC_KINDS = ("project.published", "project.revised", "project.archived", "plan.updated")
# Kinds people are told about, and the default channel: e-mail at once for what needs the person's action.
PERSONAL_KINDS = ("project.submitted", "project.returned", "interest.created", "project.published",
                  "project.revised", "overlap.flagged", "match.suggested")
DEFAULT_CHANNEL = {"project.submitted": "email", "project.returned": "email", "interest.created": "email",
                   "project.published": "portal", "project.revised": "portal", "overlap.flagged": "portal",
                   "match.suggested": "email"}   # opted in by the partner: an opportunity to act on
CHANNELS = ("portal", "email", "digest")
MAIL_STATES = ("pending", "sent", "digest", "digested", "failed")
TOPICS = ("city", "country", "focus_area", "organisation")
DELIVERY_STATES = ("pending", "delivered", "failed")


class Event(db.Model):
    """Something that happened, recorded in the same transaction as the change (so none is lost)."""

    __tablename__ = "events"
    __table_args__ = (CheckConstraint(sql_in("kind", KINDS), name="kind_valid"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    subject_type: Mapped[str] = mapped_column(String(30))          # project, plan, interest, overlap_flag
    subject_id: Mapped[str] = mapped_column(String(80))            # a project id, a plan's external id (≤ 80), …
    project_id: Mapped[int | None] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # What the inbox and e-mail say (titles, the comment), as they were at the time.
    info: Mapped[dict] = mapped_column(JSON, default=dict)
    # The webhook body's `data` (public kinds only): the same JSON as the open-data API.
    data: Mapped[dict | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)


class Notification(db.Model):
    """One person told about one event: an inbox entry, and its e-mail (at once, in the digest, or none)."""

    __tablename__ = "notifications"
    __table_args__ = (
        UniqueConstraint("user_id", "event_id", name="uq_notification_user_event"),
        CheckConstraint(f"mail_state IS NULL OR {sql_in('mail_state', MAIL_STATES)}", name="mail_state_valid"),
        Index("ix_notifications_mail_due", "mail_state", "mail_due_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    mail_state: Mapped[str | None] = mapped_column(String(10))
    mail_due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    mail_attempts: Mapped[int] = mapped_column(Integer, default=0)
    mail_error: Mapped[str | None] = mapped_column(Text)
    claimed_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    claim: Mapped[str | None] = mapped_column(String(32))

    event: Mapped[Event] = relationship()


class NotificationPreference(db.Model):
    """A person's choice of channel for one kind (no row: the kind's default)."""

    __tablename__ = "notification_preferences"
    __table_args__ = (CheckConstraint(sql_in("channel", CHANNELS), name="channel_valid"),)

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(40), primary_key=True)
    channel: Mapped[str] = mapped_column(String(10))


class NotificationSettings(db.Model):
    """A person's e-mail language and when their last daily digest went out."""

    __tablename__ = "notification_settings"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    language: Mapped[str | None] = mapped_column(String(5))
    digest_sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    digest_claimed_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class TopicFollow(db.Model):
    """A person following a city, a country, a focus area or a partner (projects: organisations.Follow)."""

    __tablename__ = "topic_follows"
    __table_args__ = (
        CheckConstraint(sql_in("topic", TOPICS), name="topic_valid"),
        UniqueConstraint("user_id", "topic", "target", name="uq_topic_follow_user_topic_target"),
        Index("ix_topic_follows_topic_target", "topic", "target"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    topic: Mapped[str] = mapped_column(String(20))
    target: Mapped[str] = mapped_column(String(60))   # a city id, an ISO2 code, a focus area id, an organisation id
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class WebhookEndpoint(db.Model):
    """A partner system's URL, the public events it receives, and its signing secret (whsec_…)."""

    __tablename__ = "webhook_endpoints"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    url: Mapped[str] = mapped_column(String(2000))
    events: Mapped[list] = mapped_column(JSON)
    secret: Mapped[str] = mapped_column(String(120))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    disabled_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    deliveries: Mapped[list[WebhookDelivery]] = relationship(
        back_populates="endpoint", cascade="all, delete-orphan", passive_deletes=True)


class WebhookDelivery(db.Model):
    """One event for one endpoint: its attempts, the last answer, and when to try again (the delivery log)."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        UniqueConstraint("endpoint_id", "event_id", name="uq_webhook_delivery_endpoint_event"),
        CheckConstraint(sql_in("state", DELIVERY_STATES), name="state_valid"),
        Index("ix_webhook_deliveries_due", "state", "due_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    endpoint_id: Mapped[int] = mapped_column(ForeignKey("webhook_endpoints.id", ondelete="CASCADE"), index=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    state: Mapped[str] = mapped_column(String(10), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    due_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_attempt_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_status: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(Text)
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    claimed_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    claim: Mapped[str | None] = mapped_column(String(32))

    endpoint: Mapped[WebhookEndpoint] = relationship(back_populates="deliveries")
    event: Mapped[Event] = relationship()
