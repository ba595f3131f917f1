"""Plan management in the web UI: focal points keep their country's plans, admins all; same rules as the file."""
from __future__ import annotations

import re

from sqlalchemy import func, select

from smartcities.audit.models import AuditEvent
from smartcities.extensions import db
from smartcities.plans.models import NationalPlan
from support import csrf_token


def loaded_version(client, path) -> str:
    """The version an edit form carries (empty on a new plan's form), as a browser would post it back."""
    found = re.search(r'name="version"[^>]*value="(\d*)"', client.get(path).get_data(as_text=True))
    return found.group(1) if found else ""


def form(client, path, **fields):
    data = {
        "csrf_token": csrf_token(client, path), "version": loaded_version(client, path),
        "id": "th-ev-charging-2026", "country": "TH",
        "level": "national", "city": "", "title": "National EV charging plan", "start_year": "2026",
        "end_year": "", "focus_areas": ["Built Infrastructure"], "summary": "Chargers on highways.",
        "source": "Ministry of Energy", "initiatives-0-title": "Fast chargers every 100 km",
        "initiatives-0-description": "DC fast chargers along national highways.",
        "initiatives-1-title": "", "initiatives-1-description": "",
    }
    data.update(fields)
    return client.post(path, data=data)


def plan_count():
    return db.session.scalar(select(func.count(NationalPlan.id)))


def test_focal_point_creates_and_edits_a_plan_of_their_country(client, auth, make_user):
    make_user("focal_point", email="fp@th.example", country="TH")
    auth.login("fp@th.example")
    assert "National EV charging plan" not in client.get("/plans/manage").get_data(as_text=True)
    response = form(client, "/plans/new")
    assert response.status_code == 302
    plan = db.session.scalar(select(NationalPlan).where(NationalPlan.external_id == "th-ev-charging-2026"))
    assert plan.end_year is None and [i.title for i in plan.initiatives] == ["Fast chargers every 100 km"]
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.entity_type == "national_plan",
                                                       AuditEvent.entity_id == plan.id))
    assert event.action == "created" and event.changes["title"][1] == "National EV charging plan"

    edit = "/plans/th-ev-charging-2026/edit"
    page = client.get(edit).get_data(as_text=True)
    assert "Fast chargers every 100 km" in page
    response = form(client, edit, title="National EV charging plan 2026–2030", end_year="2030",
                    **{"initiatives-1-title": "Charging at public car parks"})
    assert response.status_code == 302
    plan = db.session.get(NationalPlan, plan.id)
    assert plan.end_year == 2030 and len(plan.initiatives) == 2


def test_overlap_check_sees_a_new_initiative_at_once(client, auth, make_user):
    make_user("focal_point", email="fp@th.example", country="TH")
    auth.login("fp@th.example")
    draft = {"title": "Highway fast chargers", "summary": "DC fast chargers for EVs along national highways.",
             "city": "rayong"}
    assert "th-ev-charging-2026" not in {f["plan_id"] for f in client.post("/api/v1/overlap-check",
                                                                             json=draft).json["flags"]}
    form(client, "/plans/new")
    flags = client.post("/api/v1/overlap-check", json=draft).json["flags"]
    assert "th-ev-charging-2026" in {f["plan_id"] for f in flags}


