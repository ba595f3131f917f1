"""The OpenAPI 3.1 document: valid, complete, rendered as /api/docs, and honoured by every real response."""
from __future__ import annotations

import base64
import contextvars
import re
import sys
from collections import Counter
from datetime import date
from decimal import Decimal
from typing import Any
from urllib.parse import unquote

import pytest
import schemathesis
from flask import Flask
from hypothesis import given, settings
from hypothesis import strategies as st
from openapi_spec_validator import validate
from schemathesis.checks import CHECKS
from schemathesis.engine import events, from_schema
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.exceptions import MethodNotAllowed, NotFound

from smartcities.api.http import ResponseCache
from smartcities.api.openapi import FLOAT_SPACE
from smartcities.api.params import CURSOR_PATTERN, SPACE, encode_cursor, limit_pattern, parse_page
from smartcities.api.openapi_schemas import YEARS
from smartcities.errors import ValidationError
from smartcities.extensions import db
from smartcities.ogc.views import CRS84
from smartcities.projects.validation import EARLIEST, LATEST
from test_api import ADB, partner

OPEN_DATA_BLUEPRINTS = ("api", "feeds", "ogc")
UNDOCUMENTED = {"/api/openapi.json", "/api/docs"}  # the document itself and its HTML rendering
EXAMPLES = 5  # generated per operation and mode, besides the examples, coverage and stateful phases
TESTED_PHASES = ("coverage", "fuzzing")  # each over every operation on its own
MIN_REQUESTS = 1_000  # generated in all phases together


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
            ("/api/v1/projects/{id}/iati.xml", "id"): project.id, ("/api/v1/projects/{id}/matches", "id"): project.id,
            ("/api/v1/organisations/{id}/matches", "id"): adb.id,
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


def fixed_segments(path: str, route: str) -> int | None:
    """How many of the route's placeholders the documented path fills with a fixed value (OGC API – Features
    lets a collection have its own path, with its own parameters); None when the path is not the route's."""
    documented, routed = path.split("/"), route.split("/")
    if len(documented) != len(routed) or any(d != r and not r.startswith("{") for d, r in zip(documented, routed)):
        return None
    return sum(1 for d, r in zip(documented, routed) if r.startswith("{") and not d.startswith("{"))


def test_document_describes_every_open_data_endpoint_and_the_overlap_check(app, client, examples):
    document = client.get("/api/openapi.json").json
    documented = operations(document)
    assert ("/api/v1/overlap-check", "POST") in documented
    adapter = app.url_map.bind("localhost")
    answered = set()
    for (path, method), operation in documented.items():
        url = concrete(path, operation, examples)
        try:
            rule, _ = adapter.match(url, method=method, return_rule=True)
        except (NotFound, MethodNotAllowed) as exc:
            pytest.fail(f"{method} {path} is documented but no route answers {method} {url}: {exc!r}")
        answered.add((shape(openapi_path(rule.rule)), method))
        filled = fixed_segments(path, openapi_path(rule.rule))
        assert filled is not None, (path, rule.rule)
        # The path parameters documented are exactly the placeholders of the path, one per route argument.
        declared = [p["name"] for p in operation.get("parameters", []) if p["in"] == "path"]
        assert sorted(declared) == sorted(re.findall(r"\{([^}]+)\}", path)), path
        assert len(declared) + filled == len(rule.arguments), (path, rule.rule)
        if method == "GET":
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code, response.get_data(as_text=True)[:300])
        else:
            example = operation["requestBody"]["content"]["application/json"]["example"]
            response = client.open(url, method=method, json=example)
            assert response.status_code == 200, (url, response.status_code, response.get_data(as_text=True)[:300])
    # Both ways, exactly: every documented operation is served, every served one documented.
    assert answered == served_operations(app)


