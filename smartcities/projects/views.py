"""Project pages: the registration form, the project page, workflow moves, flags, interest and following."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from smartcities.accounts.forms import attach_errors
from smartcities.accounts.permissions import can, require
from smartcities.audit import services as audit
from smartcities.errors import ValidationError
from smartcities.extensions import db, limiter
from smartcities.geo.geocoding import geocode
from smartcities.geo.models import City
from smartcities.geo.services import find_city
from smartcities.organisations import services as organisations
from smartcities.overlap import services as overlap
from smartcities.overlap.models import OverlapFlag
from smartcities.projects import revisions, services, workflow
from smartcities.projects.forms import InterestForm, ProjectForm, initial_values
from smartcities.projects.models import MAX_SITES, FocusArea, Project
from smartcities.projects.validation import parse_amount, parse_currency

bp = Blueprint("projects", __name__, url_prefix="/projects")

MOVED = {"submit": _l("Submitted for review."), "publish": _l("Published."), "return": _l("Returned to the city."),
         "reopen": _l("Back to draft."), "archive": _l("Archived.")}


@bp.app_context_processor
def permission_helpers() -> dict[str, Any]:
    """`can(action, target)` in templates, for the current user: the same rules the views enforce."""
    return {"can": lambda action, target=None: can(current_user, action, target)}


def _cities() -> list[City]:
    return list(db.session.scalars(select(City).order_by(City.country_code, City.name)))


def _project_form(**data: Any) -> ProjectForm:
    form = ProjectForm(data=data or None)
    form.city.choices = [(c.slug, c.name) for c in _cities()]
    form.focus_areas.choices = [(n, n) for n in db.session.scalars(select(FocusArea.name).order_by(FocusArea.id))]
    return form


def _render_form(form: ProjectForm, project: Project | None = None, status: int = 200, **extra: Any):
    return render_template("projects/form.html", form=form, project=project, cities=_cities(), max_sites=MAX_SITES,
                           organisation_names=organisations.organisation_names(current_user),
                           flags=services.flags_of(project, current_user) if project else [], **extra), status


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    """Register a project (a draft); an official's city is their own."""
    require(current_user, "open_project_form")
    home = current_user.city
    form = _project_form(**({"city": home.slug, "country": home.country_code} if home else {}))
    unplaced: list[str] = []
    if form.validate_on_submit():
        try:
            saved = services.create_project(form.clean(), current_user)
        except ValidationError as error:
            db.session.rollback()
            unplaced = attach_errors(form, error.errors)
        else:
            db.session.commit()
            return _saved(saved)
    return _render_form(form, status=400 if form.errors or unplaced else 200, unplaced=unplaced)


@bp.route("/<int:project_id>/edit", methods=["GET", "POST"])
@login_required
def edit(project_id: int):
    """Edit a project; the form carries the version it was loaded at, and a stale save is refused."""
    project = services.get_visible(project_id, current_user)
    services.check_editable(project, current_user)
    if request.method == "GET":  # a published project's open revision is what the city goes on editing
        form = _project_form(**(revisions.form_values(project) or initial_values(project)))
    else:
        form = _project_form()
    unplaced: list[str] = []
    if form.validate_on_submit():
        loaded = int(form.version.data) if (form.version.data or "").isdigit() else None
        try:
            saved = revisions.save_edit(project, form.clean(), current_user, loaded)
        except ValidationError as error:
            db.session.rollback()
            unplaced = attach_errors(form, error.errors)
        except (services.StaleEdit, StaleDataError):
            db.session.rollback()  # the stale version stays in the form: saving again is refused again
            project = db.session.get(Project, project_id)
            conflict = audit.conflict(project, loaded or 0)
            return _render_form(form, project, 409, conflict=conflict)
        else:
            db.session.commit()
            return _saved(saved)
    return _render_form(form, project, 400 if form.errors or unplaced else 200, unplaced=unplaced)


def _saved(saved: services.Saved):
    if saved.notice:
        flash(saved.notice, "warning")
    flash(_("The project is saved."), "success")
    return redirect(url_for("projects.detail", project_id=saved.project.id))


@bp.get("/geocode")
@login_required
@limiter.limit("30 per minute", key_func=lambda: f"geocode:{current_user.get_id()}")
def locate():
    """Where an address is, for the form's map; falls back to our gazetteer when the geocoder is down."""
    require(current_user, "open_project_form")
    found = geocode(request.args.get("q", ""), find_city(request.args.get("city")))
    if found is None:
        return jsonify(error=_("Nothing found; click the map instead.")), 404
    return jsonify(lat=found.lat, lon=found.lon, label=found.label, source=found.source, notice=found.notice)


@bp.get("/<int:project_id>")
def detail(project_id: int):
    """The project page; drafts and other unpublished projects exist only for their insiders."""
    return _render_detail(services.get_visible(project_id, current_user))


