"""Events written once with the change (an outbox), and exactly the right people told of each: the country's
focal points, the city's officials, followers of a project, city, country, focus area or partner; nobody
about what they may not see; the inbox with its unread count in the header, and marking read."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from smartcities.errors import ValidationError
from smartcities.extensions import db
from smartcities.geo.services import find_city
from smartcities.notifications import events as notify
from smartcities.notifications import services
from smartcities.notifications.models import Event, Notification
from smartcities.organisations.models import Follow, Organisation
from smartcities.organisations.services import express_interest
from smartcities.plans.models import NationalPlan
from smartcities.plans.services import plan_to_dict, save_plan
from smartcities.projects import workflow
from smartcities.projects.models import FocusArea, ProjectParticipation

QUIET = {"title": "Public library reading rooms", "summary": "Longer opening hours at district libraries.",
         "focus_areas": ("Civic and Social",)}
XSS = '<script>alert("x")</script>'


def told(kind: str) -> set[str]:
    """E-mail addresses of everyone with a notification of this kind."""
    from smartcities.accounts.models import User
    rows = db.session.scalars(select(User.email).join(Notification, Notification.user_id == User.id)
                              .join(Event, Notification.event_id == Event.id).where(Event.kind == kind))
    return set(rows)


def kinds() -> list[str]:
    return list(db.session.scalars(select(Event.kind).where(Event.subject_type != "plan").order_by(Event.id)))


@pytest.fixture
def more_people(make_user):
    return {
        "vn_focal": make_user("focal_point", email="focal@vn.example", country="VN"),
        "hanoi": make_user("city_official", email="official@hanoi.example", city="hanoi"),
        "inactive_focal": make_user("focal_point", email="gone@th.example", country="TH"),
    }


def test_each_move_is_recorded_once_and_told_to_exactly_its_people(people, more_people, make_project):
    more_people["inactive_focal"].active = False
    db.session.commit()
    project = make_project(status="draft", **QUIET)
    workflow.submit(project, people["official"], {})
    db.session.commit()
    assert told("project.submitted") == {"focal@th.example"}  # not Viet Nam's, not the deactivated one
    workflow.return_project(project, people["focal"], "Add the budget.")
    db.session.commit()
    assert told("project.returned") == {"official@bkk.example", "colleague@bkk.example"}  # not Hanoi's
    returned = db.session.scalars(select(Event).where(Event.kind == "project.returned")).one()
    assert returned.info["comment"] == "Add the budget." and returned.data is None  # internal: no public data
    workflow.reopen(project, people["official"])
    workflow.submit(project, people["colleague"], {})
    db.session.commit()
    workflow.publish(project, people["focal"])
    db.session.commit()
    assert told("project.published") == {"official@bkk.example", "colleague@bkk.example"}
    workflow.archive(project, people["official"])
    db.session.commit()
    assert told("project.archived") == set()  # partner systems only
    assert kinds() == ["project.submitted", "project.returned", "project.submitted", "project.published",
                       "project.archived"]
    published = db.session.scalars(select(Event).where(Event.kind == "project.published")).one()
    assert published.data["id"] == project.id and published.data["title"] == QUIET["title"]


def test_the_actor_is_not_told_of_their_own_move(people, make_project):
    project = make_project(status="submitted", **QUIET)
    workflow.return_project(project, people["admin"], "Not yet.")
    db.session.commit()
    assert told("project.returned") == {"official@bkk.example", "colleague@bkk.example"}
    project = make_project(status="submitted", title="Night buses")
    workflow.return_project(project, people["focal"], "Which routes?")
    db.session.commit()
    workflow.reopen(project, people["official"])
    workflow.submit(project, people["official"], {})
    db.session.commit()
    by_official = db.session.scalars(select(Event).where(Event.kind == "project.submitted")).one()
    assert {n.user_id for n in db.session.scalars(select(Notification).where(
        Notification.event_id == by_official.id))} == {people["focal"].id}


def test_a_refused_move_writes_no_event(people, make_project):
    project = make_project(status="submitted", **QUIET)
    with pytest.raises(ValidationError):
        workflow.return_project(project, people["focal"], "   ")
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Event).where(Event.subject_type == "project")) == 0
    assert db.session.scalar(select(func.count()).select_from(Notification)) == 0


def test_followers_of_a_project_city_country_focus_area_or_partner_are_told(people, make_user, make_project):
    project = make_project(status="submitted", **QUIET)
    adb = db.session.scalar(select(Organisation).where(Organisation.name == "Asian Development Bank (ADB)"))
    project.participations.append(ProjectParticipation(organisation=adb, role="funding"))
    civic = db.session.scalar(select(FocusArea).where(FocusArea.name == "Civic and Social"))
    followers = {name: make_user("partner", email=f"{name}@follow.example", organisation="Temasek Foundation")
                 for name in ("project", "city", "country", "area", "partner", "elsewhere", "other_area")}
    db.session.add(Follow(user_id=followers["project"].id, project_id=project.id))
    services.follow_topic(followers["city"], "city", str(find_city("bangkok").id))
    services.follow_topic(followers["country"], "country", "TH")
    services.follow_topic(followers["area"], "focus_area", str(civic.id))
    services.follow_topic(followers["partner"], "organisation", str(adb.id))
    services.follow_topic(followers["elsewhere"], "city", str(find_city("hanoi").id))
    other = db.session.scalar(select(FocusArea).where(FocusArea.name == "Health and Well-being"))
    services.follow_topic(followers["other_area"], "focus_area", str(other.id))
    services.follow_topic(followers["city"], "country", "TH")  # following two ways: told once
    db.session.commit()
    workflow.publish(project, people["focal"])
    db.session.commit()
    expected = {f"{name}@follow.example" for name in ("project", "city", "country", "area", "partner")}
    assert told("project.published") == expected | {"official@bkk.example", "colleague@bkk.example"}
    assert db.session.scalar(select(func.count()).select_from(Notification)
                             .where(Notification.user_id == followers["city"].id)) == 1


def test_followers_are_not_told_of_what_they_may_not_see(people, make_user, make_project):
    """A follower of the city hears of nothing before publication; a revision reaches only followers."""
    project = make_project(status="draft", **QUIET)
    fan = make_user("partner", email="fan@follow.example", organisation="Temasek Foundation")
    services.follow_topic(fan, "city", str(find_city("bangkok").id))
    db.session.commit()
    workflow.submit(project, people["official"], {})
    db.session.commit()
    assert "fan@follow.example" not in told("project.submitted")
    assert services.unread_count(fan) == 0
    notify.project_event("project.revised", project, people["focal"])  # (were it revised while submitted)
    db.session.commit()
    assert told("project.revised") == set()


def test_interest_is_told_to_the_city_officials(people, make_project):
    project = make_project(status="published", **QUIET)
    express_interest(project, people["partner"], None, None, "We could co-fund.")
    db.session.commit()
    assert told("interest.created") == {"official@bkk.example", "colleague@bkk.example"}
    event = db.session.scalars(select(Event).where(Event.kind == "interest.created")).one()
    assert event.info["organisation"] == "Asian Development Bank (ADB)" and event.data is None


def test_a_plan_change_is_an_event_with_the_plans_public_data(people):
    plan = db.session.scalars(select(NationalPlan).order_by(NationalPlan.id)).first()
    before = db.session.scalar(select(func.count()).select_from(Event))
    data = plan_to_dict(plan)
    save_plan({**data, "summary": "A new summary."}, plan)
    db.session.commit()
    event = db.session.scalars(select(Event).order_by(Event.id.desc())).first()
    assert db.session.scalar(select(func.count()).select_from(Event)) == before + 1
    assert (event.kind, event.subject_id, event.data["summary"]) == ("plan.updated", plan.external_id,
                                                                      "A new summary.")
    assert event.data["api_url"].endswith(f"/api/v1/plans/{plan.external_id}")
    assert not db.session.scalars(select(Notification).where(Notification.event_id == event.id)).all()


def test_inbox_count_in_the_header_mark_read_and_escaping(client, as_user, people, make_project):
    project = make_project(status="submitted", title=XSS)
    workflow.return_project(project, people["focal"], "Add <b>costs</b>")
    db.session.commit()
    token = as_user("official")
    page = client.get("/dashboard").get_data(as_text=True)
    assert 'href="/notifications"' in page and '<span class="badge">1</span>' in page
    inbox = client.get("/notifications").get_data(as_text=True)
    assert XSS not in inbox and "&lt;script&gt;" in inbox and "Add &lt;b&gt;costs&lt;/b&gt;" in inbox
    note = db.session.scalars(select(Notification).where(Notification.user_id == people["official"].id)).one()
    assert client.post(f"/notifications/{note.id}/read", data={"csrf_token": token}).status_code == 302
    assert services.unread_count(people["official"]) == 0
    assert 'class="badge"' not in client.get("/dashboard").get_data(as_text=True).split("</header>")[0]
    assert services.unread_count(people["colleague"]) == 1  # each person's own
    assert client.post("/notifications/999999/read", data={"csrf_token": token}).status_code == 404
    colleague_note = db.session.scalars(select(Notification).where(
        Notification.user_id == people["colleague"].id)).one()
    assert client.post(f"/notifications/{colleague_note.id}/read", data={"csrf_token": token}).status_code == 404
    assert services.unread_count(people["colleague"]) == 1
    token = as_user("colleague")
    opened = client.post(f"/notifications/{colleague_note.id}/read", data={"csrf_token": token, "open": "1"})
    assert opened.headers["Location"].endswith(f"/projects/{project.id}")
    assert client.get("/notifications", follow_redirects=False).status_code == 200
    client.post("/logout", data={"csrf_token": token})
    assert client.get("/notifications").status_code == 302  # to the sign-in page


def test_an_official_who_moved_city_no_longer_sees_old_notifications(people, make_project):
    project = make_project(status="submitted", **QUIET)
    workflow.return_project(project, people["focal"], "Add the budget.")
    db.session.commit()
    assert services.unread_count(people["official"]) == 1
    people["official"].city_id = find_city("hanoi").id
    db.session.commit()
    assert services.unread_count(people["official"]) == 0 and services.inbox(people["official"]) == []


def test_preferences_and_follows_pages_refuse_bad_input(client, as_user, people):
    token = as_user("partner")
    page = client.get("/notifications/settings").get_data(as_text=True)
    assert 'name="project.published"' in page and 'name="language"' in page
    bad = client.post("/notifications/settings", data={"project.published": "pigeon", "csrf_token": token})
    assert bad.status_code == 400 and "Choose one of the offered channels." in bad.get_data(as_text=True)
    assert services.channels(people["partner"])["project.published"] == "portal"
    bad = client.post("/notifications/settings", data={"language": "xx", "csrf_token": token})
    assert bad.status_code == 400 and services.language_of(people["partner"]) is None
    ok = client.post("/notifications/settings", data={"project.published": "digest", "language": "th",
                                                      "csrf_token": token})
    assert ok.status_code == 302
    assert services.channels(people["partner"])["project.published"] == "digest"
    assert services.channels(people["partner"])["project.submitted"] == "email"  # the default stays
    assert services.language_of(people["partner"]) == "th"
    bad = client.post("/notifications/follows", data={"topic": "city", "target": "99999", "csrf_token": token})
    assert bad.status_code == 400
    bad = client.post("/notifications/follows", data={"topic": "planet", "target": "1", "csrf_token": token})
    assert bad.status_code == 400 and services.follows(people["partner"]) == []
    bangkok = str(find_city("bangkok").id)
    assert client.post("/notifications/follows", data={"topic": "city", "target": bangkok,
                                                       "csrf_token": token}).status_code == 302
    [(row, label)] = services.follows(people["partner"])
    assert label.startswith("Bangkok")
    token = as_user("other_partner")
    assert client.post(f"/notifications/follows/{row.id}/delete", data={"csrf_token": token}).status_code == 404
    token = as_user("partner")
    assert client.post(f"/notifications/follows/{row.id}/delete", data={"csrf_token": token}).status_code == 302
    assert services.follows(people["partner"]) == []


def test_a_new_flag_on_a_published_project_is_told_to_its_city_and_reviewers(people, more_people, make_project):
    from smartcities.overlap.models import OverlapFlag
    project = make_project(status="published", **QUIET)
    plan = db.session.scalars(select(NationalPlan).where(NationalPlan.country_code == "TH")).first()
    flag = OverlapFlag(project_id=project.id, kind="plan", plan_id=plan.id, subject="Smart poles", score=0.9,
                       severity="high", reasons=["same place"])
    db.session.add(flag)
    db.session.flush()
    notify.flag_event(flag)
    db.session.commit()
    assert told("overlap.flagged") == {"official@bkk.example", "colleague@bkk.example", "focal@th.example",
                                       "gone@th.example"}  # Thailand's focal points (both active here)
    event = db.session.scalars(select(Event).where(Event.kind == "overlap.flagged")).one()
    assert services.describe(event) == f"“{QUIET['title']}” may overlap with “Smart poles”"


def test_a_revision_asks_the_focal_point_once_and_its_publication_tells_followers(client, as_user, people,
                                                                                  make_project):
    from test_workflow import form
    project = make_project(status="published", title="Solar rooftops", focus_areas=("Civic and Social",))
    services.follow_topic(people["partner"], "country", "TH")
    db.session.commit()
    token = as_user("official")
    for n, title in enumerate(("Solar rooftops, phase 2", "Solar rooftops, phase 2b")):
        response = client.post(f"/projects/{project.id}/edit", data=form(
            token, title=title, focus_areas=["Civic and Social"], version=str(project.version)))
        assert response.status_code == 302, n
    assert told("project.submitted") == {"focal@th.example"}
    assert services.unread_count(people["focal"]) == 1  # the second save did not ask again
    assert told("project.revised") == set()  # not public yet: followers hear nothing
    token = as_user("focal")
    assert client.post(f"/projects/{project.id}/publish", data={"csrf_token": token}).status_code == 302
    assert told("project.revised") == {"partner@adb.example"}
    revised = db.session.scalars(select(Event).where(Event.kind == "project.revised")).one()
    assert revised.data["title"] == "Solar rooftops, phase 2b" == revised.info["title"]
