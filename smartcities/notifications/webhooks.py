"""Webhook endpoints for partner systems, signed per the Standard Webhooks specification, and one delivery.

Signature: `v1,` + base64(HMAC-SHA256(secret, f"{id}.{timestamp}.{body}")), the secret being the bytes that
follow `whsec_` in base64. Endpoints on private, loopback or link-local addresses are refused (server-side
request forgery) unless WEBHOOKS_ALLOW_PRIVATE=1, when registered and again at each delivery, where the
connection goes to the address that was checked (no second DNS answer can swap it).
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import http.client
import ipaddress
import json
import secrets
import socket
import ssl
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from smartcities.api.serializers import iso_datetime
from smartcities.audit.services import record
from smartcities.errors import NotFound, ValidationError
from smartcities.extensions import db
from smartcities.notifications.models import PUBLIC_KINDS, Event, WebhookEndpoint

SECRET_PREFIX = "whsec_"  # nosec B105 (the prefix of the convention, not a secret)
USER_AGENT = "ascn-portal-webhooks/1"


def new_secret() -> str:
    """A fresh signing secret: whsec_ + 32 random bytes in base64."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def _secret_bytes(secret: str) -> bytes:
    return base64.b64decode(secret.removeprefix(SECRET_PREFIX), validate=True)


def check_secret(secret: str) -> str:
    """A whsec_ secret of 24 to 64 bytes (as the specification asks), or ValidationError."""
    secret = (secret or "").strip()
    try:
        size = len(_secret_bytes(secret)) if secret.startswith(SECRET_PREFIX) else 0
    except (binascii.Error, ValueError):
        size = 0
    if not 24 <= size <= 64:
        raise ValidationError("secret", _("A secret is whsec_ followed by 24 to 64 bytes in base64."))
    return secret


