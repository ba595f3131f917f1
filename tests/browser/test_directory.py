"""Directory pages in Chromium: cities, organisations, plans, stats; small maps, accessibility, no errors."""
from __future__ import annotations

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
PROJECT_FILL = "#0b5394"  # static/js/minimap.js: project markers; the city's own is white
MINIMAP_READY = "() => document.querySelector('[data-minimap]').dataset.ready === '1'"


@pytest.fixture
def adb(make_project):
    """ADB funding a hostile-titled Bangkok project and implementing one in Hanoi."""
    organisation = db.session.scalar(select(Organisation).where(Organisation.name == ADB))
    hostile = make_project(title=XSS, city="bangkok", latitude=13.76, longitude=100.52)
    hanoi = make_project(title="Hanoi telehealth", city="hanoi")
    db.session.add_all([
        ProjectParticipation(project=hostile, organisation=organisation, role="funding",
                             committed_amount=Decimal("75000"), committed_currency="USD"),
        ProjectParticipation(project=hanoi, organisation=organisation, role="implementing"),
    ])
    db.session.commit()
    return organisation


@pytest.mark.parametrize("path", ["/cities", "/cities/bangkok", "/organisations", "/organisations/{adb}",
                                  "/plans", "/stats", "/cities/bangkok?lang=th"])
def test_pages_are_accessible_and_free_of_errors(page, live_server, adb, path):
    problems = watch_page(page, live_server)
    page.goto(path.format(adb=adb.id))
    if page.locator("[data-minimap]").count():
        page.wait_for_function(MINIMAP_READY)
    assert_accessible(page)
    assert problems == []


def test_city_minimap_places_the_city_and_its_projects(page, live_server, adb):
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto("/cities/bangkok")
    page.wait_for_function(MINIMAP_READY)
    expect(page.locator(".minimap path.leaflet-interactive")).to_have_count(2)   # the city and one project
    expect(page.locator("#city-projects a.title")).to_have_text([XSS])
    # The project's marker by its own style (the city's is white), clicked where it is, never forced.
    page.locator(f'.minimap path.leaflet-interactive[fill="{PROJECT_FILL}"]').click()
    popup = page.locator(".minimap .leaflet-popup-content a")
    expect(popup).to_have_text(XSS)
    assert page.locator('img[src="x"]').count() == 0 and dialogs == []
    popup.click()
    page.wait_for_url("**/projects/*")


def test_organisation_map_shows_each_project(page, live_server, adb):
    page.goto(f"/organisations/{adb.id}")
    page.wait_for_function(MINIMAP_READY)
    expect(page.locator(".minimap path.leaflet-interactive")).to_have_count(2)
    rows = page.locator("tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.filter(has_text="Hanoi telehealth")).to_contain_text("Implementing")
    expect(rows.filter(has_text=XSS)).to_contain_text("USD 75,000")


def test_organisation_filters_work_from_the_keyboard(page, live_server, adb):
    page.goto("/organisations")
    filters = page.get_by_role("form", name="Filter organisations")
    kind = filters.get_by_label("Kind")
    kind.focus()
    expect(kind).to_be_focused()
    kind.select_option("multilateral")
    # Tab walks the filters in reading order, each stop named, and reaches the button.
    for stop in (filters.get_by_label("Country"), filters.get_by_label("Origin"),
                 filters.get_by_role("button", name="Filter")):
        page.keyboard.press("Tab")
        expect(stop).to_be_focused()
    page.keyboard.press("Enter")
    page.wait_for_url("**/organisations?kind=multilateral*")
    expect(page.locator("tbody tr").first).to_contain_text(ADB)
    assert page.locator("tbody tr", has_text="Temasek").count() == 0


def test_language_switch_keeps_the_page_and_its_filters(page, live_server, adb):
    page.goto("/organisations?kind=multilateral")
    page.select_option("#lang-select", "th")
    page.wait_for_url("**/organisations?kind=multilateral&lang=th")
    expect(page.locator("h1")).to_have_text("หุ้นส่วนและผู้มีส่วนได้ส่วนเสีย")
    page.goto("/cities")
    expect(page.locator("h1")).to_have_text("เมืองในเครือข่าย ASCN")   # the choice is kept in the session


def test_city_page_fits_a_phone(browser, live_server, adb):
    context = browser.new_context(base_url=live_server, viewport={"width": 390, "height": 844}, is_mobile=True)
    context.route("**/*", lambda route: route.continue_()
                  if route.request.url.startswith(live_server) else route.abort())
    page = context.new_page()
    try:
        page.goto("/cities/bangkok")
        page.wait_for_function(MINIMAP_READY)
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        assert page.locator(".minimap").bounding_box()["width"] >= 340
        assert_accessible(page)
    finally:
        context.close()
