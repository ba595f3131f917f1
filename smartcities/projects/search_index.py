"""Rows derived from each project: its folded text and the words of published projects, for search; and each
published project's GeoJSON Feature, serialised, so the whole collection is read instead of built.

Derived data, outside the models' metadata: the migration gives each database its own index over the search tables
(SQLite: FTS5 tables with the trigram tokenizer, kept in step by triggers; PostgreSQL: pg_trgm GIN indexes).
Rows are written in the same transaction as what they come from: the flushes that change a project, its sites
or partners, a partner's names, a focus area, a city or a country note the projects concerned, and the commit
refreshes them; bulk writes that bypass the ORM call `refresh` themselves. `rebuild` starts again from the projects
(the migrations and `flask --app app projects reindex-search` use it).
"""
from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from itertools import chain, islice
from typing import Any

from sqlalchemy import (
    Column, Connection, Integer, MetaData, String, Table, Text, delete, event, inspect, select,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from smartcities.geo.models import City, Country
from smartcities.organisations.models import Organisation, OrganisationName
from smartcities.projects.models import FocusArea, Project, ProjectParticipation, ProjectSite, project_focus_areas
from smartcities.text import fold

metadata = MetaData()
project_search = Table(
    "project_search", metadata,
    Column("project_id", Integer, primary_key=True, autoincrement=False),
    Column("title", Text, nullable=False),   # folded title: ranks the matches
    Column("body", Text, nullable=False),    # folded title, texts, place, sites and public partners: matches
)
search_words = Table(  # the vocabulary a misspelt word is corrected from
    "search_words", metadata,
    Column("id", Integer, primary_key=True),
    Column("word", String(40), nullable=False, unique=True),
)
# A published project's Feature as /api/v1/projects.geojson writes it, but for its URL's host.
project_features = Table(
    "project_features", metadata,
    Column("project_id", Integer, primary_key=True, autoincrement=False),
    Column("feature", Text, nullable=False),
)
# Where a stored Feature's URL has its host (a request's, or PUBLIC_URL): a control character.
URL_HOST = "\x01"
TABLE_PREFIXES = ("project_search", "search_words", "project_features")  # with SQLite's FTS5 and shadow tables
VOCABULARY_WORD = re.compile(r"[a-z][a-z0-9]{3,39}")  # Latin-script words: the ones a typo correction can help
BATCH = 500
PARTNER_KINDS = ("alias", "acronym")  # besides its name, what a partner is searched by


def is_search_table(name: str) -> bool:
    """Is `name` one of the index's tables (which model comparisons and table listings leave out)?"""
    return name.startswith(TABLE_PREFIXES)


def compared_by_alembic(name: str | None, type_: str, _parent: Any) -> bool:
    """Alembic's `include_name`: autogenerate compares every table but the index's (it would drop them)."""
    return not (type_ == "table" and name is not None and is_search_table(name))


def _batches(ids: Iterable[int]) -> Iterator[list[int]]:
    it = iter(ids)
    while chunk := list(islice(it, BATCH)):
        yield chunk


def _documents(conn: Connection, ids: list[int]) -> dict[int, dict[str, Any]]:
    """{project id: {"title", "body", "published"}} for the projects among `ids` that exist."""
    parts: dict[int, list[str]] = defaultdict(list)
    docs: dict[int, dict[str, Any]] = {}
    for pid, title, summary, description, status, city, local_name, country in conn.execute(
            select(Project.id, Project.title, Project.summary, Project.description, Project.status, City.name,
                   City.local_name, Country.name)
            .join(City, City.id == Project.city_id).join(Country, Country.code == City.country_code)
            .where(Project.id.in_(ids))):
        docs[pid] = {"title": title, "published": status == "published"}
        parts[pid] += [title, summary or "", description or "", city, local_name or "", country]
    for pid, name in conn.execute(select(ProjectSite.project_id, ProjectSite.name)
                                  .where(ProjectSite.project_id.in_(ids), ProjectSite.name.is_not(None))):
        parts[pid].append(name)
    public = (select(ProjectParticipation.project_id, ProjectParticipation.organisation_id)
              .join(Organisation, Organisation.id == ProjectParticipation.organisation_id)
              .where(ProjectParticipation.project_id.in_(ids), Organisation.is_public.is_(True)).subquery())
    for pid, name in conn.execute(select(public.c.project_id, Organisation.name)
                                  .join(Organisation, Organisation.id == public.c.organisation_id)):
        parts[pid].append(name)
    for pid, label in conn.execute(select(public.c.project_id, OrganisationName.label)
                                   .join(OrganisationName, OrganisationName.organisation_id == public.c.organisation_id)
                                   .where(OrganisationName.kind.in_(PARTNER_KINDS))):
        parts[pid].append(label)
    for pid, doc in docs.items():
        doc["title"], doc["body"] = fold(doc["title"]), fold(" \n ".join(dict.fromkeys(parts[pid])))
    return docs


def _add_words(conn: Connection, words: set[str]) -> None:
    if not words:
        return
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    conn.execute(dialect.insert(search_words).on_conflict_do_nothing(index_elements=["word"]),
                 [{"word": word} for word in sorted(words)])


def features(conn: Connection, ids: Iterable[int]) -> dict[int, str]:
    """{project id: its serialised Feature, URL_HOST for its URL's host} for the published projects among `ids`."""
    # The Feature is the open data's shape (api/serializers.py), which imports the projects' queries, which import
    # this module: imported here, when a commit first needs it.
    from smartcities.api.serializers import project_feature
    from smartcities.projects.queries import ProjectFilters, map_rows
    return {row["id"]: json.dumps(project_feature(row, url=f"{URL_HOST}/projects/{row['id']}"), ensure_ascii=False,
                                  separators=(",", ":"))
            for row in map_rows(ProjectFilters(), among=list(ids), conn=conn)}


def write_features(conn: Connection, ids: list[int]) -> None:
    """Store the Features of these projects again (a project no longer published loses its row)."""
    conn.execute(delete(project_features).where(project_features.c.project_id.in_(ids)))
    written = features(conn, ids)
    if written:
        conn.execute(project_features.insert(), [{"project_id": pid, "feature": feature}
                                                 for pid, feature in written.items()])


def refresh(conn: Connection, project_ids: Iterable[int], with_features: bool = True) -> None:
    """Write the derived rows of these projects again from what they are now (a deleted one loses its rows).

    Only published projects add words to the vocabulary (which corrections exist says nothing about drafts) and
    have a Feature. `with_features=False`: the search rows only (a database from before the Features' table).
    """
    for ids in _batches(sorted(set(project_ids))):
        docs = _documents(conn, ids)
        conn.execute(delete(project_search).where(project_search.c.project_id.in_(ids)))
        if docs:
            conn.execute(project_search.insert(), [{"project_id": pid, "title": doc["title"], "body": doc["body"]}
                                                   for pid, doc in docs.items()])
        _add_words(conn, {word for doc in docs.values() if doc["published"]
                          for word in doc["body"].split() if VOCABULARY_WORD.fullmatch(word)})
        if with_features:
            write_features(conn, ids)


def rebuild(conn: Connection, with_features: bool = True) -> int:
    """Derive every project's rows from scratch; the number of projects."""
    conn.execute(delete(project_search))
    conn.execute(delete(search_words))
    if with_features:
        conn.execute(delete(project_features))
    ids = list(conn.scalars(select(Project.id).order_by(Project.id)))
    refresh(conn, ids, with_features)
    return len(ids)


# --- kept current by the ORM's flushes ---------------------------------------------------------------------------

def _changed(obj: Any, *names: str) -> bool:
    state = inspect(obj)
    return any(state.attrs[name].history.has_changes() for name in names)


def _affected(session: Session) -> set[int]:
    """The projects whose derived rows this flush may have changed."""
    projects: set[int] = set()
    organisations: set[int] = set()
    cities: set[int] = set()
    countries: set[str] = set()
    areas: set[int] = set()
    written = chain(session.new, session.deleted, (o for o in session.dirty if session.is_modified(o)))
    for obj in written:
        if isinstance(obj, Project):
            projects.add(obj.id)
        elif isinstance(obj, (ProjectParticipation, ProjectSite)):  # the project it belongs to, or belonged to
            moved = inspect(obj).attrs["project_id"].history
            projects.update(p for p in (*moved.deleted, obj.project_id) if p is not None)
        elif isinstance(obj, Organisation) and (obj in session.deleted or _changed(obj, "name", "is_public")):
            organisations.add(obj.id)
        elif isinstance(obj, OrganisationName):
            organisations.add(obj.organisation_id)
        elif isinstance(obj, City) and obj not in session.new and _changed(obj, "name", "local_name", "slug",
                                                                              "country_code"):
            cities.add(obj.id)
        elif isinstance(obj, FocusArea) and obj not in session.new and _changed(obj, "name"):
            areas.add(obj.id)
        elif isinstance(obj, Country) and obj not in session.new and _changed(obj, "name"):
            countries.add(obj.code)
    conn = session.connection()
    if organisations:
        projects.update(conn.scalars(select(ProjectParticipation.project_id)
                                     .where(ProjectParticipation.organisation_id.in_(organisations))))
    if areas:
        projects.update(conn.scalars(select(project_focus_areas.c.project_id)
                                     .where(project_focus_areas.c.focus_area_id.in_(areas))))
    if cities or countries:
        projects.update(conn.scalars(select(Project.id).join(City, City.id == Project.city_id)
                                     .where(City.id.in_(cities) | City.country_code.in_(countries))))
    return projects


PENDING = "search_index.pending"  # session.info key: projects flushed since the index was last refreshed


def _after_flush(session: Session, _context: Any) -> None:
    session.info.setdefault(PENDING, set()).update(_affected(session))


def _before_commit(session: Session) -> None:
    """Refresh once per transaction, whatever number of flushes wrote the projects (an import flushes per row)."""
    session.flush()
    pending = session.info.pop(PENDING, None)
    if pending:
        refresh(session.connection(), pending)


def _after_rollback(session: Session) -> None:
    session.info.pop(PENDING, None)


def watch() -> None:
    """Refresh the index in the transaction of every commit whose flushes changed indexed text (registered once
    per process)."""
    for name, listener in (("after_flush", _after_flush), ("before_commit", _before_commit),
                           ("after_rollback", _after_rollback)):
        if not event.contains(Session, name, listener):
            event.listen(Session, name, listener)
