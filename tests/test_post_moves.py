"""State changes by POST, for every role: editing a plan, dismissing an overlap flag, and answering a flag of
another project through this project's routes. Each allowed POST changes exactly what it should, as a fresh
query reads it after the request; each refused one answers 403 (or sends an anonymous visitor to sign in,
or 404 for what the user may not see) and changes nothing."""
from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from smartcities.audit.models import AuditEvent
from smartcities.extensions import db
from smartcities.overlap.models import OverlapFlag
from smartcities.overlap.services import refresh_flags
from smartcities.plans.models import NationalPlan
from smartcities.plans.services import plan_to_dict
from smartcities.projects.models import Project
from support import csrf_token

PLAN = "th-bangkok-bma"
# Nearly word for word an initiative of th-bangkok-bma / vn-danang-6439-2018: sure high-severity flags.
BANGKOK_POLES = ("Installation of about 5,000 smart poles with sensors for PM2.5, people/vehicle counting and "
                 "road flooding")
DANANG_CAMERAS = ("About 1,800 government-funded cameras for traffic and security violations; SCADA monitoring "
                  "of water flow and pressure")
ROLES = ("anonymous", "partner", "city_official", "focal_point", "other_focal_point", "admin")


@pytest.fixture
def sign_in(client, auth, make_user):
    """sign_in(role) -> (the user or None, a CSRF token of the client's session)."""
    def as_role(role: str):
        user = {
            "anonymous": lambda: None,
            "partner": lambda: make_user("partner", organisation="Asian Development Bank (ADB)"),
            "city_official": lambda: make_user("city_official", city="bangkok"),
            "focal_point": lambda: make_user("focal_point", country="TH"),
            "other_focal_point": lambda: make_user("focal_point", country="VN"),
            "admin": lambda: make_user("admin"),
        }[role]()
        if user is not None:
            assert auth.login(user.email).status_code == 302
        return user, csrf_token(client, "/login" if user is None else "/dashboard")
    return as_role


def audit_events(entity_type: str, entity_id: int) -> list[tuple]:
    return [tuple(row) for row in db.session.execute(
        select(AuditEvent.action, AuditEvent.user_id, AuditEvent.changes)
        .where(AuditEvent.entity_type == entity_type, AuditEvent.entity_id == entity_id).order_by(AuditEvent.id))]


def assert_sent_to_sign_in(response) -> None:
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


# --- plans ------------------------------------------------------------------------------------------------------

def plan_state(external_id: str) -> dict[str, Any] | None:
    """The plan as stored (a fresh query), in the Plan-file format with its key and last change."""
    plan = db.session.scalar(select(NationalPlan).where(NationalPlan.external_id == external_id))
    if plan is None:
        return None
    return {**plan_to_dict(plan), "pk": plan.id, "updated_at": plan.updated_at, "version": plan.version}


def plan_form(state: dict[str, Any], token: str, **changes: Any) -> dict[str, Any]:
    """The edit form as the page posts it, filled with `state` (Plan-file format), then `changes` applied."""
    data: dict[str, Any] = {
        "csrf_token": token, "id": state["id"], "country": state["country"], "level": state["level"],
        "city": state["city"] or "", "title": state["title"], "start_year": str(state["period"]["start"]),
        "end_year": "" if state["period"]["end"] is None else str(state["period"]["end"]),
        "focus_areas": state["focus_areas"], "summary": state["summary"], "source": state["source"],
        "version": str(state["version"]),
    }
    for n, initiative in enumerate(state["initiatives"] + [{"title": "", "description": "", "focus_areas": []}]):
        data[f"initiatives-{n}-id"] = initiative.get("id", "")
        data[f"initiatives-{n}-title"] = initiative["title"]
        data[f"initiatives-{n}-description"] = initiative["description"]
        data[f"initiatives-{n}-focus_areas"] = initiative["focus_areas"]
    data.update(changes)
    return data


EDIT = {"title": "Bangkok smart city plan 2026–2030", "end_year": "2030", "summary": "Revised in 2026.",
        "initiatives-0-description": "Citizens report city problems; the BMA answers within 7 days."}


