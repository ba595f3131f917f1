"""Public pages for funding partners and stakeholders: the directory, each organisation, its partner profile form."""
from __future__ import annotations

from decimal import Decimal

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from smartcities.accounts.permissions import require
from smartcities.accounts.visibility import PUBLIC, PUBLISHED, may_see_organisation, organisations_visible_to
from smartcities.errors import ValidationError
from smartcities.extensions import db
from smartcities.geo.models import City, Country
from smartcities.organisations.forms import ProfileForm
from smartcities.organisations.models import INSTRUMENTS, KINDS, Organisation
from smartcities.organisations.profiles import save_profile
from smartcities.organisations.services import merge_organisations
from smartcities.projects import places
from smartcities.projects.queries import MAX_ID
from smartcities.projects.models import FocusArea, Project, ProjectParticipation

bp = Blueprint("organisations", __name__, url_prefix="/organisations")



def directory(kind: str | None, country: str | None, external: bool | None) -> list[tuple[Organisation, int]]:
    """Organisations matching the filters, by name, each with its number of published projects."""
    counts = (select(ProjectParticipation.organisation_id.label("org_id"),
                     func.count(func.distinct(Project.id)).label("projects"))
              .join(Project, Project.id == ProjectParticipation.project_id).where(PUBLISHED)
              .group_by(ProjectParticipation.organisation_id).subquery())
    query = (select(Organisation, func.coalesce(counts.c.projects, 0))
             .where(organisations_visible_to(PUBLIC))
             .outerjoin(counts, counts.c.org_id == Organisation.id)
             .options(joinedload(Organisation.country)).order_by(Organisation.name))
    if kind:
        query = query.where(Organisation.kind == kind)
    if country:
        query = query.where(Organisation.country_code == country)
    if external is not None:
        query = query.where(Organisation.is_external_partner.is_(external))
    return [(organisation, count) for organisation, count in db.session.execute(query)]


def _published_project_ids(organisation: Organisation):
    """The ids of the published projects the organisation takes part in (a subquery)."""
    return (select(ProjectParticipation.project_id).join(Project, Project.id == ProjectParticipation.project_id)
            .where(ProjectParticipation.organisation_id == organisation.id, PUBLISHED))


def project_page(organisation: Organisation, raw_page: str | None) -> places.Page[Project] | None:
    """A page of the organisation's published projects by title, with their cities; None past the end."""
    ids = _published_project_ids(organisation)
    total = db.session.scalar(select(func.count()).select_from(ids.distinct().subquery()))
    number = places.page_number(raw_page, total)
    if number is None:
        return None
    statement = (select(Project).where(Project.id.in_(ids))
                 .options(joinedload(Project.city).joinedload(City.country)).order_by(*places.BY_TITLE))
    return places.page_of(statement, number, total)


def participations(organisation: Organisation, projects: list[Project]) -> list[ProjectParticipation]:
    """The organisation's roles in these projects, in the projects' order, then by role."""
    order = {project.id: index for index, project in enumerate(projects)}
    if not order:
        return []
    rows = db.session.scalars(
        select(ProjectParticipation)
        .where(ProjectParticipation.organisation_id == organisation.id,
               ProjectParticipation.project_id.in_(list(order)))
        .order_by(ProjectParticipation.role, ProjectParticipation.id)
    )
    return sorted(rows, key=lambda row: order[row.project_id])


def committed_totals(organisation: Organisation) -> dict[str, Decimal]:
    """Committed amounts in all its published projects, summed per currency (never added across currencies)."""
    rows = db.session.execute(
        select(ProjectParticipation.committed_currency, func.sum(ProjectParticipation.committed_amount))
        .join(Project, Project.id == ProjectParticipation.project_id)
        .where(ProjectParticipation.organisation_id == organisation.id, PUBLISHED,
               ProjectParticipation.committed_amount.is_not(None))
        .group_by(ProjectParticipation.committed_currency).order_by(ProjectParticipation.committed_currency)
    )
    return {currency: total for currency, total in rows}


def _parse_filters() -> dict:
    """The directory filters from the query string; unknown values are ignored rather than refused."""
    kind = request.args.get("kind", "")
    country = request.args.get("country", "").upper()
    external = {"1": True, "0": False}.get(request.args.get("external", ""))
    return {"kind": kind if kind in KINDS else None, "country": country or None, "external": external}


@bp.get("")
def index():
    """Partners and stakeholders, filterable by kind, country and whether they come from outside ASEAN."""
    filters = _parse_filters()
    countries = db.session.scalars(select(Country).order_by(Country.name)).all()
    return render_template("organisations/list.html", rows=directory(**filters), filters=filters,
                           kinds=KINDS, countries=countries)


@bp.get("/<int:organisation_id>")
def detail(organisation_id: int):
    """An organisation's profile: a page of its published projects on a map, its roles, its committed amounts."""
    organisation = db.session.get(Organisation, organisation_id)
    if organisation is None or not may_see_organisation(current_user, organisation):
        abort(404)
    projects = project_page(organisation, request.args.get("page"))
    if projects is None:
        abort(404)
    return render_template("organisations/detail.html", organisation=organisation, projects=projects,
                           rows=participations(organisation, projects.items), totals=committed_totals(organisation),
                           instruments=INSTRUMENTS, focus_names=_focus_names())


def _focus_names() -> dict[str, str]:
    return dict(db.session.execute(select(FocusArea.slug, FocusArea.name)).all())


@bp.route("/<int(max=2147483647):organisation_id>/profile", methods=["GET", "POST"])
@login_required
def edit_profile(organisation_id: int):
    """The partner's own users (and admins) say what the organisation funds."""
    organisation = db.session.get(Organisation, organisation_id)
    if organisation is None or not may_see_organisation(current_user, organisation):
        abort(404)
    require(current_user, "act_for_organisation", organisation)
    form = ProfileForm()
    form.focus_areas.choices = [(slug, name) for slug, name in _focus_names().items()]
    form.countries.choices = [(c.code, c.name) for c in db.session.scalars(select(Country).order_by(Country.name))]
    if request.method == "GET":
        form.fill(organisation.profile)
    elif form.validate_on_submit():
        try:
            save_profile(organisation, form.values(), current_user)
        except ValidationError as error:
            db.session.rollback()
            for field, message in error.errors.items():
                getattr(form, field).errors.append(message)
        else:
            db.session.commit()
            flash(_("Profile saved."), "success")
            return redirect(url_for("organisations.detail", organisation_id=organisation.id))
    status = 400 if form.errors or any(field.errors for field in form) else 200
    return render_template("organisations/profile_form.html", organisation=organisation, form=form), status


@bp.post("/<int:organisation_id>/merge")
@login_required
def merge(organisation_id: int):
    """An admin folds this organisation (a duplicate or a typo) into another one, keeping its history."""
    require(current_user, "manage_organisations")
    source = db.session.get(Organisation, organisation_id)
    raw = request.form.get("into", "").strip()
    target = db.session.get(Organisation, int(raw)) if raw.isdigit() and int(raw) <= MAX_ID else None
    if source is None:
        abort(404)
    if target is None:
        flash(_("Choose the organisation to merge into (its id)."), "error")
        return redirect(url_for("organisations.detail", organisation_id=organisation_id))
    try:
        merged = merge_organisations(source, target, current_user)
    except ValidationError as error:
        db.session.rollback()
        flash(error.errors["into"], "error")
        return redirect(url_for("organisations.detail", organisation_id=organisation_id))
    db.session.commit()
    flash(_("Merged into %(name)s.", name=merged.name), "success")
    return redirect(url_for("organisations.detail", organisation_id=merged.id))
