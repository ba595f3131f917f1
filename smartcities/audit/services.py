"""Recording changes as AuditEvents, the diff helper that says what changed, and reading history back."""
from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
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


def entity_type(entity: Any) -> str:
    """'project' for a Project, 'overlap_flag' for an OverlapFlag: the name events are filed under."""
    target = getattr(entity, "_get_current_object", lambda: entity)()  # current_user is a LocalProxy
    return re.sub(r"(?<!^)(?=[A-Z])", "_", type(target).__name__).lower()


def record(entity: Any, action: str, user: Any, changes: dict[str, list[Any]] | None = None) -> AuditEvent:
    """Add one AuditEvent for `entity` (flushed, so it has an id); `user` may be None for the system."""
    event = AuditEvent(entity_type=entity_type(entity), entity_id=entity.id, action=action,
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
