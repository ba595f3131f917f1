"""The OpenAPI 3.1 document: valid, complete, rendered as /api/docs, and honoured by every real response."""
from __future__ import annotations

import re
from decimal import Decimal

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openapi_spec_validator import validate
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance, response_headers_conformance, response_schema_conformance, status_code_conformance,
)

from test_api import ADB, partner

OPEN_DATA_BLUEPRINTS = ("api", "feeds", "ogc")
UNDOCUMENTED = {"/api/openapi.json", "/api/docs"}  # the document itself and its HTML rendering
EXAMPLES = 30  # per operation: about 25 s in all, with SQLite
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


def test_document_describes_every_open_data_endpoint_and_the_overlap_check(app, client):
    documented = {shape(path) for path in client.get("/api/openapi.json").json["paths"]}
    served = {shape(openapi_path(rule.rule)) for rule in app.url_map.iter_rules()
              if rule.endpoint.split(".")[0] in OPEN_DATA_BLUEPRINTS and rule.rule not in UNDOCUMENTED}
    assert served and served <= documented
    assert "/api/v1/overlap-check" in documented
    assert documented - served <= {"/api/v1/overlap-check"}


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
def api_schema(app, make_project):
    """The served document, with data behind it; the POST overlap check only once its view is registered."""
    project = make_project("Canal sensors", budget_amount=Decimal("1000"), currency="THB", seeking_funding=True)
    partner(project, ADB, "funding", "250", "USD")
    make_project("Bus app", city="hanoi", focus_areas=("Built Infrastructure", "Civic and Social"))
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    if not any(rule.rule == "/api/v1/overlap-check" for rule in app.url_map.iter_rules()):
        schema = schema.exclude(method="POST")
    return schema


def test_real_responses_conform_to_the_document(api_schema):
    """Valid and invalid requests for every operation: no 5xx, only documented statuses, types and shapes."""
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 22  # every GET of the document
    for operation in operations:
        modes = [GenerationMode.POSITIVE] + ([GenerationMode.NEGATIVE] if operation.iter_parameters() else [])
        strategy = st.one_of(*(operation.as_strategy(generation_mode=mode) for mode in modes))

        @given(case=strategy)
        @settings(max_examples=EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck))
        def check(case):
            # The WSGI transport does not decompress; compression has its own tests.
            case.call_and_validate(checks=CHECKS, headers={"Accept-Encoding": "identity"})
        check()
