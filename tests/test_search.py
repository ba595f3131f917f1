"""Search (issue 11.4): `q=` of the API and the map finds projects through the database's text index, forgiving
case, accents and typos, finding words inside Thai text and partners' names, ranked, and never through drafts."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from smartcities.extensions import db
from smartcities.geo.models import City
from smartcities.organisations.models import Organisation, OrganisationName
from smartcities.projects import search, search_index
from smartcities.projects.models import Project, ProjectParticipation
from smartcities.text import fold


def found(client, q: str, path: str = "/api/v1/projects") -> list[str]:
    response = client.get(path, query_string={"q": q, "limit": 500})
    assert response.status_code == 200, response.get_data(as_text=True)
    return [item["title"] for item in response.get_json()["items"]]


def both(client, q: str) -> list[str]:
    """The titles the API finds, after checking that the map's list finds the same, in the same order."""
    titles = found(client, q)
    assert found(client, q, "/api/v1/map/projects") == titles
    return titles


def test_folding_and_terms():
    assert search.split_terms("  Đà  Nẵng ") == ["da nang"]
    assert search.split_terms("E-Health for KUALA Lumpur") == ["e health", "for", "kuala", "lumpur"]
    assert search.split_terms("5G") == ["5g"]
    assert search.split_terms("%_%") == []
    assert search.similarity("lumpor", "lumpur") >= search.SIMILAR > search.similarity("flood", "food")


def test_accents_and_case_do_not_matter(client, make_project):
    make_project("Cầu Rồng smart lighting", city="da-nang")
    make_project("Solar kiosks", city="hanoi")
    assert both(client, "cau rong") == ["Cầu Rồng smart lighting"]
    assert both(client, "CẦU RỒNG") == ["Cầu Rồng smart lighting"]
    assert "Cầu Rồng smart lighting" in both(client, "da nang")      # the city's name, folded
    assert "Cầu Rồng smart lighting" in both(client, "Đà Nẵng")      # and its local name
    assert "Solar kiosks" not in both(client, "da nang")


def test_a_misspelt_word_is_corrected_from_published_words(client, make_project):
    make_project("Kerbside charging posts", city="kuala-lumpur")
    make_project("Kerbside charging posts in Johor", city="johor-bahru")
    assert both(client, "Kuala Lumpor") == ["Kerbside charging posts"]
    assert both(client, "charging kerbsied") == ["Kerbside charging posts", "Kerbside charging posts in Johor"]
    assert both(client, "Kuala Lumpur") == ["Kerbside charging posts"]


def test_corrections_never_come_from_drafts(client, make_project):
    make_project("Zyxolith retrofit", status="draft", city="kuala-lumpur", summary="lumpor")
    make_project("Zyxolite survey", city="kuala-lumpur")
    words = set(db.session.scalars(select(search_index.search_words.c.word)))
    assert "zyxolite" in words and "zyxolith" not in words and "lumpor" not in words
    assert both(client, "zyxolitj") == ["Zyxolite survey"]  # corrected to a published word only
    assert both(client, "lumpor") == ["Zyxolite survey"]    # a draft's misspelling does not stop the correction


def test_a_word_inside_thai_text_is_found(client, make_project):
    make_project("ระบบเตือนภัยน้ำท่วมคลองแสนแสบ")
    make_project("ถนนอัจฉริยะ", summary="โครงการติดตั้งเซนเซอร์น้ำท่วมบนถนน")
    make_project("ห้องสมุดดิจิทัล")
    assert both(client, "น้ำท่วม") == ["ระบบเตือนภัยน้ำท่วมคลองแสนแสบ", "ถนนอัจฉริยะ"]  # the title match first
    assert both(client, "คลองแสนแสบ") == ["ระบบเตือนภัยน้ำท่วมคลองแสนแสบ"]


def test_partners_are_searched_by_name_and_acronym_while_public(client, make_project):
    project = make_project("Bus rapid transit study")
    hidden = Organisation(name="Quietfund Holdings", kind="private", is_public=False)
    public = Organisation(name="Mekong Transit Finance Corporation", kind="private")
    db.session.add_all([hidden, public])
    db.session.flush()
    db.session.add(OrganisationName(organisation_id=public.id, key="mtfc", kind="acronym", label="MTFC"))
    db.session.add_all([ProjectParticipation(project_id=project.id, organisation_id=public.id, role="funding"),
                        ProjectParticipation(project_id=project.id, organisation_id=hidden.id, role="implementing")])
    db.session.commit()
    assert both(client, "mekong transit") == ["Bus rapid transit study"]
    assert both(client, "mtfc") == ["Bus rapid transit study"]
    assert both(client, "quietfund") == []  # a confidential organisation's name is not searchable
    public.name = "Delta Mobility Bank"
    hidden.is_public = True
    db.session.commit()
    assert both(client, "mekong transit") == []
    assert both(client, "delta mobility") == both(client, "quietfund") == ["Bus rapid transit study"]


