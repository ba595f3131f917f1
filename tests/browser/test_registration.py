"""Done when: in Chromium, an official registers a project on the map, justifies its overlap flag and submits;
the focal point publishes it; it is on the public map data and in the feed; a partner's interest reaches the city."""
from __future__ import annotations

import re

import pytest
from axe import assert_accessible, watch_page
from playwright.sync_api import Page, expect

from smartcities.extensions import db

PASSWORD = "browser test password"

TITLE = "Smart poles for PM2.5 and road flooding"
# Bangkok's plan th-bangkok-bma has this initiative, nearly word for word: the check must flag it.
SUMMARY = "Installation of about 5,000 smart poles with sensors for PM2.5, people/vehicle counting and road flooding."
BANGKOK = (13.7563, 100.5018)  # the city centre, where the map opens
# The map's pane moved left (the view east) and Leaflet's pan animation is over.
PANNED_EAST = """() => {
  const pane = document.querySelector('#location-map .leaflet-map-pane');
  return !pane.classList.contains('leaflet-pan-anim') && new DOMMatrix(getComputedStyle(pane).transform).m41 < 0;
}"""


def sign_in(page: Page, email: str) -> None:
    page.goto("/login")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/dashboard$"))


def sign_out(page: Page) -> None:
    page.get_by_role("banner").get_by_role("button", name="Sign out").click()
    expect(page.locator(".flash-success")).to_contain_text("signed out")


def test_register_justify_publish_and_express_interest(page: Page, live_server, make_user):
    for user in (make_user("city_official", email="official@bkk.example", city="bangkok"),
                 make_user("focal_point", email="focal@th.example", country="TH"),
                 make_user("partner", email="partner@adb.example", organisation="Asian Development Bank (ADB)")):
        user.set_password(PASSWORD)
    db.session.commit()
    problems = watch_page(page, live_server)

    sign_in(page, "official@bkk.example")
    page.get_by_role("link", name="Register a project").click()
    expect(page.locator("#location-map[data-ready='1']")).to_be_visible()
    page.fill("#title", TITLE)
    page.fill("#summary", SUMMARY)
    page.check("input[name=focus_areas][value='Quality Environment']")
    page.fill("#start_date", "2026-03-01")
    page.fill("#end_date", "2027-12-31")
    # Place the project with the map, found by its role: pan it east from the keyboard, then click its middle.
    location_map = page.get_by_role("application", name="Map: click to set the project location")
    expect(page.locator("#latitude")).to_have_value("")   # the click, not a default, sets the point
    location_map.press("ArrowRight")
    page.wait_for_function(PANNED_EAST)
    location_map.click()
    expect(page.locator("#latitude")).not_to_have_value("")
    latitude, longitude = float(page.input_value("#latitude")), float(page.input_value("#longitude"))
    assert (latitude, longitude) != BANGKOK and 13 < latitude < 14.5 and 100 < longitude < 101.5
    assert abs(latitude - BANGKOK[0]) < 0.01 and longitude > BANGKOK[1] + 0.01   # east of the centre
    expect(page.locator("#overlap-live li.high").first).to_contain_text("smart poles")
    assert_accessible(page)
    page.click("#project-form button[type=submit]")

    expect(page.locator("h1")).to_have_text(TITLE)
    project_url = page.url
    flag = page.locator("#flags li.flag").filter(has_text="smart poles").first
    expect(flag.locator(".severity-high")).to_be_visible()
    assert_accessible(page)
    flag.locator("textarea[name^=justification-]").fill("Ours covers Thonburi canals, outside the BMA rollout.")
    page.click("#submit-form button")
    expect(page.locator(".lead-meta .status-submitted")).to_be_visible()
    sign_out(page)

    sign_in(page, "focal@th.example")
    page.get_by_role("link", name=TITLE).first.click()
    expect(page.locator("#flags")).to_contain_text("Ours covers Thonburi canals, outside the BMA rollout.")
    page.click("#publish-form button")
    expect(page.locator(".lead-meta .status-published")).to_be_visible()
    sign_out(page)

    assert page.request.get(project_url).ok
    project_id = int(project_url.rsplit("/", 1)[1])
    features = page.request.get("/api/v1/projects.geojson").json()["features"]
    assert project_id in [feature["id"] for feature in features]
    (registered,) = [feature for feature in features if feature["id"] == project_id]
    assert registered["geometry"]["coordinates"] == pytest.approx([longitude, latitude], abs=1e-5)  # where clicked
    assert TITLE in page.request.get("/feed.json").text()

    sign_in(page, "partner@adb.example")
    page.goto(project_url)
    page.fill("#amount", "250000")
    page.fill("#currency", "USD")
    page.fill("#message", "ADB could co-finance the sensors.")
    page.click("#interest button[type=submit]")
    expect(page.locator(".flash-success")).to_contain_text("Your interest is sent")
    sign_out(page)

    sign_in(page, "official@bkk.example")
    received = page.locator("#interest-received + .items")
    expect(received).to_contain_text("ADB could co-finance the sensors.")
    expect(received).to_contain_text("Asian Development Bank (ADB)")
    assert_accessible(page)
    assert problems == [] and page.errors == []
