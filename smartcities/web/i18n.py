"""Locale selection: an explicit ?lang= choice kept in the session, else the browser's preference."""
from __future__ import annotations

from flask import current_app, has_request_context, request, session


def select_locale() -> str:
    """The request's language; outside a request (CLI, worker, a service called directly) the default one."""
    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    languages = current_app.config["LANGUAGES"]
    chosen = request.args.get("lang")
    if chosen in languages:
        session["lang"] = chosen
    if session.get("lang") in languages:
        return session["lang"]
    return request.accept_languages.best_match(languages) or current_app.config["BABEL_DEFAULT_LOCALE"]
