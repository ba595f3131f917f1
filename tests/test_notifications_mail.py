"""E-mail through a real SMTP server (aiosmtpd, started here): at once or in the daily digest, in the person's
language, plain text plus HTML with escaped text, a signed one-click unsubscribe link; MAIL_URL unset: no e-mail,
the inbox still works."""
from __future__ import annotations

import email
import re
import socket
from datetime import datetime, timedelta, timezone
from email import policy

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select
from test_notifications_webhooks import run_worker

from smartcities.database import utcnow
from smartcities.extensions import db
from smartcities.notifications import digest, mail, services
from smartcities.notifications.models import Notification
from smartcities.projects import workflow

XSS = '<script>alert("x")</script>'


class Inbox:
    """An aiosmtpd handler keeping every message it receives."""

    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []
        self.refuse = False

    async def handle_DATA(self, server, session, envelope):
        if self.refuse:
            return "451 try again later"
        message = email.message_from_bytes(envelope.content, policy=policy.default)
        message["X-Envelope-To"] = ",".join(envelope.rcpt_tos)
        self.messages.append(message)
        return "250 OK"

    def to(self, address: str) -> list:
        return [m for m in self.messages if m["To"] == address]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp(app, monkeypatch):
    handler = Inbox()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    monkeypatch.setitem(app.config, "MAIL_URL", f"smtp://127.0.0.1:{controller.port}")
    monkeypatch.setitem(app.config, "PUBLIC_URL", "https://ascn.example.org")
    yield handler
    controller.stop()


def parts(message) -> tuple[str, str]:
    return (message.get_body(("plain",)).get_content(), message.get_body(("html",)).get_content())


def test_a_review_request_is_mailed_at_once_with_text_html_and_unsubscribe(app, client, smtp, people,
                                                                          make_project):
    project = make_project(status="draft", title=XSS, summary="Reading rooms.", focus_areas=("Civic and Social",))
    workflow.submit(project, people["official"], {})
    db.session.commit()
    assert smtp.messages == []  # the request does not wait on the mail server: the worker sends
    assert run_worker(app) >= 1
    [message] = smtp.messages
    assert message["To"] == "focal@th.example" and message["X-Envelope-To"] == "focal@th.example"
    text, html = parts(message)
    assert XSS in text and "waits for your review" in text  # plain text is not HTML: nothing to escape
    assert XSS not in html and "&lt;script&gt;" in html
    assert f"https://ascn.example.org/projects/{project.id}" in text and html
    unsubscribe = re.search(r"<(https://ascn\.example\.org/notifications/unsubscribe/[^>]+)>",
                            message["List-Unsubscribe"]).group(1)
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click" and unsubscribe in text
    assert run_worker(app) == 0  # sent once
    path = unsubscribe.removeprefix("https://ascn.example.org")
    page = client.get(path)
    assert page.status_code == 200 and "Stop these e-mails" in page.get_data(as_text=True)
    assert services.channels(people["focal"])["project.submitted"] == "email"  # a GET changes nothing
    assert client.post(path).status_code == 200  # the button, or a mail client's RFC 8058 one-click POST
    assert services.channels(people["focal"])["project.submitted"] == "portal"
    assert services.channels(people["focal"])["project.returned"] == "email"  # only that kind
    assert client.get(path[:-3] + "xyz").status_code == 404  # a forged or damaged token
    forged = mail.unsubscribe_token(people["focal"].id, "project.submitted").replace(".", "x.", 1)
    assert client.post(f"/notifications/unsubscribe/{forged}").status_code == 404
    other = make_project(status="draft", title="Night buses")
    workflow.submit(other, people["official"], {})
    db.session.commit()
    run_worker(app)
    assert len(smtp.messages) == 1  # unsubscribed: in the inbox only
    assert services.unread_count(people["focal"]) == 2


