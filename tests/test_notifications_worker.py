"""The worker: `flask worker --once` delivers what is due; a worker killed with SIGKILL mid-delivery and
restarted delivers every event at least once (receivers drop duplicates by webhook-id); workers running at
once never claim the same delivery."""
from __future__ import annotations

import os
import selectors
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from sqlalchemy import func, select

from smartcities.database import utcnow
from smartcities.extensions import db
from smartcities.notifications import events as notify
from smartcities.notifications import worker
from smartcities.notifications.models import WebhookDelivery
from test_notifications_webhooks import Receiver, add, receiver  # noqa: F401  (the fixture)

ROOT = Path(__file__).resolve().parent.parent
FLASK = str(Path(sys.executable).parent / "flask")


def publish_many(make_project, count: int) -> list[int]:
    """`count` published projects, each with its project.published event; returns the event ids."""
    ids = []
    for n in range(count):
        project = make_project(status="published", title=f"Project {n}")
        ids.append(notify.project_event("project.published", project, None).id)
    db.session.commit()
    return ids


def worker_env(app) -> dict[str, str]:
    return {**os.environ, "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"], "SECRET_KEY": "test-secret",
            "WEBHOOKS_ALLOW_PRIVATE": "1", "WORKER_LEASE_SECONDS": "2", "WORKER_POLL_SECONDS": "0.1",
            "SHARED_CACHE_URL": "none", "PUBLIC_URL": "https://ascn.example.org", "MAIL_URL": ""}


def test_worker_once_delivers_what_is_due_and_exits(app, runner, receiver, make_project):  # noqa: F811
    add(runner, receiver.url, "project.published")
    event_ids = publish_many(make_project, 3)
    result = runner.invoke(args=["worker", "--once"])
    assert result.exit_code == 0, result.output
    assert sorted(h["webhook-id"] for h, _ in receiver.requests) == sorted(f"msg_{i}" for i in event_ids)


def test_sigkill_mid_delivery_then_restart_delivers_every_event(app, runner, receiver, make_project):  # noqa: F811
    add(runner, receiver.url, "project.published")
    event_ids = publish_many(make_project, 12)
    receiver.delay = 0.3  # each delivery takes a while: the kill lands in the middle of one
    db.session.rollback()
    process = subprocess.Popen([FLASK, "--app", "app", "worker"], cwd=ROOT, env=worker_env(app),
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while len(receiver.requests) < 3 and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.15)  # inside the next delivery
        os.kill(process.pid, signal.SIGKILL)
    finally:
        process.wait(10)
    assert process.returncode == -signal.SIGKILL
    before = len(receiver.requests)
    assert 3 <= before < len(event_ids)
    pending = db.session.scalar(select(func.count()).select_from(WebhookDelivery)
                                .where(WebhookDelivery.state == "pending"))
    assert pending >= len(event_ids) - before  # the killed worker's claims wait for their lease to end
    receiver.delay = 0
    time.sleep(2.2)  # WORKER_LEASE_SECONDS=2
    restarted = subprocess.run([FLASK, "--app", "app", "worker", "--once"], cwd=ROOT, env=worker_env(app),
                               capture_output=True, text=True, timeout=120)
    assert restarted.returncode == 0, restarted.stdout + restarted.stderr
    received = [headers["webhook-id"] for headers, _ in receiver.requests]
    assert set(received) == {f"msg_{i}" for i in event_ids}  # every event, the one cut off included
    db.session.rollback()
    assert set(db.session.scalars(select(WebhookDelivery.state))) == {"delivered"}


def test_workers_at_once_never_claim_the_same_delivery(app, runner, receiver, make_project):  # noqa: F811
    add(runner, receiver.url, "project.published")
    publish_many(make_project, 40)
    db.session.rollback()
    claims: list[list[int]] = []
    start = threading.Barrier(4)

    def claim():
        with app.app_context():
            try:
                start.wait()
                due = (WebhookDelivery.state == "pending") & (WebhookDelivery.due_at <= utcnow())
                claims.append([row.id for row in worker._claim(WebhookDelivery, due, utcnow())])
            finally:
                db.session.remove()

    threads = [threading.Thread(target=claim) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    everything = [row_id for ids in claims for row_id in ids]
    assert len(claims) == 4 and len(everything) == len(set(everything)) == 40


def test_sigterm_stops_the_worker_cleanly(app):
    db.session.rollback()
    process = subprocess.Popen([FLASK, "--app", "app", "worker"], cwd=ROOT, env=worker_env(app),
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60  # on a busy machine the start alone can take seconds
    started = b""
    with selectors.DefaultSelector() as output:
        output.register(process.stdout, selectors.EVENT_READ)
        while b"worker started" not in started and process.poll() is None:
            assert output.select(max(0.0, deadline - time.monotonic())), started
            started += process.stdout.readline()
    assert process.poll() is None, started.decode()
    process.send_signal(signal.SIGTERM)
    assert process.wait(15) == 0, process.stdout.read().decode()


def test_a_failing_step_is_logged_and_the_others_still_deliver(app, runner, receiver, make_project,  # noqa: F811
                                                               monkeypatch):
    add(runner, receiver.url, "project.published")
    event_ids = publish_many(make_project, 2)

    def broken(now=None):
        raise RuntimeError("a poisoned plan recheck")
    monkeypatch.setattr(worker, "recheck_plans", broken)
    db.session.rollback()
    with app.app_context():
        try:
            assert worker.run_once() == 2            # the webhooks went out all the same
        finally:
            db.session.remove()
    assert sorted(h["webhook-id"] for h, _ in receiver.requests) == sorted(f"msg_{i}" for i in event_ids)
