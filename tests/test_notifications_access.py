"""Who may open each notification and webhook route: every route under /notifications and /admin/webhooks,
for anonymous visitors and each role, with nothing changed by a refused request."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from smartcities.extensions import db
from smartcities.notifications import services, webhooks
from smartcities.notifications.models import Notification, TopicFollow, WebhookEndpoint
from smartcities.projects import workflow
from support import csrf_token

VIEWERS = ("anonymous", "partner", "official", "focal", "admin")
SIGNED_IN = {"partner", "official", "focal", "admin"}


def expect(viewer: str, allowed: set[str], ok: int, refused: int = 403) -> int:
    return 302 if viewer == "anonymous" else ok if viewer in allowed else refused


@pytest.fixture
def things(app, people, make_project, monkeypatch):
    """The official's notification and follow, and one webhook endpoint (admins only may touch it)."""
    monkeypatch.setitem(app.config, "WEBHOOKS_ALLOW_PRIVATE", True)
    project = make_project(status="submitted", title="Night buses")
    workflow.return_project(project, people["focal"], "Which routes?")
    follow = services.follow_topic(people["official"], "country", "TH")
    endpoint = webhooks.add_endpoint("http://127.0.0.1:9/hook", ["plan.updated"], None)
    db.session.commit()
    note = db.session.scalars(select(Notification).where(Notification.user_id == people["official"].id)).one()
    return {"note": note.id, "follow": follow.id, "endpoint": endpoint.id}


def cases(viewer: str, t: dict) -> list[tuple[str, str, dict, int]]:
    """(method, path, form, expected status) for one viewer; the official owns the notification and follow."""
    own = 302 if viewer == "official" else 404
    return [
        ("GET", "/notifications", {}, expect(viewer, SIGNED_IN, 200)),
        ("POST", "/notifications/read", {}, expect(viewer, SIGNED_IN, 302)),
        ("POST", f"/notifications/{t['note']}/read", {}, 302 if viewer == "anonymous" else own),
        ("GET", "/notifications/settings", {}, expect(viewer, SIGNED_IN, 200)),
        ("POST", "/notifications/settings", {"project.published": "pigeon"}, expect(viewer, SIGNED_IN, 400)),
        ("POST", "/notifications/follows", {"topic": "planet"}, expect(viewer, SIGNED_IN, 400)),
        ("POST", f"/notifications/follows/{t['follow']}/delete", {}, 302 if viewer == "anonymous" else own),
        ("GET", "/notifications/unsubscribe/not-a-token", {}, 404),
        ("POST", "/notifications/unsubscribe/not-a-token", {}, 404),
        ("GET", "/admin/webhooks", {}, expect(viewer, {"admin"}, 200)),
        ("POST", "/admin/webhooks", {"url": "http://127.0.0.1:9/x"}, expect(viewer, {"admin"}, 400)),
        ("GET", f"/admin/webhooks/{t['endpoint']}", {}, expect(viewer, {"admin"}, 200)),
        ("POST", f"/admin/webhooks/{t['endpoint']}/delete", {}, expect(viewer, {"admin"}, 302)),
    ]


@pytest.mark.parametrize("viewer", VIEWERS)
def test_each_route_answers_each_role_as_it_should(app, client, as_user, people, things, viewer):
    token = as_user(viewer) if viewer != "anonymous" else csrf_token(client)
    counts = {model: db.session.scalar(select(func.count()).select_from(model))
              for model in (TopicFollow, WebhookEndpoint)}
    for method, path, data, status in cases(viewer, things):
        answer = client.open(path, method=method, data={**data, "csrf_token": token} if method == "POST" else None)
        assert answer.status_code == status, (viewer, method, path)
        if viewer == "anonymous" and status == 302:
            assert "/login" in answer.headers["Location"]
    left = {model: db.session.scalar(select(func.count()).select_from(model))
            for model in (TopicFollow, WebhookEndpoint)}
    assert left[WebhookEndpoint] == counts[WebhookEndpoint] - (viewer == "admin")
    assert left[TopicFollow] == counts[TopicFollow] - (viewer == "official")
    unread = services.unread_count(people["official"])
    assert unread == (0 if viewer == "official" else 1)  # only its owner can mark it read


def test_every_notification_route_has_a_case(app):
    rules = {(rule.rule, method) for rule in app.url_map.iter_rules()
             if rule.rule.startswith(("/notifications", "/admin/webhooks"))
             for method in rule.methods - {"HEAD", "OPTIONS"}}
    adapter = app.url_map.bind("localhost")
    ids = {"note": 1, "follow": 1, "endpoint": 1}
    covered = {(adapter.match(path, method=method, return_rule=True)[0].rule, method)
               for method, path, _data, _status in cases("admin", ids)}
    assert rules == covered
