"""Recording changes as AuditEvents, the diff helper that says what changed, and reading history back."""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import false, select
from sqlalchemy.orm import selectinload

from smartcities.audit.models import AuditEvent
from smartcities.extensions import db


def jsonable(value: Any) -> Any:
    """A value as it is stored in the JSON `changes` column: dates as ISO text, money as exact text."""
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (list, tuple)):
        return [jsonable(item) for item in value]
    return value


def _blank(value: Any) -> Any:
    """None for every way of saying "nothing" (missing, empty text, empty list), so they never count as changes."""
    return None if value in ("", []) else value


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """{field: [before, after]} for every field whose value differs (missing or empty counts as None)."""
    changes: dict[str, list[Any]] = {}
    for name in dict.fromkeys([*before, *after]):
        old, new = _blank(jsonable(before.get(name))), _blank(jsonable(after.get(name)))
        if old != new:
            changes[name] = [old, new]
    return changes


#: What an event is filed under when no single row is its subject, e.g. a bulk import: ("system", 0).
SYSTEM = ("system", 0)

#: The actions of the security log: signing in and out, and changes to who may sign in with what rights.
SECURITY_ACTIONS = frozenset({"signed_in", "sign_in_failed", "sign_in_refused", "signed_out", "password_set",
                              "password_changed", "role_changed", "deactivated"})


def entity_type(entity: Any) -> str:
    """'project' for a Project, 'overlap_flag' for an OverlapFlag: the name events are filed under.

    A (kind, id) pair names the subject directly: `SYSTEM`, or ("session", user_id) for sign-ins.
    """
    if isinstance(entity, tuple):
        return entity[0]
    target = getattr(entity, "_get_current_object", lambda: entity)()  # current_user is a LocalProxy
    return re.sub(r"(?<!^)(?=[A-Z])", "_", type(target).__name__).lower()


def record(entity: Any, action: str, user: Any, changes: dict[str, list[Any]] | None = None) -> AuditEvent:
    """Add one AuditEvent for `entity` (flushed, so it has an id); `user` may be None for the system.

    `entity` is a model instance or a (kind, id) pair such as `SYSTEM` (id 0: no single row).
    """
    entity_id = entity[1] if isinstance(entity, tuple) else entity.id
    event = AuditEvent(entity_type=entity_type(entity), entity_id=entity_id, action=action,
                       user_id=getattr(user, "id", None), changes=changes or {})
    db.session.add(event)
    db.session.flush()
    return event


def history(entity: Any, limit: int | None = None) -> list[AuditEvent]:
    """Events of one entity, newest first, with their authors loaded."""
    return events_for(entity_type(entity), [entity.id], limit=limit)


def events_for(kind: str, ids: Iterable[int], *, since: datetime | None = None,
               actions: Iterable[str] | None = None, limit: int | None = None) -> list[AuditEvent]:
    """Events of several entities of one kind, newest first; optionally after `since` and of some actions."""
    ids = list(ids)
    if not ids:
        return []
    query = (select(AuditEvent).options(selectinload(AuditEvent.user))
             .where(AuditEvent.entity_type == kind, AuditEvent.entity_id.in_(ids))
             .order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc()))
    if since is not None:
        query = query.where(AuditEvent.created_at >= since)
    if actions is not None:
        query = query.where(AuditEvent.action.in_(list(actions)))
    if limit is not None:
        query = query.limit(limit)
    return list(db.session.scalars(query))


def merge(events: Iterable[AuditEvent]) -> dict[str, list[Any]]:
    """One diff out of consecutive events (given oldest first): each field's first before, last after."""
    merged: dict[str, list[Any]] = {}
    for event in events:
        for name, (old, new) in (event.changes or {}).items():
            merged[name] = [merged[name][0] if name in merged else old, new]
    return {name: pair for name, pair in merged.items() if pair[0] != pair[1]}


@dataclass
class Conflict:
    """Who changed a versioned row after a form was loaded, when, and what they changed."""

    changed_by: str | None  # None: not known from the trail (e.g. a change made outside the portal's forms)
    changed_at: datetime | None
    changes: dict[str, list[Any]]


def conflict(entity: Any, loaded_version: int) -> Conflict:
    """What happened to a versioned row since `loaded_version`, from its trail (events that record "version")."""
    events = [e for e in reversed(history(entity))
              if (e.changes.get("version") or [None])[0] is not None and e.changes["version"][0] >= loaded_version]
    changes = merge(events)
    changes.pop("version", None)
    last = events[-1] if events else None
    author = last.user if last is not None else getattr(entity, "updated_by", None)
    return Conflict(author.name if author is not None else None,
                    last.created_at if last is not None else entity.updated_at, changes)


def search(*, actor: str | None = None, action: str | None = None, kind: str | None = None,
           since: datetime | None = None, before: datetime | None = None, security: bool = False):
    """A query of events, newest first: by actor (a user id, or an e-mail in any case), action, entity type,
    created at or after `since` and before `before`, only the security log when `security`."""
    from smartcities.accounts.models import User  # accounts imports this module

    query = select(AuditEvent).options(selectinload(AuditEvent.user))
    if actor:
        actor = actor.strip()
        if actor.isdigit():  # an id past the column's range is no one's
            query = query.where(AuditEvent.user_id == int(actor) if int(actor) < 2**31 else false())
        else:
            query = query.join(User, AuditEvent.user_id == User.id).where(User.email == actor.lower())
    if action:
        query = query.where(AuditEvent.action == action.strip())
    if kind:
        query = query.where(AuditEvent.entity_type == kind.strip())
    if since is not None:
        query = query.where(AuditEvent.created_at >= since)
    if before is not None:
        query = query.where(AuditEvent.created_at < before)
    if security:
        query = query.where(AuditEvent.action.in_(sorted(SECURITY_ACTIONS)))
    return query.order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())
