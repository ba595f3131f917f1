"""The home map in Chromium: server-side clusters offline, filters, popups, the shareable URL, phones."""
from __future__ import annotations

import re
from decimal import Decimal

import pytest
from axe import assert_accessible, watch_page
from playwright.sync_api import expect
from sqlalchemy import select

from smartcities.extensions import db
from smartcities.organisations.models import Organisation
from smartcities.projects.models import ProjectParticipation

XSS = "<img src=x onerror=alert(1)>"
ADB = "Asian Development Bank (ADB)"
# Function form: string expressions are polled with eval(), which the page's CSP rightly refuses.
READY = "() => document.documentElement.dataset.mapReady"
# Projects drawn on the map: the numbers on cluster icons plus the single pins.
ON_MAP = """() => [...document.querySelectorAll('.leaflet-marker-icon.cluster')]
                   .reduce((sum, icon) => sum + Number(icon.textContent), 0)
                 + document.querySelectorAll('.leaflet-marker-icon.pin-icon').length"""
POPUP_OPAQUE = ("() => (popup => popup && getComputedStyle(popup).opacity === '1')"
                "(document.querySelector('.leaflet-popup'))")


@pytest.fixture
def projects(make_project):
    """Twelve Bangkok projects (a cluster), three in Hanoi, one in Luang Prabang funded by ADB."""
    made = [make_project(title=f"Bangkok canal sensors {n}", city="bangkok", latitude=13.75 + n / 1000,
                         focus_areas=("Safety and Security",), stage="implementation") for n in range(12)]
    made += [make_project(title=f"Hanoi e-services {n}", city="hanoi", focus_areas=("Civic and Social",),
                          stage="planning", seeking_funding=True) for n in range(3)]
    heritage = make_project(title="Heritage tourism app", city="luang-prabang", stage="concept",
                            focus_areas=("Industry and Innovation", "Civic and Social"))
    adb = db.session.scalar(select(Organisation).where(Organisation.name == ADB))
    db.session.add(ProjectParticipation(project=heritage, organisation=adb, role="funding",
                                        committed_amount=Decimal("50000"), committed_currency="USD"))
    db.session.add(ProjectParticipation(project=made[0], organisation=adb, role="implementing"))
    make_project(title="Unpublished draft", city="bangkok", status="draft")
    db.session.commit()
    return made + [heritage]


def open_map(page, path: str = "/") -> None:
    page.goto(path)
    page.wait_for_function(READY, timeout=15000)


def wait_on_map(page, count: int) -> None:
    """Wait until exactly `count` projects are drawn (cluster animations take a moment)."""
    page.wait_for_function(f"() => ({ON_MAP})() === {count}")


def test_markers_and_clusters_appear_with_local_leaflet(page, live_server, projects):
    problems = watch_page(page, live_server)
    loaded = []
    page.on("requestfinished", lambda request: loaded.append(request.url))
    open_map(page)
    assert page.locator(".leaflet-marker-icon.cluster").count() >= 1
    wait_on_map(page, 16)
    expect(page.locator("#result-count")).to_have_text("Showing 16 of 16 projects")
    expect(page.locator("#results li")).to_have_count(16)
    expect(page.locator("path.city-marker")).to_have_count(33)
    assert any("/vendor/leaflet/leaflet.js" in url for url in loaded)
    # The view's clusters and one page of the list, never the whole registry.
    assert not any("/api/v1/projects.geojson" in url for url in loaded)
    assert sum("/api/v1/map/projects" in url for url in loaded) == 1
    assert any("/api/v1/map/clusters?" in url and "zoom=" in url for url in loaded)
    assert "Unpublished draft" not in page.content()
    expect(page.locator('[data-focus-count="civic-and-social"]')).to_have_text("4")
    assert problems == []


