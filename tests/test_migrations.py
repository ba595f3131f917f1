"""The Alembic history builds the models' schema exactly, downgrades to an empty database, and every revision
upgrades and downgrades one step at a time on a database holding data, keeping that data.

Each test runs on a throwaway database of the kind the suite runs on: a temp SQLite file, or, when
TEST_DATABASE_URL names a PostgreSQL database, a database `<name>_migrations` created beside it and dropped
afterwards (never the suite's own database, which the session app is using).

A new revision needs nothing here unless it adds a table (seed it in SEED_AT[<its revision>] so the next steps
run on data) or changes existing rows on purpose (declare it in CHANGES and check it in CHECK_UPGRADE).
"""
from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Callable
from datetime import date, datetime, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from support import throwaway_postgres
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import Script, ScriptDirectory
from flask import Flask
from flask_migrate import downgrade, upgrade
from sqlalchemy import Connection, MetaData, Table, column, create_engine, insert, inspect, select, table, text
from sqlalchemy.engine import make_url

from smartcities import create_app
from smartcities.extensions import db
from smartcities.organisations.names import name_keys
from smartcities.projects.search_index import compared_by_alembic, is_search_table

IGNORED = {"alembic_version"}  # and the search index's derived tables (search_index.is_search_table)
NOW = datetime(2026, 11, 20, 8, 30, tzinfo=timezone.utc)


pytestmark = pytest.mark.usefixtures("keep_logging")  # migrations/env.py reconfigures logging


@pytest.fixture
def scratch_url():
    """An empty database of the same kind as the test database, dropped afterwards."""
    test_url = os.environ.get("TEST_DATABASE_URL")
    if not test_url or make_url(test_url).get_backend_name() != "postgresql":
        workdir = Path(tempfile.mkdtemp(prefix="ascn-migrations-"))
        yield f"sqlite:///{workdir / 'migrations.db'}"
        for path in workdir.iterdir():
            path.unlink()
        workdir.rmdir()
        return
    with throwaway_postgres(test_url, "migrations") as url:
        yield url


@pytest.fixture
def migration_app(scratch_url):
    app = create_app({"SQLALCHEMY_DATABASE_URI": scratch_url, "SECRET_KEY": "x", "TESTING": True})
    with app.app_context():
        yield app
        db.engine.dispose()


def test_upgrade_matches_models_and_downgrade_empties(migration_app):
    upgrade()
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True, "include_name": compared_by_alembic})
        diff = compare_metadata(context, db.metadata)
    assert diff == [], f"models and migrations differ: {diff}"
    tables = set(inspect(db.engine).get_table_names())
    assert {"projects", "national_plans", "overlap_flags", "users", "audit_events"} <= tables
    downgrade(revision="base")
    assert {name for name in inspect(db.engine).get_table_names() if not is_search_table(name)} <= IGNORED


# --- the revision graph ----------------------------------------------------------------------------------------

def history(app: Flask) -> list[Script]:
    """The revisions from base to head; the history must stay one line (one head, no merges or branches)."""
    scripts = ScriptDirectory.from_config(app.extensions["migrate"].migrate.get_config())
    assert len(scripts.get_heads()) == 1, f"several heads {scripts.get_heads()}: merge them"
    revisions = list(reversed(list(scripts.walk_revisions("base", "heads"))))
    previous = None
    for script in revisions:
        assert script.down_revision == previous, f"{script.revision} does not follow {previous} in one line"
        previous = script.revision
    return revisions


def current_revision() -> str | None:
    with db.engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


# --- what the database holds -----------------------------------------------------------------------------------

def _key(value: Any) -> str:
    return repr(value)


def contents(conn: Connection, layout: dict[str, dict[str, Any]] | None = None) -> dict[str, dict[str, Any]]:
    """Every table's columns and rows (rows sorted, so that the order of a table rebuild does not matter)."""
    found = {}
    for name, described in (layout or schema(conn)).items():
        names = described["column_order"]
        rows = [dict(row._mapping) for row in conn.execute(select(*map(column, names)).select_from(table(name)))]
        # columns by name: a column a downgrade puts back comes last on PostgreSQL, which cannot insert one between
        found[name] = {"columns": sorted(names), "rows": sorted(rows, key=lambda r: _key(sorted(r.items())))}
    return found


