"""When a published project seeks funding, the best-matching partners that opted in are told (issue 15, part 4):
once per project, never a partner that did not opt in, never about a project that does not seek funding."""
from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select
from support import csrf_token

from smartcities.extensions import db
from smartcities.matching import suggestions
from smartcities.notifications import worker
from smartcities.notifications.models import Event, Notification
from smartcities.organisations.models import Organisation, PartnerProfile
from smartcities.projects import workflow
from smartcities.projects.models import ProjectParticipation

FLOOD = "Canal water-level sensors that send flood warnings to residents' phones"


def _organisation(name: str) -> Organisation:
    return db.session.scalars(select(Organisation).where(Organisation.name == name)).one()


def _funded(make_project, organisation: Organisation, title: str) -> None:
    project = make_project(title, city="bangkok", summary=FLOOD, focus_areas=("Quality Environment",))
    db.session.add(ProjectParticipation(project=project, organisation=organisation, role="funding"))
    db.session.commit()


def _opt_in(organisation: Organisation, value: bool = True) -> None:
    profile = organisation.profile or PartnerProfile(organisation=organisation)
    profile.tell_matches = value
    db.session.add(profile)
    db.session.commit()


def _told(email_domain: str) -> list[Event]:
    from smartcities.accounts.models import User
    return list(db.session.scalars(select(Event).join(Notification, Notification.event_id == Event.id)
                                   .join(User, User.id == Notification.user_id)
                                   .where(Event.kind == "match.suggested", User.email.like(f"%@{email_domain}"))))


def _seeking(make_project, title="Flood early warning for Bang Khen canals"):
    return make_project(title, city="bangkok", status="submitted", summary=FLOOD, seeking_funding=True,
                        funding_sought=Decimal("4000000"), currency="USD", focus_areas=("Quality Environment",))


def test_a_published_project_seeking_funding_is_told_to_the_opted_in_best_matches_once(people, make_project):
    adb, temasek = _organisation("Asian Development Bank (ADB)"), _organisation("Temasek Foundation")
    for n in range(3):
        _funded(make_project, adb, f"Flood sensors on Bangkok canals, phase {n + 1}")
        _funded(make_project, temasek, f"Canal flood warnings for Bangkok districts {n + 1}")
    _opt_in(adb)                                      # Temasek matches as well, but did not opt in
    project = _seeking(make_project)
    workflow.publish(project, people["focal"])
    db.session.commit()
    assert _told("adb.example") == []                 # the publication does not wait for the ranking…
    assert worker.suggest_matches() == 1              # …the worker tells the partners
    events = _told("adb.example")
    assert [event.project_id for event in events] == [project.id]
    assert events[0].info["organisation_id"] == adb.id and events[0].info["reasons"]
    assert _told("jica.example") == []
    assert suggestions.suggest(project) == []         # told once, whatever publishes it again
    assert worker.suggest_matches() == 0


def test_no_one_is_told_of_a_project_that_does_not_seek_funding(people, make_project):
    adb = _organisation("Asian Development Bank (ADB)")
    for n in range(3):
        _funded(make_project, adb, f"Flood sensors on Bangkok canals, phase {n + 1}")
    _opt_in(adb)
    project = make_project("Flood sensors on Bangkok canals, phase 4", city="bangkok", status="submitted",
                           summary=FLOOD, focus_areas=("Quality Environment",))
    workflow.publish(project, people["focal"])
    db.session.commit()
    assert worker.suggest_matches() == 0              # nothing even queued
    assert _told("adb.example") == []


def test_the_profile_form_opts_in_and_out(client, as_user, people):
    adb = _organisation("Asian Development Bank (ADB)")
    as_user("partner")
    page = client.get(f"/organisations/{adb.id}/profile")
    assert page.status_code == 200 and 'name="tell_matches"' in page.get_data(as_text=True)
    answer = client.post(f"/organisations/{adb.id}/profile", data={
        "csrf_token": csrf_token(client, f"/organisations/{adb.id}/profile"), "tell_matches": "y",
        "statement": "Urban resilience."})
    assert answer.status_code in (200, 302), answer.get_data(as_text=True)[:500]
    db.session.expire_all()
    assert _organisation("Asian Development Bank (ADB)").profile.tell_matches is True


def test_a_partner_new_to_the_portal_is_told_when_its_profile_covers_the_project(people, make_project):
    """No funding history gives the ranking little to go on (a low probability), but the profile it wrote says
    Thailand and Quality Environment: among the best matches, that is enough to be told."""
    temasek = _organisation("Temasek Foundation")
    profile = temasek.profile or PartnerProfile(organisation=temasek)
    profile.countries, profile.focus_areas, profile.tell_matches = ["TH"], ["quality-environment"], True
    db.session.add(profile)
    db.session.commit()
    project = _seeking(make_project)
    assert suggestions.covers(profile, project)
    workflow.publish(project, people["focal"])
    db.session.commit()
    assert worker.suggest_matches() == 1
    [event] = _told("jica.example")
    assert event.project_id == project.id and event.info["organisation_id"] == temasek.id
    assert event.info["score"] < suggestions.MIN_SCORE   # told for its profile, not for its history
    profile.countries = ["VN"]
    assert not suggestions.covers(profile, project)
