"""Public pages: the map page, cities, organisations, plans and /stats, rendered from the seeded data."""
from __future__ import annotations

import re
from decimal import Decimal
from html import unescape

import pytest
from sqlalchemy import select

from smartcities.extensions import db
from smartcities.organisations.models import Organisation
from smartcities.projects.models import ProjectParticipation
from smartcities.web.charts import bar_chart

XSS = "<img src=x onerror=alert(1)>"
ADB = "Asian Development Bank (ADB)"


def org(name: str) -> Organisation:
    return db.session.scalar(select(Organisation).where(Organisation.name == name))


def join(project, name: str, role: str = "funding", amount: str | None = None, currency: str | None = None):
    """Add an organisation's participation to a committed project."""
    db.session.add(ProjectParticipation(project=project, organisation=org(name), role=role,
                                        committed_amount=Decimal(amount) if amount else None,
                                        committed_currency=currency))
    db.session.commit()


def page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


def table_rows(html: str, heading_id: str) -> dict[str, str]:
    """The data table that follows a chart heading, as {label: value}."""
    section = html.split(f'id="{heading_id}-heading"', 1)[1].split("</figure>", 1)[0]
    rows = re.findall(r'<th scope="row">(.*?)</th><td class="num">(.*?)</td>', section)
    return {unescape(label): value for label, value in rows}


@pytest.mark.parametrize("url", ["/", "/cities", "/cities/bangkok", "/cities/putrajaya", "/organisations",
                                 "/organisations?kind=multilateral&external=1&country=", "/plans", "/stats"])
def test_public_pages_render_with_seeded_data(client, url):
    html = page(client, url)
    assert "<main" in html and 'type="application/feed+json"' in html


@pytest.mark.parametrize("url", ["/cities/atlantis", "/organisations/999999", "/organisations/abc"])
def test_unknown_slugs_and_ids_are_404(client, url):
    assert client.get(url).status_code == 404


def test_home_page_wires_the_map_to_the_api_and_offers_every_filter(client):
    html = page(client, "/")
    assert 'data-clusters-url="/api/v1/map/clusters"' in html and 'data-list-url="/api/v1/map/projects"' in html
    assert 'data-cities-url="/api/v1/cities.geojson"' in html
    assert 'data-tile-url="https://tile.openstreetmap.org/{z}/{x}/{y}.png"' in html
    for name in ("q", "country", "city", "focus", "stage", "partner", "seeking"):
        assert f'name="{name}"' in html
    assert '<option value="bangkok">Bangkok</option>' in html
    assert '<option value="safety-and-security" data-name="Safety and Security">' in html
    assert "/vendor/leaflet/leaflet.js" in html and "js/map.js" in html
    csp = client.get("/").headers["Content-Security-Policy"]
    assert "unsafe-inline" not in csp and "'nonce-" in csp


def test_partner_filter_lists_only_funders_of_published_projects(client, make_project):
    published = make_project(title="Published one")
    join(published, ADB)
    join(published, "UN-Habitat", "implementing")
    join(make_project(title="Still a draft", status="draft"), "World Bank")
    html = page(client, "/")
    partners = html.split('id="f-partner"', 1)[1].split("</select>", 1)[0]
    assert ADB in partners and "World Bank" not in partners and "UN-Habitat" not in partners


def test_cities_list_groups_by_country_with_local_names_and_membership(client, make_project):
    make_project(title="Canal sensors", city="bangkok")
    html = page(client, "/cities")
    thailand = html.split('id="country-TH"', 1)[1].split("</section>", 1)[0]
    assert '<a href="/cities/bangkok">Bangkok</a>' in thailand
    assert '<span class="local-name" dir="auto" lang="th">กรุงเทพมหานคร</span>' in thailand
    assert "Member since 2018" in thailand and "Projects: 1" in thailand
    assert "Chiang Mai" in thailand and "Member since 2023" in thailand
    assert "Not an ASCN member city" in html.split('id="country-MY"', 1)[1].split("</section>", 1)[0]