def schema(conn: Connection, namespace: str | None = None) -> dict[str, dict[str, Any]]:
    """Every table's columns (in any order), keys, indexes and CHECK constraints as the database reports them
    (read with one catalog query per kind, not per table: PostgreSQL answers each in milliseconds)."""
    inspector = inspect(conn)
    multi = {"schema": namespace}
    columns = inspector.get_multi_columns(**multi)
    primary_keys = inspector.get_multi_pk_constraint(**multi)
    foreign_keys = inspector.get_multi_foreign_keys(**multi)
    indexes = inspector.get_multi_indexes(**multi)
    uniques = inspector.get_multi_unique_constraints(**multi)
    checks = inspector.get_multi_check_constraints(**multi)
    described = {}
    for key in columns:
        name = key[1]
        if name in IGNORED or is_search_table(name):
            continue
        described[name] = {
            "column_order": [c["name"] for c in columns[key]],
            "columns": sorted(_key((c["name"], str(c["type"]), c["nullable"])) for c in columns[key]),
            "primary_key": primary_keys[key]["constrained_columns"],
            "foreign_keys": sorted(_key((fk["name"], fk["constrained_columns"], fk["referred_table"],
                                         fk["referred_columns"], fk.get("options", {}).get("ondelete")))
                                   for fk in foreign_keys[key]),
            "indexes": sorted(_key((ix["name"], ix["column_names"], bool(ix["unique"]))) for ix in indexes[key]),
            "unique": sorted(_key((uq["name"], uq["column_names"])) for uq in uniques[key]),
            "checks": sorted(_key((ck["name"], " ".join(ck["sqltext"].split()))) for ck in checks[key]),
        }
    return described


def snapshot() -> tuple[dict, dict]:
    """What the database holds now, and its schema."""
    with db.engine.connect() as conn:
        layout = schema(conn)
        rows = contents(conn, layout)
    return rows, unordered(layout)


