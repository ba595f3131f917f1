"""JSON Feed 1.1 of the network, a city and a country: newest changes first, plain text, stable ids."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import update

from smartcities.extensions import db
from smartcities.projects.models import Project


def backdate(project: Project, days: int) -> None:
    moment = datetime.now(timezone.utc) - timedelta(days=days)
    db.session.execute(update(Project).where(Project.id == project.id).values(
        published_at=moment, updated_at=moment))
    db.session.commit()


def test_network_feed_lists_recent_changes_as_json_feed_1_1(client, make_project):
    older = make_project("Older project", summary="First phase done.", description="Details <b>here</b>.",
                         focus_areas=("Safety and Security", "Civic and Social"))
    newer = make_project("Newer project", summary="<script>alert(1)</script>")
    make_project("Draft", status="draft")
    backdate(older, 3)

    response = client.get("/feed.json")
    assert response.mimetype == "application/feed+json"
    feed = response.json
    assert feed["version"] == "https://jsonfeed.org/version/1.1" and feed["title"] == "ASCN projects"
    assert feed["home_page_url"] == "http://localhost/" and feed["feed_url"] == "http://localhost/feed.json"
    assert feed["language"] == "en"
    assert [item["title"] for item in feed["items"]] == ["Newer project", "Older project"]
    first, second = feed["items"]
    assert first["id"] == first["url"] == f"http://localhost/projects/{newer.id}"
    assert first["content_text"] == "<script>alert(1)</script>"  # text, shown as text by readers
    assert "content_html" not in first and first["language"] == "en"
    assert second["content_text"] == "First phase done.\n\nDetails <b>here</b>."
    assert second["tags"] == ["Civic and Social", "Safety and Security"]
    for item in feed["items"]:
        assert datetime.fromisoformat(item["date_published"]) <= datetime.fromisoformat(item["date_modified"])
        assert isinstance(item["id"], str)


def test_feed_keeps_the_50_latest(client, make_project):
    made = [make_project(f"Project {n}") for n in range(53)]
    for days, project in enumerate(made[:3], start=1):
        backdate(project, days)
    items = client.get("/feed.json").json["items"]
    assert len(items) == 50
    assert {item["title"] for item in items}.isdisjoint({"Project 0", "Project 1", "Project 2"})


def test_city_and_country_feeds(client, make_project):
    make_project("Bangkok canals", city="bangkok")
    make_project("Phuket beaches", city="phuket")
    make_project("Hanoi buses", city="hanoi")
    city = client.get("/cities/bangkok/feed.json").json
    assert city["title"] == "ASCN projects in Bangkok" and [i["title"] for i in city["items"]] == ["Bangkok canals"]
    assert city["home_page_url"] == "http://localhost/cities/bangkok"
    country = client.get("/countries/th/feed.json").json
    assert country["title"] == "ASCN projects in Thailand"
    assert sorted(i["title"] for i in country["items"]) == ["Bangkok canals", "Phuket beaches"]
    for path in ("/cities/atlantis/feed.json", "/countries/XX/feed.json", "/countries/THA/feed.json"):
        response = client.get(path)
        assert response.status_code == 404 and response.mimetype == "application/problem+json", path


def test_pages_link_to_their_feed(client):
    html = client.get("/").get_data(as_text=True)
    assert '<link rel="alternate" type="application/feed+json"' in html and 'href="/feed.json"' in html
