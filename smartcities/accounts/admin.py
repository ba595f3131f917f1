"""Admin pages for accounts (there is no self-registration): list, create, deactivate."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from smartcities.accounts import services as accounts
from smartcities.accounts.forms import UserForm, attach_errors
from smartcities.accounts.models import User
from smartcities.accounts.permissions import require
from smartcities.errors import ValidationError
from smartcities.extensions import db
from smartcities.geo.models import City, Country
from smartcities.organisations.models import Organisation

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
@login_required
def admins_only() -> None:
    """Every page here is for admins; others are sent to sign in or refused."""
    require(current_user, "manage_users")


def _user_form() -> UserForm:
    form = UserForm()
    none = [("", "—")]
    form.city.choices = none + [(c.slug, f"{c.name} ({c.country_code})")
                                for c in db.session.scalars(select(City).order_by(City.name))]
    form.country.choices = none + [(c.code, c.name) for c in db.session.scalars(select(Country).order_by(Country.name))]
    form.organisation.choices = none + [(str(o.id), o.name)
                                        for o in db.session.scalars(select(Organisation).order_by(Organisation.name))]
    return form


def _users() -> list[User]:
    return list(db.session.scalars(select(User).options(
        selectinload(User.city), selectinload(User.country), selectinload(User.organisation)).order_by(User.email)))


@bp.route("/users", methods=["GET", "POST"])
def users():
    """The accounts, and the form that creates one."""
    form = _user_form()
    if form.validate_on_submit():
        try:
            user = accounts.create_account(
                current_user, form.email.data, form.role.data, form.password.data,
                display_name=form.display_name.data or "", city=form.city.data or None,
                country=form.country.data or None, organisation=form.organisation.data or None)
        except ValidationError as error:
            db.session.rollback()
            attach_errors(form, error.errors)
        else:
            db.session.commit()
            flash(_("Account %(email)s created.", email=user.email), "success")
            return redirect(url_for("admin.users"))
    return render_template("admin/users.html", form=form, users=_users()), 400 if form.errors else 200


@bp.post("/users/<int:user_id>/deactivate")
def deactivate(user_id: int):
    """Stop an account from signing in."""
    user = accounts.deactivate_account(current_user, user_id)
    db.session.commit()
    flash(_("Account %(email)s deactivated.", email=user.email), "success")
    return redirect(url_for("admin.users"))