def test_bad_plan_form_shows_field_errors_and_saves_nothing(client, auth, make_user):
    make_user("admin", email="admin@example.org")
    auth.login("admin@example.org")
    before = plan_count()
    response = form(client, "/plans/new", level="city", city="", end_year="2020",
                    **{"initiatives-1-description": "no title here"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Nothing was saved" in page
    assert 'id="city-error"' in page and 'id="end_year-error"' in page
    assert 'id="initiatives-1-title-error"' in page
    assert plan_count() == before


def test_others_may_not_manage_plans(client, auth, make_user):
    assert client.get("/plans/new").status_code == 302  # anonymous: to sign-in
    make_user("focal_point", email="fp@vn.example", country="VN")
    auth.login("fp@vn.example")
    before = plan_count()
    assert form(client, "/plans/new").status_code == 403  # a TH plan, by VN's focal point
    assert client.get("/plans/th-bangkok-bma/edit").status_code == 403
    auth.logout()
    make_user("city_official", email="off@example.org", city="bangkok")
    auth.login("off@example.org")
    assert client.get("/plans/manage").status_code == 403
    assert plan_count() == before


def test_plan_titles_are_escaped(client, auth, make_user):
    make_user("admin", email="admin@example.org")
    auth.login("admin@example.org")
    form(client, "/plans/new", title="<script>alert(1)</script>")
    for path in ("/plans/manage", "/plans"):
        page = client.get(path).get_data(as_text=True)
        assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_plan_pages_link_to_management_for_those_who_may(client, auth, make_user):
    assert "/plans/manage" not in client.get("/plans").get_data(as_text=True)
    make_user("focal_point", email="fp@th.example", country="TH")
    auth.login("fp@th.example")
    page = client.get("/plans").get_data(as_text=True)
    assert "/plans/manage" in page and "/plans/th-bangkok-bma/edit" in page
    assert "/plans/vn-danang-6439-2018/edit" not in page
    assert "/plans/manage" in client.get("/dashboard").get_data(as_text=True)


def hidden_ids(page: str) -> dict[str, str]:
    """{form field name: value} of the initiative rows' hidden ids, as a browser would post them."""
    return dict(re.findall(r'name="(initiatives-\d+-id)"[^>]*value="([^"]*)"', page))


def test_a_stale_plan_form_is_refused_with_who_changed_it(client, auth, make_user):
    make_user("focal_point", email="fp@th.example", country="TH", display_name="Somchai")
    make_user("admin", email="admin@example.org", display_name="Ada Admin")
    auth.login("fp@th.example")
    assert form(client, "/plans/new").status_code == 302
    edit = "/plans/th-ev-charging-2026/edit"
    mine = {"csrf_token": csrf_token(client, edit), "version": loaded_version(client, edit)}

    auth.logout()
    auth.login("admin@example.org")  # another keeper saves first
    assert form(client, edit, title="National EV charging plan (admin's edit)").status_code == 302

    auth.logout()
    auth.login("fp@th.example")
    response = form(client, edit, title="National EV charging plan (my edit)", version=mine["version"])
    page = response.get_data(as_text=True)
    assert response.status_code == 409 and 'id="conflict"' in page
    assert "Ada Admin" in page and "(admin&#39;s edit)" in page  # who, and what they changed
    assert db.session.scalar(select(NationalPlan.title).where(NationalPlan.external_id == "th-ev-charging-2026")) \
        == "National EV charging plan (admin's edit)"
    assert form(client, edit, title="National EV charging plan (my edit)").status_code == 302  # on the new version


def test_clearing_a_middle_initiative_row_removes_that_initiative_only(client, auth, make_user):
    make_user("focal_point", email="fp@th.example", country="TH")
    auth.login("fp@th.example")
    three = {"initiatives-1-title": "Chargers at car parks", "initiatives-1-description": "",
             "initiatives-2-title": "Battery swap stations", "initiatives-2-description": ""}
    assert form(client, "/plans/new", **three).status_code == 302
    plan = db.session.scalar(select(NationalPlan).where(NationalPlan.external_id == "th-ev-charging-2026"))
    ids = {i.title: i.id for i in plan.initiatives}
    edit = "/plans/th-ev-charging-2026/edit"
    rows = hidden_ids(client.get(edit).get_data(as_text=True))
    assert len(rows) >= 3 and len({v for v in rows.values() if v}) == 3  # three keyed rows, spare rows blank
    response = form(client, edit, **rows, **{**three, "initiatives-1-title": ""})  # the middle row emptied
    assert response.status_code == 302
    db.session.expire_all()
    plan = db.session.get(NationalPlan, plan.id)
    assert [(i.title, i.id) for i in plan.initiatives] == [
        ("Fast chargers every 100 km", ids["Fast chargers every 100 km"]),
        ("Battery swap stations", ids["Battery swap stations"])]
