"""Response hardening: a per-request CSP nonce, the security headers every page is sent with, HSTS in production,
and PUBLIC_URL standing in for whatever Host a request names."""
from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable
from urllib.parse import urlsplit

from flask import Flask, Response, current_app, g
from werkzeug.exceptions import BadRequest, SecurityError
from werkzeug.wsgi import get_host

# Pinned CDN for Leaflet; must match the versions shipped by the xstatic packages (see web/vendor.py).
CDN_ORIGIN = "https://unpkg.com"
# The files templates/_leaflet.html loads from the CDN, by package; the CSP names these URLs and no others.
CDN_SCRIPTS = (("leaflet", "leaflet.js"),)
CDN_STYLES = (("leaflet", "leaflet.css"),)
CDN_IMAGES = (("leaflet", "images/"),)   # leaflet.css draws its layer-switcher and marker images from here
HSTS = "max-age=31536000; includeSubDomains"


def csp_nonce() -> str:
    """The nonce for this request's inline scripts (generated lazily, once per request)."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    return g.csp_nonce


def _tile_origin() -> str:
    url = current_app.config["TILE_URL"]
    parts = url.split("/")
    return "/".join(parts[:3]).replace("{s}.", "*.") if url.startswith("http") else ""


def cdn_sources(files: Iterable[tuple[str, str]]) -> str:
    """The pinned CDN URLs of `files` as CSP sources (empty when Leaflet is not loaded from the CDN)."""
    if not current_app.config["LEAFLET_CDN"]:
        return ""
    from smartcities.web.vendor import CDN_URLS  # vendor.py imports CDN_ORIGIN from here

    return " ".join(CDN_URLS[package] + name for package, name in files)


def _set_headers(response: Response) -> Response:
    policy = {
        "default-src": "'self'",
        "script-src": f"'self' 'nonce-{csp_nonce()}' {cdn_sources(CDN_SCRIPTS)}".strip(),
        "style-src": f"'self' {cdn_sources(CDN_STYLES)}".strip(),
        "img-src": f"'self' data: {_tile_origin()} {cdn_sources(CDN_IMAGES)}".strip(),
        "connect-src": "'self'",
        "font-src": "'self'",
        "object-src": "'none'",
        "base-uri": "'self'",
        "form-action": "'self'",
        "frame-ancestors": "'none'",
    }
    response.headers.setdefault("Content-Security-Policy", "; ".join(f"{k} {' '.join(v.split())}"
                                                                     for k, v in policy.items()))
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    response.headers.setdefault("X-Frame-Options", "DENY")
    if current_app.config["ENV_NAME"] == "production":
        # Browsers heed it only over HTTPS, which production is (behind nginx); a year, as preload lists ask.
        response.headers.setdefault("Strict-Transport-Security", HSTS)
    return response


class PublicHost:
    """WSGI: refuse a Host outside TRUSTED_HOSTS; with PUBLIC_URL set, see every request as addressed to it.

    With PUBLIC_URL, request.host_url, request.url, url_for(_external=True) and so every absolute URL in the API,
    the feeds, the OpenAPI document and the OGC API name the configured site, whatever Host a client sent. An
    untrusted Host is refused here, before Flask, with a plain 400 that does not repeat it (Flask's own check
    would come too late for the error page, which builds URLs). It sits inside ProxyFix, so a trusted proxy's
    X-Forwarded-Host and -Proto have been applied first (and X-Forwarded-Prefix is kept).
    """

    def __init__(self, app: Flask, wsgi_app: Callable) -> None:
        self.app, self.wsgi_app = app, wsgi_app

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        trusted = self.app.config.get("TRUSTED_HOSTS")
        if trusted:
            try:
                get_host(environ, trusted)
            except SecurityError:
                return BadRequest("This server does not answer for the host named in the request.")(
                    environ, start_response)
        public_url = self.app.config.get("PUBLIC_URL")
        if public_url:
            parts = urlsplit(public_url)
            environ["wsgi.url_scheme"] = parts.scheme
            environ["HTTP_HOST"] = parts.netloc
            environ["SERVER_NAME"] = parts.hostname
            environ["SERVER_PORT"] = str(parts.port or (443 if parts.scheme == "https" else 80))
        return self.wsgi_app(environ, start_response)


def register_security(app: Flask) -> None:
    app.after_request(_set_headers)
    app.jinja_env.globals["csp_nonce"] = csp_nonce
    app.wsgi_app = PublicHost(app, app.wsgi_app)
    named = app.config.get("PUBLIC_URL") or app.config.get("TRUSTED_HOSTS")
    if app.config["ENV_NAME"] == "production" and not named:
        app.logger.warning("neither PUBLIC_URL nor TRUSTED_HOSTS is set: absolute URLs in the API, feeds and "
                           "OpenAPI document follow the Host header each client sends")
