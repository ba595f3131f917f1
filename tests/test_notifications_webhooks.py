"""Webhooks to a real HTTP receiver (http.server in a thread): registered with the CLI or the admin page, public
events only, signatures that the `standardwebhooks` package verifies, the API's JSON as data, retries after a
500 on the specification's schedule, disabled after a 410 or persistent failure, private addresses refused."""
from __future__ import annotations

import json
import queue
import threading
import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import select
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from smartcities.database import utcnow
from smartcities.extensions import db
from smartcities.notifications import webhooks, worker
from smartcities.notifications.models import WebhookDelivery, WebhookEndpoint
from smartcities.projects import workflow

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


class Server(ThreadingHTTPServer):
    request_queue_size = 64  # the default 5 would drop connections from the worker's sending threads


class Receiver:
    """A partner system: records every request; answers with the queued statuses, then 200."""

    def __init__(self):
        self.requests: list[tuple[dict[str, str], bytes]] = []
        self.statuses: queue.Queue[int] = queue.Queue()
        self.delay = 0.0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                if receiver.delay:
                    time.sleep(receiver.delay)
                receiver.requests.append(({k.lower(): v for k, v in self.headers.items()}, body))
                status = 200 if receiver.statuses.empty() else receiver.statuses.get()
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = Server(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks?source=ascn"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def bodies(self) -> list[dict]:
        return [json.loads(body) for _headers, body in self.requests]

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver(app, monkeypatch):
    monkeypatch.setitem(app.config, "WEBHOOKS_ALLOW_PRIVATE", True)  # the receiver is on 127.0.0.1
    monkeypatch.setitem(app.config, "PUBLIC_URL", "https://ascn.example.org")
    found = Receiver()
    yield found
    found.close()


def run_worker(app, now=None) -> int:
    """One worker pass in its own app context and session, as `flask worker --once` runs."""
    db.session.rollback()
    with app.app_context():
        try:
            return worker.run_once(now)
        finally:
            db.session.remove()


def add(runner, url: str, *events: str, secret: str = SECRET):
    args = ["webhooks", "add", url, *[part for kind in events for part in ("--event", kind)], "--secret-stdin"]
    return runner.invoke(args=args, input=secret + "\n")


def test_cli_registers_lists_and_removes_endpoints(runner, receiver, app, monkeypatch):
    result = add(runner, receiver.url, "project.published", "plan.updated")
    assert result.exit_code == 0, result.output
    endpoint_id = int(result.output.strip())
    endpoint = db.session.get(WebhookEndpoint, endpoint_id)
    assert (endpoint.events, endpoint.secret, endpoint.active) == (["project.published", "plan.updated"], SECRET,
                                                                   True)
    listed = runner.invoke(args=["webhooks", "list"]).output
    assert f"{endpoint_id}\tactive\tproject.published,plan.updated\t{receiver.url}" in listed
    assert add(runner, receiver.url, "project.submitted").exit_code == 2  # not a public event: click refuses
    bad = add(runner, receiver.url, "project.published", secret="hunter2")
    assert bad.exit_code == 1 and "secret" in bad.output and "nothing was written" in bad.output
    assert runner.invoke(args=["webhooks", "remove", str(endpoint_id)]).exit_code == 0
    assert db.session.get(WebhookEndpoint, endpoint_id) is None
    assert runner.invoke(args=["webhooks", "remove", str(endpoint_id)]).exit_code == 1
    monkeypatch.setitem(app.config, "WEBHOOKS_ALLOW_PRIVATE", False)
    for url in (receiver.url, "http://localhost/x", "http://10.1.2.3/x", "http://169.254.169.254/latest",
                "http://[::1]/x", "http://[::ffff:127.0.0.1]/x", "ftp://example.org/x", "http://user:pw@8.8.8.8/"):
        refused = add(runner, url, "project.published")
        assert refused.exit_code == 1 and "url" in refused.output, url
    assert db.session.scalars(select(WebhookEndpoint)).all() == []


def test_a_published_project_reaches_the_endpoint_signed_with_the_apis_json(app, client, runner, receiver,
                                                                              people, make_project):
    endpoint_id = int(add(runner, receiver.url, "project.published", "project.archived").output)
    other = int(add(runner, receiver.url.replace("/hooks", "/plans-only"), "plan.updated").output)
    project = make_project(status="draft", title="Public library reading rooms", focus_areas=("Civic and Social",))
    workflow.submit(project, people["official"], {})
    db.session.commit()
    assert run_worker(app) == 0 and receiver.requests == []  # project.submitted is not public
    workflow.publish(project, people["focal"])
    db.session.commit()
    assert receiver.requests == []  # sent by the worker, not by the request
    assert run_worker(app) == 1
    [(headers, body)] = receiver.requests
    payload = Webhook(SECRET).verify(body, headers)
    assert headers["webhook-id"].startswith("msg_") and headers["webhook-signature"].startswith("v1,")
    assert abs(int(headers["webhook-timestamp"]) - time.time()) < 60
    assert payload["type"] == "project.published" and payload["timestamp"].endswith("Z")
    api = client.get(f"/api/v1/projects/{project.id}", base_url="https://ascn.example.org").get_json()
    assert payload["data"] == api
    with pytest.raises(WebhookVerificationError):  # a body changed on the way, or another secret: refused
        Webhook(SECRET).verify(body.replace(b"reading", b"READING"), headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(webhooks.new_secret()).verify(body, headers)
    workflow.archive(project, people["official"])
    db.session.commit()
    run_worker(app)
    assert [b["type"] for b in receiver.bodies()] == ["project.published", "project.archived"]
    assert len({h["webhook-id"] for h, _ in receiver.requests}) == 2
    assert db.session.scalars(select(WebhookDelivery).where(WebhookDelivery.endpoint_id == other)).all() == []
    delivered = db.session.scalars(select(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint_id)).all()
    assert [(d.state, d.attempts, d.last_status) for d in delivered] == [("delivered", 1, 200)] * 2


def test_a_500_is_retried_on_the_schedule_with_the_same_id_and_a_410_disables(app, runner, receiver, people,
                                                                              make_project):
    endpoint_id = int(add(runner, receiver.url, "project.published").output)
    receiver.statuses.put(500)
    project = make_project(status="submitted", title="Night buses")
    workflow.publish(project, people["focal"])
    db.session.commit()
    run_worker(app)
    delivery = db.session.scalars(select(WebhookDelivery)).one()
    assert (delivery.state, delivery.attempts, delivery.last_status) == ("pending", 1, 500)
    wait = (delivery.due_at.replace(tzinfo=None) - delivery.last_attempt_at.replace(tzinfo=None)).total_seconds()
    assert 5 * 0.8 <= wait <= 5 * 1.2  # the specification's second try: 5 seconds, with jitter
    assert run_worker(app) == 0  # not due yet
    run_worker(app, utcnow() + timedelta(seconds=7))
    assert [h["webhook-id"] for h, _ in receiver.requests] == [receiver.requests[0][0]["webhook-id"]] * 2
    db.session.expire_all()
    assert (delivery.state, delivery.attempts) == ("delivered", 2)
    receiver.statuses.put(410)
    second = make_project(status="submitted", title="Bike lanes")
    workflow.publish(second, people["focal"])
    db.session.commit()
    run_worker(app)
    endpoint = db.session.get(WebhookEndpoint, endpoint_id)
    assert (endpoint.active, endpoint.disabled_reason) == (False, "410 Gone")
    third = make_project(status="submitted", title="Clean canals")
    workflow.publish(third, people["focal"])
    db.session.commit()
    assert run_worker(app) == 0 and len(receiver.requests) == 3  # a disabled endpoint gets nothing more


def test_persistent_failure_disables_the_endpoint(app, runner, receiver, people, make_project):
    endpoint_id = int(add(runner, receiver.url, "project.published").output)
    for _ in worker.SCHEDULE:
        receiver.statuses.put(503)
    workflow.publish(make_project(status="submitted", title="Night buses"), people["focal"])
    db.session.commit()
    later = utcnow()
    for _ in worker.SCHEDULE:
        later += timedelta(hours=13)  # beyond the longest wait
        run_worker(app, later)
    delivery = db.session.scalars(select(WebhookDelivery)).one()
    assert (delivery.state, delivery.attempts) == ("failed", len(worker.SCHEDULE))
    assert len(receiver.requests) == len(worker.SCHEDULE) == 8
    assert db.session.get(WebhookEndpoint, endpoint_id).active is False


def test_an_address_that_turns_private_is_refused_at_delivery(app, runner, receiver, people, make_project,
                                                              monkeypatch):
    add(runner, receiver.url, "project.published")
    workflow.publish(make_project(status="submitted", title="Night buses"), people["focal"])
    db.session.commit()
    monkeypatch.setitem(app.config, "WEBHOOKS_ALLOW_PRIVATE", False)
    run_worker(app)
    delivery = db.session.scalars(select(WebhookDelivery)).one()
    assert receiver.requests == [] and delivery.last_status is None and "private" in delivery.last_error


def test_admin_page_registers_shows_the_secret_once_and_the_delivery_log(app, client, as_user, receiver,
                                                                         people, make_project, monkeypatch):
    monkeypatch.setitem(app.config, "PUBLIC_URL", "")  # the test client signs in on http://localhost
    token = as_user("official")
    assert client.get("/admin/webhooks").status_code == 403
    token = as_user("admin")
    bad = client.post("/admin/webhooks", data={"url": "http://127.0.0.1:1/x", "event": ["project.submitted"],
                                               "csrf_token": token})
    assert bad.status_code == 400 and "Choose among the public events" in bad.get_data(as_text=True)
    created = client.post("/admin/webhooks", data={"url": receiver.url, "event": ["project.published"],
                                                   "csrf_token": token})
    page = created.get_data(as_text=True)
    endpoint = db.session.scalars(select(WebhookEndpoint)).one()
    assert created.status_code == 200 and endpoint.secret in page and endpoint.secret.startswith("whsec_")
    assert created.headers["Cache-Control"] == "no-store"
    assert endpoint.secret not in client.get(f"/admin/webhooks/{endpoint.id}").get_data(as_text=True)
    workflow.publish(make_project(status="submitted", title="Night buses"), people["focal"])
    db.session.commit()
    run_worker(app)
    log = client.get(f"/admin/webhooks/{endpoint.id}").get_data(as_text=True)
    assert 'data-state="delivered"' in log and "project.published" in log
    assert receiver.url in client.get("/admin/webhooks").get_data(as_text=True)
    assert client.post(f"/admin/webhooks/{endpoint.id}/delete", data={"csrf_token": token}).status_code == 302
    assert db.session.scalars(select(WebhookEndpoint)).all() == []


@pytest.mark.parametrize("address, allowed", [
    ("8.8.8.8", True), ("2001:4860:4860::8888", True), ("64:ff9b::808:808", True),
    ("127.0.0.1", False), ("10.1.2.3", False), ("169.254.169.254", False), ("::1", False), ("fe80::1", False),
    ("::ffff:10.0.0.1", False),        # IPv4-mapped
    ("64:ff9b::a9fe:a9fe", False),     # NAT64 of 169.254.169.254 (the cloud metadata address)
    ("2002:7f00:1::1", False),         # 6to4 of 127.0.0.1
])
def test_an_ipv6_address_wrapping_a_private_ipv4_one_is_refused(address, allowed):
    assert webhooks._allowed(address) is allowed