def test_city_profile_shows_projects_plans_and_partners(client, make_project):
    project = make_project(title="Canal flood sensors", city="bangkok")
    join(project, ADB, "funding", "250000", "USD")
    join(project, "Seoul National University", "implementing")
    make_project(title="Hanoi bike lanes", city="hanoi")
    html = page(client, "/cities/bangkok")
    assert "Canal flood sensors" in html and "Hanoi bike lanes" not in html
    assert f'href="/projects/{project.id}"' in html
    assert 'data-lat="13.7563"' in html and "data-minimap" in html and "js/minimap.js" in html
    # National plans of Thailand and Bangkok's own plan; not another Thai city's plan, not Viet Nam's.
    assert "Thailand Smart City programme" in html and "Bangkok Metropolitan Administration" in html
    assert "Phuket smart city" not in html and "Decision 950" not in html
    assert ADB in html and "Seoul National University" in html and "Implementing" in html
    assert 'href="/cities/bangkok/feed.json"' in html


def test_drafts_never_appear_publicly(client, make_project):
    for status in ("draft", "submitted", "returned", "archived"):
        join(make_project(title=f"Hidden {status} project", status=status), "World Bank", "funding", "1000", "USD")
    world_bank = org("World Bank")
    for url in ("/cities/bangkok", f"/organisations/{world_bank.id}", "/stats", "/", "/cities", "/organisations"):
        assert "Hidden" not in page(client, url), url
    assert "Projects: 0" in page(client, "/cities").split('id="country-TH"', 1)[1].split("</li>", 1)[0]
    stats = page(client, "/stats")
    assert table_rows(stats, "per-country")["Thailand"] == "0"
    assert "Funding committed per partner (USD)" not in stats


def test_user_text_is_escaped_on_server_rendered_pages(client, make_project):
    project = make_project(title=XSS, city="bangkok")
    join(project, ADB, "funding", "10", "USD")
    evil = Organisation(name=f"Org {XSS}", kind="private", description="<script>alert(2)</script>",
                        website="javascript:alert(3)")
    db.session.add(evil)
    db.session.add(ProjectParticipation(project=project, organisation=evil, role="implementing"))
    db.session.commit()
    for url in ("/cities/bangkok", f"/organisations/{org(ADB).id}", f"/organisations/{evil.id}", "/organisations",
                "/stats"):
        html = page(client, url)
        assert XSS not in html and "<script>alert" not in html, url
    assert "&lt;img src=x onerror=alert(1)&gt;" in page(client, "/cities/bangkok")
    profile = page(client, f"/organisations/{evil.id}")
    assert "javascript:alert" not in profile and "&lt;script&gt;alert(2)&lt;/script&gt;" in profile


def test_organisation_directory_filters(client, make_project):
    join(make_project(title="Smart grid"), ADB)
    multilateral = page(client, "/organisations?kind=multilateral")
    assert ADB in multilateral and "Temasek Foundation" not in multilateral
    asean = page(client, "/organisations?external=0")
    assert "Temasek Foundation" in asean and ADB not in asean
    singapore = page(client, "/organisations?country=SG")
    assert "Temasek Foundation" in singapore and "First Womentech Asia" not in singapore
    external = page(client, "/organisations?external=1&kind=bogus")
    assert ADB in external and "Temasek Foundation" not in external
    row = page(client, "/organisations").split(ADB, 1)[1].split("</tr>", 1)[0]
    assert '<td class="num">1</td>' in row