def test_cdn_blocked_falls_back_to_vendor_files(app, page, live_server, projects):
    problems = watch_page(page, live_server)
    asked, loaded = [], []
    page.on("request", lambda request: asked.append(request.url))
    page.on("requestfinished", lambda request: loaded.append(request.url))
    app.config["LEAFLET_CDN"] = True
    try:
        open_map(page)
    finally:
        app.config["LEAFLET_CDN"] = False
    assert any(url.startswith("https://unpkg.com/leaflet@1.9.3/") for url in asked)
    assert any(url.endswith("/vendor/leaflet/leaflet.js") for url in loaded)
    assert not any("markercluster" in url for url in asked)  # the server clusters: the plugin is not needed
    wait_on_map(page, 16)
    assert page.locator(".leaflet-marker-icon.cluster").count() >= 1
    assert problems == []


def test_filters_change_list_markers_counts_and_url(page, live_server, projects):
    open_map(page)
    page.select_option("#f-focus", "civic-and-social")
    expect(page.locator("#result-count")).to_have_text("Showing 4 of 16 projects")
    wait_on_map(page, 4)
    titles = page.locator("#results li a.title").all_text_contents()
    assert sorted(titles) == ["Hanoi e-services 0", "Hanoi e-services 1", "Hanoi e-services 2",
                              "Heritage tourism app"]
    page.check("#f-seeking")
    expect(page.locator("#results li")).to_have_count(3)
    assert re.search(r"focus=civic-and-social&seeking=1&at=\d+/", page.url)

    page.fill("#f-q", "HERITAGE")       # free text, any case
    page.uncheck("#f-seeking")
    expect(page.locator("#results li")).to_have_count(1)
    page.fill("#f-q", "asian development")   # partners are searchable too
    page.wait_for_url(re.compile(r"q=asian\+development"))
    expect(page.locator("#results li a.title")).to_have_text(["Heritage tourism app"])

    shared = page.url                    # a shared link restores the filters and the view
    page.goto("about:blank")
    open_map(page, shared)
    expect(page.locator("#f-focus")).to_have_value("civic-and-social")
    expect(page.locator("#f-q")).to_have_value("asian development")
    expect(page.locator("#results li")).to_have_count(1)
    wait_on_map(page, 1)

    page.get_by_role("button", name="Clear filters").click()
    expect(page.locator("#result-count")).to_have_text("Showing 16 of 16 projects")
    assert "focus=" not in page.url


def test_country_limits_cities_and_partner_filter(page, live_server, projects):
    open_map(page)
    page.select_option("#f-country", "VN")
    expect(page.locator("#results li")).to_have_count(3)
    assert page.locator('#f-city optgroup[data-country="TH"]').evaluate("group => group.hidden")
    assert not page.locator('#f-city optgroup[data-country="VN"]').evaluate("group => group.hidden")
    expect(page.locator("path.city-marker")).to_have_count(3)   # Da Nang, Hanoi, Ho Chi Minh City
    page.select_option("#f-country", "")
    page.select_option("#f-partner", label=ADB)     # funders only: ADB's implementing role does not count
    expect(page.locator("#results li a.title")).to_have_text(["Heritage tourism app"])
    page.select_option("#f-partner", "")
    page.select_option("#f-city", "bangkok")
    page.select_option("#f-stage", "implementation")
    expect(page.locator("#results li")).to_have_count(12)


def test_marker_popup_shows_details_and_links_to_the_project(page, live_server, projects):
    heritage = projects[-1]
    open_map(page, "/?at=13/19.8856/102.1347")
    wait_on_map(page, 1)
    pin = page.locator('.leaflet-marker-icon.pin-icon[title="Heritage tourism app"]')
    pin.focus()                                   # markers are keyboard targets: Enter opens the popup
    expect(pin).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator(".leaflet-popup-content h2")).to_have_text("Heritage tourism app")
    page.keyboard.press("Enter")                  # ...and Enter again closes it
    expect(page.locator(".leaflet-popup-content")).to_have_count(0)
    pin.click()
    popup = page.locator(".leaflet-popup-content")
    expect(popup.locator("h2")).to_have_text("Heritage tourism app")
    expect(popup).to_contain_text("Luang Prabang (LA)")
    expect(popup).to_contain_text("Focus areas: Civic and Social, Industry and Innovation")
    expect(popup).to_contain_text("Stage: Concept")
    expect(popup).to_contain_text(f"Partners: {ADB} (Funding)")
    expect(page.locator(f'#results li[data-id="{heritage.id}"]')).to_have_class("selected")
    popup.get_by_role("link", name="Open the project page").click()
    page.wait_for_url(f"**/projects/{heritage.id}")


