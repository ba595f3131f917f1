"""The offline basemap in Chromium (issue 11): when tiles fail (here they always do: every request off this machine
is aborted) or none is configured, every map draws the basemap the portal ships, names the countries in the page's
language, and stops asking for tiles."""
from __future__ import annotations

from axe import assert_accessible, watch_page
from playwright.sync_api import expect

from smartcities.geo.models import Country

OFFLINE = "() => document.querySelector('[data-basemap=offline]') !== null"
TILE_HOST = "tile.openstreetmap.org"
LABELS = "() => [...document.querySelectorAll('.basemap-label span')].map(span => span.textContent)"


def tile_requests(page) -> list[str]:
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url) if TILE_HOST in request.url else None)
    return requests


def test_the_home_map_switches_to_the_basemap_and_stops_asking_for_tiles(app, page, live_server):
    problems = watch_page(page, live_server)
    requested = tile_requests(page)
    page.goto("/?at=5/12/108")
    page.wait_for_function(OFFLINE, timeout=15000)
    members = Country.query.count()
    assert page.locator("#map path.basemap-land").count() >= members + 5  # neighbours too
    expect(page.locator("#map path.basemap-member")).to_have_count(members)
    labels = page.evaluate(LABELS)
    assert {"Thailand", "Cambodia", "Singapore", "China"} <= set(labels)
    assert page.locator(".leaflet-tile-pane img").count() == 0  # the tile layer is gone
    assert "Natural Earth" in page.locator(".leaflet-control-attribution").inner_text()

    before = len(requested)
    assert before >= 1  # tiles were tried first
    page.locator("#map").focus()
    for key in ("ArrowRight", "ArrowRight", "ArrowDown", "+", "ArrowLeft", "-", "-"):
        page.keyboard.press(key)
        page.wait_for_timeout(150)
    assert len(requested) == before, "panning and zooming asked for tiles again"
    assert_accessible(page)
    assert problems == []


def test_without_a_tile_server_no_tile_is_ever_asked_for(app, page, live_server, monkeypatch):
    monkeypatch.setitem(app.config, "TILE_URL", "")
    requested = tile_requests(page)
    page.goto("/?at=6/15/101")
    page.wait_for_function(OFFLINE, timeout=15000)
    assert page.locator("#map path.basemap-member").count() == Country.query.count()
    assert requested == []


def test_a_profile_minimap_names_the_countries_in_thai(browser, live_server):
    context = browser.new_context(base_url=live_server, locale="th-TH", extra_http_headers={"Accept-Language": "th"})
    context.route("**/*", lambda route: route.continue_()
                  if route.request.url.startswith(live_server) else route.abort())
    page = context.new_page()
    try:
        page.goto("/cities/bangkok")
        page.wait_for_function(OFFLINE, timeout=15000)
        labels = page.evaluate(LABELS)
        assert "ไทย" in labels and "Thailand" not in labels
        assert page.locator(".minimap path.basemap-land").count() >= 1
    finally:
        context.close()