def test_organisation_profile_lists_roles_amounts_and_map_points(client, make_project):
    first = make_project(title="Flood sensors", city="bangkok")
    second = make_project(title="Hanoi telehealth", city="hanoi")
    join(first, ADB, "funding", "1200000", "USD")
    join(second, ADB, "extending")
    join(second, ADB, "funding", "500", "THB")
    html = page(client, f"/organisations/{org(ADB).id}")
    assert "Flood sensors" in html and "Hanoi telehealth" in html
    assert "USD 1,200,000" in html and "THB 500" in html and "Extending" in html
    assert "Committed (THB)" in html and "Committed (USD)" in html
    points = html.split('id="organisation-projects"', 1)[1].split("</ul>", 1)[0]
    assert points.count("data-lat=") == 2 and f'data-href="/projects/{second.id}"' in points


def test_plans_page_lists_plans_by_country_with_initiatives(client):
    html = page(client, "/plans")
    thailand = html.split('id="country-TH"', 1)[1].split('<section class="country-section"', 1)[0]
    assert 'id="plan-th-bangkok-bma"' in thailand and "City plan" in thailand and "National plan" in thailand
    assert 'href="/cities/bangkok"' in thailand and "Initiatives (5)" in thailand
    assert html.index('id="country-KH"') < html.index('id="country-TH"') < html.index('id="country-VN"')


def test_stats_are_computed_from_published_data(client, make_project):
    a = make_project(title="A", city="bangkok", focus_areas=("Safety and Security", "Quality Environment"),
                     seeking_funding=True, funding_sought=Decimal("300000"), currency="USD")
    b = make_project(title="B", city="chiang-mai", focus_areas=("Safety and Security",))
    c = make_project(title="C", city="hanoi", focus_areas=("Civic and Social",), seeking_funding=True)
    make_project(title="D", city="hanoi", status="draft", seeking_funding=True)
    join(a, ADB, "funding", "1000000", "USD")
    join(b, ADB, "funding", "250000", "USD")
    join(c, "World Bank", "funding", "400000", "USD")
    join(c, ADB, "extending", "5000000", "THB")
    html = page(client, "/stats")
    assert table_rows(html, "per-country")["Thailand"] == "2"
    assert table_rows(html, "per-country")["Viet Nam"] == "1"
    focus = table_rows(html, "per-focus")
    assert focus["Safety and Security"] == "2" and focus["Civic and Social"] == "1"
    assert focus["Health and Well-being"] == "0"
    assert table_rows(html, "partner-USD") == {ADB: "1,250,000", "World Bank": "400,000"}
    assert table_rows(html, "partner-THB") == {ADB: "5,000,000"}
    assert table_rows(html, "country-funding-USD") == {"Thailand": "1,250,000", "Viet Nam": "400,000"}
    assert table_rows(html, "seeking") == {"Thailand": "1", "Viet Nam": "1"}
    figures = dict((label.strip(), int(n)) for n, label in
                   re.findall(r'<p class="figure"><strong>(\d+)</strong>([^<]+)</p>', html))
    assert figures == {"published projects": 3, "cities with projects": 3, "partners taking part": 2,
                       "projects seeking funding": 2}
    assert "USD 300,000" in html
    assert '<svg class="chart"' in html and "<title id=\"per-country-title\">Projects per country</title>" in html


def test_stats_are_cached_until_public_data_changes(client, make_project):
    make_project(title="A", city="bangkok")
    assert table_rows(page(client, "/stats"), "per-country")["Thailand"] == "1"
    draft = make_project(title="B", city="bangkok", status="draft")  # private: the cached figures stay right
    assert table_rows(page(client, "/stats"), "per-country")["Thailand"] == "1"
    draft.status = "published"
    db.session.commit()
    assert table_rows(page(client, "/stats"), "per-country")["Thailand"] == "2"


def test_bar_chart_scales_bars_to_the_largest_value():
    chart = bar_chart([("A long name that does not fit in the chart at all", 10), ("B", 5), ("C", 0)])
    widths = [bar.width for bar in chart.bars]
    assert widths[0] == 2 * widths[1] > 0 and widths[2] == 0
    assert chart.bars[0].short_label.endswith("…") and len(chart.bars[0].short_label) <= 30
    assert chart.height > chart.bars[-1].y and bar_chart([]).bars == []