@pytest.mark.parametrize("role, allowed", [
    ("anonymous", False), ("partner", False), ("city_official", False), ("focal_point", True),
    ("other_focal_point", False), ("admin", True)])
def test_editing_a_plan_by_post(client, sign_in, role, allowed):
    before = plan_state(PLAN)
    user, token = sign_in(role)
    response = client.post(f"/plans/{PLAN}/edit", data=plan_form(before, token, **EDIT))
    after = plan_state(PLAN)
    if not allowed:
        if role == "anonymous":
            assert_sent_to_sign_in(response)
        else:
            assert response.status_code == 403
        assert after == before and audit_events("national_plan", before["pk"]) == []
        return
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/plans#plan-{PLAN}")
    expected = {**before, "title": EDIT["title"], "summary": EDIT["summary"],
                "period": {"start": before["period"]["start"], "end": 2030},
                "initiatives": [{**before["initiatives"][0], "description": EDIT["initiatives-0-description"]},
                                *before["initiatives"][1:]]}
    assert {k: v for k, v in after.items() if k != "updated_at"} == {
        k: v for k, v in expected.items() if k != "updated_at"} | {"version": before["version"] + 1}
    assert after["updated_at"] > before["updated_at"]
    [(action, author, changes)] = audit_events("national_plan", before["pk"])
    assert (action, author) == ("updated", user.id)
    assert set(changes) == {"title", "summary", "period", "initiatives", "version"}
    assert changes["title"] == [before["title"], EDIT["title"]]


@pytest.mark.parametrize("role, allowed", [("focal_point", False), ("other_focal_point", False), ("admin", True)])
def test_moving_a_plan_to_another_country(client, sign_in, role, allowed):
    """Only someone who keeps both countries' plans may move a plan from one to the other."""
    before = plan_state("th-thailand-4-0")
    user, token = sign_in(role)
    response = client.post("/plans/th-thailand-4-0/edit", data=plan_form(before, token, country="VN"))
    after = plan_state("th-thailand-4-0")
    if not allowed:
        assert response.status_code == 403
        assert after == before and audit_events("national_plan", before["pk"]) == []
        return
    assert response.status_code == 302 and after["country"] == "VN"
    assert {k: v for k, v in after.items() if k not in ("country", "updated_at")} == {
        k: v for k, v in before.items() if k not in ("country", "updated_at")} | {"version": before["version"] + 1}
    [(action, author, changes)] = audit_events("national_plan", before["pk"])
    assert (action, author, changes) == ("updated", user.id, {"country": ["TH", "VN"], "version": [1, 2]})


def test_a_plan_edit_without_the_csrf_token_changes_nothing(client, sign_in):
    before = plan_state(PLAN)
    sign_in("admin")
    data = {k: v for k, v in plan_form(before, "", **EDIT).items() if k != "csrf_token"}
    assert client.post(f"/plans/{PLAN}/edit", data=data).status_code == 400
    assert plan_state(PLAN) == before


def test_an_edit_keeps_the_plan_id(client, sign_in):
    """The id is read-only on the edit form (a stable reference of the Plan file and of /api/v1/plans/<id>):
    a POST that changes it anyway must not rename the plan."""
    before = plan_state(PLAN)
    sign_in("focal_point")
    response = client.post(f"/plans/{PLAN}/edit", data=plan_form(before, csrf_token(client, "/dashboard"),
                                                                 id="th-bangkok-renamed"))
    assert response.status_code in (302, 400)
    assert plan_state("th-bangkok-renamed") is None
    assert plan_state(PLAN)["pk"] == before["pk"]


