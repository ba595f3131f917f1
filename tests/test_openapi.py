"""The OpenAPI 3.1 document: valid, complete, rendered as /api/docs, and honoured by every real response."""
from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openapi_spec_validator import validate
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance, response_headers_conformance, response_schema_conformance, status_code_conformance,
)
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.exceptions import MethodNotAllowed, NotFound

from smartcities.api.http import ResponseCache
from smartcities.ogc.views import CRS84
from test_api import ADB, partner

OPEN_DATA_BLUEPRINTS = ("api", "feeds", "ogc")
UNDOCUMENTED = {"/api/openapi.json", "/api/docs"}  # the document itself and its HTML rendering
EXAMPLES = 30  # per operation: about 10 s in all, with SQLite
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance,
          response_headers_conformance]


def openapi_path(rule: str) -> str:
    """'/api/v1/projects/<int(max=2147483647):project_id>' -> '/api/v1/projects/{project_id}'."""
    return re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", rule)


def shape(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "{}", path)


def test_document_is_valid_openapi_3_1(client):
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    document = response.json
    validate(document)
    assert document["openapi"] == "3.1.0"


METHODS = ("get", "put", "post", "delete", "patch")


def operations(document: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    """(path, METHOD) -> the operation object, for every operation the document describes."""
    return {(path, method.upper()): operation for path, item in document["paths"].items()
            for method, operation in item.items() if method in METHODS}


def is_open_data(rule) -> bool:
    """Routes the document must describe: the JSON API, OGC API – Features and the feeds."""
    return ((rule.rule.startswith(("/api/v1/", "/ogc/")) or rule.endpoint.split(".")[0] in OPEN_DATA_BLUEPRINTS)
            and rule.rule not in UNDOCUMENTED)


def served_operations(app: Flask) -> set[tuple[str, str]]:
    """(shape of the path, METHOD) of every registered open-data route; HEAD and OPTIONS come with Flask."""
    return {(shape(openapi_path(rule.rule)), method) for rule in app.url_map.iter_rules() if is_open_data(rule)
            for method in rule.methods - {"HEAD", "OPTIONS"}}


@pytest.fixture
def examples(make_project):
    """Path-parameter values that name real items: (documented path, parameter) -> value; others: the example."""
    project = make_project("Canal sensors", budget_amount=Decimal("1000"), currency="THB", seeking_funding=True)
    adb = partner(project, ADB, "funding", "250", "USD")
    make_project("Bus app", city="hanoi", focus_areas=("Built Infrastructure", "Civic and Social"))
    return {("/api/v1/projects/{id}", "id"): project.id, ("/api/v1/organisations/{id}", "id"): adb.id,
            ("/api/v1/projects/{id}/iati.xml", "id"): project.id,
            ("/ogc/collections/{collectionId}/items/{featureId}", "featureId"): project.id}


def concrete(path: str, operation: dict[str, Any], examples: dict) -> str:
    """The documented path with each path parameter replaced by a value naming a real item."""
    url = path
    for param in operation.get("parameters", []):
        if param["in"] == "path":
            value = examples.get((path, param["name"]), param.get("example"))
            assert value is not None, f"{path}: path parameter {param['name']} has no example"
            url = url.replace("{" + param["name"] + "}", str(value))
    return url


def test_document_describes_every_open_data_endpoint_and_the_overlap_check(app, client, examples):
    document = client.get("/api/openapi.json").json
    documented = operations(document)
    assert ("/api/v1/overlap-check", "POST") in documented
    # Both ways, exactly: every documented operation is served, every served one documented.
    assert {(shape(path), method) for path, method in documented} == served_operations(app)
    adapter = app.url_map.bind("localhost")
    for (path, method), operation in documented.items():
        url = concrete(path, operation, examples)
        try:
            rule, _ = adapter.match(url, method=method, return_rule=True)
        except (NotFound, MethodNotAllowed) as exc:
            pytest.fail(f"{method} {path} is documented but no route answers {method} {url}: {exc!r}")
        assert shape(openapi_path(rule.rule)) == shape(path), (path, rule.rule)
        # The path parameters documented are exactly the placeholders of the path, one per route argument.
        declared = [p["name"] for p in operation.get("parameters", []) if p["in"] == "path"]
        assert sorted(declared) == sorted(re.findall(r"\{([^}]+)\}", path)), path
        assert len(declared) == len(rule.arguments), (path, rule.rule)
        if method == "GET":
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code, response.get_data(as_text=True)[:300])
        else:
            example = operation["requestBody"]["content"]["application/json"]["example"]
            response = client.open(url, method=method, json=example)
            assert response.status_code == 200, (url, response.status_code, response.get_data(as_text=True)[:300])


