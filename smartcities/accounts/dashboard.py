"""What each role has to do or watch ("My work"): plain queries, one function per role."""
from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from smartcities.accounts.visibility import audience_of, projects_visible_to
from smartcities.audit import services as audit
from smartcities.extensions import db
from smartcities.geo.models import City
from smartcities.organisations.services import followed_projects, interest_received, interest_sent
from smartcities.overlap.models import SEVERITIES, OverlapFlag
from smartcities.overlap.services import visible_flags
from smartcities.projects.models import STATUSES, Project

# Changes a follower sees: the public life of a project, not its internal review.
PUBLIC_ACTIONS = ("updated", "publish", "revise", "archive")


def _projects(query) -> list[Project]:
    return list(db.session.scalars(query.options(selectinload(Project.city)).order_by(Project.updated_at.desc())))


def _flags(user, query, statuses: tuple[str, ...]) -> list[OverlapFlag]:
    """Flags of projects still in play that this user may see, pointing at what they may see; most severe first."""
    flags = db.session.scalars(
        query.join(Project, OverlapFlag.project_id == Project.id)
        .options(selectinload(OverlapFlag.project), selectinload(OverlapFlag.other_project))
        .where(OverlapFlag.status.in_(statuses), Project.status != "archived",
               projects_visible_to(audience_of(user))))
    return sorted(visible_flags(flags, user), key=lambda f: (SEVERITIES.index(f.severity), -f.score))


def _by_status(projects: list[Project]) -> dict[str, list[Project]]:
    return {status: [p for p in projects if p.status == status] for status in STATUSES}


def official(user) -> dict[str, Any]:
    """A city official: the city's projects by status, their open flags, interest received."""
    projects = _projects(select(Project).where(Project.city_id == user.city_id))
    return {
        "projects": _by_status(projects),
        "flags": _flags(user, select(OverlapFlag).where(Project.city_id == user.city_id), ("open",)),
        "interest": interest_received(city_id=user.city_id),
    }


def focal_point(user) -> dict[str, Any]:
    """A focal point: the review queue of the country, flags to review, interest in the country's projects."""
    in_country = Project.city_id.in_(select(City.id).where(City.country_code == user.country_code))
    queue = list(db.session.scalars(select(Project).where(in_country, Project.status == "submitted")
                                    .options(selectinload(Project.city)).order_by(Project.updated_at)))
    return {
        "queue": queue,
        "flags": _flags(user, select(OverlapFlag).where(in_country), ("open", "acknowledged")),
        "interest": interest_received(country_code=user.country_code),
    }


def partner(user) -> dict[str, Any]:
    """A partner: followed projects, their changes since publication, the interest the organisation sent."""
    projects = followed_projects(user)
    published = {p.id: p.published_at for p in projects}
    events = [e for e in audit.events_for("project", published, actions=PUBLIC_ACTIONS, limit=100)
              if published[e.entity_id] is None or e.created_at >= published[e.entity_id]][:30]
    titles = {p.id: p for p in projects}
    return {"followed": projects, "changes": [(titles[e.entity_id], e) for e in events],
            "interest": interest_sent(user.organisation_id)}


def admin(user) -> dict[str, Any]:
    """An admin: the queue of every country, open flags, and how many projects are in each status."""
    counts = dict(db.session.execute(select(Project.status, func.count()).group_by(Project.status)).all())
    return {
        "queue": _projects(select(Project).where(Project.status == "submitted")),
        "flags": _flags(user, select(OverlapFlag), ("open", "acknowledged")),
        "counts": {status: counts.get(status, 0) for status in STATUSES},
    }


ROLES = {"city_official": official, "focal_point": focal_point, "partner": partner, "admin": admin}


def work_for(user) -> dict[str, Any]:
    """The dashboard content for this user's role."""
    return ROLES[user.role](user)
