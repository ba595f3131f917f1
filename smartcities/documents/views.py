"""Document pages: the form (/documents/new?<kind>=<key>), /documents/<id> and the file, served as an attachment."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from smartcities.accounts.forms import attach_errors
from smartcities.accounts.permissions import can, require
from smartcities.documents import services, storage
from smartcities.documents.categories import CATEGORIES
from smartcities.documents.forms import DocumentForm
from smartcities.documents.models import TARGETS, Document
from smartcities.errors import NotFound, ValidationError
from smartcities.extensions import csrf, db

bp = Blueprint("documents", __name__, url_prefix="/documents")
# Room for the form fields and the multipart framing around a file of the largest allowed size, so that a file
# just over the limit gets the form's message; anything far bigger is cut off by Werkzeug with a 413.
FORM_OVERHEAD = 256 * 1024


@bp.app_template_global("documents_for")
def documents_for(target: Any) -> list[Document]:
    """The documents of a plan, city, country or project page (the page has checked its viewer sees it)."""
    return services.documents_of(target)


@bp.app_template_global("document_form")
def document_form() -> DocumentForm:
    """An empty document form for the section on plan, city and project pages."""
    return DocumentForm(formdata=None)


@bp.app_template_global("document_target")
def document_target(target: Any) -> dict[str, str]:
    """The query that names `target` on /documents/new: {"plan": external id} and the like."""
    kind, key = {"national_plans": ("plan", "external_id"), "cities": ("city", "slug"),
                 "countries": ("country", "code"), "projects": ("project", "id")}[type(target).__tablename__]
    return {kind: str(getattr(target, key))}


@bp.app_template_filter("category_name")
def category_name(code: str | None) -> str:
    """An IATI document category code with its name."""
    return f"{code} {CATEGORIES[code]}" if code in CATEGORIES else "—"


def _target() -> tuple[str, Any]:
    """The plan, city, country or project named by the query, if this user may see it; else 404."""
    given = [(kind, request.args[kind]) for kind in TARGETS if request.args.get(kind)]
    if len(given) != 1:
        abort(404)
    kind, key = given[0]
    try:
        target = services.find_target(kind, key)
    except ValidationError:
        abort(404)
    if kind == "project" and not can(current_user, "view_project", target):
        abort(404)
    return kind, target


def _back(kind: str, target: Any) -> str:
    if kind == "project":
        return url_for("projects.detail", project_id=target.id) + "#documents"
    if kind == "city":
        return f"/cities/{target.slug}#documents"
    if kind == "plan":
        return f"/plans#plan-{target.external_id}"
    return f"/documents/new?country={target.code}"


@bp.route("/new", methods=["GET", "POST"])
@csrf.exempt  # checked below, once the body may be as large as a document (the app's limit is smaller)
@login_required
def new():
    """Upload a file or add a link to the plan, city, country or project named in the query."""
    request.max_content_length = current_app.config["DOCUMENTS_MAX_BYTES"] + FORM_OVERHEAD
    if request.method == "POST":
        csrf.protect()
    kind, target = _target()
    require(current_user, "add_document", target)
    form = DocumentForm()
    errors: dict[str, str] = {}
    if request.method == "POST":
        if not form.validate():
            errors = {name: "; ".join(messages) for name, messages in form.errors.items()}
        else:
            try:
                _add(target, form)
                db.session.commit()
                flash(_("Document added."), "success")
                return redirect(_back(kind, target))
            except ValidationError as error:
                db.session.rollback()
                errors = error.errors
                attach_errors(form, errors)
    return render_template("documents/form.html", form=form, kind=kind, target=target, errors=errors,
                           query=document_target(target), documents=services.documents_of(target),
                           max_mb=current_app.config["DOCUMENTS_MAX_BYTES"] // (1024 * 1024)), 400 if errors else 200


def _add(target: Any, form: DocumentForm) -> Document:
    upload = form.file.data
    has_file = upload is not None and getattr(upload, "filename", "")
    link = (form.url.data or "").strip()
    if has_file and link:
        raise ValidationError("url", "give either a file or a link, not both")
    if not has_file and not link:
        raise ValidationError("file", "choose a file to upload, or give a link")
    fields = services.Fields(form.title.data or "", form.language.data, form.category.data, form.document_date.data)
    if link:
        return services.add_document(target, fields, url=link, user=current_user)
    data = storage.read_bounded(upload.stream, current_app.config["DOCUMENTS_MAX_BYTES"])
    return services.add_document(target, fields, upload=services.Upload(data, upload.filename), user=current_user)


def _visible(document_id: int) -> Document:
    document = db.session.get(Document, document_id)
    if document is None or not services.may_see(current_user, document):
        raise NotFound(_("There is no such document."))
    return document


@bp.get("/<int(max=2147483647):document_id>")
def detail(document_id: int):
    """One document: what it is, what it belongs to, and its file or link."""
    return render_template("documents/detail.html", document=_visible(document_id))


@bp.post("/<int(max=2147483647):document_id>/delete")
@login_required
def delete(document_id: int):
    """Take a document away (those who may attach one to its target may): its row, then its file."""
    document = _visible(document_id)
    require(current_user, "remove_document", document)
    kind, target = document.target_kind, document.target
    stored_name = services.remove_document(document, current_user)
    db.session.commit()
    if stored_name:
        storage.remove(stored_name, current_app.config["DOCUMENTS_DIR"])
    flash(_("Document removed."), "success")
    return redirect(_back(kind, target))


@bp.get("/<int(max=2147483647):document_id>/file")
def file(document_id: int):
    """The stored file, always as an attachment, never sniffed, sandboxed if a browser opens it anyway."""
    document = _visible(document_id)
    path = storage.path_of(document.stored_name or "", current_app.config["DOCUMENTS_DIR"])
    if path is None:
        raise NotFound(_("This document is a link, or its file is missing."))
    response = send_file(path, mimetype=document.format, as_attachment=True,
                         download_name=document.file_name or f"document-{document.id}", conditional=True,
                         etag=document.sha256, max_age=0)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "sandbox; default-src 'none'"
    response.headers["Cache-Control"] = "public, no-cache" if services.is_public(document) else "private, no-cache"
    return response