def test_a_plan_cannot_take_the_id_of_another_countrys_plan(client, sign_in):
    """Viet Nam's focal point edits a Vietnamese plan, posting the id of a Thai plan: the posted id is ignored
    (an edit never renames a plan), the Thai plan is untouched and the Vietnamese one keeps its id."""
    thai, vietnamese = plan_state(PLAN), plan_state("vn-danang-6439-2018")
    _, token = sign_in("other_focal_point")
    response = client.post("/plans/vn-danang-6439-2018/edit", data=plan_form(vietnamese, token, id=PLAN,
                                                                             title="Taken over"))
    assert response.status_code == 302
    assert plan_state(PLAN) == thai
    assert plan_state("vn-danang-6439-2018")["title"] == "Taken over"


# --- overlap flags ----------------------------------------------------------------------------------------------

def flagged_project(make_project, title: str, city: str, summary: str, status: str = "submitted") -> Project:
    """A project whose stored overlap flags include a high-severity one (as the submission stores them)."""
    project = make_project(title, city=city, status=status, summary=summary, focus_areas=("Quality Environment",))
    flags = refresh_flags(project)
    db.session.commit()
    assert any(flag.severity == "high" for flag in flags)
    return project


def flag_rows(project_id: int) -> list[dict[str, Any]]:
    """The project's flags as stored (a fresh query), every column."""
    table = OverlapFlag.__table__
    return [dict(row._mapping) for row in db.session.execute(
        select(table).where(table.c.project_id == project_id).order_by(table.c.id))]


def project_row(project_id: int) -> dict[str, Any]:
    table = Project.__table__
    return dict(db.session.execute(select(table).where(table.c.id == project_id)).one()._mapping)


def high_flag(project_id: int) -> dict[str, Any]:
    return next(flag for flag in flag_rows(project_id) if flag["severity"] == "high")


REASON = "Another district; agreed with the BMA."
# role -> the answer to a dismissal: by the project's status (a submitted project is hidden from outsiders)
DISMISS = {
    "anonymous": {"submitted": "sign in", "published": "sign in"},
    "partner": {"submitted": 404, "published": 403},
    "city_official": {"submitted": 403, "published": 403},
    "focal_point": {"submitted": 302, "published": 302},
    "other_focal_point": {"submitted": 404, "published": 403},
    "admin": {"submitted": 302, "published": 302},
}


@pytest.mark.parametrize("status", ["submitted", "published"])
@pytest.mark.parametrize("role", ROLES)
def test_dismissing_a_flag_by_post(client, sign_in, make_project, role, status):
    project = flagged_project(make_project, "Smart poles for PM2.5", "bangkok", BANGKOK_POLES, status)
    flag = high_flag(project.id)
    flags_before, project_before = flag_rows(project.id), project_row(project.id)
    user, token = sign_in(role)
    response = client.post(f"/projects/{project.id}/flags/{flag['id']}/dismiss",
                           data={"reason": f"  {REASON} ", "csrf_token": token})
    expected = DISMISS[role][status]
    assert project_row(project.id) == project_before
    if expected != 302:
        if expected == "sign in":
            assert_sent_to_sign_in(response)
        else:
            assert response.status_code == expected
        assert flag_rows(project.id) == flags_before and audit_events("overlap_flag", flag["id"]) == []
        return
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/projects/{project.id}#flags")
    after = {row["id"]: row for row in flag_rows(project.id)}
    dismissed = after.pop(flag["id"])
    assert {k: v for k, v in dismissed.items() if k != "updated_at"} == {
        **{k: v for k, v in flag.items() if k != "updated_at"},
        "status": "dismissed", "dismissal_reason": REASON, "resolved_by_id": user.id, "version": flag["version"] + 1}
    assert after == {row["id"]: row for row in flags_before if row["id"] != flag["id"]}
    assert audit_events("overlap_flag", flag["id"]) == [
        ("dismissed", user.id, {"status": ["open", "dismissed"], "dismissal_reason": [None, REASON]})]


@pytest.fixture
def two_flagged_projects(make_project):
    """A Bangkok project and a Da Nang project, both submitted, each with a high-severity flag of its own."""
    return (flagged_project(make_project, "Smart poles for PM2.5", "bangkok", BANGKOK_POLES),
            flagged_project(make_project, "Traffic cameras and SCADA", "da-nang", DANANG_CAMERAS))


