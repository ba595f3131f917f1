"""Profile pages stay small: a city's and an organisation's projects come 50 to a page, by title then id."""
from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, insert, select

from smartcities import public_version
from smartcities.database import utcnow
from smartcities.extensions import db
from smartcities.geo.models import City
from smartcities.organisations.models import Organisation
from smartcities.projects.models import FocusArea, Project, ProjectParticipation, ProjectSite, project_focus_areas

ADB = "Asian Development Bank (ADB)"


def bulk_projects(count: int, city: str = "bangkok", status: str = "published", prefix: str = "Canal") -> list[int]:
    """Insert `count` projects in one statement (each with a focus area), commit, return their ids.

    Titles repeat (every title twice), so only the id keeps the order stable across pages.
    """
    place = db.session.scalar(select(City).where(City.slug == city))
    area = db.session.scalar(select(FocusArea.id).order_by(FocusArea.id))
    first = (db.session.scalar(select(func.max(Project.id))) or 0) + 1
    now = utcnow()
    rows = [dict(id=first + i, city_id=place.id, title=f"{prefix} project {i // 2:03d}", summary="", description="",
                 stage="planning", status=status,
                 start_date=date(2026, 1, 1), published_at=now if status == "published" else None,
                 created_at=now, updated_at=now, version=1) for i in range(count)]
    db.session.execute(insert(Project), rows)
    db.session.execute(insert(ProjectSite), [dict(project_id=row["id"], position=0, latitude=place.latitude + i * 1e-4,
                                                  longitude=place.longitude) for i, row in enumerate(rows)])
    db.session.execute(insert(project_focus_areas), [dict(project_id=row["id"], focus_area_id=area) for row in rows])
    public_version.bump(db.session)  # bulk writes bypass the ORM's flush hook
    db.session.commit()
    return [row["id"] for row in rows]


def join_all(project_ids: list[int], name: str = ADB, role: str = "funding", amount: str | None = None) -> Organisation:
    organisation = db.session.scalar(select(Organisation).where(Organisation.name == name))
    db.session.execute(insert(ProjectParticipation), [
        dict(project_id=pid, organisation_id=organisation.id, role=role,
             committed_amount=Decimal(amount) if amount else None, committed_currency="USD" if amount else None)
        for pid in project_ids])
    public_version.bump(db.session)
    db.session.commit()
    return organisation