# A value each query parameter must refuse with a 400 naming it: proof that the view reads what is documented.
INVALID = {
    "country": "ZZ", "city": "atlantis", "focus_area": "Space", "stage": "someday", "partner": "0",
    "seeking_funding": "maybe", "q": "x" * 201, "bbox": "1,2", "updated_since": "yesterday", "limit": "0",
    "cursor": "not-a-cursor", "f": "xml", "bbox-crs": "http://www.opengis.net/def/crs/EPSG/0/4326",
}
# A sensible value for a name a view reads without documenting it: it must then refuse it (400 naming it).
VALID = {
    "country": "VN", "city": "hanoi", "focus_area": "Civic and Social", "stage": "planning",
    "seeking_funding": "true", "q": "canal", "bbox": "100,0,110,30", "updated_since": "2020-01-01",
    "limit": "1", "f": "json", "bbox-crs": CRS84, "lang": "th",
}
_read: set[str] = set()


class RecordingArgs(ImmutableMultiDict):
    """Query parameters that note each name a view asks for (iterating over all of them asks for none)."""

    def get(self, key, default=None, type=None):
        _read.add(key)
        return super().get(key, default, type)

    def __getitem__(self, key):
        _read.add(key)
        return super().__getitem__(key)

    def __contains__(self, key):
        _read.add(key)
        return super().__contains__(key)

    def getlist(self, key, type=None):
        _read.add(key)
        return super().getlist(key, type)


class RecordingBody(dict):
    """A JSON object body that notes each member a view reads, nested ones as 'outer.inner'."""

    def __init__(self, data: dict, prefix: str = ""):
        super().__init__(data)
        self.prefix = prefix

    def _note(self, key, value):
        _read.add(self.prefix + key)
        return RecordingBody(value, f"{self.prefix}{key}.") if isinstance(value, dict) else value

    def get(self, key, default=None):
        return self._note(key, super().get(key, default))

    def __getitem__(self, key):
        return self._note(key, super().__getitem__(key))

    def __contains__(self, key):
        _read.add(self.prefix + key)
        return super().__contains__(key)


@pytest.fixture
def recording(app, monkeypatch):
    """Make every request note the parameter and body names its view reads; no answer served from the cache."""
    class RecordingRequest(app.request_class):
        parameter_storage_class = RecordingArgs

        def get_json(self, *args, **kwargs):
            data = super().get_json(*args, **kwargs)
            return RecordingBody(data) if isinstance(data, dict) else data

    monkeypatch.setattr(app, "request_class", RecordingRequest)
    monkeypatch.setattr(ResponseCache, "get", lambda self, key: None)  # a cached answer runs no view

    def reads(call) -> set[str]:
        _read.clear()
        call()
        return set(_read)
    return reads


def problem_names(response) -> list[str]:
    assert response.status_code == 400 and response.mimetype == "application/problem+json", response.status_code
    return [error["name"] for error in response.json.get("errors", [])]


