"""The permission matrix: every role × every state-changing route, allowed or refused; a refusal changes nothing."""
from __future__ import annotations

from collections.abc import Callable

import pytest
from support import csrf_token
from sqlalchemy import func, select

from smartcities.accounts.models import User
from smartcities.accounts.permissions import RULES, UNTARGETED, can
from smartcities.audit.models import AuditEvent
from smartcities.extensions import db
from smartcities.organisations.models import Follow, Interest, Organisation
from smartcities.overlap.models import OverlapFlag
from smartcities.plans.models import NationalPlan
from smartcities.projects.models import Project

ROLES = {
    "partner": ("partner", {"organisation": "Asian Development Bank (ADB)"}),
    "official": ("city_official", {"city": "bangkok"}),
    "other_official": ("city_official", {"city": "chiang-mai"}),
    "focal": ("focal_point", {"country": "TH"}),
    "other_focal": ("focal_point", {"country": "VN"}),
    "admin": ("admin", {}),
}
TITLE = "Public library reading rooms"


def project_form(version: str = "1") -> dict:
    return {"title": "Library reading rooms, phase 2", "summary": "Longer opening hours.", "city": "bangkok",
            "country": "TH", "focus_areas": "Civic and Social", "stage": "planning", "latitude": "13.75",
            "longitude": "100.5", "version": version}


def flagged(project: Project) -> OverlapFlag:
    plan = db.session.scalar(select(NationalPlan).where(NationalPlan.external_id == "th-bangkok-bma"))
    flag = OverlapFlag(project_id=project.id, kind="plan", plan_id=plan.id, initiative_id=plan.initiatives[0].id,
                       subject=plan.initiatives[0].title, score=0.9, severity="high", reasons=["same words"])
    db.session.add(flag)
    db.session.commit()
    return flag


# route -> (set-up returning (url, form data, the route's own effect), {role: status}); roles not listed are
# allowed (302). The effect is read back with fresh queries: True once the route did what it is for.
Setup = Callable[..., tuple[str, dict, Callable[[], bool]]]


def status_is(project: Project, status: str) -> Callable[[], bool]:
    return lambda: db.session.scalar(select(Project.status).where(Project.id == project.id)) == status


def _create(p, **_):
    title = project_form()["title"]
    return "/projects/new", project_form(), lambda: db.session.scalar(
        select(func.count()).select_from(Project).where(Project.title == title)) == 1


def _edit(p, **_):
    project = p("draft")
    return f"/projects/{project.id}/edit", project_form(), lambda: db.session.scalar(
        select(Project.title).where(Project.id == project.id)) == project_form()["title"]


def _move(status: str, move: str, after: str, data: dict | None = None) -> Setup:
    def setup(p, **_):
        project = p(status)
        return f"/projects/{project.id}/{move}", dict(data or {}), status_is(project, after)
    return setup


def _interest(p, **_):
    project = p("published")
    return (f"/projects/{project.id}/interest", {"amount": "1000", "currency": "USD", "message": "Interested."},
            lambda: db.session.scalar(select(Interest.amount).where(Interest.project_id == project.id)) == 1000)


def _following(project: Project, user: User | None) -> Callable[[], bool]:
    return lambda: user is not None and db.session.scalar(select(func.count()).select_from(Follow).where(
        Follow.project_id == project.id, Follow.user_id == user.id)) == 1


def _follow(p, user=None, **_):
    project = p("published")
    return f"/projects/{project.id}/follow", {}, _following(project, user)


def _unfollow(p, user=None, **_):
    project = followed(p("published"), user)
    follows = _following(project, user)
    return f"/projects/{project.id}/unfollow", {}, lambda: user is not None and not follows()


def _dismiss(p, **_):
    flag = flagged(p("submitted"))
    return dismiss_url(flag), {"reason": "Different district."}, lambda: db.session.scalar(
        select(OverlapFlag.status).where(OverlapFlag.id == flag.id)) == "dismissed"


def _create_account(p, **_):
    return ("/admin/users", {"email": "new@example.org", "role": "focal_point", "country": "SG",
                             "password": "a long enough secret"},
            lambda: db.session.scalar(select(User.role).where(User.email == "new@example.org")) == "focal_point")


def _deactivate(p, victim=None, **_):
    return (f"/admin/users/{victim.id}/deactivate", {},
            lambda: db.session.scalar(select(User.active).where(User.id == victim.id)) is False)


