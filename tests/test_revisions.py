"""Published projects change only through review; organisations named in unpublished work stay private."""
from __future__ import annotations

from sqlalchemy import func, select
from test_workflow import form

from smartcities.audit.models import AuditEvent
from smartcities.extensions import db
from smartcities.organisations.models import Interest, Organisation
from smartcities.projects.models import Project, ProjectParticipation, ProjectRevision

NEW_PARTNER = "Quietwater Infrastructure Fund"


def published(client, as_user) -> Project:
    """A project registered, submitted and published through the workflow, as in real use."""
    token = as_user("official")
    client.post("/projects/new", data=form(token))
    project = db.session.scalars(select(Project).order_by(Project.id.desc())).first()
    client.post(f"/projects/{project.id}/submit", data={"csrf_token": token})
    token = as_user("focal")
    assert client.post(f"/projects/{project.id}/publish", data={"csrf_token": token}).status_code == 302
    return db.session.get(Project, project.id)


def public_views(client, project_id: int) -> list[str]:
    """What anyone sees of the project: its page, its API record, the feed, the map data."""
    return [client.get(url).get_data(as_text=True) for url in (
        f"/projects/{project_id}", f"/api/v1/projects/{project_id}", "/feed.json", "/api/v1/projects.geojson",
        "/api/v1/organisations", "/organisations")]


def propose(client, as_user, project: Project, **changes):
    token = as_user("official")
    return client.post(f"/projects/{project.id}/edit", data=form(token, version=str(project.version), **changes))


def test_an_edit_of_a_published_project_waits_for_review(client, as_user, people):
    project = published(client, as_user)
    response = propose(client, as_user, project, title="Reading rooms open at night",
                       **{"participants-0-organisation": NEW_PARTNER, "participants-0-role": "funding"})
    assert response.status_code == 302
    stored = db.session.get(Project, project.id)
    assert (stored.title, stored.version, stored.updated_at) == (project.title, project.version, project.updated_at)
    [revision] = db.session.scalars(select(ProjectRevision).where(ProjectRevision.project_id == project.id))
    assert revision.status == "pending" and revision.values["title"] == "Reading rooms open at night"
    assert db.session.scalar(select(func.count()).select_from(Organisation)
                             .where(Organisation.name == NEW_PARTNER)) == 0  # named only in the revision
    client.post("/logout", data={"csrf_token": as_user("partner")})
    for page in public_views(client, project.id):
        assert "Reading rooms open at night" not in page and NEW_PARTNER not in page
        assert "A change waits for review" not in page
    as_user("focal")
    page = client.get(f"/projects/{project.id}").get_data(as_text=True)
    assert "A change waits for review" in page and "Reading rooms open at night" in page
    assert project.title in page  # the published value beside the proposed one


def test_publishing_the_revision_updates_every_surface_and_the_feed(client, as_user, people):
    project = published(client, as_user)
    modified_before = client.get("/feed.json").json["items"][0]["date_modified"]
    updated_before = project.updated_at
    propose(client, as_user, project, title="Reading rooms open at night",
            **{"participants-0-organisation": NEW_PARTNER, "participants-0-role": "funding"})
    token = as_user("official")  # the city may not approve its own change
    assert client.post(f"/projects/{project.id}/publish", data={"csrf_token": token}).status_code == 403
    token = as_user("focal")
    assert client.post(f"/projects/{project.id}/publish", data={"csrf_token": token}).status_code == 302
    stored = db.session.get(Project, project.id)
    assert stored.title == "Reading rooms open at night" and stored.status == "published"
    assert [p.organisation.name for p in stored.participations] == [NEW_PARTNER]
    assert db.session.scalar(select(Organisation.is_public).where(Organisation.name == NEW_PARTNER)) is True
    assert db.session.scalar(select(ProjectRevision.status).where(ProjectRevision.project_id == project.id)) == \
        "published"
    client.post("/logout", data={"csrf_token": token})
    views = public_views(client, project.id)
    assert all("Reading rooms open at night" in page for page in views[:4])
    assert all(NEW_PARTNER in page for n, page in enumerate(views) if n != 2), [
        n for n, page in enumerate(views) if NEW_PARTNER not in page]  # the feed does not list partners
    item = next(i for i in client.get("/feed.json").json["items"] if i["title"] == "Reading rooms open at night")
    assert item["date_modified"] >= modified_before  # the feed says seconds; the row says more:
    assert stored.updated_at > updated_before
    actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.entity_type == "project",
                                                                 AuditEvent.entity_id == project.id)).all()
    assert "revision_proposed" in actions and "revise" in actions  # the history keeps both


