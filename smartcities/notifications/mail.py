"""E-mail through SMTP (MAIL_URL), in each person's language, as plain text plus HTML, with a signed unsubscribe link.

smtp://user:pass@host:587 uses STARTTLS (refusing to send the password in clear); smtps:// is TLS from the
start; another port on smtp:// upgrades with STARTTLS when the server offers it.
"""
from __future__ import annotations

import smtplib
import ssl
from collections.abc import Sequence
from email.message import EmailMessage
from email.utils import make_msgid
from urllib.parse import unquote, urlsplit

from flask import current_app, render_template, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeSerializer

from smartcities.notifications import services
from smartcities.notifications.models import Notification

SALT = "notifications.unsubscribe"
TIMEOUT = 30


def enabled() -> bool:
    """Is e-mail on (MAIL_URL set)?"""
    return bool(current_app.config.get("MAIL_URL"))


def unsubscribe_token(user_id: int, kind: str) -> str:
    """A signed token naming a person and a kind ("*": all e-mail); only this server can make one."""
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=SALT).dumps({"u": user_id, "k": kind})


def read_unsubscribe_token(token: str) -> tuple[int, str] | None:
    """(user id, kind) from a token this server signed, or None for anything else."""
    try:
        data = URLSafeSerializer(current_app.config["SECRET_KEY"], salt=SALT).loads(token)
    except BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("u"), int) or not isinstance(data.get("k"), str):
        return None
    return data["u"], data["k"]


def _base_url() -> str:
    return current_app.config.get("PUBLIC_URL") or "http://localhost"


def compose(user, items: Sequence[Notification], language: str, digest: bool = False) -> EmailMessage:
    """One message to `user` about `items` (one at once, or the day's digest), in `language`."""
    kind = "*" if digest else items[0].event.kind
    with current_app.test_request_context(base_url=_base_url()), force_locale(language):
        unsubscribe = url_for("notifications.unsubscribe", token=unsubscribe_token(user.id, kind), _external=True)
        inbox = url_for("notifications.inbox", _external=True)
        context = {"user": user, "items": items, "digest": digest, "unsubscribe_url": unsubscribe,
                   "inbox_url": inbox, "base_url": _base_url(), "link": services.link}
        subject = (_("ASCN: your daily summary (%(n)d)", n=len(items)) if digest
                   else "ASCN: " + render_template("notifications/_line.txt", event=items[0].event).strip())
        text = render_template("notifications/email.txt", **context)
        html = render_template("notifications/email.html", **context)
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = current_app.config["MAIL_FROM"]
    message["To"] = user.email
    message["Message-ID"] = make_msgid(domain="ascn.portal")
    # RFC 8058: a mail client's one-click unsubscribe POSTs to this address without opening the page.
    message["List-Unsubscribe"] = f"<{unsubscribe}>"
    message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    message["Content-Language"] = language  # after set_content, which drops Content-* headers
    return message


def send(message: EmailMessage) -> None:
    """Send through MAIL_URL's server; raises smtplib/OSError errors for the worker to retry."""
    parts = urlsplit(current_app.config["MAIL_URL"])
    host = parts.hostname
    user = unquote(parts.username) if parts.username else None
    password = unquote(parts.password) if parts.password else ""
    context = ssl.create_default_context()
    if parts.scheme == "smtps":
        server: smtplib.SMTP = smtplib.SMTP_SSL(host, parts.port or 465, timeout=TIMEOUT, context=context)
    else:
        server = smtplib.SMTP(host, parts.port or 25, timeout=TIMEOUT)
    with server:
        server.ehlo()
        encrypted = parts.scheme == "smtps"
        if parts.scheme == "smtp" and (parts.port == 587 or server.has_extn("starttls")):
            server.starttls(context=context)
            server.ehlo()
            encrypted = True
        if user:
            if not encrypted:  # never a password in clear text, whatever the server (or a man in the middle) offers
                raise smtplib.SMTPException("the mail server offers no STARTTLS: refusing to send the password")
            server.login(user, password)
        server.send_message(message)
