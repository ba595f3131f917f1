"""The public data version: one counter, bumped in the same transaction as any change to public data.

Caches and the ETag / Last-Modified of open data are keyed by it, so they move when something public
moves (a published project, a public organisation, a plan, a place, a focus area) and never when a draft,
a submission, a revision, a flag or an account changes: nobody can watch private activity through them.
Reading it is one primary-key lookup. Bulk writes that bypass the ORM call `bump()` themselves.
"""
from __future__ import annotations

from collections.abc import Callable, Hashable
from datetime import datetime
from itertools import chain
from typing import Any, TypeVar

from sqlalchemy import DateTime, Integer, event, inspect, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from smartcities.database import utcnow
from smartcities.extensions import db
from smartcities.geo.models import City, Country
from smartcities.organisations.models import Organisation, OrganisationName
from smartcities.plans.models import NationalPlan, PlanInitiative
from smartcities.projects.models import FocusArea, Project, ProjectParticipation, ProjectSite

ALWAYS_PUBLIC = (City, Country, FocusArea, NationalPlan, PlanInitiative)
T = TypeVar("T")
_memos: dict[Hashable, tuple[tuple[int, datetime], Any]] = {}


class PublicVersion(db.Model):
    """The single row holding the public data version."""

    __tablename__ = "public_version"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


def _was_or_is(obj: Any, attribute: str, value: Any) -> bool:
    """True when the object's attribute has `value` now or had it before this flush."""
    history = inspect(obj).attrs[attribute].history
    return value in (*history.added, *history.unchanged, *history.deleted) or getattr(obj, attribute) == value


def is_public_change(obj: Any) -> bool:
    """Does writing this object change what the public can see?"""
    if isinstance(obj, ALWAYS_PUBLIC):
        return True
    if isinstance(obj, Project):
        return _was_or_is(obj, "status", "published")
    if isinstance(obj, ProjectParticipation):
        project = obj.project
        return project is not None and _was_or_is(project, "status", "published")
    if isinstance(obj, ProjectSite):  # a site removed from its project no longer points back to it
        history = inspect(obj).attrs["project"].history
        owners = [p for p in (*history.added, *history.unchanged, *history.deleted, obj.project) if p is not None]
        return any(_was_or_is(project, "status", "published") for project in owners)
    if isinstance(obj, Organisation):
        return _was_or_is(obj, "is_public", True)
    if isinstance(obj, OrganisationName):  # an alias, acronym or IATI id the API shows
        return obj.organisation is None or _was_or_is(obj.organisation, "is_public", True)
    return False


def bump(session: Session) -> None:
    """Move the public version on, inside the session's current transaction."""
    session.execute(update(PublicVersion).where(PublicVersion.id == 1)
                    .values(version=PublicVersion.version + 1, changed_at=utcnow()))


def _before_flush(session: Session, _context: Any, _instances: Any) -> None:
    changed = chain(session.new, session.deleted, (obj for obj in session.dirty if session.is_modified(obj)))
    if any(is_public_change(obj) for obj in changed):
        bump(session)


def watch() -> None:
    """Bump the version on every flush that writes public data (registered once per process)."""
    if not event.contains(Session, "before_flush", _before_flush):
        event.listen(Session, "before_flush", _before_flush)


def current() -> tuple[int, datetime]:
    """The version and when it last moved."""
    version, changed_at = db.session.execute(
        select(PublicVersion.version, PublicVersion.changed_at).where(PublicVersion.id == 1)).one()
    return version, changed_at


def memo(key: Hashable, compute: Callable[[], T]) -> T:
    """`compute()` once per public data version in this process: for aggregates of public data shown to everyone
    (a city's partners with their counts), which cost hundreds of milliseconds at 100,000 projects and change
    only when public data does. The value must be plain data, the same for every viewer; it is computed again
    after the version moved (by another worker too, since the version is read from the database)."""
    version = current()   # with its time: a restored backup may bring an old number back with other data
    found = _memos.get(key)
    if found is not None and found[0] == version:
        return found[1]
    value = compute()
    _memos[key] = (version, value)
    return value
