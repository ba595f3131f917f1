"""The permission matrix: every role × every state-changing route, allowed or refused; a refusal changes nothing."""
from __future__ import annotations

from collections.abc import Callable

import pytest
from support import csrf_token
from sqlalchemy import func, select

from smartcities.accounts.models import User
from smartcities.accounts.permissions import can
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


# route -> (set-up returning (url, form data), {role: status}); roles not listed are allowed (302).
Setup = Callable[..., tuple[str, dict]]
CASES: dict[str, tuple[Setup, dict[str, int]]] = {
    "create": (lambda p, **_: ("/projects/new", project_form()),
               {"partner": 403, "other_official": 403, "focal": 403, "other_focal": 403}),
    "edit": (lambda p, **_: (f"/projects/{p('draft').id}/edit", project_form()),
             {"partner": 404, "other_official": 404, "focal": 403, "other_focal": 404}),
    "submit": (lambda p, **_: (f"/projects/{p('draft').id}/submit", {}),
               {"partner": 404, "other_official": 404, "focal": 403, "other_focal": 404}),
    "reopen": (lambda p, **_: (f"/projects/{p('returned').id}/reopen", {}),
               {"partner": 404, "other_official": 404, "focal": 403, "other_focal": 404}),
    "publish": (lambda p, **_: (f"/projects/{p('submitted').id}/publish", {}),
                {"partner": 404, "official": 403, "other_official": 404, "other_focal": 404}),
    "return": (lambda p, **_: (f"/projects/{p('submitted').id}/return", {"comment": "Add a budget."}),
               {"partner": 404, "official": 403, "other_official": 404, "other_focal": 404}),
    "archive": (lambda p, **_: (f"/projects/{p('published').id}/archive", {}),
                {"partner": 403, "other_official": 403, "other_focal": 403}),
    "interest": (lambda p, **_: (f"/projects/{p('published').id}/interest",
                                 {"amount": "1000", "currency": "USD", "message": "Interested."}),
                 {"official": 403, "other_official": 403, "focal": 403, "other_focal": 403, "admin": 403}),
    "follow": (lambda p, **_: (f"/projects/{p('published').id}/follow", {}),
               {"official": 403, "other_official": 403, "focal": 403, "other_focal": 403}),
    "unfollow": (lambda p, user=None, **_: (f"/projects/{followed(p('published'), user).id}/unfollow", {}),
                 {"official": 403, "other_official": 403, "focal": 403, "other_focal": 403}),
    "dismiss flag": (lambda p, **_: (dismiss_url(flagged(p("submitted"))), {"reason": "Different district."}),
                     {"partner": 404, "official": 403, "other_official": 404, "other_focal": 404}),
    "create account": (lambda p, **_: ("/admin/users", {"email": "new@example.org", "role": "focal_point",
                                                        "country": "SG", "password": "a long enough secret"}),
                       {role: 403 for role in ROLES if role != "admin"}),
    "deactivate account": (lambda p, victim=None, **_: (f"/admin/users/{victim.id}/deactivate", {}),
                           {role: 403 for role in ROLES if role != "admin"}),
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
    url, data = setup(lambda status: make_project(title=TITLE, status=status), user=user, victim=victim)
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
    assert (state() != before) is allowed


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
