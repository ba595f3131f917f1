"""The browsable API documentation at /api/docs, rendered on the server from the OpenAPI document."""
from __future__ import annotations

import json
from typing import Any

from flask import render_template

from smartcities.api.openapi import openapi_document
from smartcities.api.serializers import absolute_url
from smartcities.api.views import bp

EXAMPLE_QUERY = ("country", "limit", "bbox")  # enough to show the shape of a query without overwhelming it


def schema_label(schema: dict[str, Any]) -> str:
    """A short human description of a parameter schema: "integer, 1–500, default 50", "one of: a, b"."""
    if "enum" in schema:
        return "one of: " + ", ".join(str(v) for v in schema["enum"])
    if "const" in schema:
        return f"always {schema['const']}"
    parts = [str(schema.get("type", "string"))]
    if "minimum" in schema and "maximum" in schema:
        parts.append(f"{schema['minimum']}–{schema['maximum']}")
    if "default" in schema:
        parts.append(f"default {schema['default']}")
    return ", ".join(parts)


def curl_example(path: str, method: str, operation: dict[str, Any]) -> str:
    """A copy-and-paste curl command for an operation, filled in with its parameters' examples."""
    url = absolute_url(path)
    query = []
    for param in operation.get("parameters", []):
        if "example" not in param:
            continue
        if param["in"] == "path":
            url = url.replace("{" + param["name"] + "}", str(param["example"]))
        elif param["name"] in EXAMPLE_QUERY:
            query.append(f"{param['name']}={param['example']}")
    if query:
        url += "?" + "&".join(query)
    if method == "post":
        body = json.dumps(operation["requestBody"]["content"]["application/json"]["example"], ensure_ascii=False)
        return f"curl -X POST '{url}' -H 'Content-Type: application/json' -d '{body}'"
    return f"curl -i '{url}'"


def doc_sections(document: dict[str, Any]) -> list[tuple[str, list[dict[str, Any]]]]:
    """Operations grouped by tag, in document order, with what the page shows for each."""
    sections: dict[str, list[dict[str, Any]]] = {}
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            sections.setdefault(operation["tags"][0], []).append({
                "id": (method + path).replace("/", "-").replace("{", "").replace("}", "").replace(".", "-"),
                "method": method.upper(), "path": path, "operation": operation,
                "params": [dict(p, label=schema_label(p["schema"])) for p in operation.get("parameters", [])],
                "curl": curl_example(path, method, operation),
            })
    return list(sections.items())


@bp.get("/api/docs")
def docs() -> str:
    """The API documentation page."""
    document = openapi_document()
    return render_template("api/docs.html", info=document["info"], sections=doc_sections(document))
