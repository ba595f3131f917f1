"""Domain errors raised by services, and the one place HTTP errors are rendered (HTML or problem+json)."""
from __future__ import annotations

from typing import Any

from flask import Flask, Response, current_app, json, render_template, request
from werkzeug.exceptions import HTTPException, InternalServerError

PROBLEM_TYPE_BASE = "https://ascn-portal.example/problems/"


class DomainError(Exception):
    """A business rule was broken; the message is safe to show to the user."""

    status = 409

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class ValidationError(DomainError):
    """Bad input for one or more named fields: `ValidationError(field, message)` or `ValidationError({..})`."""

    status = 400

    def __init__(self, field: str | dict[str, str], message: str | None = None):
        self.errors: dict[str, str] = dict(field) if isinstance(field, dict) else {field: message or "invalid"}
        super().__init__("; ".join(f"{k}: {v}" for k, v in self.errors.items()))


class PermissionDenied(DomainError):
    """The signed-in user may not do this."""

    status = 403


class NotFound(DomainError):
    """The entity does not exist, or is not visible to this user."""

    status = 404


def problem(status: int, title: str, detail: str = "", errors: dict[str, str] | None = None,
            kind: str | None = None, **extra: Any) -> Response:
    """An RFC 9457 problem document; `errors` maps each bad parameter or field to what is wrong with it."""
    body: dict[str, Any] = {
        "type": PROBLEM_TYPE_BASE + (kind or str(status)),
        "title": title,
        "status": status,
        "detail": detail or title,
    }
    if errors:
        body["errors"] = [{"name": name, "message": message} for name, message in errors.items()]
    body.update(extra)
    response = current_app.response_class(json.dumps(body), status=status, mimetype="application/problem+json")
    return response


def wants_problem_json() -> bool:
    """Machine endpoints answer with problem documents; pages with HTML."""
    return request.path.startswith(("/api/", "/ogc")) or request.path.endswith(".json")


def _handle_http(error: HTTPException) -> Response | tuple[str, int, list[tuple[str, str]]]:
    status = error.code or 500
    # The headers the answer owes the client: Allow on a 405 (RFC 9110), Retry-After, WWW-Authenticate.
    headers = [(name, value) for name, value in error.get_headers() if name.lower() != "content-type"]
    if wants_problem_json():
        response = problem(status, error.name, error.description or "")
        response.headers.update(headers)
        return response
    return render_template("errors/error.html", status=status, title=error.name,
                           detail=error.description), status, headers


def _handle_domain(error: DomainError) -> Response | tuple[str, int]:
    if wants_problem_json():
        errors = error.errors if isinstance(error, ValidationError) else None
        titles = {400: "Invalid input", 403: "Forbidden", 404: "Not found", 409: "Conflict"}
        return problem(error.status, titles.get(error.status, "Error"), error.message, errors)
    return render_template("errors/error.html", status=error.status, title="Sorry",
                           detail=error.message), error.status


def _handle_unexpected(error: Exception) -> Response | tuple[str, int, list[tuple[str, str]]]:
    current_app.logger.exception("Unhandled error on %s", request.path)
    return _handle_http(InternalServerError())


def register_errorhandlers(app: Flask) -> None:
    app.register_error_handler(HTTPException, _handle_http)
    app.register_error_handler(DomainError, _handle_domain)
    app.register_error_handler(Exception, _handle_unexpected)
