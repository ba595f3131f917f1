"""Static and vendored files are sent gzip-compressed to clients that accept it (issue 11.3: fast on a phone)."""
from __future__ import annotations

import gzip

import pytest

GZIP = {"Accept-Encoding": "gzip, deflate, br"}


@pytest.mark.parametrize("url", ["/static/js/map.js", "/vendor/leaflet/leaflet.js", "/vendor/leaflet/leaflet.css",
                                 "/static/basemap/southeast-asia.geojson"])
def test_text_files_are_compressed_for_clients_that_accept_gzip(client, url):
    plain = client.get(url)
    packed = client.get(url, headers=GZIP)
    assert plain.status_code == packed.status_code == 200
    assert "Content-Encoding" not in plain.headers
    assert packed.headers["Content-Encoding"] == "gzip" and "Accept-Encoding" in packed.headers["Vary"]
    assert gzip.decompress(packed.data) == plain.data and len(packed.data) < len(plain.data) / 2
    assert packed.headers["ETag"] != plain.headers["ETag"]  # two representations, two tags
    again = client.get(url, headers={**GZIP, "If-None-Match": packed.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""
    assert packed.headers["Cache-Control"] == plain.headers["Cache-Control"]


def test_images_missing_files_and_escapes_are_left_alone(client):
    image = client.get("/vendor/leaflet/images/marker-icon.png", headers=GZIP)
    assert image.status_code == 200 and "Content-Encoding" not in image.headers
    for url in ("/static/js/nothing.js", "/static/../app.py", "/vendor/leaflet/../../etc/passwd"):
        assert client.get(url, headers=GZIP).status_code == 404


@pytest.mark.parametrize("accept", ["gzip;q=0, br", "br", "identity", ""])
def test_a_client_that_refuses_gzip_gets_the_file_as_it_is(client, accept):
    answer = client.get("/vendor/leaflet/leaflet.js", headers={"Accept-Encoding": accept})
    assert answer.status_code == 200 and "Content-Encoding" not in answer.headers
    assert answer.data.startswith(b"/*") or b"Leaflet" in answer.data[:400]
