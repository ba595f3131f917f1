"""Every response carries X-Request-ID (a trusted proxy's, else our own); LOG_FORMAT=json logs one JSON object per
line per request, and the app's own messages as JSON lines carrying the request id."""
from __future__ import annotations

import json
import logging
import re
import time

import pytest

from smartcities import create_app
from smartcities.observability import APP_LOGGER, JsonLinesHandler
from support import csrf_token

SHARED_CONFIG = ("TESTING", "SQLALCHEMY_DATABASE_URI", "SECRET_KEY", "LEAFLET_CDN", "RATELIMIT_STORAGE_URI",
                 "GEOCODER", "PASSWORD_HASH_METHOD")
GENERATED = re.compile(r"[0-9a-f]{32}")


@pytest.fixture
def restore_logging():
    """JSON logging configures the process's `smartcities` logger: put it back as it was after the test."""
    logger = logging.getLogger(APP_LOGGER)
    saved = (list(logger.handlers), logger.level, logger.propagate)
    yield
    logger.handlers[:], logger.level, logger.propagate = saved


def sibling_app(app, **overrides):
    """Another app on the test database, with other settings."""
    return create_app({key: app.config[key] for key in SHARED_CONFIG} | overrides)


@pytest.fixture
def json_app(app, restore_logging):
    """An app behind one trusted proxy logging JSON lines, with two routes that only tests have."""
    json_app = sibling_app(app, LOG_FORMAT="json", TRUSTED_PROXIES=1, LOGIN_RATE_LIMIT="1 per minute",
                           PROPAGATE_EXCEPTIONS=False)

    @json_app.get("/_test/slow")
    def slow():
        json_app.logger.warning("about to wait")
        time.sleep(0.05)
        return "done"

    @json_app.get("/_test/broken")
    def broken():
        raise RuntimeError("something broke")

    return json_app


def json_lines(captured: str) -> list[dict]:
    """Every line of standard error, each of which must be a JSON object."""
    return [json.loads(line) for line in captured.splitlines() if line.strip()]


def test_every_response_carries_a_request_id(client):
    replies = [client.get("/"), client.get("/healthz"), client.get("/no-such-page"),
               client.get("/static/css/site.css"), client.get("/api/v1/cities"), client.post("/logout")]
    assert [reply.status_code for reply in replies] == [200, 200, 404, 200, 200, 400]
    ids = [reply.headers["X-Request-ID"] for reply in replies]
    assert all(GENERATED.fullmatch(value) for value in ids)
    assert len(set(ids)) == len(ids)


def test_an_incoming_request_id_is_ignored_without_a_trusted_proxy(client):
    reply = client.get("/healthz", headers={"X-Request-ID": "from-the-client-1234"})
    assert GENERATED.fullmatch(reply.headers["X-Request-ID"])


@pytest.mark.parametrize("incoming, kept", [
    ("0f6c2a1e-7b2d-4c39-9d57-2f0d8f3e6a11", True),     # a UUID
    ("a" * 64, True),
    ("abcdefgh", True),
    ("abcdefg", False),                                  # too short
    ("a" * 65, False),                                   # too long
    ("abc def ghi", False),                              # a space: could break a log line
    ("abc_def_ghi", False),
    ('x","status":200', False),                          # trying to write into the JSON line
])
def test_a_trusted_proxys_request_id_is_kept_when_well_formed(app, incoming, kept):
    behind_proxy = sibling_app(app, TRUSTED_PROXIES=1).test_client()
    reply = behind_proxy.get("/healthz", headers={"X-Request-ID": incoming})
    if kept:
        assert reply.headers["X-Request-ID"] == incoming
    else:
        assert GENERATED.fullmatch(reply.headers["X-Request-ID"])


def test_plain_text_logs_by_default(client, capsys):
    assert client.application.config["LOG_FORMAT"] == "text"
    assert not any(isinstance(h, JsonLinesHandler) for h in logging.getLogger(APP_LOGGER).handlers)
    client.get("/healthz")
    assert "{" not in capsys.readouterr().err


def test_one_json_line_per_request(json_app, capsys):
    client = json_app.test_client()
    capsys.readouterr()
    reply = client.get("/_test/slow?secret=not-logged", headers={"X-Forwarded-For": "198.51.100.7",
                                                                  "X-Request-ID": "req-0001-abcd"})
    assert reply.status_code == 200 and reply.headers["X-Request-ID"] == "req-0001-abcd"
    warning, access = json_lines(capsys.readouterr().err)
    assert warning["message"] == "about to wait" and warning["level"] == "warning"
    assert warning["request_id"] == "req-0001-abcd"   # the app's own messages carry the request's id
    assert access["logger"] == "smartcities.access" and access["level"] == "info"
    assert {key: access[key] for key in ("method", "path", "status", "request_id", "remote_addr")} == {
        "method": "GET", "path": "/_test/slow", "status": 200, "request_id": "req-0001-abcd",
        "remote_addr": "198.51.100.7"}
    assert 50 <= access["duration_ms"] < 5000
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", access["time"])


def test_errors_and_refusals_are_logged_with_their_request_id(json_app, capsys):
    client = json_app.test_client()
    capsys.readouterr()
    broken = client.get("/_test/broken")
    assert broken.status_code == 500
    error, access = json_lines(capsys.readouterr().err)
    assert error["level"] == "error" and "RuntimeError: something broke" in error["exception"]
    assert error["request_id"] == access["request_id"] == broken.headers["X-Request-ID"]
    assert access["status"] == 500
    # Refused requests are logged too: by the rate limit, and before any view runs (the CSRF check is an
    # earlier before_request hook than ours would be if it were not put first).
    form = {"email": "x@example.org", "password": "wrong", "csrf_token": csrf_token(client)}
    capsys.readouterr()
    first = client.post("/login", data=form)      # LOGIN_RATE_LIMIT = 1 failure per minute
    refused = client.post("/login", data=form)
    forged = client.post("/logout")               # no CSRF token
    assert (first.status_code, refused.status_code, forged.status_code) == (400, 429, 400)
    lines = json_lines(capsys.readouterr().err)
    assert [line["status"] for line in lines] == [400, 429, 400]
    assert [line["request_id"] for line in lines[1:]] == [refused.headers["X-Request-ID"],
                                                          forged.headers["X-Request-ID"]]
    assert all(isinstance(line["duration_ms"], float) for line in lines)


def test_json_logging_is_installed_once(json_app, app, capsys):
    sibling_app(app, LOG_FORMAT="json")   # a second app in the same process (as tests and tools build them)
    handlers = [h for h in logging.getLogger(APP_LOGGER).handlers if isinstance(h, JsonLinesHandler)]
    assert len(handlers) == 1
    capsys.readouterr()
    json_app.test_client().get("/healthz")
    assert len(json_lines(capsys.readouterr().err)) == 1
