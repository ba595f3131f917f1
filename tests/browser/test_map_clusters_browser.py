"""The home map's server-side clusters in Chromium: they represent every matching project, the list and the
markers agree, a cluster zooms in when clicked, and the URL keeps the filters and the view."""
from __future__ import annotations

import re

import pytest
from axe import assert_accessible, watch_page
from playwright.sync_api import expect

from smartcities.extensions import db
from smartcities.geo.models import City

READY = "() => document.documentElement.dataset.mapReady"
# Projects drawn on the map: the numbers on cluster icons plus the single pins.
ON_MAP = """() => [...document.querySelectorAll('.leaflet-marker-icon.cluster')]
                   .reduce((sum, icon) => sum + Number(icon.textContent), 0)
                 + document.querySelectorAll('.leaflet-marker-icon.pin-icon').length"""
CITIES = ("bangkok", "hanoi", "dki-jakarta", "manila", "singapore", "yangon", "phnom-penh", "kuala-lumpur")


@pytest.fixture
def many(make_project):
    """130 published projects spread around eight cities (more than a page of the list), 26 seeking funds."""
    made = []
    for n in range(130):
        city = db.session.query(City).filter_by(slug=CITIES[n % len(CITIES)]).one()
        made.append(make_project(title=f"Project {n:03d}", city=city.slug, latitude=city.latitude + (n % 7) / 50,
                                 longitude=city.longitude + (n % 5) / 50, seeking_funding=n % 5 == 0,
                                 focus_areas=("Civic and Social",) if n % 2 else ("Quality Environment",)))
    make_project(title="Draft never shown", city="bangkok", status="draft")
    return made


def on_map(page) -> int:
    return page.evaluate(f"({ON_MAP})()")


def settle(page, count: int) -> None:
    """Wait until exactly `count` projects are drawn."""
    page.wait_for_function(f"() => ({ON_MAP})() === {count}")


def open_map(page, path: str = "/") -> None:
    page.goto(path)
    page.wait_for_function(READY, timeout=15000)


def test_clusters_represent_every_matching_project_and_the_list_agrees(page, live_server, many):
    problems = watch_page(page, live_server)
    open_map(page)
    settle(page, 130)
    expect(page.locator("#result-count")).to_have_text("Showing 130 of 130 projects")
    assert page.locator(".leaflet-marker-icon.cluster").count() >= 4      # groups of one or two nearby cities
    expect(page.locator("#results li")).to_have_count(100)                # a page of the same result…
    page.get_by_role("button", name="Show more").click()
    expect(page.locator("#results li")).to_have_count(130)                # …and the rest of it
    expect(page.get_by_role("button", name="Show more")).to_be_hidden()
    listed = {int(i) for i in page.locator("#results li").evaluate_all("items => items.map(li => li.dataset.id)")}
    assert listed == {p.id for p in many}
    assert "Draft never shown" not in page.content()

    page.check("#f-seeking")                                              # filtered on the server
    expect(page.locator("#result-count")).to_have_text("Showing 26 of 130 projects")
    settle(page, 26)
    expect(page.locator("#results li")).to_have_count(26)
    page.select_option("#f-focus", "quality-environment")             # the even ones: n % 10 == 0
    expect(page.locator("#result-count")).to_have_text("Showing 13 of 130 projects")
    page.select_option("#f-country", "TH")
    expect(page.locator("#results li")).to_have_count(4)                  # Bangkok: n = 0, 40, 80, 120
    settle(page, 4)
    expect(page.locator('[data-focus-count="quality-environment"]')).to_have_text("4")
    assert problems == []


def zoom_of(page) -> int:
    return int(re.search(r"at=(\d+)/", page.url).group(1))


def wait_zoom_above(page, zoom: int) -> None:
    page.wait_for_function(f"() => Number(new URLSearchParams(location.search).get('at').split('/')[0]) > {zoom}")


def test_clicking_a_cluster_zooms_in_and_keeps_its_projects_in_view(page, live_server, many):
    open_map(page)
    settle(page, 130)
    zoom = zoom_of(page)
    cluster = page.locator(".leaflet-marker-icon.cluster").first
    count = int(cluster.text_content())
    cluster.click()
    wait_zoom_above(page, zoom)
    page.wait_for_function(f"() => ({ON_MAP})() >= {count}")    # the cluster's projects, now split up
    assert page.locator(".leaflet-marker-icon.cluster, .leaflet-marker-icon.pin-icon").count() >= 2
    assert_accessible(page)

    open_map(page, "/")                                          # a cluster is a keyboard target too
    settle(page, 130)
    zoom = zoom_of(page)
    group = page.locator(".leaflet-marker-icon.cluster").first
    expect(group).to_have_attribute("title", re.compile(r"^\d+ projects: zoom in$"))
    group.focus()
    page.keyboard.press("Enter")
    wait_zoom_above(page, zoom)


def test_the_url_keeps_filters_and_view(page, live_server, many):
    open_map(page, "/?seeking=1&focus=quality-environment&at=6/13.9/100.9")
    expect(page.locator("#f-seeking")).to_be_checked()
    expect(page.locator("#f-focus")).to_have_value("quality-environment")
    expect(page.locator("#result-count")).to_have_text("Showing 13 of 130 projects")
    assert "at=6/13.9" in page.url
    page.locator("#map").focus()
    page.keyboard.press("+")                                      # zoom in with the keyboard
    page.wait_for_url(re.compile(r"at=7/"))
    page.wait_for_selector('#map[data-drawn-zoom="7"]', state="attached")
    shared = page.url
    assert "seeking=1" in shared and "focus=quality-environment" in shared
    in_view = on_map(page)
    page.goto("about:blank")
    open_map(page, shared)
    expect(page.locator("#f-focus")).to_have_value("quality-environment")
    settle(page, in_view)
    assert page.url == shared
