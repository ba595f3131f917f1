"""Admin pages for accounts (there is no self-registration): list, create, deactivate."""
from __future__ import annotations

import math
from datetime import date, datetime, time, timedelta, timezone

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from smartcities.accounts import services as accounts
from smartcities.accounts.forms import UserForm, attach_errors
from smartcities.accounts.models import User
from smartcities.accounts.permissions import require
from smartcities.audit import services as audit
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


AUDIT_PAGE = 50


def _day(name: str, errors: dict[str, str]) -> date | None:
    """The ISO date in query parameter `name`, None when absent; a wrong one adds a message to `errors`."""
    value = request.args.get(name, "").strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        errors[name] = _("%(value)s is not a date: write it as YYYY-MM-DD, e.g. 2025-03-31.", value=value[:40])
        return None


@bp.get("/audit")
def audit_log():
    """Every audit event, newest first, 50 a page; filtered by actor, action, entity type and dates (UTC)."""
    errors: dict[str, str] = {}
    start, end = _day("from", errors), _day("to", errors)
    if start and end and end < start:
        errors["to"] = _("The end date is before the start date.")
    filters = {name: request.args.get(name, "").strip()[:320] for name in ("actor", "action", "entity")}
    security = request.args.get("security") == "1"
    if errors:
        return render_template("admin/audit.html", events=[], errors=errors, filters=filters, security=security,
                               page=1, pages=1, total=0, args={}), 400
    page_text = request.args.get("page", "1")
    if not page_text.isdigit() or int(page_text) < 1:
        abort(404)
    page = int(page_text)
    utc = timezone.utc
    query = audit.search(actor=filters["actor"], action=filters["action"], kind=filters["entity"],
                         since=datetime.combine(start, time.min, utc) if start else None,
                         before=datetime.combine(end + timedelta(days=1), time.min, utc)
                         if end and end < date.max else None,
                         security=security)
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    pages = max(1, math.ceil(total / AUDIT_PAGE))
    if page > pages:
        abort(404)
    events = list(db.session.scalars(query.limit(AUDIT_PAGE).offset((page - 1) * AUDIT_PAGE)))
    args = {key: value for key, value in request.args.items() if key != "page" and value}
    return render_template("admin/audit.html", events=events, errors={}, filters=filters, security=security,
                           page=page, pages=pages, total=total, args=args, security_actions=audit.SECURITY_ACTIONS,
                           start=start, end=end)
