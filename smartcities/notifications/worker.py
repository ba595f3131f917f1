"""The worker: claims due e-mail and webhook deliveries from the outbox, sends them, and the daily digests.

Several workers may run at once. A claim marks rows with a token and a lease (WORKER_LEASE_SECONDS): on
PostgreSQL the rows are picked with SELECT … FOR UPDATE SKIP LOCKED, on SQLite by one UPDATE statement (SQLite
has a single writer, so that statement is the claim). A worker killed mid-delivery leaves its claims to
expire; another worker (or the same one restarted) delivers them again: every event at least once, and
receivers drop duplicates by webhook-id.
"""
from __future__ import annotations

import logging
import random
import secrets
import signal
import smtplib
import time
from concurrent.futures import ThreadPoolExecutor
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import or_, select, update
from sqlalchemy.orm import selectinload

from smartcities.accounts.models import User
from smartcities.database import utcnow
from smartcities.extensions import db
from smartcities.notifications import digest, events, mail, services, webhooks
from smartcities.notifications.models import Notification, WebhookDelivery, WebhookEndpoint
from smartcities.matching import suggestions
from smartcities.matching.models import MatchSuggestion
from smartcities.overlap import rechecks
from smartcities.overlap.models import PlanRecheck
from smartcities.projects.models import Project

log = logging.getLogger(__name__)

# Standard Webhooks' retry schedule: at once, then after 5 s, 5 min, 30 min, 2 h, 5 h, 10 h and 10 h.
SCHEDULE = (0, 5, 5 * 60, 30 * 60, 2 * 3600, 5 * 3600, 10 * 3600, 10 * 3600)
JITTER = 0.2          # each wait is stretched or shrunk by up to 20 %, so retries from many events spread out
MAIL_ATTEMPTS = 6     # e-mail: after 1, 2, 4, 8, 16 minutes, then given up
BATCH = 50            # deliveries one claim takes
THREADS = 8           # webhooks sent at once by one worker (partner systems answer slowly, the CPU waits)


def _jittered(seconds: float) -> float:
    return seconds * (1 + random.uniform(-JITTER, JITTER))  # nosec B311 (spreading load, not a secret)


def _claim(model, due, now: datetime, *options) -> list:
    """Claim up to BATCH due rows of `model` for this worker (see the module's docstring); commits."""
    token = secrets.token_hex(16)
    lease = now + timedelta(seconds=current_app.config["WORKER_LEASE_SECONDS"])
    free = or_(model.claimed_until.is_(None), model.claimed_until < now)
    pick = select(model.id).where(due, free).order_by(model.id).limit(BATCH)
    if db.engine.dialect.name == "postgresql":
        ids = list(db.session.scalars(pick.with_for_update(skip_locked=True)))
        if ids:
            db.session.execute(update(model).where(model.id.in_(ids)).values(claim=token, claimed_until=lease)
                               .execution_options(synchronize_session=False))
    else:
        db.session.execute(update(model).where(model.id.in_(pick), due, free)
                           .values(claim=token, claimed_until=lease).execution_options(synchronize_session=False))
    db.session.commit()
    return list(db.session.scalars(select(model).where(model.claim == token).order_by(model.id).options(*options)))


def _renew(model, token: str, claimed_at: float) -> float:
    """Extend this worker's lease on what it still holds once a third of it has passed (a live worker keeps its
    claims, a killed one's run out); returns when the lease was last renewed."""
    lease = current_app.config["WORKER_LEASE_SECONDS"]
    if time.monotonic() - claimed_at < lease / 3:
        return claimed_at
    db.session.execute(update(model).where(model.claim == token)
                       .values(claimed_until=utcnow() + timedelta(seconds=lease))
                       .execution_options(synchronize_session=False))
    db.session.commit()
    return time.monotonic()


def _finish(model, row_id: int, token: str, commit: bool = True, **values) -> bool:
    """Record an attempt's outcome if the claim is still ours (a lease that ran out went to another worker)."""
    done = db.session.execute(update(model).where(model.id == row_id, model.claim == token)
                              .values(claim=None, claimed_until=None, **values)
                              .execution_options(synchronize_session=False))
    if commit:
        db.session.commit()
    return bool(done.rowcount)


