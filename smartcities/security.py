"""Response hardening: a per-request CSP nonce and the security headers every page is sent with."""
from __future__ import annotations

import secrets

from flask import Flask, Response, current_app, g

# Pinned CDN for Leaflet; must match the versions shipped by the xstatic packages (see web/vendor.py).
CDN_ORIGIN = "https://unpkg.com"


def csp_nonce() -> str:
    """The nonce for this request's inline scripts (generated lazily, once per request)."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    return g.csp_nonce


def _tile_origin() -> str:
    url = current_app.config["TILE_URL"]
    parts = url.split("/")
    return "/".join(parts[:3]).replace("{s}.", "*.") if url.startswith("http") else ""


def _set_headers(response: Response) -> Response:
    cdn = CDN_ORIGIN if current_app.config["LEAFLET_CDN"] else ""
    policy = {
        "default-src": "'self'",
        "script-src": f"'self' 'nonce-{csp_nonce()}' {cdn}".strip(),
        "style-src": f"'self' {cdn}".strip(),
        "img-src": f"'self' data: {_tile_origin()} {cdn}".strip(),
        "connect-src": "'self'",
        "font-src": "'self'",
        "object-src": "'none'",
        "base-uri": "'self'",
        "form-action": "'self'",
        "frame-ancestors": "'none'",
    }
    response.headers.setdefault("Content-Security-Policy", "; ".join(f"{k} {v}" for k, v in policy.items()))
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    response.headers.setdefault("X-Frame-Options", "DENY")
    return response


def register_security(app: Flask) -> None:
    app.after_request(_set_headers)
    app.jinja_env.globals["csp_nonce"] = csp_nonce