def test_list_button_opens_the_popup_and_keyboard_reaches_the_link(page, live_server, projects):
    heritage = projects[-1]
    open_map(page)
    button = page.get_by_role("button", name="Show on map: Heritage tourism app")
    button.focus()
    expect(button).to_be_focused()
    page.keyboard.press("Enter")
    link = page.locator(".leaflet-popup-content").get_by_role("link", name="Open the project page")
    expect(link).to_be_focused()
    expect(page.locator(".leaflet-popup-content h2")).to_have_text("Heritage tourism app")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/projects/{heritage.id}")


def test_hostile_title_is_shown_as_text_and_runs_nothing(page, live_server, make_project):
    project = make_project(title=XSS, city="phuket")
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    problems = watch_page(page, live_server)
    open_map(page)
    item = page.locator(f'#results li[data-id="{project.id}"]')
    expect(item.locator("a.title")).to_have_text(XSS)
    item.get_by_role("button").click()
    expect(page.locator(".leaflet-popup-content h2")).to_have_text(XSS)
    assert page.locator('.leaflet-marker-icon[title="<img src=x onerror=alert(1)>"]').count() == 1
    assert page.locator('img[src="x"]').count() == 0
    # Instead of sleeping: every image has loaded or failed (so any onerror has had its turn), and the
    # payload never became markup anywhere (no element with an inline handler), only text and attribute values.
    page.wait_for_function("() => [...document.images].every(image => image.complete)")
    assert page.evaluate("() => document.querySelectorAll('[onerror]').length") == 0
    assert dialogs == [] and problems == []


def test_phone_layout_stacks_the_panel_under_the_map(browser, live_server, projects):
    context = browser.new_context(base_url=live_server, viewport={"width": 390, "height": 844},
                                  is_mobile=True, has_touch=True)
    context.route("**/*", lambda route: route.continue_()
                  if route.request.url.startswith(live_server) else route.abort())
    page = context.new_page()
    try:
        open_map(page)
        map_box = page.locator("#map").bounding_box()
        panel_box = page.locator(".map-panel").bounding_box()
        assert map_box["width"] >= 380 and map_box["height"] >= 300
        assert panel_box["y"] >= map_box["y"] + map_box["height"] - 1
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        page.select_option("#f-focus", "civic-and-social")
        expect(page.locator("#results li")).to_have_count(4)
        page.locator("#results li").first.get_by_role("button").tap()
        expect(page.locator(".leaflet-popup-content h2")).to_be_visible()
        page.wait_for_function(POPUP_OPAQUE)  # the popup fades in; measure contrast once it is fully opaque
        assert_accessible(page)
    finally:
        context.close()


def test_home_page_has_no_serious_accessibility_violations(page, live_server, projects):
    open_map(page)
    assert_accessible(page)
    page.locator("#results li").first.get_by_role("button").click()
    page.wait_for_function(POPUP_OPAQUE)  # the popup fades in; measure contrast once it is fully opaque
    assert_accessible(page)


def test_data_failure_is_reported_and_the_map_still_works(page, live_server):
    page.route("**/api/v1/map/**", lambda route: route.fulfill(status=503, body="{}"))
    page.goto("/")
    expect(page.locator("#map-status")).to_have_text("The project data could not be loaded. Please try again later.")
    expect(page.locator("path.city-marker")).to_have_count(33)