def _render_detail(project: Project, status: int = 200, **extra: Any):
    user = current_user
    insider = can(user, "view_internal", project)
    context = {
        "project": project, "insider": insider,
        "flags": services.flags_of(project, user) if insider else [],
        "history": services.project_history(project, user) if insider else [],
        "revision": project.open_revision if insider else None,
        "revision_changes": (revisions.changes(project, project.open_revision)
                             if insider and project.open_revision else {}),
        "interests": [i for i in organisations.interest_in(project) if can(user, "see_interest", i)],
        "moves": workflow.allowed_moves(project, user),
        "can_edit": can(user, "edit_project", project) and project.status in services.EDITABLE,
        "can_follow": project.status == "published" and can(user, "follow", project),
        "following": user.is_authenticated and organisations.is_following(user, project),
        "interest_form": InterestForm(formdata=None) if project.status == "published" else None,
        "errors": {}, "unjustified": False,
    }
    context.update(extra)
    return render_template("projects/detail.html", **context), status


@bp.post("/<int:project_id>/<any(submit, publish, return, reopen, archive):move>")
@login_required
def move(project_id: int, move: str):
    """A workflow move: submit (with flag justifications), publish, return (with a comment), reopen, archive."""
    project = services.get_visible(project_id, current_user)
    try:
        if move == "submit":
            workflow.submit(project, current_user, _justifications())
        elif move == "return":
            workflow.return_project(project, current_user, request.form.get("comment", ""))
        else:
            getattr(workflow, move)(project, current_user)
    except ValidationError as error:
        # A missing justification keeps the refreshed flags it refers to (the status is unchanged).
        if isinstance(error, workflow.JustificationRequired):
            db.session.commit()
        else:
            db.session.rollback()
        return _render_detail(project, 400, errors=error.errors, answers=request.form,
                              unjustified=any(name.startswith("justification-") for name in error.errors))
    except StaleDataError:  # someone else moved or edited it in the same instant: show them what it is now
        db.session.rollback()
        flash(_("This project was changed by someone else at the same moment; nothing was done."), "error")
        return redirect(url_for("projects.detail", project_id=project_id))
    db.session.commit()
    flash(MOVED[move], "success")
    return redirect(url_for("projects.detail", project_id=project.id))


def _justifications() -> dict[int, str]:
    """`justification-<flag id>` fields of the submit form."""
    prefix = "justification-"
    return {int(name[len(prefix):]): value for name, value in request.form.items()
            if name.startswith(prefix) and name[len(prefix):].isdigit()}


@bp.post("/<int:project_id>/flags/<int:flag_id>/dismiss")
@login_required
def dismiss_flag(project_id: int, flag_id: int):
    """A reviewer dismisses an overlap flag, with a reason."""
    project = services.get_visible(project_id, current_user)
    flag = db.session.get(OverlapFlag, flag_id)
    if flag is None or flag.project_id != project.id or not overlap.visible_flags([flag], current_user):
        abort(404)
    try:
        workflow.dismiss_flag(flag, current_user, request.form.get("reason", ""))
    except ValidationError as error:
        db.session.rollback()
        return _render_detail(project, 400, errors={f"reason-{flag_id}": error.errors["reason"]})
    except StaleDataError:  # answered by someone else in the same instant: theirs stands
        db.session.rollback()
        flash(_("This flag was answered by someone else at the same moment; nothing was done."), "error")
        return redirect(url_for("projects.detail", project_id=project_id) + "#flags")
    db.session.commit()
    flash(_("The flag is dismissed."), "success")
    return redirect(url_for("projects.detail", project_id=project.id) + "#flags")


@bp.post("/<int:project_id>/interest")
@login_required
def interest(project_id: int):
    """A partner's interest in funding the project, sent on behalf of their organisation."""
    project = services.get_visible(project_id, current_user)
    require(current_user, "express_interest", project)
    form = InterestForm()
    if form.validate():
        try:
            organisations.express_interest(project, current_user, parse_amount(form.amount.data),
                                           parse_currency(form.currency.data), form.message.data or "")
        except ValidationError as error:
            db.session.rollback()
            attach_errors(form, error.errors)
        else:
            db.session.commit()
            flash(_("Your interest is sent to the city."), "success")
            return redirect(url_for("projects.detail", project_id=project.id))
    return _render_detail(project, 400, interest_form=form)


@bp.post("/<int:project_id>/<any(follow, unfollow):action>")
@login_required
def follow(project_id: int, action: str):
    """Follow or stop following a published project."""
    project = services.get_visible(project_id, current_user)
    getattr(organisations, action)(project, current_user)
    db.session.commit()
    flash(_("You follow this project.") if action == "follow" else _("You no longer follow this project."),
          "success")
    return redirect(url_for("projects.detail", project_id=project.id))