CASES: dict[str, tuple[Setup, dict[str, int]]] = {
    "create": (_create, {"partner": 403, "other_official": 403, "focal": 403, "other_focal": 403}),
    "edit": (_edit, {"partner": 404, "other_official": 404, "focal": 404, "other_focal": 404}),
    "submit": (_move("draft", "submit", "submitted"),
               {"partner": 404, "other_official": 404, "focal": 404, "other_focal": 404}),
    "reopen": (_move("returned", "reopen", "draft"),
               {"partner": 404, "other_official": 404, "focal": 403, "other_focal": 404}),
    "publish": (_move("submitted", "publish", "published"),
                {"partner": 404, "official": 403, "other_official": 404, "other_focal": 404}),
    "return": (_move("submitted", "return", "returned", {"comment": "Add a budget."}),
               {"partner": 404, "official": 403, "other_official": 404, "other_focal": 404}),
    "archive": (_move("published", "archive", "archived"),
                {"partner": 403, "other_official": 403, "other_focal": 403}),
    "interest": (_interest,
                 {"official": 403, "other_official": 403, "focal": 403, "other_focal": 403, "admin": 403}),
    "follow": (_follow, {"official": 403, "other_official": 403, "focal": 403, "other_focal": 403}),
    "unfollow": (_unfollow, {"official": 403, "other_official": 403, "focal": 403, "other_focal": 403}),
    "dismiss flag": (_dismiss, {"partner": 404, "official": 403, "other_official": 404, "other_focal": 404}),
    "create account": (_create_account, {role: 403 for role in ROLES if role != "admin"}),
    "deactivate account": (_deactivate, {role: 403 for role in ROLES if role != "admin"}),
}


def followed(project: Project, user: User | None) -> Project:
    if user is not None:
        db.session.add(Follow(user_id=user.id, project_id=project.id))
        db.session.commit()
    return project


def dismiss_url(flag: OverlapFlag) -> str:
    return f"/projects/{flag.project_id}/flags/{flag.id}/dismiss"


def state() -> tuple:
    """Everything these routes could change."""
    def rows(query) -> list[tuple]:
        return [tuple(row) for row in db.session.execute(query).all()]
    return (
        rows(select(Project.id, Project.status, Project.title, Project.version).order_by(Project.id)),
        rows(select(Interest.id)), rows(select(Follow.id)), rows(select(OverlapFlag.id, OverlapFlag.status)),
        rows(select(User.id, User.active).order_by(User.id)), rows(select(Organisation.id)),
        db.session.scalar(select(func.count()).select_from(AuditEvent)),
    )


@pytest.mark.parametrize("role", ["anonymous", *ROLES])
@pytest.mark.parametrize("route", list(CASES))
def test_permission_matrix(client, auth, make_user, make_project, route, role):
    setup, refused = CASES[route]
    user = None
    if role != "anonymous":
        kind, tie = ROLES[role]
        user = make_user(kind, **tie)
    victim = make_user("partner", email="victim@example.org", organisation="Temasek Foundation")
    url, data, effect = setup(lambda status: make_project(title=TITLE, status=status), user=user, victim=victim)
    if user is not None:
        auth.login(user.email)
    data["csrf_token"] = csrf_token(client, "/dashboard" if user else "/login")
    before = state()
    response = client.post(url, data=data)
    allowed = role != "anonymous" and role not in refused
    expected = 302 if role == "anonymous" or allowed else refused[role]
    assert response.status_code == expected, response.get_data(as_text=True)[:2000]
    if role == "anonymous":
        assert response.headers["Location"].startswith("/login?next=")
    assert effect() is allowed
    if not allowed:
        assert state() == before


def test_rules_for_anonymous_and_deactivated_users(make_user, make_project):
    from flask_login import AnonymousUserMixin
    published, draft = make_project(status="published"), make_project(status="draft")
    anonymous = AnonymousUserMixin()
    assert can(anonymous, "view_project", published) and not can(anonymous, "view_project", draft)
    assert not any(can(anonymous, action, draft) for action in ("edit_project", "submit", "publish", "archive"))
    admin = make_user("admin")
    admin.active = False
    assert not can(admin, "publish", draft) and not can(admin, "manage_users")
    with pytest.raises(KeyError):
        can(admin, "fly")


@pytest.mark.parametrize("action", sorted(RULES))
def test_a_targeted_rule_refuses_when_its_target_is_missing(make_user, action):
    """Even an admin gets no for an action that needs a target when none is given (no "any target")."""
    admin = make_user("admin")
    assert not can(admin, action) and not can(admin, action, None)


@pytest.mark.parametrize("action", sorted(UNTARGETED))
def test_untargeted_rules_answer_without_a_target(make_user, action):
    assert can(make_user("admin"), action)
    assert not can(make_user("partner", organisation="Temasek Foundation"), action)
