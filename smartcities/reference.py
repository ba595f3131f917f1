"""Loads the ASCN reference data shipped in smartcities/data/: idempotent upserts that count changes."""
from __future__ import annotations

import csv
import json
from collections import Counter
from pathlib import Path
from typing import Any

from sqlalchemy import select

from smartcities.documents.seed import seed_documents
from smartcities.extensions import db
from smartcities.geo.models import City, Country
from smartcities.organisations.models import Organisation
from smartcities.organisations.profiles import save_profile
from smartcities.organisations.services import index_names
from smartcities.plans.services import import_plans
from smartcities.projects.models import FocusArea
from smartcities.text import slugify

DATA_DIR = Path(__file__).resolve().parent / "data"
ASEAN = {"BN", "KH", "ID", "LA", "MY", "MM", "PH", "SG", "TH", "VN", "TL"}


def _rows(name: str) -> list[dict[str, str]]:
    with open(DATA_DIR / name, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def upsert(model: type, key: dict[str, Any], values: dict[str, Any], tally: Counter) -> Any:
    """Create the row with `key`, or update the fields that differ; tally what happened."""
    row = db.session.scalar(select(model).filter_by(**key))
    if row is None:
        row = model(**key, **values)
        db.session.add(row)
        tally["created"] += 1
        return row
    changed = {name: value for name, value in values.items() if getattr(row, name) != value}
    for name, value in changed.items():
        setattr(row, name, value)
    tally["updated" if changed else "unchanged"] += 1
    return row


def load_countries(tally: Counter) -> None:
    for row in _rows("countries.csv"):
        upsert(Country, {"code": row["iso2"]}, {
            "alpha3": row["iso3"], "name": row["name"], "capital": row["capital"],
            "representative_body": row["ascn_national_representative_body"], "source": row["source_or_note"],
        }, tally)
    db.session.flush()


def load_cities(tally: Counter) -> None:
    for row in _rows("cities.csv"):
        joined = int(row["joined_year"]) if row["joined_year"] else None
        upsert(City, {"slug": slugify(row["name"])}, {
            "name": row["name"], "local_name": row["local_name"], "country_code": row["country_iso2"],
            "latitude": float(row["latitude"]), "longitude": float(row["longitude"]),
            "is_member": joined is not None, "member_since": joined, "source": row["source_or_note"],
        }, tally)
    db.session.flush()


def load_focus_areas(tally: Counter) -> None:
    for row in _rows("focus_areas.csv"):
        upsert(FocusArea, {"slug": row["slug"]}, {"name": row["name"], "covers": row["covers"]}, tally)
    db.session.flush()


def load_partners(tally: Counter) -> None:
    country_by_name = {c.name.lower(): c.code for c in db.session.scalars(select(Country))}
    for row in _rows("partners.csv"):
        origin = row["country_or_region"]
        code = country_by_name.get(origin.lower())
        organisation = upsert(Organisation, {"name": row["name"]}, {
            "kind": row["kind"], "origin": origin, "country_code": code,
            "description": row["what_they_fund"],
            "is_external_partner": code is None or code not in ASEAN,
            "partner_since": int(row["since_year"]) if row["since_year"] else None,
            "source": row["source_or_note"],
        }, tally)
        index_names(organisation, aliases=[a for a in row["aliases"].split(";") if a.strip()],
                    acronym=row["acronym"], iati_ref=row["iati_ref"])
    db.session.flush()


def load_partner_profiles(tally: Counter) -> None:
    """What public sources say the seeded partners fund, with the source; empty where nothing was found. A profile
    that exists is the partner's own from then on (its edits, its opt-in): the seed never writes over it."""
    for row in _rows("partner_profiles.csv"):
        organisation = db.session.scalar(select(Organisation).where(Organisation.name == row.pop("name")))
        if organisation is None:
            raise ValueError("partner_profiles.csv names a partner that partners.csv does not list")
        if organisation.profile is not None:
            tally["unchanged"] += 1
            continue
        save_profile(organisation, row, None)
        tally["created"] += 1
    db.session.flush()


def seed() -> dict[str, Counter]:
    """Load every reference file; returns a tally per kind of row. The caller commits."""
    report: dict[str, Counter] = {}
    for label, loader in (("countries", load_countries), ("cities", load_cities),
                          ("focus areas", load_focus_areas), ("partners", load_partners),
                          ("partner profiles", load_partner_profiles)):
        report[label] = Counter()
        loader(report[label])
    with open(DATA_DIR / "plans.json", encoding="utf-8") as handle:
        report["plans"] = import_plans(json.load(handle))
    report["documents"] = seed_documents()
    return report
