"""Every public page describes itself (meta description, Open Graph title and description), so search engines
and shared links show what it is (issue 11: Lighthouse SEO 1.00); user text in them is escaped."""
from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import select

from smartcities.extensions import db
from smartcities.organisations.models import Organisation

META = re.compile(r'<meta (?:name|property)="(description|og:title|og:description)" content="([^"]*)">')


def meta(client, path: str) -> dict[str, str]:
    response = client.get(path)
    assert response.status_code == 200, path
    page = response.get_data(as_text=True)
    found = {name: html.unescape(value) for name, value in META.findall(page)}
    title = html.unescape(re.search(r"<title>(.*?)</title>", page, re.S).group(1))
    return {**found, "title": title}


@pytest.mark.parametrize("path", ["/", "/cities", "/cities/bangkok", "/organisations", "/plans", "/stats",
                                  "/api/docs"])
def test_each_public_page_has_its_own_description(client, path):
    found = meta(client, path)
    assert 50 <= len(found["description"]) <= 300
    assert found["og:description"] == found["description"]
    assert found["title"] == f"{found['og:title']} · ASCN"


def test_descriptions_differ_from_page_to_page(client):
    descriptions = [meta(client, path)["description"] for path in ("/", "/cities", "/cities/bangkok", "/plans")]
    assert len(set(descriptions)) == 4


def test_a_project_page_is_described_by_its_summary_escaped(client, make_project):
    summary = 'Sensors on 40 junctions "><script>alert(1)</script> & a dashboard'
    title = 'Junction sensors <b>"Bangkok"</b>'
    project = make_project(title=title, summary=summary)
    head = client.get(f"/projects/{project.id}").get_data(as_text=True).split("</head>")[0]
    assert "<script>alert(1)" not in head and "<b>" not in head and '""' not in head
    found = meta(client, f"/projects/{project.id}")
    assert found["description"] == found["og:description"] == summary  # the text itself, shown literally
    assert found["og:title"] == title


def test_a_partner_page_without_a_description_says_what_it_is(client):
    organisation = db.session.scalar(select(Organisation).where(Organisation.is_public.is_(True)).limit(1))
    found = meta(client, f"/organisations/{organisation.id}")
    assert found["description"] == (organisation.description or
                                    f"{organisation.name}: its roles in the smart-city projects of the ASEAN "
                                    "Smart Cities Network.")
