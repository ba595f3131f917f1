"""Done when: in Chromium, an official adds three sites on the form's map, names one, removes one, adds another
and saves; once published, the API lists the three sites in order with the name, where they were clicked."""
from __future__ import annotations

import pytest
from axe import assert_accessible, watch_page
from playwright.sync_api import Page, expect
from test_registration import PASSWORD, sign_in, sign_out

from smartcities.extensions import db

TITLE = "Tide gauges for the riverside piers"
NAME = "Pier 3 \u2013 Tha Tien <b>east</b>"
# Where on the map (pixels from its top left corner) each site is clicked.
CLICKS = [(120, 80), (260, 140), (380, 220), (200, 260)]


def site_rows(page: Page):
    return page.locator("#site-list li")


def test_add_name_remove_and_add_sites_then_find_them_in_the_api(page: Page, live_server, make_user):
    for user in (make_user("city_official", email="official@bkk.example", city="bangkok"),
                 make_user("focal_point", email="focal@th.example", country="TH")):
        user.set_password(PASSWORD)
    db.session.commit()
    problems = watch_page(page, live_server)

    sign_in(page, "official@bkk.example")
    page.goto("/projects/new")
    expect(page.locator("#location-map[data-ready='1']")).to_be_visible()
    page.fill("#title", TITLE)
    page.fill("#summary", "Water-level gauges at river piers, read by the district office.")
    location_map = page.locator("#location-map")
    for x, y in CLICKS[:3]:
        location_map.click(position={"x": x, "y": y})
    expect(site_rows(page)).to_have_count(3)
    expect(page.locator("#location-map .leaflet-marker-draggable")).to_have_count(3)
    clicked = [tuple(map(float, text.split(", "))) for text in page.locator("#site-list .site-coordinates")
               .all_text_contents()]
    assert len(set(clicked)) == 3 and all(13 < lat < 14.5 and 100 < lon < 101.5 for lat, lon in clicked)
    assert page.input_value("#latitude") == f"{clicked[0][0]:.6f}"   # the first site fills the old fields

    site_rows(page).nth(1).locator("input").fill(NAME)
    page.get_by_role("button", name="Remove site 1").click()
    expect(site_rows(page)).to_have_count(2)
    expect(page.locator("#location-map .leaflet-marker-draggable")).to_have_count(2)
    location_map.click(position={"x": CLICKS[3][0], "y": CLICKS[3][1]})
    expect(site_rows(page)).to_have_count(3)
    expect(site_rows(page).nth(0).locator("input")).to_have_value(NAME)
    added = tuple(map(float, page.locator("#site-list .site-coordinates").nth(2).text_content().split(", ")))
    assert page.input_value("#latitude") == f"{clicked[1][0]:.6f}"   # the named site is first now
    assert_accessible(page)
    page.click("#project-form button[type=submit]")
    expect(page.locator("h1")).to_have_text(TITLE)
    expect(page.locator("#project-sites li")).to_have_count(3)
    expect(page.locator("#project-sites li").first).to_have_text(NAME)  # text, not markup
    project_id = int(page.url.rsplit("/", 1)[1])
    page.click("#submit-form button")
    expect(page.locator(".lead-meta .status-submitted")).to_be_visible()
    sign_out(page)

    sign_in(page, "focal@th.example")
    page.goto(f"/projects/{project_id}")
    page.click("#publish-form button")
    expect(page.locator(".lead-meta .status-published")).to_be_visible()

    locations = page.request.get(f"/api/v1/projects/{project_id}").json()["locations"]
    expected = [(clicked[1], NAME), (clicked[2], None), (added, None)]
    assert [((site["lat"], site["lon"]), site["name"]) for site in locations] == [
        (pytest.approx(point, abs=1e-6), name) for point, name in expected]
    sites = page.request.get("/api/v1/project-sites.geojson").json()["features"]
    assert [f["properties"]["name"] for f in sites if f["properties"]["project_id"] == project_id] == [
        NAME, None, None]
    assert not page.errors and not problems