def test_thai_e_mail_for_a_person_who_chose_thai(app, smtp, people, make_project, monkeypatch):
    services.save_preferences(people["official"], {}, "th", app.config["LANGUAGES"])
    db.session.commit()
    seen = []
    real = mail.compose
    monkeypatch.setattr(mail, "compose", lambda user, items, language, digest=False: (
        seen.append((user.email, language)), real(user, items, language, digest))[1])
    project = make_project(status="submitted", title="Night buses")
    workflow.return_project(project, people["focal"], "Which routes?")
    db.session.commit()
    run_worker(app)
    assert sorted(seen) == [("colleague@bkk.example", "en"), ("official@bkk.example", "th")]
    thai = smtp.to("official@bkk.example")[0]
    assert thai["Content-Language"] == "th" and "Which routes?" in parts(thai)[0]
    assert '<html lang="th">' in parts(thai)[1] and '<html lang="en">' in parts(smtp.to("colleague@bkk.example")[0])[1]


def test_the_daily_digest_gathers_a_days_notifications_into_one_message(app, smtp, people, make_project):
    services.save_preferences(people["official"], {"project.returned": "digest"}, None, app.config["LANGUAGES"])
    db.session.commit()
    for title in ("Night buses", "Bike lanes"):
        project = make_project(status="submitted", title=title)
        workflow.return_project(project, people["focal"], f"About {title}")
    db.session.commit()
    with app.app_context():
        next_digest = digest.digest_cutoff(utcnow()) + timedelta(days=1)  # the next DIGEST_HOUR (7 UTC)
    run_worker(app, next_digest - timedelta(hours=1))
    assert [m["To"] for m in smtp.messages] == ["colleague@bkk.example"] * 2  # at once, by default
    run_worker(app, next_digest + timedelta(minutes=1))
    [summary] = smtp.to("official@bkk.example")
    text, html = parts(summary)
    assert "Night buses" in text and "Bike lanes" in text and "daily summary (2)" in summary["Subject"]
    run_worker(app, next_digest + timedelta(hours=3))
    assert len(smtp.to("official@bkk.example")) == 1  # one digest a day
    unsubscribe = re.search(r"<[^>]+/notifications/unsubscribe/([^>]+)>", summary["List-Unsubscribe"]).group(1)
    assert mail.read_unsubscribe_token(unsubscribe) == (people["official"].id, "*")


def test_a_failing_mail_server_is_retried(app, smtp, people, make_project):
    smtp.refuse = True
    project = make_project(status="submitted", title="Night buses")
    workflow.return_project(project, people["focal"], "Which routes?")
    db.session.commit()
    run_worker(app)
    notes = db.session.scalars(select(Notification)).all()
    assert [(n.mail_state, n.mail_attempts) for n in notes] == [("pending", 1), ("pending", 1)]
    smtp.refuse = False
    run_worker(app)
    assert smtp.messages == []  # not due yet: the next try is a minute later
    run_worker(app, datetime(2099, 1, 1, tzinfo=timezone.utc))
    assert sorted(m["To"] for m in smtp.messages) == ["colleague@bkk.example", "official@bkk.example"]


def test_a_password_is_never_sent_to_a_server_without_starttls(app, smtp, people, make_project, monkeypatch):
    """The test server offers no STARTTLS: with a user name in MAIL_URL, nothing is sent and the mail is retried."""
    port = app.config["MAIL_URL"].rsplit(":", 1)[1]
    monkeypatch.setitem(app.config, "MAIL_URL", f"smtp://mailer:secret@127.0.0.1:{port}")
    project = make_project(status="submitted", title="Night buses")
    workflow.return_project(project, people["focal"], "Which routes?")
    db.session.commit()
    run_worker(app)
    notes = db.session.scalars(select(Notification)).all()
    assert notes and all((n.mail_state, n.mail_attempts) == ("pending", 1) for n in notes)
    assert all("STARTTLS" in (n.mail_error or "") for n in notes)
    assert smtp.messages == []


def test_without_mail_url_nothing_is_queued_and_the_inbox_works(app, client, as_user, people, make_project,
                                                               monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_URL", "")
    project = make_project(status="submitted", title="Night buses")
    workflow.return_project(project, people["focal"], "Which routes?")
    db.session.commit()
    assert {n.mail_state for n in db.session.scalars(select(Notification))} == {None}
    assert run_worker(app) == 0
    as_user("official")
    assert "Night buses" in client.get("/notifications").get_data(as_text=True)
    assert "E-mail is switched off" in client.get("/notifications/settings").get_data(as_text=True)