def test_a_returned_revision_leaves_the_published_version_untouched(client, as_user, people):
    project = published(client, as_user)
    propose(client, as_user, project, title="Reading rooms open at night")
    token = as_user("focal")
    assert client.post(f"/projects/{project.id}/return", data={"comment": "", "csrf_token": token}).status_code == 400
    assert client.post(f"/projects/{project.id}/return",
                       data={"comment": "Say who pays the night staff.", "csrf_token": token}).status_code == 302
    assert db.session.get(Project, project.id).title == project.title
    revision = db.session.scalar(select(ProjectRevision).where(ProjectRevision.project_id == project.id))
    assert (revision.status, revision.review_comment) == ("returned", "Say who pays the night staff.")
    assert client.post(f"/projects/{project.id}/publish", data={"csrf_token": token}).status_code == 409
    as_user("official")
    page = client.get(f"/projects/{project.id}").get_data(as_text=True)
    assert "Say who pays the night staff." in page
    edit_page = client.get(f"/projects/{project.id}/edit").get_data(as_text=True)
    assert 'value="Reading rooms open at night"' in edit_page  # the city goes on editing its change
    propose(client, as_user, project, title="Reading rooms open at night, staffed by volunteers")
    revision = db.session.scalar(select(ProjectRevision).where(ProjectRevision.project_id == project.id))
    assert (revision.status, revision.review_comment) == ("pending", None)
    assert db.session.scalar(select(func.count()).select_from(ProjectRevision)) == 1
    assert "staffed by volunteers" not in client.get(f"/api/v1/projects/{project.id}").get_data(as_text=True)


def test_an_edit_back_to_the_published_values_leaves_nothing_to_review(client, as_user, people):
    project = published(client, as_user)
    propose(client, as_user, project, title="Reading rooms open at night")
    propose(client, as_user, project)  # the published values again
    assert db.session.scalar(select(func.count()).select_from(ProjectRevision)) == 0
    token = as_user("focal")
    assert client.post(f"/projects/{project.id}/publish", data={"csrf_token": token}).status_code == 409


def test_a_revision_cannot_move_the_project_to_another_city(client, as_user, people):
    project = published(client, as_user)
    response = propose(client, as_user, project, city="chiang-mai")
    assert response.status_code in (400, 403)
    assert db.session.scalar(select(func.count()).select_from(ProjectRevision)) == 0


def test_a_draft_names_a_new_organisation_privately(client, as_user, people, make_user):
    token = as_user("official")
    client.post("/projects/new", data=form(token, **{"participants-0-organisation": NEW_PARTNER,
                                                      "participants-0-role": "funding"}))
    organisation = db.session.scalar(select(Organisation).where(Organisation.name == NEW_PARTNER))
    assert not organisation.is_public and organisation.private_to_city.slug == "bangkok"
    created = db.session.scalar(select(AuditEvent).where(AuditEvent.entity_type == "organisation",
                                                         AuditEvent.entity_id == organisation.id))
    assert created.action == "created" and created.user_id == people["official"].id
    assert NEW_PARTNER in client.get("/projects/new").get_data(as_text=True)  # the drafting city's picker
    assert client.get(f"/organisations/{organisation.id}").status_code == 200
    make_user("city_official", email="cm@example.org", city="chiang-mai")
    client.post("/logout", data={"csrf_token": token})
    client.post("/login", data={"email": "cm@example.org", "password": "correct horse battery",
                                "csrf_token": client.get("/login") and _token(client)})
    assert NEW_PARTNER not in client.get("/projects/new").get_data(as_text=True)
    assert client.get(f"/organisations/{organisation.id}").status_code == 404
    assert client.get(f"/api/v1/organisations/{organisation.id}").status_code == 404