def test_renamed_places_are_found_by_their_new_names(client, make_project):
    make_project("Canal dredging robots", city="hanoi")
    db.session.scalar(select(City).where(City.slug == "hanoi")).name = "Thang Longville"
    db.session.commit()
    assert both(client, "thang longville") == ["Canal dredging robots"]


def test_edits_and_removals_reach_the_index(client, make_project):
    project = make_project("Vertiport planning", summary="quadcopter corridors")
    assert both(client, "quadcopter") == ["Vertiport planning"]
    project.summary = "drone corridors"
    db.session.commit()
    assert both(client, "quadcopter") == []
    assert both(client, "drone corridors") == ["Vertiport planning"]
    project.status = "archived"
    db.session.commit()
    assert both(client, "vertiport") == []
    db.session.delete(db.session.get(Project, project.id))
    db.session.commit()
    assert db.session.get(Project, project.id) is None
    assert db.session.scalar(select(search_index.project_search.c.project_id)
                             .where(search_index.project_search.c.project_id == project.id)) is None


def test_title_matches_rank_first_and_pages_follow_the_ranking(client, make_project):
    description_only = [make_project(f"Bulletin {n}", summary="about the heliograph network") for n in range(5)]
    titled = [make_project(f"Heliograph network {n}") for n in range(3)]
    half = make_project("Heliograph museum", summary="network of old towers")
    ranked = both(client, "heliograph network")
    # both words in the title, then one (made last, still before), then none; ties in id order
    assert ranked == [p.title for p in titled] + [half.title] + [p.title for p in description_only]
    pages, url = [], "/api/v1/projects?q=heliograph+network&limit=2"
    while url:
        body = client.get(url).get_json()
        pages += [item["title"] for item in body["items"]]
        url = body["next"]
        assert body["total"] == len(ranked)
    assert pages == ranked


@pytest.mark.parametrize("q", ["%", "_", "*", '"', "NEAR(", "AND", 'flood" OR "x', "lumpur)", "title:flood"])
def test_any_text_is_a_search_not_a_query_language(client, make_project, q):
    """Wildcards and the index's operators are plain punctuation or words: the same as the words alone."""
    make_project("Flood plain project", summary="near and far")
    plain = fold(q)
    assert both(client, q) == (both(client, plain) if plain else [])
    assert client.get("/api/v1/map/clusters", query_string={"q": q, "zoom": 3}).status_code == 200


def test_rebuild_gives_what_the_flushes_wrote(app, make_project):
    make_project("Smart bins", summary="sensor lids")
    rows = lambda: sorted(db.session.execute(select(search_index.project_search)).all())  # noqa: E731
    words = lambda: set(db.session.scalars(select(search_index.search_words.c.word)))  # noqa: E731
    before, vocabulary = rows(), words()
    assert len(before) == db.session.query(Project).count()
    assert search_index.rebuild(db.session.connection()) == len(before)
    assert rows() == before and words() == vocabulary
    db.session.rollback()


def test_site_names_are_searched_and_follow_their_edits(client, make_project):
    from smartcities.projects.models import ProjectSite
    project = make_project("Adaptive signals", locations=[(13.73, 100.54, "Junction 12 – Rama IV"),
                                                          (13.74, 100.55, None)])
    assert both(client, "rama iv") == ["Adaptive signals"]
    site = db.session.scalars(select(ProjectSite).where(ProjectSite.project_id == project.id,
                                                        ProjectSite.position == 0)).one()
    site.name = "Junction 7 – Sukhumvit"
    db.session.commit()
    assert both(client, "rama iv") == [] and both(client, "sukhumvit") == ["Adaptive signals"]


def test_the_index_follows_the_commit_not_each_flush(client, make_project):
    project = make_project("Ferry timetables")
    project.summary = "hovercraft piers"
    db.session.flush()
    db.session.rollback()                          # flushed, never committed: the index keeps what was committed
    assert both(client, "hovercraft") == []
    project = db.session.get(Project, project.id)
    project.summary = "hovercraft piers"
    db.session.flush()
    project.title = "Ferry and hovercraft timetables"
    db.session.flush()                             # two flushes, one refresh at the commit
    db.session.commit()
    assert both(client, "hovercraft") == ["Ferry and hovercraft timetables"]
