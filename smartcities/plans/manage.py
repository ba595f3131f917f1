"""Plan management for national focal points (their country's plans) and admins (all plans)."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.exc import StaleDataError

from smartcities.accounts.forms import attach_errors
from smartcities.accounts.permissions import can, require
from smartcities.audit import services as audit
from smartcities.errors import NotFound, ValidationError
from smartcities.extensions import db
from smartcities.geo.models import City, Country
from smartcities.plans.forms import BLANK_INITIATIVE_ROWS, PlanForm, form_field_name
from smartcities.plans.models import NationalPlan, PlanInitiative
from smartcities.plans.services import plan_to_dict, save_plan
from smartcities.projects.models import FocusArea

bp = Blueprint("plan_admin", __name__, url_prefix="/plans")


def _countries() -> list[Country]:
    """The countries whose plans this user keeps."""
    countries = db.session.scalars(select(Country).order_by(Country.name))
    return [c for c in countries if can(current_user, "manage_plans", c.code)]


def _choices(form: PlanForm) -> None:
    countries = _countries()
    codes = [c.code for c in countries]
    form.country.choices = [(c.code, c.name) for c in countries]
    form.city.choices = [("", _("— national plan —"))] + [
        (c.name, f"{c.name} ({c.country_code})") for c in
        db.session.scalars(select(City).where(City.country_code.in_(codes)).order_by(City.name))]
    areas = [(fa.name, fa.name) for fa in db.session.scalars(select(FocusArea).order_by(FocusArea.id))]
    form.focus_areas.choices = areas
    for row in form.initiatives:
        row.form.focus_areas.choices = areas


def _plan(external_id: str) -> NationalPlan:
    plan = db.session.scalar(select(NationalPlan).where(NationalPlan.external_id == external_id).options(
        selectinload(NationalPlan.initiatives).selectinload(PlanInitiative.focus_areas)))
    if plan is None:
        raise NotFound(_("No plan with this id."))
    return plan


@bp.get("/manage")
@login_required
def manage():
    """The plans this user keeps, with links to edit them."""
    require(current_user, "keep_some_plans")
    query = select(NationalPlan).order_by(NationalPlan.country_code, NationalPlan.external_id)
    if current_user.role == "focal_point":
        query = query.where(NationalPlan.country_code == current_user.country_code)
    return render_template("plans/manage.html", plans=db.session.scalars(query).all())


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    require(current_user, "keep_some_plans")
    return _edit(None)


@bp.route("/<external_id>/edit", methods=["GET", "POST"])
@login_required
def edit(external_id: str):
    plan = _plan(external_id)
    require(current_user, "manage_plans", plan.country_code)
    return _edit(plan)


def _edit(plan: NationalPlan | None):
    """Show the form, or validate it with the Plan-file rules and save; nothing is saved on any error."""
    form = PlanForm()
    if request.method == "GET":
        if plan is not None:
            data = plan_to_dict(plan)
            form.process(data={**data, "start_year": plan.start_year, "end_year": plan.end_year,
                               "city": data["city"] or "", "version": str(plan.version)})
        while len(form.initiatives) < (len(plan.initiatives) if plan else 0) + BLANK_INITIATIVE_ROWS:
            form.initiatives.append_entry()
    _choices(form)
    unplaced: list[str] = []
    if request.method == "POST" and form.country.data:  # a missing country is the form's error to show
        require(current_user, "manage_plans", form.country.data)
    if request.method == "POST" and form.validate():
        entry = form.as_plan_file_entry()
        if plan is not None:
            entry["id"] = plan.external_id  # an edit never renames a plan: links and Plan files rely on its id
        rows = form.filled_rows()
        before = snapshot(plan) if plan else {}
        loaded = form.loaded_version()
        try:
            if plan is not None and loaded != plan.version:
                raise StaleDataError("the plan changed after the form was loaded")
            saved = save_plan(entry, plan)
            audit.record(saved, "updated" if plan else "created", current_user, audit.diff(before, snapshot(saved)))
            db.session.commit()
            flash(_("Plan %(id)s saved.", id=saved.external_id), "success")
            return redirect(url_for("plans.index") + f"#plan-{saved.external_id}")
        except ValidationError as error:
            db.session.rollback()
            unplaced = attach_errors(form, {form_field_name(k, rows): v for k, v in error.errors.items()})
        except StaleDataError:
            db.session.rollback()  # the stale version stays in the form: saving again is refused again
            plan = _plan(plan.external_id)
            return render_template("plans/form.html", form=form, plan=plan, unplaced=[],
                                   conflict=audit.conflict(plan, loaded or 0)), 409
    status = 400 if request.method == "POST" else 200
    return render_template("plans/form.html", form=form, plan=plan, unplaced=unplaced), status


def snapshot(plan: NationalPlan) -> dict:
    """What the trail records of a plan: its Plan-file entry and its version (for the conflict message)."""
    return {**plan_to_dict(plan), "version": plan.version}