def get(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


def listed(html: str, list_id: str) -> list[int]:
    """Project ids in the page's list (the items the minimap places), in page order."""
    block = html.split(f'id="{list_id}"', 1)[1].split("</section>", 1)[0]
    return [int(pid) for pid in re.findall(r'<li data-lat="[^"]*" data-lon="[^"]*" data-label="[^"]*" '
                                           r'data-href="/projects/(\d+)"', block)]


def links(html: str) -> dict[str, str]:
    """The pager's rel="prev"/"next" targets."""
    return dict(re.findall(r'<a rel="(prev|next)" href="([^"]+)"', html))


def expected_order(ids: list[int]) -> list[int]:
    titles = dict(db.session.execute(select(Project.id, Project.title).where(Project.id.in_(ids))).all())
    return sorted(ids, key=lambda pid: (titles[pid], pid))


def test_city_page_lists_50_projects_a_page_in_a_stable_order(client):
    published = bulk_projects(120)
    drafts = bulk_projects(5, status="draft", prefix="Aaa hidden")  # would sort first if they leaked
    pages = {n: get(client, "/cities/bangkok" + (f"?page={n}" if n > 1 else "")) for n in (1, 2, 3)}
    seen = {n: listed(html, "city-projects") for n, html in pages.items()}
    assert [len(seen[n]) for n in (1, 2, 3)] == [50, 50, 20]
    assert seen[1] + seen[2] + seen[3] == expected_order(published)  # every project once, none on two pages
    assert not set(drafts) & set(seen[1] + seen[2] + seen[3])
    assert all("Aaa hidden" not in html for html in pages.values())

    assert links(pages[1]) == {"next": "/cities/bangkok?page=2#projects-heading"}
    assert links(pages[2]) == {"prev": "/cities/bangkok#projects-heading",
                               "next": "/cities/bangkok?page=3#projects-heading"}
    assert links(pages[3]) == {"prev": "/cities/bangkok?page=2#projects-heading"}
    assert listed(get(client, "/cities/bangkok?page=1"), "city-projects") == seen[1]
    for html in pages.values():  # the figures are the whole city's, on every page
        assert "<dt>Published projects</dt><dd>120</dd>" in html
        assert '<nav class="pager" aria-label="Pages of the projects in Bangkok">' in html
    assert "Showing 101–120 of 120" in pages[3] and 'aria-current="page">Page 3 of 3<' in pages[3]
    # The minimap places the city and this page's projects only.
    assert pages[3].count("data-lat=") == 1 + 20


def test_city_partners_and_counts_cover_every_page(client):
    published = bulk_projects(120)
    join_all(published[::2], amount="1000")
    join_all(published[:3], role="extending")  # two of them already funded: 61 distinct projects
    html = get(client, "/cities/bangkok?page=3")
    partner = html.split('href="/organisations/', 2)[1].split("</li>", 1)[0]
    assert ADB in partner and "Funding, Extending · Projects: 61" in partner
    cities = get(client, "/cities").split('id="country-TH"', 1)[1].split("</li>", 1)[0]
    assert "Projects: 120" in cities


def test_a_short_list_has_no_pager(client, make_project):
    make_project(title="Only one")
    html = get(client, "/cities/bangkok")
    assert 'class="pager"' not in html and 'rel="next"' not in html
    assert "<dt>Published projects</dt><dd>1</dd>" in html
    assert 'id="city-projects"' not in get(client, "/cities/hanoi") and "Page 1" not in get(client, "/cities/hanoi")


@pytest.mark.parametrize("page", ["0", "-1", "abc", "", "1.5", "4", "99999999999999999999", "２", "1e3", " 2"])
def test_a_page_that_does_not_exist_is_404(client, page):
    bulk_projects(120)
    assert client.get("/cities/bangkok", query_string={"page": page}).status_code == 404
    assert client.get("/cities/hanoi", query_string={"page": page}).status_code == 404


def test_an_empty_list_has_page_1_only(client):
    assert client.get("/cities/hanoi?page=1").status_code == 200
    assert client.get("/cities/hanoi?page=2").status_code == 404


def test_organisation_page_lists_50_projects_a_page(client):
    published = bulk_projects(120)
    drafts = bulk_projects(4, status="draft", prefix="Aaa hidden")
    organisation = join_all(published + drafts, amount="1000")
    join_all(published[:60], role="extending")  # two roles in one project: still one project
    base = f"/organisations/{organisation.id}"
    pages = {n: get(client, base + (f"?page={n}" if n > 1 else "")) for n in (1, 2, 3)}
    seen = {n: listed(html, "organisation-projects") for n, html in pages.items()}
    assert [len(seen[n]) for n in (1, 2, 3)] == [50, 50, 20]
    assert seen[1] + seen[2] + seen[3] == expected_order(published)
    assert all("Aaa hidden" not in html for html in pages.values())
    # The table lists this page's roles, both roles of a project that has two.
    table = pages[1].split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    assert table.count("<tr>") == 100 and table.count("Extending") == 50

    assert links(pages[1]) == {"next": f"{base}?page=2#projects-heading"}
    assert links(pages[2]) == {"prev": f"{base}#projects-heading", "next": f"{base}?page=3#projects-heading"}
    assert links(pages[3]) == {"prev": f"{base}?page=2#projects-heading"}
    for html in pages.values():  # committed totals and the count are the whole organisation's
        assert "<dt>Published projects</dt><dd>120</dd>" in html
        assert "<dt>Committed (USD)</dt><dd>120,000</dd>" in html
        assert f'<nav class="pager" aria-label="Pages of the projects of {ADB}">' in html
    assert "Showing 51–100 of 120" in pages[2]
    for page in ("0", "4", "x", "99999999999999999999"):
        assert client.get(base, query_string={"page": page}).status_code == 404


def test_a_private_organisation_stays_hidden_whatever_the_page(client):
    organisation = Organisation(name="Drafting partner", kind="private", is_public=False)
    db.session.add(organisation)
    db.session.commit()
    for query in ("", "?page=1", "?page=2"):
        assert client.get(f"/organisations/{organisation.id}{query}").status_code == 404