def resolve(schema: dict[str, Any], document: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def body_members(schema: dict[str, Any], document: dict[str, Any], prefix: str = "") -> set[str]:
    """Every member an object body may have, nested objects' members as 'outer.inner'."""
    names = set()
    for name, member in resolve(schema, document).get("properties", {}).items():
        names.add(prefix + name)
        if resolve(member, document).get("type") == "object":
            names |= body_members(member, document, f"{prefix}{name}.")
    return names


def test_documented_parameters_are_the_ones_each_view_reads(client, examples, recording):
    document = client.get("/api/openapi.json").json
    for (path, method), operation in operations(document).items():
        url = concrete(path, operation, examples)
        query = {p["name"] for p in operation.get("parameters", []) if p["in"] == "query"}
        assert not {p["in"] for p in operation.get("parameters", [])} - {"path", "query"}, path
        # Documented -> read: each documented parameter, given a bad value, is refused by name.
        for name in sorted(query):
            assert name in INVALID, f"{path}: add a value {name} must refuse to INVALID"
            response = client.open(url, method=method, query_string={name: INVALID[name]})
            assert name in problem_names(response), (method, path, name)
        if method == "GET":
            read = recording(lambda: client.get(url))
        else:
            example = operation["requestBody"]["content"]["application/json"]["example"]
            read = recording(lambda: client.open(url, method=method, json=example))
        if method == "GET":
            assert query <= read, (path, query - read)
            # Read -> documented: a name the view asks for without documenting it must be refused, never used.
            for name in sorted(read - query):
                response = client.get(url, query_string={name: VALID.get(name, "1")})
                assert response.status_code == 400 and name in problem_names(response), \
                    f"GET {path} reads the undocumented parameter {name!r} and accepts it"
        else:  # the body members the view reads are exactly the documented ones
            body = operation["requestBody"]["content"]["application/json"]["schema"]
            members = body_members(body, document)
            assert read == members | query, (path, "read but not documented", read - members - query,
                                             "documented but not read", members - read)


def test_docs_page_lists_every_endpoint_without_foreign_or_inline_scripts(client):
    response = client.get("/api/docs")
    assert response.status_code == 200 and response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    for path in client.get("/api/openapi.json").json["paths"]:
        assert f"<code>{path}</code>" in html, path
    assert ("curl -i &#39;http://localhost/api/v1/projects?country=TH&amp;bbox=100.3,13.5,100.9,14.0&amp;limit=20"
            "&#39;") in html
    assert "curl -X POST" in html
    nonce = re.search(r"'nonce-([^']+)'", response.headers["Content-Security-Policy"]).group(1)
    for tag in re.findall(r"<script\b[^>]*>", html):
        assert f'nonce="{nonce}"' in tag and "src=\"/" in tag, tag  # our own files only, allowed by the CSP
    assert " style=" not in html and "<style" not in html and "swagger" not in html.lower()


@pytest.fixture
def api_schema(app, examples):
    """The served document, every operation of it, with data behind it."""
    return schemathesis.openapi.from_wsgi("/api/openapi.json", app)


def test_real_responses_conform_to_the_document(api_schema, client):
    """Valid and invalid requests for every operation: no 5xx, only documented statuses, types and shapes."""
    found = [result.ok() for result in api_schema.get_all_operations()]
    documented = operations(client.get("/api/openapi.json").json)
    assert sorted((op.path, op.method.upper()) for op in found) == sorted(documented)  # every one, none skipped
    for operation in found:
        # Invalid requests need something to make invalid: a parameter or a body.
        has_input = any(True for _ in operation.iter_parameters()) or bool(operation.body)
        modes = [GenerationMode.POSITIVE] + ([GenerationMode.NEGATIVE] if has_input else [])
        strategy = st.one_of(*(operation.as_strategy(generation_mode=mode) for mode in modes))

        # derandomize: the same examples on every run, so a failure is reproducible and a pass means the same.
        @given(case=strategy)
        @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
                  suppress_health_check=list(HealthCheck))
        def check(case):
            # The WSGI transport does not decompress; compression has its own tests.
            case.call_and_validate(checks=CHECKS, headers={"Accept-Encoding": "identity"})
        check()