@pytest.mark.parametrize("role", ["focal_point", "other_focal_point", "admin"])
@pytest.mark.parametrize("route_of", [0, 1])
def test_another_projects_flag_cannot_be_dismissed_through_this_project(client, sign_in, two_flagged_projects,
                                                                        role, route_of):
    """The dismiss route of one project, sent the id of a flag of the other: refused, nothing changes, whether
    or not the user reviews the project of the route or the project of the flag."""
    route, other = two_flagged_projects[route_of], two_flagged_projects[1 - route_of]
    flag = high_flag(other.id)
    before = {p.id: flag_rows(p.id) for p in two_flagged_projects}
    _, token = sign_in(role)
    response = client.post(f"/projects/{route.id}/flags/{flag['id']}/dismiss",
                           data={"reason": REASON, "csrf_token": token})
    assert response.status_code == 404
    assert {p.id: flag_rows(p.id) for p in two_flagged_projects} == before
    assert audit_events("overlap_flag", flag["id"]) == []


def test_another_projects_flag_cannot_be_justified_through_this_project(client, sign_in, make_project):
    """Submitting a project with a justification for a flag of another project (same city, same official) submits
    this project and leaves the other project's flag as it was."""
    other = flagged_project(make_project, "Smart poles for PM2.5", "bangkok", BANGKOK_POLES, status="draft")
    flag = high_flag(other.id)
    mine = make_project("Public library reading rooms", city="bangkok", status="draft",
                        summary="Longer opening hours at district libraries.", focus_areas=("Civic and Social",))
    user, token = sign_in("city_official")
    other_before = flag_rows(other.id)
    response = client.post(f"/projects/{mine.id}/submit", data={
        f"justification-{flag['id']}": "Our poles cover the Thonburi side, which the BMA leaves out.",
        "csrf_token": token})
    assert response.status_code == 302
    assert project_row(mine.id)["status"] == "submitted"
    assert flag_rows(other.id) == other_before and project_row(other.id)["status"] == "draft"
    assert audit_events("overlap_flag", flag["id"]) == []
    assert {(f["justification"], f["resolved_by_id"]) for f in flag_rows(mine.id)} <= {(None, None)}


@pytest.mark.parametrize("role, expected", [("anonymous", "sign in"), ("partner", 404), ("city_official", 302),
                                            ("focal_point", 404), ("other_focal_point", 404), ("admin", 302)])
def test_justifying_a_flag_by_post(client, sign_in, make_project, role, expected):
    """A flag is justified by submitting its draft: the city team may; anyone else is refused and nothing changes
    (focal points review what is submitted: a draft is not theirs to see, hence 404)."""
    project = flagged_project(make_project, "Smart poles for PM2.5", "bangkok", BANGKOK_POLES, status="draft")
    flag = high_flag(project.id)
    flags_before, project_before = flag_rows(project.id), project_row(project.id)
    user, token = sign_in(role)
    answer = "Our poles cover the Thonburi side, which the BMA leaves out."
    response = client.post(f"/projects/{project.id}/submit",
                           data={f"justification-{flag['id']}": answer, "csrf_token": token})
    if expected != 302:
        if expected == "sign in":
            assert_sent_to_sign_in(response)
        else:
            assert response.status_code == expected
        assert flag_rows(project.id) == flags_before and project_row(project.id) == project_before
        assert audit_events("overlap_flag", flag["id"]) == []
        return
    assert response.status_code == 302 and project_row(project.id)["status"] == "submitted"
    justified = next(row for row in flag_rows(project.id) if row["id"] == flag["id"])
    assert (justified["status"], justified["justification"], justified["resolved_by_id"]) == (
        "acknowledged", answer, user.id)
    assert audit_events("overlap_flag", flag["id"]) == [
        ("acknowledged", user.id, {"status": ["open", "acknowledged"], "justification": [None, answer]})]
    assert db.session.scalar(select(func.count()).select_from(OverlapFlag)
                             .where(OverlapFlag.project_id == project.id)) == len(flags_before)
