"""Public reads from a PostgreSQL streaming replica (DATABASE_READ_URL); everything else on the primary.

A statement of `db.session` is sent to the replica only when all of these hold:

- it runs in a GET or HEAD request that carries no sign-in: no Flask-Login user id in the session cookie and no
  remember-me cookie. The cookie decides, not `current_user`, because loading the user is itself a read: a
  signed-in person's account is loaded from the primary like everything else they read, so an official sees
  their own write at once; an anonymous visitor has no account to load.
- it is a plain SELECT (not FOR UPDATE), and the request has not written: a flush, and anything pending that
  autoflush would write first, sends it and the rest of the request to the primary, so a request reads its own
  writes. Writes never come here (flushes do not pass through this hook); the replica's connections are
  read-only as well, so a write sent to it fails loudly instead of silently.
- the request has not already read from the primary: a request moves from the replica to the primary, never
  back, so the public data version (the key of caches and ETags) and the data served under it always come from
  the same database, in one REPEATABLE READ snapshot while on the replica.

CLI commands and background threads (the overlap index warm-up) have no request, so they use the primary. When
the replica cannot be reached, the request reads the primary and a warning is logged; the process then leaves
the replica alone for RETRY_SECONDS instead of paying a connection timeout on every request.
"""
from __future__ import annotations

import time
from typing import Any

from flask import Flask, current_app, has_app_context, has_request_context, request, session
from sqlalchemy import event
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import ORMExecuteState, Session

from smartcities.extensions import db

BIND = "replica"
STICKY = "replica.primary"  # session.info key: this request reads the primary from now on
RETRY_SECONDS = 10.0
CONNECT_TIMEOUT = 3


class Replica:
    """When this process may next try the replica after failing to reach it."""

    def __init__(self) -> None:
        self.down_until = 0.0

    def usable(self) -> bool:
        return time.monotonic() >= self.down_until

    def failed(self, error: OperationalError) -> None:
        """Read the primary for a while, and say so."""
        self.down_until = time.monotonic() + RETRY_SECONDS
        current_app.logger.warning("read replica %s unreachable (%s); public reads use the primary for %.0f s",
                                   db.engines[BIND].url, str(error.orig or error).strip().splitlines()[0],
                                   RETRY_SECONDS)


def install(app: Flask) -> None:
    """Declare the replica as a Flask-SQLAlchemy bind (before db.init_app) and route public reads to it."""
    url = app.config.get("DATABASE_READ_URL", "")
    if not url:
        return
    app.config["SQLALCHEMY_BINDS"] = {**app.config.get("SQLALCHEMY_BINDS", {}), BIND: {
        "url": url,
        "isolation_level": "REPEATABLE READ",  # one snapshot per request: the data version and its data agree
        "execution_options": {"postgresql_readonly": True},
        "connect_args": {"connect_timeout": CONNECT_TIMEOUT},
    }}
    app.extensions[BIND] = Replica()
    if not event.contains(db.session, "do_orm_execute", _route):
        event.listen(db.session, "do_orm_execute", _route)
        event.listen(db.session, "before_flush", _stick_to_primary)


def _signed_in() -> bool:
    """Does the request carry a sign-in? (`in` does not mark the session accessed, so adds no Vary: Cookie.)"""
    remember = current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token")
    return "_user_id" in session or remember in request.cookies


def _public_read(state: ORMExecuteState) -> bool:
    """May this statement be answered by the replica?"""
    sess = state.session
    return (request.method in ("GET", "HEAD") and state.is_select
            and getattr(state.statement, "_for_update_arg", None) is None
            and not (sess.new or sess.dirty or sess.deleted) and not _signed_in())


def _route(state: ORMExecuteState) -> None:
    """Send a public read to the replica; anything else, and the rest of its request, stays on the primary."""
    if not (has_app_context() and has_request_context()):
        return
    replica = current_app.extensions.get(BIND)
    sess = state.session
    if replica is None or sess.info.get(STICKY):
        return
    if not (replica.usable() and _public_read(state)):
        sess.info[STICKY] = True
        return
    engine = db.engines[BIND]
    try:
        sess.connection(bind_arguments={"bind": engine})
    except OperationalError as error:
        replica.failed(error)
        sess.info[STICKY] = True
        return
    state.bind_arguments["bind"] = engine


def _stick_to_primary(sess: Session, _context: Any, _instances: Any) -> None:
    """A request that writes reads the primary afterwards, so it sees what it wrote."""
    if has_request_context():
        sess.info[STICKY] = True
