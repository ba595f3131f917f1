"""Behind a reverse proxy: trust X-Forwarded-* from TRUSTED_PROXIES hops only, and mark cookies Secure on HTTPS."""
from __future__ import annotations

from collections.abc import Callable, Iterable

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix


def register_proxy(app: Flask) -> None:
    """Wrap the WSGI app: ProxyFix (outermost) when TRUSTED_PROXIES > 0, then Secure cookies on HTTPS requests."""
    app.wsgi_app = SecureCookiesOnHttps(app.wsgi_app)
    hops = app.config["TRUSTED_PROXIES"]
    if hops:
        # Each header is read from the right: the last `hops` values are the ones our own proxies wrote, so a
        # client cannot choose its address, scheme or host by sending the headers itself.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops, x_prefix=hops)


def secure_cookie(header: str) -> str:
    """A Set-Cookie value with the Secure attribute (unchanged if it has it already)."""
    attributes = {part.strip().lower() for part in header.split(";")[1:]}
    return header if "secure" in attributes else header + "; Secure"


class SecureCookiesOnHttps:
    """Every cookie the app sets on an HTTPS request is Secure, whatever SESSION_COOKIE_SECURE says.

    Production sets SESSION_COOKIE_SECURE and REMEMBER_COOKIE_SECURE anyway; this covers the other cookies and
    any deployment served over HTTPS, where a cookie must never leak onto a plain-HTTP request later. It sits
    inside ProxyFix, so "HTTPS" means what the trusted proxy says (X-Forwarded-Proto), not what a client claims.
    """

    def __init__(self, wsgi_app: Callable) -> None:
        self.wsgi_app = wsgi_app

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        if environ.get("wsgi.url_scheme") != "https":
            return self.wsgi_app(environ, start_response)

        def secure_start_response(status: str, headers: list[tuple[str, str]], exc_info=None):
            headers = [(name, secure_cookie(value) if name.lower() == "set-cookie" else value)
                       for name, value in headers]
            return start_response(status, headers, exc_info)

        return self.wsgi_app(environ, secure_start_response)
