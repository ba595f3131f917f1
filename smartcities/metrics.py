"""Prometheus metrics at /metrics: requests and latency per route, overlap-check latency, answer-cache lookups.

Not public: a scrape needs `Authorization: Bearer <METRICS_TOKEN>` or a client address in METRICS_ALLOW (the
address smartcities/proxy.py settled on); anyone else gets the ordinary 404 of an unknown page, so the endpoint
is not advertised. Under gunicorn every worker writes its values to files in PROMETHEUS_MULTIPROC_DIR (set up by
smartcities/gunicorn_config.py) and a scrape adds up all workers'; in one process (flask run, tests) they live
in memory.
"""
from __future__ import annotations

import hmac
import ipaddress
import os
import time

from flask import Flask, Response, abort, current_app, g, request
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client import multiprocess

# prometheus_client's own switch: it keeps values in files when this is set when it is first imported.
MULTIPROC_DIR = "PROMETHEUS_MULTIPROC_DIR"
UNMATCHED = "(unmatched)"  # every path no route matched (404, 405): one label, whatever clients send
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})

REGISTRY = CollectorRegistry()
REQUESTS = Counter("ascn_http_requests", "Requests answered, by route template, method and status class",
                   ("route", "method", "status"), registry=REGISTRY)
REQUEST_SECONDS = Histogram("ascn_http_request_duration_seconds", "Seconds to answer a request, by route template",
                            ("route",), registry=REGISTRY)
OVERLAP_CHECK_SECONDS = Histogram("ascn_overlap_check_duration_seconds",
                                  "Seconds one overlap check takes (the API's and those run on saving a project)",
                                  registry=REGISTRY)
CACHE_LOOKUPS = Counter("ascn_response_cache_lookups", "Open-data answer cache lookups in this worker, by result",
                        ("result",), registry=REGISTRY)


def register_metrics(app: Flask) -> None:
    """Count each request once its status is final, and serve /metrics to those allowed to see it.

    Call after register_observability: both hooks go first in the list, so this one runs last of all and
    reads the start time smartcities/observability.py took before every other hook.
    """
    app.after_request_funcs.setdefault(None, []).insert(0, _count_request)
    app.add_url_rule("/metrics", "metrics", exposition)


def route_label() -> str:
    """The matched URL rule ("/cities/<slug>"), never the raw path, so labels stay as few as the routes."""
    return request.url_rule.rule if request.url_rule is not None else UNMATCHED


def _count_request(response: Response) -> Response:
    route = route_label()
    method = request.method if request.method in METHODS else "OTHER"
    REQUESTS.labels(route, method, f"{response.status_code // 100}xx").inc()
    started = g.get("request_started")
    if started is not None:
        REQUEST_SECONDS.labels(route).observe(time.perf_counter() - started)
    return response


def exposition() -> Response:
    """The exposition in Prometheus' text format, or the app's plain 404 for anyone not allowed."""
    if not (_has_token() or _from_allowed_address()):
        abort(404)
    response = current_app.response_class(generate_latest(_registry()), content_type=CONTENT_TYPE_LATEST)
    response.headers["Cache-Control"] = "no-store"
    return response


def _registry() -> CollectorRegistry:
    """Every gunicorn worker's values (their files), or this process's own."""
    if MULTIPROC_DIR not in os.environ:
        return REGISTRY
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)
    return registry


def _has_token() -> bool:
    token = current_app.config["METRICS_TOKEN"]
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    return bool(token) and scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(),
                                                                              token.encode())


def _from_allowed_address() -> bool:
    networks = current_app.config["METRICS_ALLOW"]
    if not networks:
        return False
    if not current_app.config["TRUSTED_PROXIES"] and "X-Forwarded-For" in request.headers:
        return False  # sent on by a proxy the app does not trust: the address is the proxy's, not the client's
    try:
        address = ipaddress.ip_address(request.remote_addr or "")
    except ValueError:  # a unix socket's empty address
        return False
    address = getattr(address, "ipv4_mapped", None) or address
    return any(address in network for network in networks)
