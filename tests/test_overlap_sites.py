"""The overlap check with several sites per project: distance is from the nearest pair of sites."""
from __future__ import annotations

from datetime import date

from smartcities.overlap.engine import Draft, OverlapIndex, ProjectDoc, Reach
from smartcities.overlap.engine.signals import haversine_km, nearest_pair
from smartcities.overlap.engine.registry import Registry

BANGKOK = (13.7563, 100.5018)
NONTHABURI = (13.8621, 100.5144)      # ~12 km north of central Bangkok, its own province
PHUKET = (7.8804, 98.3923)
TEXT = "Install adaptive traffic signals with vehicle detectors at junctions, linked to a control centre."


def _project(pid: int, city: str, sites: tuple, **kw) -> ProjectDoc:
    return ProjectDoc(id=pid, title=kw.get("title", "Adaptive traffic signals at junctions"), text=TEXT, city=city,
                      country="TH", focus_areas=frozenset({"Built Infrastructure"}), start=date(2026, 1, 1),
                      end=date(2027, 12, 31), lat=sites[0][0] if sites else None,
                      lon=sites[0][1] if sites else None, partners=frozenset(), sites=sites,
                      public=kw.get("public", True))


def _draft(city: str, sites: tuple) -> Draft:
    return Draft(title="Adaptive traffic signals at junctions", text=TEXT, city=city, country="TH",
                 focus_areas=frozenset({"Built Infrastructure"}), start=date(2026, 6, 1), end=date(2027, 6, 1),
                 lat=sites[0][0], lon=sites[0][1], sites=sites)


def test_the_nearest_pair_is_the_closest_site_of_each():
    far, near = (10.5, 99.2), (13.86, 100.51)
    pair = nearest_pair([BANGKOK, PHUKET], [far, near])
    assert pair == (BANGKOK, near)
    assert nearest_pair([], [BANGKOK]) is None


def test_the_registry_finds_a_project_by_any_of_its_sites_with_the_nearest_distance():
    registry = Registry()

    def around(city, points, reach=None, start=None, end=None, exclude=None):
        found = registry.candidates(city, points, 5.0, reach or Reach(), start, end, exclude)
        return {registry.project(row).id: km for row, km in found.values()}

    registry.put(_project(1, "phuket", (PHUKET, (13.757, 100.503))), 101, (PHUKET, (13.757, 100.503)), False)
    registry.put(_project(2, "phuket", (PHUKET,)), 102, (PHUKET,), False)   # one site of 1 happens to be in Bangkok
    found = around("bangkok", (NONTHABURI, BANGKOK))
    assert set(found) == {1} and found[1] < 0.3
    assert registry.project(0).sites == (PHUKET, (13.757, 100.503))
    registry.put(_project(1, "phuket", (PHUKET,)), 103, (PHUKET,), False)   # moved: its Bangkok site is gone
    assert around("bangkok", (BANGKOK,)) == {}
    assert around("phuket", ()) == {1: None, 2: None} and around("phuket", (), exclude=2) == {1: None}
    assert around("phuket", (), start=date(2028, 1, 1)) == {}, "dates that do not overlap"
    registry.put(_project(3, "phuket", (PHUKET,), public=False), 104, (PHUKET,), False)
    assert set(around("phuket", ())) == {1, 2}, "a project under review is compared only within its reach"
    assert set(around("phuket", (), reach=Reach(city="phuket"))) == {1, 2, 3}
    assert set(around("phuket", (), reach=Reach(country="TH"))) == {1, 2, 3}
    for project_id in (1, 3):
        registry.remove(project_id)
    for n in range(4, 2100):   # rows and sites of removed projects are reused or compacted away
        registry.put(_project(n, "bangkok", (BANGKOK,)), 100 + n, (BANGKOK,), False)
        registry.remove(n)
    assert around("phuket", (PHUKET,)) == {2: 0.0} and len(registry) == 1