def _token(client) -> str:
    from support import csrf_token
    return csrf_token(client)


def test_partner_rows_are_capped_and_names_bounded(client, as_user, people):
    token = as_user("official")
    rows = {f"participants-{n}-organisation": f"Partner number {n}" for n in range(51)}
    rows.update({f"participants-{n}-role": "implementing" for n in range(51)})
    before = db.session.scalar(select(func.count()).select_from(Organisation))
    too_many = client.post("/projects/new", data=form(token, **rows))
    assert too_many.status_code == 400 and "at most 50 partners" in too_many.get_data(as_text=True)
    long_name = client.post("/projects/new", data=form(token, partners=f"{'N' * 201} (funding)"))
    assert long_name.status_code == 400
    assert db.session.scalar(select(func.count()).select_from(Organisation)) == before
    assert db.session.scalar(select(func.count()).select_from(Project)) == 0


def test_an_admin_merges_a_duplicate_keeping_every_participation(client, as_user, people, make_project):
    adb = db.session.scalar(select(Organisation).where(Organisation.name == "Asian Development Bank (ADB)"))
    typo = Organisation(name="Asian Developement Bank", kind="other", description="")
    project = make_project(title="Canal sensors")
    db.session.add(typo)
    db.session.flush()
    db.session.add(ProjectParticipation(project_id=project.id, organisation_id=typo.id, role="funding"))
    db.session.add(Interest(project_id=project.id, organisation_id=typo.id, message="Yes"))
    db.session.commit()
    typo_id = typo.id
    token = as_user("focal")
    assert client.post(f"/organisations/{typo_id}/merge", data={"into": adb.id, "csrf_token": token}).status_code \
        == 403
    token = as_user("admin")
    assert client.post(f"/organisations/{typo_id}/merge", data={"into": typo_id, "csrf_token": token}).status_code \
        == 302
    assert db.session.get(Organisation, typo_id) is not None  # into itself: refused
    assert client.post(f"/organisations/{typo_id}/merge", data={"into": adb.id, "csrf_token": token}).status_code \
        == 302
    assert db.session.get(Organisation, typo_id) is None
    roles = db.session.scalars(select(ProjectParticipation.organisation_id)
                               .where(ProjectParticipation.project_id == project.id)).all()
    assert roles == [adb.id]
    assert db.session.scalar(select(Interest.organisation_id).where(Interest.project_id == project.id)) == adb.id
    merged = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "merged"))
    assert merged.entity_id == adb.id and merged.changes["merged_from"][1]["name"] == "Asian Developement Bank"


def test_two_cities_naming_the_same_new_partner_each_get_their_own_until_publication(
        client, as_user, people, make_user):
    def register(token: str, city: str, title: str) -> int:
        client.post("/projects/new", data=form(token, city=city, title=title, **{
            "participants-0-organisation": NEW_PARTNER, "participants-0-role": "funding"}))
        return db.session.scalar(select(Project.id).where(Project.title == title))
    bangkok = register(as_user("official"), "bangkok", "Night library")
    from support import csrf_token
    make_user("city_official", email="cm@example.org", city="chiang-mai")
    client.post("/logout", data={"csrf_token": csrf_token(client, "/dashboard")})
    client.post("/login", data={"email": "cm@example.org", "password": "correct horse battery",
                                "csrf_token": _token(client)})
    chiang_mai = register(csrf_token(client, "/dashboard"), "chiang-mai", "Night market lights")
    private = db.session.scalars(select(Organisation).where(Organisation.name == NEW_PARTNER)
                                 .order_by(Organisation.id)).all()
    assert [o.private_to_city.slug for o in private] == ["bangkok", "chiang-mai"]  # two, each city's own
    for project_id in (chiang_mai, bangkok):  # both published in turn: one public organisation in the end
        project = db.session.get(Project, project_id)
        project.status = "submitted"
        db.session.commit()
        token = as_user("focal")
        assert client.post(f"/projects/{project_id}/publish", data={"csrf_token": token}).status_code == 302
    [public] = db.session.scalars(select(Organisation).where(Organisation.name == NEW_PARTNER)).all()
    assert public.is_public and public.private_to_city_id is None
    linked = db.session.scalars(select(ProjectParticipation.project_id)
                                .where(ProjectParticipation.organisation_id == public.id)).all()
    assert sorted(linked) == sorted([bangkok, chiang_mai])


