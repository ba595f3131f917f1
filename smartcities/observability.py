"""Request ids and structured logs: X-Request-ID on every response, one JSON line per request with LOG_FORMAT=json."""
from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid
from datetime import datetime, timezone

from flask import Flask, Response, current_app, g, has_request_context, request
from flask.logging import default_handler

HEADER = "X-Request-ID"
REQUEST_ID = re.compile(r"[A-Za-z0-9-]{8,64}")
APP_LOGGER = "smartcities"             # Flask's app.logger (the app's import name); our loggers are its children
ACCESS_LOGGER = "smartcities.access"   # one record per request


def register_observability(app: Flask) -> None:
    """Give each request an id and, with LOG_FORMAT=json, log every request and app message as a JSON line."""
    # First before and last after every other hook (after_request hooks run in reverse order), so a request
    # refused by an earlier hook (the CSRF check) still has an id and a duration, and the status is the final one.
    app.before_request_funcs.setdefault(None, []).insert(0, _start_request)
    app.after_request_funcs.setdefault(None, []).insert(0, _finish_request)
    if app.config["LOG_FORMAT"] == "json":
        install_json_logging()


def request_id() -> str:
    """This request's id: the trusted proxy's X-Request-ID if well-formed, else a fresh one."""
    if "request_id" not in g:
        g.request_id = _trusted_incoming_id() or uuid.uuid4().hex
    return g.request_id


def _trusted_incoming_id() -> str | None:
    """An incoming X-Request-ID counts only from a trusted proxy (TRUSTED_PROXIES > 0) and in a safe form."""
    if not current_app.config["TRUSTED_PROXIES"]:
        return None
    value = request.headers.get(HEADER, "")
    return value if REQUEST_ID.fullmatch(value) else None


def _start_request() -> None:
    g.request_started = time.perf_counter()
    request_id()


def _finish_request(response: Response) -> Response:
    response.headers[HEADER] = request_id()
    if current_app.config["LOG_FORMAT"] == "json":
        started = g.get("request_started")
        fields = {
            "method": request.method,
            "path": request.path,
            "status": response.status_code,
            "duration_ms": round((time.perf_counter() - started) * 1000, 2) if started is not None else None,
            "request_id": request_id(),
            "remote_addr": request.remote_addr,
        }
        logging.getLogger(ACCESS_LOGGER).info("%s %s %s", request.method, request.path, response.status_code,
                                              extra={"fields": fields})
    return response


class JsonFormatter(logging.Formatter):
    """One JSON object per record, on one line: time, level, logger, message, the request id and any fields."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds")
            .replace("+00:00", "Z"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        if has_request_context() and "request_id" in g:
            entry["request_id"] = g.request_id
        entry.update(getattr(record, "fields", {}))
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


class JsonLinesHandler(logging.StreamHandler):
    """JSON lines on the process's standard error (gunicorn and systemd collect it), looked up at each write."""

    def __init__(self) -> None:
        super().__init__()
        self.setFormatter(JsonFormatter())

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, _value) -> None:
        pass


def install_json_logging() -> None:
    """Send the app's loggers (app.logger and its children) to one JSON-lines handler, at INFO and above."""
    logger = logging.getLogger(APP_LOGGER)
    for handler in list(logger.handlers):  # idempotent: one handler however many apps a process builds
        if isinstance(handler, JsonLinesHandler) or handler is default_handler:
            logger.removeHandler(handler)
    logger.addHandler(JsonLinesHandler())
    if logger.level == logging.NOTSET or logger.level > logging.INFO:
        logger.setLevel(logging.INFO)
    logger.propagate = False  # one line per record, even if something configures the root logger too
