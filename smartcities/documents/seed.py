"""The network's public founding documents, as links with their sources (smartcities/data/documents.csv).

Idempotent: a link is found again by its URL and what it is attached to, and only its changed fields are written.
The ASCN concept note (27 Apr 2018) is not in the file: no address of it on asean.org could be confirmed.
"""
from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

from sqlalchemy import select

from smartcities import public_version
from smartcities.documents import services
from smartcities.documents.models import Document
from smartcities.extensions import db

DATA = Path(__file__).resolve().parent.parent / "data" / "documents.csv"
COLUMNS = {"plan": Document.plan_id, "city": Document.city_id, "country": Document.country_code,
           "project": Document.project_id}


def seed_documents(path: Path = DATA) -> Counter:
    """Create or update each link of the file; returns the tally (created, updated, unchanged)."""
    tally: Counter = Counter()
    with open(path, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        kind = row["attach_kind"]
        target = services.find_target(kind, row["attach_key"])
        fields = services.validate(services.Fields(row["title"], row["language"], row["category"] or None,
                                                   services.parse_date(row["document_date"]), row["source_or_note"]))
        key = target.code if kind == "country" else target.id
        found = db.session.scalar(select(Document).where(Document.url == row["url"], COLUMNS[kind] == key))
        if found is None:
            services.add_document(target, fields, url=row["url"])
            tally["created"] += 1
            continue
        wanted = {"title": fields.title, "language": fields.language, "category": fields.category,
                  "document_date": fields.document_date, "source": fields.source}
        changed = {name: value for name, value in wanted.items() if getattr(found, name) != value}
        for name, value in changed.items():
            setattr(found, name, value)
        if changed:  # a seeded link is public (a plan's, a city's, a country's): its open data moves
            public_version.bump(db.session)
        tally["updated" if changed else "unchanged"] += 1
    db.session.flush()
    return tally