def sign(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    """The webhook-signature header value for one message."""
    signed = f"{msg_id}.{timestamp}.".encode() + body
    digest = hmac.new(_secret_bytes(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


NAT64 = ipaddress.ip_network("64:ff9b::/96")  # the well-known prefix: the IPv4 address is in the last 32 bits


def _allowed(address: str) -> bool:
    """A public address, also for every IPv4 address an IPv6 one wraps (mapped, 6to4, Teredo, NAT64)."""
    ip = ipaddress.ip_address(address)
    wrapped = []
    if isinstance(ip, ipaddress.IPv6Address):
        wrapped = [ip.ipv4_mapped, ip.sixtofour, *(ip.teredo or ())]
        if ip in NAT64:
            wrapped.append(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
    return all(candidate.is_global and not candidate.is_multicast
               for candidate in [ip, *(found for found in wrapped if found is not None)])


def resolve(url: str) -> list[str]:
    """The addresses to connect to for `url`; ValidationError when one is not public (unless allowed)."""
    parts = urlsplit(url)
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise ValidationError("url", _("The port is not a number.")) from None
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.username or parts.password:
        raise ValidationError("url", _("Give an http:// or https:// address without a user name or password."))
    try:
        infos = socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise ValidationError("url", _("The host name does not resolve.")) from None
    addresses = list(dict.fromkeys(info[4][0] for info in infos))
    if not current_app.config.get("WEBHOOKS_ALLOW_PRIVATE"):
        refused = [address for address in addresses if not _allowed(address)]
        if refused:
            raise ValidationError("url", _("The address %(address)s is private, loopback or link-local; "
                                           "webhooks go to public addresses only.", address=refused[0]))
    return addresses


def check_events(events: list[str]) -> list[str]:
    """The public event kinds asked for, in contract order; ValidationError for any other."""
    wrong = [kind for kind in events if kind not in PUBLIC_KINDS]
    if not events or wrong:
        raise ValidationError("event", _("Choose among the public events: %(kinds)s.", kinds=", ".join(PUBLIC_KINDS)))
    return [kind for kind in PUBLIC_KINDS if kind in events]


def add_endpoint(url: str, events: list[str], secret: str | None, user=None) -> WebhookEndpoint:
    """Register an endpoint (its address checked now, and again at each delivery)."""
    url = (url or "").strip()
    secret = (secret or "").strip() or new_secret()
    errors = {}
    for check, value in ((check_events, events), (check_secret, secret)):
        try:
            check(value)
        except ValidationError as error:
            errors.update(error.errors)
    if len(url) > 2000:
        errors["url"] = _("The address is too long.")
    else:
        try:
            resolve(url)
        except ValidationError as error:
            errors.update(error.errors)
    if errors:
        raise ValidationError(errors)
    endpoint = WebhookEndpoint(url=url, events=check_events(events), secret=secret,
                               active=True)
    db.session.add(endpoint)
    db.session.flush()
    record(endpoint, "created", user, {"url": [None, url], "events": [None, endpoint.events]})
    return endpoint


def endpoints() -> list[WebhookEndpoint]:
    """Every endpoint, oldest first."""
    return list(db.session.scalars(select(WebhookEndpoint).order_by(WebhookEndpoint.id)))


def get_endpoint(endpoint_id: int) -> WebhookEndpoint:
    found = db.session.get(WebhookEndpoint, endpoint_id)
    if found is None:
        raise NotFound(_("No webhook endpoint with id %(id)s.", id=endpoint_id))
    return found


def remove_endpoint(endpoint_id: int, user=None) -> None:
    """Delete an endpoint and its delivery log."""
    endpoint = get_endpoint(endpoint_id)
    record(endpoint, "deleted", user, {"url": [endpoint.url, None]})
    db.session.delete(endpoint)
    db.session.flush()


def message_id(event: Event) -> str:
    """The webhook-id: the same for every attempt at one event, so receivers can drop duplicates."""
    return f"msg_{event.id}"


def body(event: Event) -> bytes:
    """The JSON body: {"type", "timestamp", "data"}."""
    return json.dumps({"type": event.kind, "timestamp": iso_datetime(event.created_at), "data": event.data},
                      ensure_ascii=False, separators=(",", ":")).encode()


@dataclass
class Answer:
    """What one attempt got: an HTTP status, or an error (status None)."""

    status: int | None
    error: str | None = None


def _connected(address: str, port: int, timeout: float) -> socket.socket:
    """A TCP connection without Nagle's delay (http.client writes headers and body separately: with the peer's
    delayed ACK, each request would otherwise wait about 40 ms)."""
    sock = socket.create_connection((address, port), timeout)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """HTTP to an address already checked."""

    def connect(self) -> None:
        self.sock = _connected(self.host, self.port, self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """HTTPS to an address already checked, with the certificate checked for the URL's host name."""

    def __init__(self, address: str, hostname: str, port: int, timeout: float):
        super().__init__(address, port, timeout=timeout, context=ssl.create_default_context())
        self._hostname = hostname

    def connect(self) -> None:
        self.sock = self._context.wrap_socket(_connected(self.host, self.port, self.timeout),
                                              server_hostname=self._hostname)


def post(url: str, headers: dict[str, str], payload: bytes) -> Answer:
    """POST once, to an address checked just now; redirects are not followed (they count as failures)."""
    try:
        addresses = resolve(url)
    except ValidationError as error:
        return Answer(None, "; ".join(error.errors.values()))
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    timeout = current_app.config.get("WEBHOOK_TIMEOUT", 15)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    host_header = parts.hostname if parts.port is None else f"{parts.hostname}:{parts.port}"
    if parts.scheme == "https":
        connection = _PinnedHTTPSConnection(addresses[0], parts.hostname, port, timeout)
    else:
        connection = _PinnedHTTPConnection(addresses[0], port, timeout=timeout)
    try:
        connection.request("POST", path, body=payload, headers={
            **headers, "Host": host_header, "Content-Type": "application/json", "User-Agent": USER_AGENT})
        response = connection.getresponse()
        response.read(64 * 1024)
        return Answer(response.status)
    except (OSError, http.client.HTTPException) as exc:
        return Answer(None, f"{type(exc).__name__}: {exc}"[:500])
    finally:
        connection.close()


def send(url: str, secret: str, msg_id: str, payload: bytes, now: datetime) -> Answer:
    """Sign and send one message (the timestamp is this attempt's; the id stays the same across attempts)."""
    timestamp = int(now.timestamp())
    headers = {"webhook-id": msg_id, "webhook-timestamp": str(timestamp),
               "webhook-signature": sign(secret, msg_id, timestamp, payload)}
    return post(url, headers, payload)
