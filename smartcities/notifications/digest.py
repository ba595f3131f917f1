"""Daily digests: each person who chose one gets, after DIGEST_HOUR (UTC), one e-mail with what waited for it.

A digest is claimed per person by one conditional UPDATE of their settings row (the loser of a race between two
workers changes no row), so each goes out once even with several workers.
"""
from __future__ import annotations

import logging
import smtplib
from datetime import datetime, timedelta, timezone

from flask import current_app
from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError

from smartcities.accounts.models import User
from smartcities.database import utcnow
from smartcities.extensions import db
from smartcities.notifications import mail, services
from smartcities.notifications.models import Notification, NotificationSettings

log = logging.getLogger(__name__)


def digest_cutoff(now: datetime) -> datetime:
    """The latest DIGEST_HOUR (UTC) at or before `now`: what waited before it is due, if no digest went out since."""
    aware = now if now.tzinfo else now.replace(tzinfo=timezone.utc)
    cutoff = aware.replace(hour=current_app.config["DIGEST_HOUR"], minute=0, second=0, microsecond=0)
    return cutoff if cutoff <= aware else cutoff - timedelta(days=1)


def send_digests(now: datetime | None = None) -> int:
    """Send each person's daily digest when it is due; returns how many digests went out."""
    if not mail.enabled():
        return 0
    now = now or utcnow()
    cutoff = digest_cutoff(now)
    waiting = list(db.session.scalars(select(Notification.user_id).where(Notification.mail_state == "digest",
                                                                         Notification.created_at < cutoff)
                                      .distinct()))
    db.session.commit()
    sent = 0
    for user_id in waiting:
        if db.session.get(NotificationSettings, user_id) is None:
            db.session.add(NotificationSettings(user_id=user_id))
            try:
                db.session.commit()
            except IntegrityError:  # another worker made it first
                db.session.rollback()
        lease = now + timedelta(seconds=current_app.config["WORKER_LEASE_SECONDS"])
        claimed = db.session.execute(
            update(NotificationSettings).where(
                NotificationSettings.user_id == user_id,
                or_(NotificationSettings.digest_sent_at.is_(None), NotificationSettings.digest_sent_at < cutoff),
                or_(NotificationSettings.digest_claimed_until.is_(None),
                    NotificationSettings.digest_claimed_until < now))
            .values(digest_claimed_until=lease).execution_options(synchronize_session=False)).rowcount
        db.session.commit()
        if claimed:
            sent += _send_digest(user_id, now)
    return sent


def _send_digest(user_id: int, now: datetime) -> int:
    """Send one person's digest (they are claimed); on failure try again in five minutes."""
    user = db.session.get(User, user_id)
    items = list(db.session.scalars(select(Notification).where(Notification.user_id == user_id,
                                                               Notification.mail_state == "digest",
                                                               Notification.created_at < digest_cutoff(now))
                                    .order_by(Notification.id)))
    shown = [item for item in items if services.still_visible(user, item)]
    try:
        if shown:
            mail.send(mail.compose(user, shown, services.mail_language(user_id), digest=True))
    except (OSError, smtplib.SMTPException) as exc:
        log.warning("digest for user %s not sent: %s", user_id, exc)
        db.session.execute(update(NotificationSettings).where(NotificationSettings.user_id == user_id)
                           .values(digest_claimed_until=now + timedelta(minutes=5)))  # try again in 5 minutes
        db.session.commit()
        return 0
    db.session.execute(update(Notification).where(Notification.id.in_([item.id for item in items]))
                       .values(mail_state="digested").execution_options(synchronize_session=False))
    db.session.execute(update(NotificationSettings).where(NotificationSettings.user_id == user_id)
                       .values(digest_sent_at=now, digest_claimed_until=None))
    db.session.commit()
    return 1 if shown else 0
