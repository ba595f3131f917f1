"""The one place that answers "may this user do this?": every view and service asks `can` or `require`."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask_babel import gettext as _

from smartcities.accounts.visibility import may_see_project
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
    return may_see_project(user, project)


def _view_internal(user: Any, project: Any) -> bool:
    """History, flags, justifications and interest received: insiders who may also see the project now."""
    return manages(user, project) and may_see_project(user, project)


def _open_project_form(user: Any) -> bool:
    """May this user register projects somewhere (open the project form at all)?"""
    return _role(user) in ("admin", "city_official")


def _create_project(user: Any, city: Any) -> bool:
    return is_admin(user) or is_official_of(user, city.id)


def _archive(user: Any, project: Any) -> bool:
    return _city_team(user, project) or _reviewers(user, project)


def _partner(user: Any, project: Any = None) -> bool:
    return _role(user) == "partner" and user.organisation_id is not None


def _follow(user: Any, project: Any) -> bool:
    return (_partner(user) or is_admin(user)) and project.status == "published"


def _see_interest(user: Any, interest: Any) -> bool:
    own = _partner(user) and user.organisation_id == interest.organisation_id
    return own or _view_internal(user, interest.project)


def _act_for_organisation(user: Any, organisation: Any) -> bool:
    """Edit its partner profile, see and dismiss its matches: the organisation's own partner users, and admins."""
    return is_admin(user) or (_partner(user) and user.organisation_id == organisation.id)


def _keep_some_plans(user: Any) -> bool:
    """May this user keep the plans of some country (see the plan management pages)?"""
    return _role(user) in ("admin", "focal_point")


def _manage_plans(user: Any, country_code: str) -> bool:
    return is_admin(user) or is_focal_point_of(user, country_code)


def _flag_visible(user: Any, flag: Any) -> bool:
    """A flag is answered only by people who may see both its project and the project it points at."""
    other = flag.other_project
    return _view_internal(user, flag.project) and (other is None or may_see_project(user, other))


def _add_document(user: Any, target: Any) -> bool:
    """Attach a document: admins anywhere; a focal point to their country, its plans, cities and projects; a city
    official to their city's projects and city plans (never to the city or country itself). Projects they see."""
    if is_admin(user):
        return True
    kind = type(target).__tablename__
    if kind == "projects":
        return (is_official_of(user, target.city_id) or is_focal_point_of(user, target.city.country_code)) \
            and may_see_project(user, target)
    if kind == "national_plans":
        return is_focal_point_of(user, target.country_code) or (
            target.level == "city" and is_official_of(user, target.city_id))
    if kind == "cities":
        return is_focal_point_of(user, target.country_code)
    return kind == "countries" and is_focal_point_of(user, target.code)


# Actions that concern no particular target; every other rule needs its target and refuses without one.
UNTARGETED: dict[str, Callable[[Any], bool]] = {
    "open_project_form": _open_project_form,
    "keep_some_plans": _keep_some_plans,
    "manage_users": is_admin,
    "manage_organisations": is_admin,
}

RULES: dict[str, Callable[[Any, Any], bool]] = {
    "view_project": _view_project,
    "view_internal": _view_internal,
    "create_project": _create_project,
    "edit_project": lambda user, project: _city_team(user, project) and may_see_project(user, project),
    "submit": _city_team,
    "reopen": _city_team,
    "publish": _reviewers,
    "return": _reviewers,
    "archive": _archive,
    "justify_flag": lambda user, flag: _city_team(user, flag.project) and _flag_visible(user, flag),
    "dismiss_flag": lambda user, flag: _reviewers(user, flag.project) and _flag_visible(user, flag),
    "express_interest": lambda user, project: _partner(user) and project.status == "published",
    "follow": _follow,
    "see_interest": _see_interest,
    "act_for_organisation": _act_for_organisation,
    "manage_plans": _manage_plans,
    "add_document": _add_document,
    # who may attach a document to its target may take it away again (a wrong file must not stay public)
    "remove_document": lambda user, document: _add_document(user, document.target),
}


def can(user: Any, action: str, target: Any = None) -> bool:
    """True when `user` may do `action` to `target`; a targeted action without its target is refused.

    An unknown action raises KeyError, so a typo can never grant anything.
    """
    if action in UNTARGETED:
        return bool(UNTARGETED[action](user))
    rule = RULES[action]
    return target is not None and bool(rule(user, target))


def require(user: Any, action: str, target: Any = None) -> None:
    """Raise PermissionDenied unless `can(user, action, target)`."""
    if not can(user, action, target):
        raise PermissionDenied(_("You are not allowed to do this."))