def test_the_merge_command_folds_a_duplicate_and_refuses_unknown_ids(runner, make_project):
    adb = db.session.scalar(select(Organisation.id).where(Organisation.name == "Asian Development Bank (ADB)"))
    project = make_project(title="Canal sensors")
    typo = Organisation(name="ADB Asian Development Bank", kind="other", description="")
    db.session.add(typo)
    db.session.flush()
    typo_id = typo.id
    db.session.add(ProjectParticipation(project_id=project.id, organisation_id=typo_id, role="funding"))
    db.session.commit()
    refused = runner.invoke(args=["organisations", "merge", str(typo_id), "999999"])
    assert refused.exit_code == 1 and "no organisation with id 999999" in refused.output
    assert db.session.get(Organisation, typo_id) is not None
    done = runner.invoke(args=["organisations", "merge", str(typo_id), str(adb)])
    assert done.exit_code == 0, done.output
    assert db.session.get(Organisation, typo_id) is None
    assert db.session.scalar(select(ProjectParticipation.organisation_id)
                             .where(ProjectParticipation.project_id == project.id)) == adb


def test_a_merge_keeps_the_duplicates_profile_dismissals_and_followers(app, people, make_project):
    from smartcities.notifications.models import TopicFollow
    from smartcities.organisations.models import MatchDismissal, PartnerProfile
    from smartcities.organisations.services import merge_organisations
    first, second = make_project(title="Canal sensors"), make_project(title="Bus lanes")
    duplicate = Organisation(name="Mekong Fund Ltd", kind="private", description="")
    target = Organisation(name="Mekong Fund", kind="private", description="")
    db.session.add_all([duplicate, target])
    db.session.flush()
    duplicate.profile = PartnerProfile(focus_areas=["built-infrastructure"], countries=["TH"], instruments=["loan"],
                                       statement="Loans for transit", tell_matches=True)
    reader, other = people["partner"].id, people["official"].id
    db.session.add_all([
        MatchDismissal(organisation_id=duplicate.id, project_id=first.id),
        MatchDismissal(organisation_id=duplicate.id, project_id=second.id),
        MatchDismissal(organisation_id=target.id, project_id=second.id),
        TopicFollow(user_id=reader, topic="organisation", target=str(duplicate.id)),
        TopicFollow(user_id=other, topic="organisation", target=str(duplicate.id)),
        TopicFollow(user_id=other, topic="organisation", target=str(target.id)),
    ])
    db.session.commit()
    duplicate_id, target_id = duplicate.id, target.id
    merge_organisations(duplicate, target, None)
    db.session.commit()
    profile = db.session.get(PartnerProfile, target_id)
    assert profile is not None and profile.statement == "Loans for transit" and profile.tell_matches
    assert db.session.get(PartnerProfile, duplicate_id) is None
    assert sorted(db.session.scalars(select(MatchDismissal.project_id).where(
        MatchDismissal.organisation_id == target_id))) == sorted([first.id, second.id])
    assert sorted(db.session.execute(select(TopicFollow.user_id, TopicFollow.target).where(
        TopicFollow.topic == "organisation")).all()) == sorted([(reader, str(target_id)), (other, str(target_id))])
