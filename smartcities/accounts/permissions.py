"""The one place that answers "may this user do this?": every view and service asks `can` or `require`."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask_babel import gettext as _

from smartcities.errors import PermissionDenied


def _role(user: Any) -> str | None:
    """The role of a signed-in, active user; None for anonymous visitors and deactivated accounts."""
    if user is None or not getattr(user, "is_authenticated", False) or not getattr(user, "active", False):
        return None
    return user.role


def is_admin(user: Any) -> bool:
    """True for a signed-in, active admin."""
    return _role(user) == "admin"


def is_official_of(user: Any, city_id: int | None) -> bool:
    """True for an active official of this city."""
    return _role(user) == "city_official" and city_id is not None and user.city_id == city_id


def is_focal_point_of(user: Any, country_code: str | None) -> bool:
    """True for an active focal point of this country."""
    return _role(user) == "focal_point" and country_code is not None and user.country_code == country_code


def _city_team(user: Any, project: Any) -> bool:
    """The people who register and maintain a project: its city's officials, and admins."""
    return is_admin(user) or is_official_of(user, project.city_id)


def _reviewers(user: Any, project: Any) -> bool:
    """The people who review a project: the focal point of its country, and admins."""
    return is_admin(user) or is_focal_point_of(user, project.city.country_code)


def manages(user: Any, project: Any) -> bool:
    """Insiders of a project: they see drafts, history, flags, justifications and interest received."""
    return _city_team(user, project) or _reviewers(user, project)


def _view_project(user: Any, project: Any) -> bool:
    return project.status == "published" or manages(user, project)


def _create_project(user: Any, city: Any = None) -> bool:
    """Without a city: may this user open the project form at all; with one: may they register there."""
    if city is None:
        return _role(user) in ("admin", "city_official")
    return is_admin(user) or is_official_of(user, city.id)


def _archive(user: Any, project: Any) -> bool:
    return _city_team(user, project) or _reviewers(user, project)


def _partner(user: Any, project: Any = None) -> bool:
    return _role(user) == "partner" and user.organisation_id is not None


def _follow(user: Any, project: Any = None) -> bool:
    return _partner(user) or is_admin(user)


def _see_interest(user: Any, interest: Any) -> bool:
    own = _partner(user) and user.organisation_id == interest.organisation_id
    return own or manages(user, interest.project)


def _manage_plans(user: Any, country_code: str | None = None) -> bool:
    """Plans of a country are kept by its focal point (and admins); without a country: may they keep any."""
    if country_code is None:
        return _role(user) in ("admin", "focal_point")
    return is_admin(user) or is_focal_point_of(user, country_code)


RULES: dict[str, Callable[..., bool]] = {
    "view_project": _view_project,
    "view_internal": manages,
    "create_project": _create_project,
    "edit_project": _city_team,
    "submit": _city_team,
    "reopen": _city_team,
    "publish": _reviewers,
    "return": _reviewers,
    "archive": _archive,
    "justify_flag": lambda user, flag: _city_team(user, flag.project),
    "dismiss_flag": lambda user, flag: _reviewers(user, flag.project),
    "express_interest": _partner,
    "follow": _follow,
    "see_interest": _see_interest,
    "manage_users": lambda user, target=None: is_admin(user),
    "manage_plans": _manage_plans,
}


def can(user: Any, action: str, target: Any = None) -> bool:
    """True when `user` may do `action` (a key of RULES; a typo raises KeyError) to `target`."""
    rule = RULES[action]
    return bool(rule(user, target) if target is not None else rule(user))


def require(user: Any, action: str, target: Any = None) -> None:
    """Raise PermissionDenied unless `can(user, action, target)`."""
    if not can(user, action, target):
        raise PermissionDenied(_("You are not allowed to do this."))
