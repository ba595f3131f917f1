"""The offline basemap (issue 11): the TopoJSON decoding, clipping, simplification and label placement that make
it, and the file the portal ships — every member state there, small, well-formed, served compressed."""
from __future__ import annotations

import gzip
import json
import re
from pathlib import Path

import pytest

from smartcities.geo import basemap
from smartcities.geo.models import Country

SHIPPED = Path(__file__).resolve().parent.parent / "static" / "basemap" / "southeast-asia.geojson"
URL = "/static/basemap/southeast-asia.geojson"


def test_arcs_are_decoded_and_stitched_forwards_and_backwards():
    # Two unit squares side by side sharing the arc x=1 (arc 1), quantized with scale 1 and translate (10, 20).
    topology = {"transform": {"scale": [1, 1], "translate": [10, 20]},
                "arcs": [[[1, 0], [-1, 0], [0, 1], [1, 0]],   # (11,20) (10,20) (10,21) (11,21)
                         [[1, 1], [0, -1]],                   # (11,21) (11,20): the shared side
                         [[1, 1], [1, 0], [0, -1], [-1, 0]]]}  # (11,21) (12,21) (12,20) (11,20)
    arcs = basemap.decode_arcs(topology)
    assert arcs[1] == [(11, 21), (11, 20)]
    left = basemap.stitch([0, 1], arcs)
    right = basemap.stitch([2, ~1], arcs)
    assert left == [(11, 20), (10, 20), (10, 21), (11, 21), (11, 20)]
    assert right == [(11, 21), (12, 21), (12, 20), (11, 20), (11, 21)]
    multi = basemap.polygons({"type": "MultiPolygon", "arcs": [[[0, 1]], [[2, ~1]]]}, arcs)
    assert multi == [[left], [right]]
    assert basemap.polygons({"type": "Point", "coordinates": [0, 0]}, arcs) == []


def test_a_ring_is_clipped_to_the_region():
    square = [(80.0, 0.0), (90.0, 0.0), (90.0, 10.0), (80.0, 10.0), (80.0, 0.0)]  # straddles 86° E
    clipped = basemap.clip(square)
    assert clipped[0] == clipped[-1]
    assert sorted(set(clipped)) == [(86.0, 0.0), (86.0, 10.0), (90.0, 0.0), (90.0, 10.0)]
    assert basemap.clip([(0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 0.0)]) == []  # wholly outside


def test_simplification_keeps_what_strays_beyond_the_tolerance():
    line = [(0.0, 0.0), (1.0, 0.001), (2.0, 0.0), (3.0, 0.5), (4.0, 0.0)]
    assert basemap.simplify(line, 0.01) == [(0.0, 0.0), (2.0, 0.0), (3.0, 0.5), (4.0, 0.0)]
    assert basemap.simplify(line, 1.0) == [(0.0, 0.0), (4.0, 0.0)]


def test_a_label_lies_inside_a_concave_country():
    # A "C" whose centroid (the mean of its corners) falls in the gap, outside it.
    c_shape = [(0, 0), (10, 0), (10, 2), (2, 2), (2, 8), (10, 8), (10, 10), (0, 10), (0, 0)]
    xs, ys = zip(*c_shape[:-1])
    assert not basemap.contains(c_shape, (sum(xs) / len(xs), sum(ys) / len(ys)))
    assert basemap.contains(c_shape, basemap.label_point(c_shape))


@pytest.fixture(scope="module")
def shipped() -> dict:
    return json.loads(SHIPPED.read_text(encoding="utf-8"))


def test_every_member_state_is_on_the_shipped_basemap_with_its_label_inside_it(app, shipped):
    members = {country.code for country in Country.query}
    found = {feature["properties"]["iso2"]: feature for feature in shipped["features"]}
    assert members and members <= found.keys()
    for code in members:
        at = tuple(found[code]["properties"]["label"])
        rings = [polygon[0] for polygon in found[code]["geometry"]["coordinates"]]
        assert any(basemap.contains([tuple(p) for p in ring], at) for ring in rings), code


def test_the_shipped_basemap_is_small_well_formed_and_within_the_region(shipped):
    west, south, east, north = basemap.REGION
    assert shipped["type"] == "FeatureCollection" and "Natural Earth" in shipped["attribution"]
    for feature in shipped["features"]:
        assert feature["geometry"]["type"] == "MultiPolygon" and feature["properties"]["name"]
        for polygon in feature["geometry"]["coordinates"]:
            for ring in polygon:
                assert len(ring) >= 4 and ring[0] == ring[-1], feature["properties"]["name"]
                assert all(west <= lon <= east and south <= lat <= north for lon, lat in ring)
    assert len(gzip.compress(SHIPPED.read_bytes())) <= 200 * 1024


def test_the_basemap_is_served_compressed(client):
    """As Chromium asks for it: gzip-compressed once (smartcities/web/compressed_files.py), within the budget."""
    response = client.get(URL, headers={"Accept-Encoding": "gzip, deflate, br, zstd"})
    assert response.status_code == 200 and response.mimetype == "application/geo+json"
    assert response.headers["Content-Encoding"] == "gzip" and len(response.data) <= 200 * 1024
    assert gzip.decompress(response.data) == SHIPPED.read_bytes()


@pytest.mark.parametrize("language, thailand", [("en", "Thailand"), ("th", "ไทย")])
def test_map_pages_name_the_basemap_countries_in_the_page_language(client, language, thailand):
    html = client.get("/cities/bangkok", headers={"Accept-Language": language}).get_data(as_text=True)
    config = json.loads(re.search(r"data-basemap-config='([^']*)'", html).group(1))
    assert config["names"]["TH"] == thailand and set(config["names"]) == set(basemap.ISO2.values())
    assert set(config["members"]) == {country.code for country in Country.query}
