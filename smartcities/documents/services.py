"""Document rules shared by the web form, the API and the CLI: attach a file or a link, validate its fields,
and list what a viewer may see (a project's documents follow the project's visibility; the rest are public)."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import urlsplit

from babel import Locale, UnknownLocaleError
from flask import current_app
from sqlalchemy import ColumnElement, func, or_, select, true
from sqlalchemy.exc import SQLAlchemyError

from smartcities import public_version
from smartcities.accounts.visibility import PUBLIC, Audience, may_see_project, projects_visible_to
from smartcities.audit import services as audit
from smartcities.documents import extraction, storage
from smartcities.documents.categories import CATEGORIES
from smartcities.documents.models import Document
from smartcities.errors import ValidationError
from smartcities.extensions import db
from smartcities.geo.models import City, Country
from smartcities.plans.models import NationalPlan
from smartcities.projects.models import Project
from smartcities.text import FieldError, clean_text, slugify

URL_MAX = 2000
LANGUAGE = re.compile(r"[a-z]{2}")
# The type of a link, from the end of its path; anything else is taken for a web page.
LINK_FORMATS = {".pdf": storage.PDF, ".docx": storage.DOCX, ".xlsx": storage.XLSX, ".odt": storage.ODT,
                ".ods": storage.ODS, ".png": storage.PNG, ".jpg": storage.JPEG, ".jpeg": storage.JPEG}
WEB_PAGE = "text/html"


@dataclass(frozen=True)
class Fields:
    """What a person says about a document (validated by `validate`)."""

    title: str
    language: str = "en"
    category: str | None = None
    document_date: date | None = None
    source: str = ""


@dataclass(frozen=True)
class Upload:
    """An uploaded file as received: its bytes and the name the sender gave it."""

    data: bytes
    name: str


@dataclass
class DocumentFilters:
    """The filters of a document list: one place (plan, city, country) or project, and words (q)."""

    plan_id: int | None = None
    city_id: int | None = None
    country_code: str | None = None
    project_id: int | None = None
    q: str | None = None


def find_target(kind: str, value: Any) -> NationalPlan | City | Country | Project:
    """The plan (external id), city (slug or name), country (ISO2) or project (id) named; ValidationError naming
    `kind` when there is none."""
    raw = str(value or "").strip()
    found: Any = None
    if kind == "plan":
        found = db.session.scalar(select(NationalPlan).where(NationalPlan.external_id == raw)) if raw else None
    elif kind == "city":
        found = db.session.scalar(select(City).where(City.slug == slugify(raw))) if raw else None
    elif kind == "country":
        found = db.session.get(Country, raw.upper()) if len(raw) == 2 and raw.isascii() else None
    elif kind == "project":
        found = db.session.get(Project, int(raw)) if raw.isdigit() and int(raw) <= 2_147_483_647 else None
    else:
        raise ValidationError("target", f"unknown kind {kind!r}; use plan, city, country or project")
    if found is None:
        raise ValidationError(kind, f"no {kind} {raw!r}")
    return found


def parse_language(raw: str | None) -> str:
    """An ISO 639-1 code (two lower-case letters that name a language), "en" when blank."""
    value = (raw or "").strip().lower() or "en"
    try:
        known = bool(LANGUAGE.fullmatch(value)) and Locale.parse(value).language == value
    except (UnknownLocaleError, ValueError):
        known = False
    if not known:
        raise ValidationError("language", f"{value!r} is not an ISO 639-1 language code such as en or th")
    return value


def parse_category(raw: str | None) -> str | None:
    """An IATI DocumentCategory code (A01…A12, B01…B18), or None when blank."""
    value = (raw or "").strip().upper()
    if value and value not in CATEGORIES:
        raise ValidationError("category", f"{value!r} is not an IATI document category; use A01…A12 or B01…B18")
    return value or None


def parse_date(raw: str | date | None) -> date | None:
    """An ISO 8601 date (2026-01-31), or None when blank."""
    if raw is None or isinstance(raw, date):
        return raw
    value = raw.strip()
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        raise ValidationError("document_date", f"{value!r} is not a date such as 2026-01-31") from None


def parse_url(raw: str | None) -> str:
    """An absolute http(s) URL of at most 2,000 characters, without spaces or control characters."""
    value = (raw or "").strip()
    parts = urlsplit(value)
    if (not value or len(value) > URL_MAX or parts.scheme.lower() not in ("http", "https") or not parts.hostname
            or re.search(r"[\x00-\x20\x7f]", value)):
        raise ValidationError("url", "must be an http:// or https:// address of at most 2,000 characters")
    return value


def validate(fields: Fields) -> Fields:
    """The fields cleaned, or ValidationError naming every bad one."""
    errors: dict[str, str] = {}
    title = ""
    try:
        title = clean_text(fields.title, "title", 300)
        if not title:
            errors["title"] = "is required"
    except FieldError as error:
        errors["title"] = error.problem
    cleaned: dict[str, Any] = {}
    for name, parse in (("language", parse_language), ("category", parse_category),
                        ("document_date", parse_date)):
        try:
            cleaned[name] = parse(getattr(fields, name))
        except ValidationError as error:
            errors.update(error.errors)
    if errors:
        raise ValidationError(errors)
    return Fields(title, cleaned["language"], cleaned["category"], cleaned["document_date"], fields.source)


def _attach(document: Document, target: Any) -> None:
    kind = type(target).__tablename__
    attribute = {"national_plans": "plan", "cities": "city", "countries": "country", "projects": "project"}[kind]
    setattr(document, attribute, target)


def is_public(document: Document) -> bool:
    """Shown to everyone: a plan, city or country document, or one of a published project."""
    return document.project is None or document.project.status == "published"


def add_document(target: Any, fields: Fields, *, url: str | None = None, upload: Upload | None = None,
                 user: Any = None) -> Document:
    """Attach a link (`url`) or an uploaded file (`upload`) to `target`; the caller has authorised and commits.

    A file is checked by its content and stored before the row is flushed; if the flush fails it is removed.
    """
    if (url is None) == (upload is None):
        raise ValidationError("file", "give either a file or a link (url), not both")
    clean = validate(fields)
    config = current_app.config
    document = Document(title=clean.title, language=clean.language, category=clean.category,
                        document_date=clean.document_date, source=clean.source, text="",
                        added_by_id=getattr(user, "id", None))
    _attach(document, target)
    stored = None
    if url is not None:
        document.url = parse_url(url)
        document.format = LINK_FORMATS.get(_extension(document.url), WEB_PAGE)
    else:
        data = upload.data
        if len(data) > config["DOCUMENTS_MAX_BYTES"]:
            raise ValidationError("file", f"is larger than {config['DOCUMENTS_MAX_BYTES'] // (1024 * 1024)} MB")
        stored = storage.store(data, upload.name, config["DOCUMENTS_DIR"])
        document.stored_name, document.format, document.size_bytes = stored.stored_name, stored.mime, stored.size
        document.sha256, document.file_name = stored.sha256, stored.file_name
        if stored.mime == storage.PDF:
            document.text = extraction.pdf_text(data, config["DOCUMENTS_PDF_MAX_PAGES"],
                                                config["DOCUMENTS_TEXT_MAX_CHARS"])
    db.session.add(document)
    try:
        db.session.flush()
        audit.record(document, "created", user, {"title": [None, document.title]})
        if is_public(document):
            public_version.bump(db.session)
    except SQLAlchemyError:
        if stored is not None:
            storage.remove(stored.stored_name, config["DOCUMENTS_DIR"])
        raise
    return document


def remove_document(document: Document, user: Any = None) -> str | None:
    """Delete a document (the caller has authorised and commits); the stored file's name, to remove once the
    transaction has committed (a rollback must not lose the file of a document that stays)."""
    if is_public(document):
        public_version.bump(db.session)
    audit.record(document, "deleted", user, {"title": [document.title, None]})
    stored_name = document.stored_name
    db.session.delete(document)
    db.session.flush()
    return stored_name


def _extension(url: str) -> str:
    path = urlsplit(url).path.lower()
    return path[path.rfind("."):] if "." in path.rsplit("/", 1)[-1] else ""


def may_see(user: Any, document: Document) -> bool:
    """A project's document follows the project's visibility; a plan, city or country document is public."""
    return document.project is None or may_see_project(user, document.project)


def visible_to(audience: Audience) -> ColumnElement[bool]:
    """The visibility rule as an SQL condition on Document."""
    if audience.everything:
        return true()
    return or_(Document.project_id.is_(None),
               Document.project_id.in_(select(Project.id).where(projects_visible_to(audience))))


def _like(words: str) -> list[ColumnElement[bool]]:
    """Every word in the title or the extracted text, in any case (LIKE wildcards in the words escaped)."""
    conditions = []
    for word in words.split()[:10]:
        pattern = "%" + word.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        conditions.append(or_(func.lower(Document.title).like(pattern, escape="\\"),
                              func.lower(Document.text).like(pattern, escape="\\")))
    return conditions


def _place(filters: DocumentFilters) -> list[ColumnElement[bool]]:
    """A city's documents are its own, its city plans' and its projects'; a country's also its plans' and cities'."""
    conditions = []
    if filters.plan_id is not None:
        conditions.append(Document.plan_id == filters.plan_id)
    if filters.project_id is not None:
        conditions.append(Document.project_id == filters.project_id)
    if filters.city_id is not None:
        conditions.append(or_(
            Document.city_id == filters.city_id,
            Document.plan_id.in_(select(NationalPlan.id).where(NationalPlan.city_id == filters.city_id)),
            Document.project_id.in_(select(Project.id).where(Project.city_id == filters.city_id))))
    if filters.country_code is not None:
        cities = select(City.id).where(City.country_code == filters.country_code)
        conditions.append(or_(
            Document.country_code == filters.country_code, Document.city_id.in_(cities),
            Document.plan_id.in_(select(NationalPlan.id).where(NationalPlan.country_code == filters.country_code)),
            Document.project_id.in_(select(Project.id).where(Project.city_id.in_(cities)))))
    return conditions


def _conditions(filters: DocumentFilters, audience: Audience) -> list[ColumnElement[bool]]:
    return [visible_to(audience), *_place(filters), *(_like(filters.q) if filters.q else [])]


def list_documents(filters: DocumentFilters, audience: Audience = PUBLIC, limit: int | None = None,
                   after: int | None = None) -> list[Document]:
    """Documents the audience may see, in id order, after the id `after`, at most `limit`."""
    query = select(Document).where(*_conditions(filters, audience)).order_by(Document.id)
    if after is not None:
        query = query.where(Document.id > after)
    if limit is not None:
        query = query.limit(limit)
    return list(db.session.scalars(query))


def count_documents(filters: DocumentFilters, audience: Audience = PUBLIC) -> int:
    """How many documents `list_documents` would give without paging."""
    return db.session.scalar(select(func.count(Document.id)).where(*_conditions(filters, audience))) or 0


def documents_of(target: Any) -> list[Document]:
    """The documents attached to one plan, city, country or project, newest first (the caller checked it sees it)."""
    kind = type(target).__tablename__
    column = {"national_plans": Document.plan_id, "cities": Document.city_id, "countries": Document.country_code,
              "projects": Document.project_id}[kind]
    key = target.code if kind == "countries" else target.id
    return list(db.session.scalars(select(Document).where(column == key)
                                   .order_by(Document.document_date.desc(), Document.id.desc())))


def categorised_of_projects(project_ids: list[int]) -> list[Document]:
    """The documents of these projects that have an IATI category (the IATI export needs one), in id order."""
    found: list[Document] = []
    for start in range(0, len(project_ids), 1000):  # bounded IN lists
        found += db.session.scalars(select(Document).where(Document.project_id.in_(project_ids[start:start + 1000]),
                                                           Document.category.is_not(None)).order_by(Document.id))
    return sorted(found, key=lambda document: document.id)