def unordered(layout: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The schema without the order of columns (a column added later comes last, in the model it may not)."""
    return {name: {k: v for k, v in described.items() if k != "column_order"} for name, described in layout.items()}


def assert_data_kept(before: dict, after: dict, step: str, changed: dict[str, set[str]] | None = None) -> None:
    """Every row of a table that exists on both sides of `step` is still there, with the same values in the
    columns both sides have (except the columns `changed` names: the step rewrites them on purpose)."""
    changed = changed or {}
    for name in before.keys() & after.keys():
        common = [c for c in before[name]["columns"]
                  if c in after[name]["columns"] and c not in changed.get(name, set())]

        def project(rows: list[dict], common: list[str] = common) -> list[dict]:
            return sorted(({c: row[c] for c in common} for row in rows), key=lambda r: _key(sorted(r.items())))
        assert project(after[name]["rows"]) == project(before[name]["rows"]), f"{step} changed rows of {name}"


# --- representative rows, inserted at a revision before the next step runs -------------------------------------

def put(conn: Connection, table: str, *rows: dict[str, Any]) -> None:
    conn.execute(insert(Table(table, MetaData(), autoload_with=conn)), list(rows))


def stamps(**row: Any) -> dict[str, Any]:
    return {"created_at": NOW, "updated_at": NOW, **row}


def seed_initial_schema(conn: Connection) -> None:
    """A little of everything the first schema holds: every table has rows, linked to each other."""
    put(conn, "countries",
        {"code": "TH", "alpha3": "THA", "name": "Thailand", "capital": "Bangkok", "representative_body": None,
         "source": "seed"},
        {"code": "VN", "alpha3": "VNM", "name": "Viet Nam", "capital": "Hanoi", "representative_body": None,
         "source": "seed"})
    put(conn, "focus_areas",
        {"id": 1, "name": "Civic and Social", "slug": "civic-and-social", "covers": "libraries"},
        {"id": 2, "name": "Safety and Security", "slug": "safety-and-security", "covers": None})
    put(conn, "cities",
        {"id": 1, "slug": "bangkok", "name": "Bangkok", "local_name": "กรุงเทพมหานคร", "country_code": "TH",
         "latitude": 13.7563, "longitude": 100.5018, "is_member": True, "member_since": 2018, "source": None},
        {"id": 2, "slug": "da-nang", "name": "Da Nang", "local_name": None, "country_code": "VN",
         "latitude": 16.0544, "longitude": 108.2022, "is_member": True, "member_since": 2018, "source": None})
    put(conn, "organisations", stamps(
        id=1, name="Asian Development Bank (ADB)", kind="multilateral", country_code=None, origin="Manila",
        website="https://www.adb.org", description="A development bank.", is_external_partner=True,
        partner_since=2019, source=None))
    put(conn, "national_plans",
        stamps(id=1, external_id="th-national", country_code="TH", level="national", city_id=None,
               title="Thailand 4.0", start_year=2016, end_year=None, summary="A national plan.", source="seed"),
        stamps(id=2, external_id="th-bangkok", country_code="TH", level="city", city_id=1,
               title="Bangkok smart city", start_year=2020, end_year=2030, summary="", source="seed"))
    put(conn, "plan_focus_areas", {"plan_id": 1, "focus_area_id": 1}, {"plan_id": 2, "focus_area_id": 2})
    put(conn, "plan_initiatives",
        {"id": 1, "plan_id": 2, "position": 0, "title": "Smart poles", "description": "5,000 poles."})
    put(conn, "initiative_focus_areas", {"initiative_id": 1, "focus_area_id": 2})
    put(conn, "users",
        stamps(id=1, email="admin@example.org", password_hash="pbkdf2:sha256:1$a$b", display_name="Admin",
               role="admin", country_code=None, city_id=None, organisation_id=None, active=True),
        stamps(id=2, email="focal@th.example", password_hash="pbkdf2:sha256:1$a$c", display_name="Focal",
               role="focal_point", country_code="TH", city_id=None, organisation_id=None, active=True),
        stamps(id=3, email="official@bkk.example", password_hash="pbkdf2:sha256:1$a$d", display_name="Somchai",
               role="city_official", country_code="TH", city_id=1, organisation_id=None, active=True),
        stamps(id=4, email="partner@adb.example", password_hash="pbkdf2:sha256:1$a$e", display_name="",
               role="partner", country_code=None, city_id=None, organisation_id=1, active=True),
        stamps(id=5, email="gone@bkk.example", password_hash="pbkdf2:sha256:1$a$f", display_name="Gone",
               role="city_official", country_code="TH", city_id=1, organisation_id=None, active=False))
    project = dict(city_id=1, summary="", description="", stage="planning", start_date=date(2026, 1, 1),
                   end_date=date(2027, 6, 30), budget_amount=Decimal("1250000.50"), currency="THB",
                   latitude=13.75, longitude=100.5, seeking_funding=True, funding_sought=Decimal("300000.00"),
                   review_comment=None, created_by_id=3, updated_by_id=3, version=1)
    put(conn, "projects",
        stamps(id=1, title="Flood sensors", status="published", published_at=NOW, **project),
        stamps(id=2, title="Smart poles <b>again</b>", status="draft", published_at=None, **project))
    put(conn, "project_focus_areas", {"project_id": 1, "focus_area_id": 2}, {"project_id": 2, "focus_area_id": 1})
    put(conn, "project_participations",
        {"id": 1, "project_id": 1, "organisation_id": 1, "role": "funding",
         "committed_amount": Decimal("100000.00"), "committed_currency": "USD"})
    put(conn, "follows", {"id": 1, "user_id": 4, "project_id": 1, "created_at": NOW})
    put(conn, "interests", {"id": 1, "project_id": 1, "organisation_id": 1, "user_id": 4,
                            "amount": Decimal("50000.00"), "currency": "USD", "message": "We can help.",
                            "created_at": NOW})
    put(conn, "overlap_flags", stamps(
        id=1, project_id=2, kind="plan", plan_id=2, initiative_id=1, other_project_id=None, subject="Smart poles",
        score=0.91, severity="high", reasons=["same initiative", "same city"], status="acknowledged",
        justification="Another district.", dismissal_reason=None, resolved_by_id=3))
    put(conn, "audit_events", {"id": 1, "user_id": 3, "entity_type": "project", "entity_id": 1,
                               "action": "created", "changes": {"title": [None, "Flood sensors"]},
                               "created_at": NOW})


def seed_session_tokens(conn: Connection) -> None:
    """An account created once session tokens exist, and partners named in unpublished projects: one first in
    a Bangkok draft and then a Da Nang draft, one only in a Da Nang project being reviewed, one in none."""
    put(conn, "users", stamps(
        id=6, email="late@example.org", password_hash="pbkdf2:sha256:1$a$g", display_name="Late", role="admin",
        country_code=None, city_id=None, organisation_id=None, active=True, session_token="ab" * 16))
    put(conn, "organisations", *[stamps(
        id=n, name=name, kind="private", country_code=None, origin=None, website=None, description="",
        is_external_partner=False, partner_since=None, source=None)
        for n, name in ((2, "Bangkok Sensors Co."), (3, "Han River Cameras"), (4, "Nobody's Partner"))])
    put(conn, "projects", stamps(
        id=3, city_id=2, title="Cameras", summary="", description="", stage="concept", status="submitted",
        start_date=None, end_date=None, budget_amount=None, currency=None, latitude=16.05, longitude=108.2,
        seeking_funding=False, funding_sought=None, review_comment=None, published_at=None, created_by_id=None,
        updated_by_id=None, version=1))
    put(conn, "project_participations",
        {"id": 2, "project_id": 2, "organisation_id": 2, "role": "implementing", "committed_amount": None,
         "committed_currency": None},
        {"id": 3, "project_id": 3, "organisation_id": 2, "role": "implementing", "committed_amount": None,
         "committed_currency": None},
        {"id": 4, "project_id": 3, "organisation_id": 3, "role": "funding", "committed_amount": None,
         "committed_currency": None},
        {"id": 5, "project_id": 2, "organisation_id": 1, "role": "extending", "committed_amount": None,
         "committed_currency": None})


def check_confidential_organisations(before: dict, after: dict) -> None:
    """An organisation named only in unpublished projects is private to the city of the first of them; one in a
    published project, or in none, stays public. The public data version starts at 1."""
    seen = {row["id"]: (row["is_public"], row["private_to_city_id"]) for row in after["organisations"]["rows"]}
    assert seen == {1: (True, None), 2: (False, 1), 3: (False, 2), 4: (True, None)}, f"after the data step: {seen}"
    assert [(row["id"], row["version"]) for row in after["public_version"]["rows"]] == [(1, 1)]
    assert after["project_revisions"]["rows"] == []


def seed_project_revisions(conn: Connection) -> None:
    """A pending revision of a published project."""
    put(conn, "project_revisions", stamps(
        id=1, project_id=1, status="pending", values={"title": "Flood sensors, phase 2"}, base_version=1,
        review_comment=None, created_by_id=3, decided_by_id=None, decided_at=None))


def check_session_tokens(before: dict, after: dict) -> None:
    """Every existing account gets a token of its own: 32 hex characters, none shared; the column is required."""
    users = after["users"]["rows"]
    assert len(users) == len(before["users"]["rows"]) == 5
    tokens = [user["session_token"] for user in users]
    assert all(isinstance(token, str) and re.fullmatch(r"[0-9a-f]{32}", token) for token in tokens), tokens
    assert len(set(tokens)) == len(tokens), "two accounts share a session token"
    column = next(c for c in inspect(db.engine).get_columns("users") if c["name"] == "session_token")
    assert column["nullable"] is False


def seed_more_initiatives(conn: Connection) -> None:
    """Initiatives stored out of id order, so the key step must number them by position, per plan."""
    seed_project_revisions(conn)
    put(conn, "plan_initiatives",
        {"id": 2, "plan_id": 1, "position": 1, "title": "Digital ID", "description": ""},
        {"id": 3, "plan_id": 1, "position": 0, "title": "5G everywhere", "description": ""})


def check_initiative_keys(before: dict, after: dict) -> None:
    """Each plan's initiatives are keyed i1, i2, … in their order; plans and flags start at version 1."""
    keys = {row["id"]: (row["plan_id"], row["key"]) for row in after["plan_initiatives"]["rows"]}
    assert keys == {1: (2, "i1"), 2: (1, "i2"), 3: (1, "i1")}, keys
    assert {row["version"] for row in after["national_plans"]["rows"]} == {1}
    assert {row["version"] for row in after["overlap_flags"]["rows"]} <= {1}


def check_organisation_names(before: dict, after: dict) -> None:
    """Every organisation is found under the keys of its name, and under nothing else yet."""
    names = {row["id"]: row["name"] for row in after["organisations"]["rows"]}
    keys = {(row["organisation_id"], row["key"], row["kind"], row["label"])
            for row in after["organisation_names"]["rows"]}
    assert names and keys == {(org_id, key, "name", name) for org_id, name in names.items()
                              for key in name_keys(name)}


def check_project_sites(before: dict, after: dict) -> None:
    """Each project's point is now its one site, at position 0, unnamed, with the very same coordinates."""
    points = {row["id"]: (row["latitude"], row["longitude"]) for row in before["projects"]["rows"]}
    sites = {row["project_id"]: (row["latitude"], row["longitude"]) for row in after["project_sites"]["rows"]}
    assert points and sites == points, f"the points moved: {points} -> {sites}"
    assert {(row["position"], row["name"]) for row in after["project_sites"]["rows"]} == {(0, None)}
    assert "latitude" not in after["projects"]["columns"]


def seed_project_sites(conn: Connection) -> None:
    """A second, named site of a project (a later step must keep it)."""
    put(conn, "project_sites", {"id": 100, "project_id": 1, "position": 1, "name": "Junction 12 – Rama IV",
                                "latitude": 13.7291, "longitude": 100.5389})


def seed_documents(conn: Connection) -> None:
    """A link on a plan and an uploaded file on a project (a later step must keep them)."""
    put(conn, "documents",
        stamps(id=1, title="ASEAN Smart Cities Framework", language="en", category="B12", document_date=None,
               format="application/pdf", url="https://example.org/ascf.pdf", stored_name=None, file_name=None,
               size_bytes=None, sha256=None, text="", source="seed", plan_id=1, city_id=None, country_code=None,
               project_id=None, added_by_id=None),
        stamps(id=2, title="Sensor tender", language="th", category="A10", document_date=date(2026, 2, 1),
               format="application/pdf", url=None, stored_name="0" * 32, file_name="tender.pdf", size_bytes=1234,
               sha256="a" * 64, text="water level sensors", source="", plan_id=None, city_id=None,
               country_code=None, project_id=1, added_by_id=3))


def seed_notifications(conn: Connection) -> None:
    """An event told to one person by e-mail and to one endpoint, a preference, a setting, a follow."""
    put(conn, "events", {"id": 1, "kind": "project.published", "subject_type": "project", "subject_id": "1",
                         "project_id": 1, "actor_id": None, "info": {"title": "Flood sensors"}, "data": {"id": 1},
                         "created_at": NOW})
    put(conn, "notifications", {"id": 1, "user_id": 1, "event_id": 1, "created_at": NOW, "read_at": None,
                                "mail_state": "pending", "mail_due_at": NOW, "mail_attempts": 0, "mail_error": None,
                                "claimed_until": None, "claim": None})
    put(conn, "notification_preferences", {"user_id": 1, "kind": "project.published", "channel": "digest"})
    put(conn, "notification_settings", {"user_id": 1, "language": "th", "digest_sent_at": None,
                                        "digest_claimed_until": None})
    put(conn, "topic_follows", {"id": 1, "user_id": 1, "topic": "city", "target": "1", "created_at": NOW})
    put(conn, "webhook_endpoints", {"id": 1, "url": "https://partner.example.org/hooks",
                                    "events": ["project.published"], "secret": "whsec_" + "A" * 44, "active": True,
                                    "disabled_reason": None, "created_at": NOW})
    put(conn, "webhook_deliveries", {"id": 1, "endpoint_id": 1, "event_id": 1, "state": "pending", "attempts": 0,
                                     "due_at": NOW, "last_attempt_at": None, "last_status": None, "last_error": None,
                                     "delivered_at": None, "claimed_until": None, "claim": None})


def seed_plan_rechecks(conn: Connection) -> None:
    """A plan recheck done and one waiting."""
    put(conn, "plan_rechecks",
        {"id": 1, "plan_id": 1, "created_at": NOW, "done_at": NOW, "claim": None, "claimed_until": None},
        {"id": 2, "plan_id": 1, "created_at": NOW, "done_at": None, "claim": None, "claimed_until": None})


def seed_partner_profiles(conn: Connection) -> None:
    """A partner profile with a ticket range, and a dismissed match."""
    put(conn, "partner_profiles",
        {"organisation_id": 1, "focus_areas": ["built-infrastructure"], "countries": ["TH"],
         "instruments": ["loan", "grant"], "ticket_min": "1000000.00", "ticket_max": "10000000.00",
         "currency": "USD", "statement": "Loans for transit", "source": "adb.org", "updated_at": NOW})
    put(conn, "match_dismissals",
        {"id": 1, "organisation_id": 1, "project_id": 1, "user_id": None, "created_at": NOW})


def seed_match_suggestions(conn: Connection) -> None:
    """A match suggestion told, and one waiting."""
    put(conn, "match_suggestions",
        {"id": 1, "project_id": 1, "created_at": NOW, "done_at": NOW, "claim": None, "claimed_until": None},
        {"id": 2, "project_id": 1, "created_at": NOW, "done_at": None, "claim": None, "claimed_until": None})


SEED_AT: dict[str, Callable[[Connection], None]] = {  # revision -> rows added once the database is at it
    "aea82ccc69a6": seed_initial_schema,
    "81567e49f04f": seed_session_tokens,
    "3b7c1d2e9f10": seed_more_initiatives,
    "9d4b2c7e1f60": seed_project_sites,
    "4d8e2b6f1a73": seed_notifications,
    "e3a1c9d7b5f2": seed_plan_rechecks,
    "a3c81f5e62d4": seed_partner_profiles,
    "c5d9e1f7a2b8": seed_documents,
    "f4b7d2a8c6e1": seed_match_suggestions,
}
CHECK_UPGRADE: dict[str, Callable[[dict, dict], None]] = {  # revision -> check of its data step
    "81567e49f04f": check_session_tokens,
    "3b7c1d2e9f10": check_confidential_organisations,
    "5e0a9c4d7b21": check_initiative_keys,
    "7c2f4e1a9b35": check_organisation_names,
    "9d4b2c7e1f60": check_project_sites,
}
CHANGES: dict[str, dict[str, set[str]]] = {}  # revision -> {table: columns its upgrade rewrites on purpose}


def test_every_revision_steps_up_and_down_with_data(migration_app):
    """From base to head one revision at a time: each upgrade keeps the rows already there (and runs its data
    step on them), its downgrade restores the previous schema and rows exactly, and it upgrades again; then
    from head back to base one revision at a time, keeping the rows of the tables that stay."""
    revisions = history(migration_app)
    assert [r.revision for r in revisions[:2]] == ["aea82ccc69a6", "81567e49f04f"]
    assert set(SEED_AT) | set(CHECK_UPGRADE) | set(CHANGES) <= {r.revision for r in revisions}
    previous = None
    for script in revisions:
        step = f"upgrade {previous or 'base'} -> {script.revision}"
        rows, layout = snapshot()
        empty = [name for name, table in rows.items() if not table["rows"]]
        assert not empty, f"tables {empty} are empty before {step}: seed them in SEED_AT[{previous!r}]"
        for attempt in ("first", "again"):
            upgrade(revision=script.revision)
            assert current_revision() == script.revision
            upgraded, _ = snapshot()
            assert_data_kept(rows, upgraded, step, CHANGES.get(script.revision))
            if script.revision in CHECK_UPGRADE:
                CHECK_UPGRADE[script.revision](rows, upgraded)
            if attempt == "first":
                downgrade(revision=previous or "base")
                assert current_revision() == previous
                assert snapshot() == (rows, layout), f"downgrade of {script.revision} does not restore {previous}"
        if script.revision in SEED_AT:
            with db.engine.begin() as conn:
                SEED_AT[script.revision](conn)
        previous = script.revision

    assert current_revision() == revisions[-1].revision
    for script in reversed(revisions):
        rows, _ = snapshot()
        downgrade(revision=script.down_revision or "base")
        assert current_revision() == script.down_revision
        after, _ = snapshot()
        assert_data_kept(rows, after, f"downgrade {script.revision} -> {script.down_revision or 'base'}")
        if script.down_revision is not None:
            assert all(table["rows"] for table in after.values())
    assert {name for name in inspect(db.engine).get_table_names() if not is_search_table(name)} <= IGNORED


def test_the_steps_check_what_they_claim(migration_app):
    """The data checks fail on the faults they look for: a lost row, a changed value, a shared or missing token."""
    upgrade(revision="aea82ccc69a6")
    with db.engine.begin() as conn:
        seed_initial_schema(conn)
    before, _ = snapshot()
    lost = {name: dict(table) for name, table in before.items()}
    lost["follows"] = {"columns": before["follows"]["columns"], "rows": []}
    with pytest.raises(AssertionError, match="rows of follows"):
        assert_data_kept(before, lost, "a step")
    renamed = {name: dict(table) for name, table in before.items()}
    renamed["cities"] = {"columns": before["cities"]["columns"],
                         "rows": [{**row, "name": row["name"].upper()} for row in before["cities"]["rows"]]}
    with pytest.raises(AssertionError, match="rows of cities"):
        assert_data_kept(before, renamed, "a step")
    assert_data_kept(before, renamed, "a step", {"cities": {"name"}})

    upgrade(revision="81567e49f04f")
    after, _ = snapshot()
    check_session_tokens(before, after)
    shared = {**after, "users": {"columns": after["users"]["columns"],
                                 "rows": [{**row, "session_token": "0" * 32} for row in after["users"]["rows"]]}}
    with pytest.raises(AssertionError, match="share"):
        check_session_tokens(before, shared)
    missing = {**after, "users": {"columns": after["users"]["columns"],
                                  "rows": [{**row, "session_token": None} for row in after["users"]["rows"]]}}
    with pytest.raises(AssertionError):
        check_session_tokens(before, missing)


def test_head_schema_has_every_constraint_of_the_models(migration_app, scratch_url):
    """What autogenerate does not compare (CHECK constraints, ON DELETE, index names) matches the models too:
    the migrated schema equals the one the models create on an empty database."""
    upgrade()
    with db.engine.connect() as conn:
        migrated = unordered(schema(conn))
    if db.engine.dialect.name == "postgresql":
        with db.engine.begin() as conn:
            conn.execute(text("CREATE SCHEMA from_models"))
            db.metadata.create_all(conn.execution_options(schema_translate_map={None: "from_models"}))
            from_models = unordered(schema(conn, "from_models"))
            conn.execute(text("DROP SCHEMA from_models CASCADE"))
    else:
        other = create_engine(f"sqlite:///{Path(make_url(scratch_url).database).with_name('models.db')}")
        db.metadata.create_all(other)
        with other.connect() as conn:
            from_models = unordered(schema(conn))
        other.dispose()
    assert migrated.keys() == from_models.keys()
    for name in migrated:
        assert migrated[name] == from_models[name], f"table {name} differs from its model"