@dataclass(frozen=True)
class _Job:
    """One claimed delivery, as plain values the sending threads can use without the database."""

    id: int
    token: str
    attempts: int
    endpoint_id: int
    url: str
    secret: str
    msg_id: str
    body: bytes


def _outcome(job: _Job, attempt_at: datetime, answer: webhooks.Answer) -> tuple[dict, str | None]:
    """The delivery's new values after one attempt, and why to disable its endpoint (None: keep it)."""
    attempts = job.attempts + 1
    values = {"attempts": attempts, "last_attempt_at": attempt_at, "last_status": answer.status,
              "last_error": answer.error}
    if answer.status is not None and 200 <= answer.status < 300:
        return {**values, "state": "delivered", "delivered_at": attempt_at}, None
    if answer.status == 410:
        return {**values, "state": "failed"}, "410 Gone"
    if attempts >= len(SCHEDULE):
        return {**values, "state": "failed"}, f"failed {attempts} attempts in a row"
    return {**values, "due_at": attempt_at + timedelta(seconds=_jittered(SCHEDULE[attempts]))}, None


def deliver_webhooks(now: datetime | None = None) -> int:
    """Send every due webhook delivery once, THREADS at a time; returns how many attempts were made."""
    now = now or utcnow()
    active = select(WebhookEndpoint.id).where(WebhookEndpoint.active.is_(True))
    due = (WebhookDelivery.state == "pending") & (WebhookDelivery.due_at <= now) & \
        WebhookDelivery.endpoint_id.in_(active)
    claimed = _claim(WebhookDelivery, due, now, selectinload(WebhookDelivery.endpoint),
                     selectinload(WebhookDelivery.event))
    jobs = [_Job(d.id, d.claim, d.attempts, d.endpoint_id, d.endpoint.url, d.endpoint.secret,
                 webhooks.message_id(d.event), webhooks.body(d.event)) for d in claimed]
    db.session.commit()
    if not jobs:
        return 0
    app = current_app._get_current_object()

    def send(job: _Job) -> tuple[_Job, datetime, webhooks.Answer]:
        with app.app_context():
            attempt_at = utcnow()
            return job, attempt_at, webhooks.send(job.url, job.secret, job.msg_id, job.body, attempt_at)

    renewed = time.monotonic()
    with ThreadPoolExecutor(max_workers=min(THREADS, len(jobs))) as pool:
        for first in range(0, len(jobs), THREADS):
            renewed = _renew(WebhookDelivery, jobs[0].token, renewed)
            disable = {}
            for job, attempt_at, answer in pool.map(send, jobs[first:first + THREADS]):
                values, reason = _outcome(job, attempt_at, answer)
                if _finish(WebhookDelivery, job.id, job.token, commit=False, **values) and reason:
                    disable[job.endpoint_id] = reason
            db.session.commit()
            for endpoint_id, reason in disable.items():
                _disable(endpoint_id, reason)
    return len(jobs)


def _disable(endpoint_id: int, reason: str) -> None:
    """Stop sending to an endpoint that is gone or keeps failing; its waiting deliveries fail with it."""
    db.session.execute(update(WebhookEndpoint).where(WebhookEndpoint.id == endpoint_id)
                       .values(active=False, disabled_reason=reason))
    db.session.execute(update(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint_id,
                                                     WebhookDelivery.state == "pending")
                       .values(state="failed", last_error=f"endpoint disabled: {reason}")
                       .execution_options(synchronize_session=False))
    db.session.commit()
    log.warning("webhook endpoint %s disabled: %s", endpoint_id, reason)