# A value each query parameter must refuse with a 400 naming it: proof that the view reads what is documented.
INVALID = {
    "country": "ZZ", "city": "atlantis", "focus_area": "Space", "stage": "someday", "partner": "0",
    "seeking_funding": "maybe", "q": "x" * 201, "bbox": "1,2", "updated_since": "yesterday", "limit": "0",
    "cursor": "not-a-cursor", "f": "xml", "bbox-crs": "http://www.opengis.net/def/crs/EPSG/0/4326",
    "zoom": "21", "funder": "x", "plan": "no-such-plan", "project": "0",
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
    monkeypatch.setattr(ResponseCache, "fetch", lambda self, key, version, name, build: build())  # every view runs

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
        member = resolve(member, document)
        for option in (member, *member.get("anyOf", [])):  # a nullable object is anyOf [null, the object]
            if resolve(option, document).get("type") == "object":
                names |= body_members(option, document, f"{prefix}{name}.")
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


def test_the_patterns_say_exactly_what_the_parsers_read():
    """The building blocks of the document's patterns against the Python the API runs."""
    def readable_float(c: str) -> bool:
        try:
            return float(f"{c}1{c}") == 1
        except ValueError:
            return False
    characters = [chr(code) for code in range(sys.maxunicode + 1)]
    assert [c for c in characters if re.fullmatch(SPACE, c)] == [c for c in characters if c.isspace()]
    assert ([c for c in characters if re.fullmatch(FLOAT_SPACE, c)]
            == [c for c in characters if c.isspace() and readable_float(c)])
    for maximum in (500, 10_000):
        accepted = [n for n in range(20_000) if re.fullmatch(limit_pattern(maximum), str(n))]
        assert accepted == list(range(1, maximum + 1))
        assert re.fullmatch(limit_pattern(maximum), "0007") and parse_page({"limit": "0007"}, 1, maximum).limit == 7
    assert [y for y in range(1000, 3000) if re.match(f"^{YEARS}-", f"{y}-")] == list(
        range(EARLIEST.year, LATEST.year + 1))
    assert (EARLIEST, LATEST) == (date(EARLIEST.year, 1, 1), date(LATEST.year, 12, 31))


@given(st.integers(0, 10**10 - 1) | st.from_regex(CURSOR_PATTERN, fullmatch=True))
@settings(max_examples=300, deadline=None, database=None, derandomize=True)
def test_the_cursor_pattern_is_the_cursors_the_api_reads(value):
    """Every cursor the API gives out matches the pattern; every value matching it is a position, none else."""
    cursor = encode_cursor(value) if isinstance(value, int) else value
    assert re.fullmatch(CURSOR_PATTERN, cursor)
    after = int(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode().removeprefix("after:"))
    assert parse_page({"cursor": cursor}, 10, 10).after == min(after, 2**31 - 1)
    for near_miss in (cursor + "=" * (-len(cursor) % 4 or 4), cursor[:-1], "x" + cursor):
        if not re.fullmatch(CURSOR_PATTERN, near_miss):
            with pytest.raises(ValidationError):
                parse_page({"cursor": near_miss}, 10, 10)


def test_a_405_names_the_methods_allowed_as_rfc_9110_asks(client):
    problem = "application/problem+json"
    for path, kind in (("/api/v1/projects", problem), ("/ogc/collections", problem), ("/feed.json", problem),
                       ("/cities", "text/html")):
        response = client.delete(path)
        assert response.status_code == 405 and response.mimetype == kind, path
        assert set(response.headers["Allow"].split(", ")) == {"GET", "HEAD", "OPTIONS"}, path
    assert set(client.get("/api/v1/overlap-check").headers["Allow"].split(", ")) == {"OPTIONS", "POST"}


def in_order(context, case):
    """A valid request keeps the two rules JSON Schema cannot state, and the document states in words:
    minLat <= maxLat in a bbox, and an overlap draft's end_date not before its start_date."""
    if case.meta is None or not case.meta.generation.mode.is_positive:
        return case
    bbox = (case.query or {}).get("bbox")
    # Stripped first: white space the API strips from the whole value is not always allowed inside it.
    parts = [part.strip() for part in bbox.strip().split(",")] if isinstance(bbox, str) else []
    if len(parts) in (4, 6):
        low, high = (1, 3) if len(parts) == 4 else (1, 4)
        if float(parts[low]) > float(parts[high]):
            parts[low], parts[high] = parts[high], parts[low]
            case.query["bbox"] = ",".join(parts)
    body = case.body if isinstance(case.body, dict) else {}
    dates = [body.get(name) for name in ("start_date", "end_date")]
    if all(isinstance(d, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", d) for d in dates) and dates[1] < dates[0]:
        body["start_date"], body["end_date"] = dates[1], dates[0]
    return case


@pytest.fixture
def api_schema(app, examples):
    """The served document, every operation of it, with data behind it; `--checks all`, derandomized."""
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    schema.config.checks.update(included_check_names=["all"])
    schema.config.generation.update(deterministic=True, max_examples=EXAMPLES)
    schema.config.update(headers={"Accept-Encoding": "identity"})  # the WSGI transport does not decompress
    schema.hook("map_case")(in_order)
    return schema


def _failure(event, case_id: str, check) -> tuple[str, ...]:
    """A failed check, with what it takes to replay it: the request and the start of the answer."""
    interaction = event.recorder.interactions[case_id]
    answer = interaction.response
    body = (answer.content or b"")[:300].decode(errors="replace") if answer is not None else ""
    return (check.name, check.failure_info.failure.title, interaction.request.method, unquote(interaction.request.uri),
            check.failure_info.failure.message[:300], body)


def run_engine(schema) -> tuple[Counter, list, list, list]:
    """Requests per (phase, operation), failures, errors and skipped scenarios of one schemathesis run."""
    requests, failures, errors, skipped = Counter(), [], [], []
    # A fresh context: no app context of the test pushed, so each request has its own, as in production.
    for event in contextvars.Context().run(lambda: list(from_schema(schema).execute())):
        if isinstance(event, events.NonFatalError | events.FatalError):
            errors.append(repr(event))
        if not isinstance(event, events.ScenarioFinished):
            continue
        if event.status == "skip" and event.phase in TESTED_PHASES:  # examples: the document has few, on purpose
            skipped.append((event.phase, event.label, event.skip_reason))
        requests[event.phase.value, event.label] += len(event.recorder.interactions)
        failures += [_failure(event, case_id, check) for case_id, checks in event.recorder.checks.items()
                     for check in checks if check.failure_info is not None]
    return requests, failures, errors, skipped


def test_real_responses_conform_to_the_document(api_schema, client, record_property):
    """Every schemathesis check over every operation, in every phase (examples, coverage, fuzzing, stateful):
    no 5xx, only documented statuses, types, headers and shapes; 405 with Allow to undocumented methods; what
    the document calls valid accepted, what it calls invalid refused."""
    assert all(api_schema.config.checks.get_by_name(name=name).enabled for name in CHECKS.get_all_names())
    db.session.rollback()  # the examples fixture's data committed, the test's session idle
    requests, failures, errors, skipped = run_engine(api_schema)
    total = sum(requests.values())
    phases = Counter()
    for (phase, _), count in requests.items():
        phases[phase] += count
    print(f"\nschemathesis: {total} requests {dict(phases)}, {len(failures)} failures; checks: "
          f"{', '.join(CHECKS.get_all_names())}")
    record_property("schemathesis_requests", total)
    assert not errors and not skipped and not failures, "\n".join(map(repr, [*errors, *skipped, *failures[:10]]))
    documented = {f"{method} {path}" for path, method in operations(client.get("/api/openapi.json").json)}
    for phase in TESTED_PHASES:  # every operation, none skipped
        assert {label for (ran, label), count in requests.items() if ran == phase and count} == documented, phase
    assert total >= MIN_REQUESTS, requests