def test_a_project_is_near_a_draft_through_its_nearest_site():
    index = OverlapIndex(radius_km=5.0)
    # Another city's project whose second site is 200 m from the draft's third site.
    index.upsert_project(_project(7, "nonthaburi", (NONTHABURI, (13.7300, 100.5230))))
    draft = _draft("bangkok", (PHUKET, NONTHABURI[:1] + (100.9,), (13.7318, 100.5230)))
    flags = [flag for flag in index.check(draft).flags if flag.kind == "project"]
    assert [flag.project_id for flag in flags] == [7]
    distance = next(reason for reason in flags[0].reasons if "km away" in reason)
    assert distance.startswith("0.2 km away"), distance


def test_sites_far_from_every_draft_site_are_not_near():
    index = OverlapIndex(radius_km=5.0)
    index.upsert_project(_project(8, "phuket", (PHUKET, (8.0, 98.3))))
    assert index.check(_draft("bangkok", (BANGKOK, NONTHABURI))).checked["projects"] == 0
    assert haversine_km(BANGKOK, PHUKET) > 600


def test_the_portal_measures_from_every_site_of_a_registered_project(app, client, make_project):
    """A published project whose second site is at the draft's junction is near it, whatever its first site."""
    make_project("Adaptive traffic signals at junctions", city="bangkok", summary=TEXT,
                 focus_areas=("Built Infrastructure",),
                 locations=[(13.8621, 100.5144, "Depot"), (13.7291, 100.5389, "Junction 12 – Rama IV")])
    answer = client.post("/api/v1/overlap-check", json={
        "title": "Adaptive traffic signals at junctions", "summary": TEXT, "city": "bangkok",
        "focus_areas": ["Built Infrastructure"], "start_date": "2026-06-01", "end_date": "2027-06-01",
        "location": {"lat": 13.7293, "lon": 100.5391}}).get_json()
    flags = [flag for flag in answer["flags"] if flag["kind"] == "project"]
    assert flags, answer
    assert any(reason.startswith("same city, 0.0 km away") or reason.startswith("same city, at the same place")
               for reason in flags[0]["reasons"]), flags[0]["reasons"]


def test_a_draft_sent_with_every_site_is_measured_from_its_nearest(app, client, make_project):
    """`locations` of the overlap check: the draft's second site is at the project's junction."""
    make_project("Adaptive traffic signals at junctions", city="bangkok", summary=TEXT,
                 focus_areas=("Built Infrastructure",), locations=[(13.7291, 100.5389, "Junction 12 – Rama IV")])
    body = {"title": "Adaptive traffic signals at junctions", "summary": TEXT, "city": "bangkok",
            "focus_areas": ["Built Infrastructure"], "start_date": "2026-06-01", "end_date": "2027-06-01"}

    def distances(**where) -> list[str]:
        answer = client.post("/api/v1/overlap-check", json={**body, **where}).get_json()
        flag = next(flag for flag in answer["flags"] if flag["kind"] == "project")
        return [reason for reason in flag["reasons"] if "km away" in reason]
    far, near = {"lat": 13.8621, "lon": 100.5144}, {"lat": 13.7293, "lon": 100.5391, "name": "Rama IV"}
    assert not any("0.0 km" in reason or "same place" in reason for reason in distances(location=far))
    measured = distances(locations=[far, near])
    assert measured and ("0.0 km" in measured[0] or "same place" in measured[0]), measured
    assert distances(location=far, locations=[far, near]) == measured


def test_bad_draft_sites_are_named(client):
    answer = client.post("/api/v1/overlap-check", json={
        "title": "Signals", "city": "bangkok", "locations": [{"lat": 13.7}, {"lat": 95, "lon": 100}, "x"]})
    assert answer.status_code == 400
    fields = {error["name"] for error in answer.get_json()["errors"]}
    assert {"locations[0].lon", "locations[1].lat", "locations[2]"} <= fields, fields
    too_many = client.post("/api/v1/overlap-check", json={
        "title": "Signals", "city": "bangkok", "locations": [{"lat": 13.7, "lon": 100.5}] * 101})
    assert too_many.status_code == 400
    assert [error["name"] for error in too_many.get_json()["errors"]] == ["locations"]