def send_mail(now: datetime | None = None) -> int:
    """Send every due e-mail (one per notification); returns how many were tried."""
    if not mail.enabled():
        return 0
    now = now or utcnow()
    due = (Notification.mail_state == "pending") & (Notification.mail_due_at <= now)
    claimed = _claim(Notification, due, now)
    renewed = time.monotonic()
    for notification in claimed:
        token, user = notification.claim, db.session.get(User, notification.user_id)
        renewed = _renew(Notification, token, renewed)
        if not services.still_visible(user, notification):
            _finish(Notification, notification.id, token, mail_state=None)
            continue
        try:
            mail.send(mail.compose(user, [notification], services.mail_language(user.id)))
        except (OSError, smtplib.SMTPException) as exc:
            attempts = notification.mail_attempts + 1
            retry = {"mail_due_at": utcnow() + timedelta(minutes=2 ** (attempts - 1))} \
                if attempts < MAIL_ATTEMPTS else {"mail_state": "failed"}
            _finish(Notification, notification.id, token, mail_attempts=attempts, mail_error=str(exc)[:500],
                    **retry)
            continue
        _finish(Notification, notification.id, token, mail_state="sent", mail_attempts=notification.mail_attempts + 1)
    return len(claimed)


def recheck_plans(now: datetime | None = None) -> int:
    """Plans changed: check the published projects they cover again, and tell each new flag (overlap.flagged)."""
    now = now or utcnow()
    claimed = _claim(PlanRecheck, PlanRecheck.done_at.is_(None), now)
    if not claimed:
        return 0
    for flag in rechecks.recheck({row.plan_id for row in claimed}):
        events.flag_event(flag)
    for row in claimed:
        _finish(PlanRecheck, row.id, row.claim, commit=False, done_at=now)
    db.session.commit()
    return len(claimed)


def suggest_matches(now: datetime | None = None) -> int:
    """Published projects seeking funding: tell their best-matching partners that opted in (match.suggested)."""
    now = now or utcnow()
    claimed = _claim(MatchSuggestion, MatchSuggestion.done_at.is_(None), now)
    for row in claimed:
        project = db.session.get(Project, row.project_id)
        if project is not None:
            suggestions.suggest(project)
        _finish(MatchSuggestion, row.id, row.claim, commit=False, done_at=now)
    db.session.commit()
    return len(claimed)


def run_once(now: datetime | None = None) -> int:
    """One pass: plan rechecks, match suggestions, webhooks, e-mail, digests; returns how much was done. A step that
    fails is logged and rolled back without stopping the others (its claims expire and are tried again), so one
    bad row never keeps e-mail and webhooks from going out, nor stops the worker."""
    done = 0
    for step in (recheck_plans, suggest_matches, deliver_webhooks, send_mail, digest.send_digests):
        try:
            done += step(now)
        except Exception:
            db.session.rollback()
            log.exception("worker step %s failed; it is tried again on a later pass", step.__name__)
    return done


def run(once: bool = False, started: Callable[[str], None] = lambda _message: None) -> None:
    """Deliver until stopped (SIGTERM or SIGINT finish the current delivery), or, with `once`, until nothing is due.

    `started` is told, once the signals are handled, that the worker runs (the command prints it)."""
    stopping = []
    if not once:
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: stopping.append(True))
    poll = current_app.config["WORKER_POLL_SECONDS"]
    wait = _waiter(poll) if not once else None
    if not once:
        started(f"worker started: polling every {poll:g} s; SIGTERM or SIGINT stop it after the current step")
    try:
        while not stopping:
            try:
                done = run_once()
            finally:
                db.session.remove()
            if once and not done:
                return
            if not done:
                wait()
    finally:
        getattr(wait, "close", lambda: None)()


def _waiter(poll: float):
    """Sleep until the next poll; on PostgreSQL wake as soon as a commit NOTIFYs new work (events.wake_workers)."""
    if db.engine.dialect.name != "postgresql":
        return lambda: time.sleep(poll)
    import psycopg

    url = db.engine.url.set(drivername="postgresql")
    connection = psycopg.connect(url.render_as_string(hide_password=False), autocommit=True)
    connection.execute(f"LISTEN {events.CHANNEL}")

    class Wait:
        def __call__(self) -> None:
            for _notice in connection.notifies(timeout=poll, stop_after=1):
                pass

        def close(self) -> None:
            connection.close()
    return Wait()
