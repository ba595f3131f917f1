"""Issue 14, headers: a CSP naming only the pinned Leaflet files, HSTS in production, and absolute URLs that come
from PUBLIC_URL (or a Host checked against TRUSTED_HOSTS), never from whatever Host a client sends."""
from __future__ import annotations

import re

import pytest

from smartcities import config
from smartcities.security import CDN_ORIGIN, HSTS

PUBLIC = "https://ascn.example.org"
EVIL = "evil.example"


def csp(response) -> dict[str, list[str]]:
    directives = (part.strip().split() for part in response.headers["Content-Security-Policy"].split(";"))
    return {name: sources for name, *sources in directives}


def test_the_csp_lists_the_pinned_leaflet_files_and_not_the_cdn(client, app, monkeypatch):
    monkeypatch.setitem(app.config, "LEAFLET_CDN", True)
    reply = client.get("/")
    page, policy = reply.get_data(as_text=True), csp(reply)
    scripts = re.findall(rf'<script src="({CDN_ORIGIN}/[^"]+)"', page)
    styles = re.findall(rf'<link rel="stylesheet" href="({CDN_ORIGIN}/[^"]+)"', page)
    assert len(scripts) == 1 and len(styles) == 1                # the page does load Leaflet from the CDN
    assert set(scripts) == {s for s in policy["script-src"] if s.startswith(CDN_ORIGIN)}
    assert set(styles) == {s for s in policy["style-src"] if s.startswith(CDN_ORIGIN)}
    assert all(re.search(r"@\d+\.\d+\.\d+/dist/", source) for source in scripts + styles)   # pinned versions
    assert [s for s in policy["img-src"] if s.startswith(CDN_ORIGIN)] == [
        f"{CDN_ORIGIN}/leaflet@{scripts[0].split('@')[1].split('/')[0]}/dist/images/"]
    for name in ("script-src", "style-src", "img-src"):   # never the whole host, nor a package's whole tree
        assert not [s for s in policy[name] if s.rstrip("/") == CDN_ORIGIN or s.endswith("@latest/")], name


def test_without_the_cdn_the_csp_names_no_cdn_at_all(client):
    assert CDN_ORIGIN not in client.get("/").headers["Content-Security-Policy"]


def test_hsts_only_in_production(client, app, monkeypatch):
    assert "Strict-Transport-Security" not in client.get("/").headers
    monkeypatch.setitem(app.config, "ENV_NAME", "production")
    for path in ("/", "/api/v1/cities", "/no-such-page"):
        assert client.get(path).headers["Strict-Transport-Security"] == HSTS
    assert HSTS == "max-age=31536000; includeSubDomains"


@pytest.fixture
def open_data_paths(make_project) -> list[str]:
    project = make_project("Canal flood sensors", summary="Sensors on the canals.")
    return ["/api/v1/countries", "/api/v1/cities", "/api/v1/cities/bangkok", "/api/v1/projects?limit=1",
            f"/api/v1/projects/{project.id}", "/api/v1/organisations", "/api/v1/plans",
            "/api/v1/plans/th-bangkok-bma", "/api/v1/projects.geojson", "/api/openapi.json", "/api/docs",
            "/feed.json", "/cities/bangkok/feed.json", "/countries/TH/feed.json", "/ogc/", "/ogc/collections",
            "/ogc/collections/projects/items?limit=1", "/", "/cities/bangkok", f"/projects/{project.id}"]


def test_with_public_url_a_forged_host_never_reaches_a_response(client, app, monkeypatch, open_data_paths):
    monkeypatch.setitem(app.config, "PUBLIC_URL", PUBLIC)
    for path in open_data_paths:
        reply = client.get(path, headers={"Host": EVIL})
        assert reply.status_code == 200, path
        text = reply.get_data(as_text=True)
        assert EVIL not in text and EVIL not in str(reply.headers), path
    body = client.get("/api/v1/cities/bangkok", headers={"Host": EVIL}).json
    assert body["url"] == f"{PUBLIC}/cities/bangkok" and body["feed_url"] == f"{PUBLIC}/cities/bangkok/feed.json"
    items = client.get("/ogc/collections/projects/items?limit=1", headers={"Host": EVIL}).json
    assert {link["href"].split("/ogc/")[0] for link in items["links"]} == {PUBLIC}
    assert f"curl -i &#39;{PUBLIC}/api/v1/" in client.get("/api/docs", headers={"Host": EVIL}).get_data(as_text=True)
    feed = client.get("/feed.json", headers={"Host": EVIL}).json
    assert feed["feed_url"] == f"{PUBLIC}/feed.json" and feed["items"][0]["url"].startswith(f"{PUBLIC}/projects/")


def test_without_public_url_links_follow_the_host_as_before(client):
    assert client.get("/api/v1/cities/bangkok", headers={"Host": "portal.test"}).json["url"] == \
        "http://portal.test/cities/bangkok"


def test_trusted_hosts_refuses_any_other_host(client, app, monkeypatch, open_data_paths):
    monkeypatch.setitem(app.config, "TRUSTED_HOSTS", ["localhost", ".ascn.example.org"])
    for path in open_data_paths:
        refused = client.get(path, headers={"Host": EVIL})
        assert refused.status_code == 400 and EVIL not in refused.get_data(as_text=True), path
    assert client.get("/api/v1/cities/bangkok", headers={"Host": "www.ascn.example.org"}).json["url"] == \
        "http://www.ascn.example.org/cities/bangkok"
    assert client.get("/api/v1/cities/bangkok").status_code == 200


def test_trusted_hosts_and_public_url_together(client, app, monkeypatch):
    monkeypatch.setitem(app.config, "PUBLIC_URL", PUBLIC)
    monkeypatch.setitem(app.config, "TRUSTED_HOSTS", ["localhost", "ascn.example.org"])
    assert client.get("/api/v1/cities", headers={"Host": EVIL}).status_code == 400
    assert client.get("/api/v1/cities/bangkok").json["url"] == f"{PUBLIC}/cities/bangkok"


def test_the_settings_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("PUBLIC_URL", "https://ASCN.example.org/")
    monkeypatch.setenv("TRUSTED_HOSTS", "localhost, .example.net")
    settings = config.from_environment(str(tmp_path))
    assert settings["PUBLIC_URL"] == "https://ascn.example.org"
    assert settings["TRUSTED_HOSTS"] == ["localhost", ".example.net", "ascn.example.org"]
    monkeypatch.delenv("TRUSTED_HOSTS")
    assert config.from_environment(str(tmp_path))["TRUSTED_HOSTS"] is None   # any host, as Flask's default
    for wrong in ("ascn.example.org", "ftp://ascn.example.org", "https://ascn.example.org/portal",
                  "https://ascn.example.org/?x=1"):
        monkeypatch.setenv("PUBLIC_URL", wrong)
        with pytest.raises(config.ConfigError, match="PUBLIC_URL must be a scheme and host"):
            config.from_environment(str(tmp_path))
