"""Sign in (failed attempts limited per account and address, and per address), sign out everywhere, change
password, and the "My work" dashboard."""
from __future__ import annotations

import math
from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_required, login_user, logout_user

from smartcities.accounts import dashboard, limits
from smartcities.accounts import services as accounts
from smartcities.accounts.forms import LoginForm, PasswordChangeForm, attach_errors
from smartcities.errors import ValidationError
from smartcities.extensions import db

bp = Blueprint("accounts", __name__)


def safe_next(target: str | None) -> str | None:
    """A same-site path to go back to after signing in; anything pointing elsewhere is dropped."""
    target = (target or "").strip()
    parts = urlsplit(target)
    if (not target.startswith("/") or target.startswith("//") or "\\" in target or parts.scheme or parts.netloc
            or any(ord(ch) < 32 for ch in target)):
        return None
    return target


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Sign in with e-mail and password; wrong passwords count against the limits in accounts/limits.py."""
    form = LoginForm(next=request.args.get("next", ""))
    if current_user.is_authenticated and request.method == "GET":
        return redirect(safe_next(form.next.data) or url_for("accounts.dashboard"))
    email, address = request.form.get("email", ""), get_remote_address()
    if request.method == "POST":
        refused = limits.refusal(email, address)  # before the password is looked at, so it cannot be guessed
        if refused is not None:
            if limits.first_refusal(refused, email, address):
                accounts.record_sign_in_refused(email, address, refused.scope)
                db.session.commit()
            return too_many_attempts(refused)
    if form.validate_on_submit():
        user = accounts.authenticate(form.email.data, form.password.data)
        accounts.record_sign_in(form.email.data, user, address)
        db.session.commit()
        if user is not None:
            login_user(user, remember=form.remember.data)
            return redirect(safe_next(form.next.data) or url_for("accounts.dashboard"))
        limits.record_failure(email, address)
        form.password.errors = [_("Wrong e-mail or password, or the account is deactivated.")]
    return render_template("accounts/login.html", form=form), 400 if form.errors else 200


def too_many_attempts(refused: limits.Refusal):
    """The sign-in form again, saying which limit refuses and for how long (429 with Retry-After)."""
    form = LoginForm(next=request.form.get("next", ""))
    minutes = max(1, math.ceil(refused.retry_after / 60))
    messages = {
        "account_address": _("Too many sign-in attempts for this account from this address. Please try again in "
                             "%(minutes)d minutes.", minutes=minutes),
        "address": _("Too many sign-in attempts from this address. Please try again in %(minutes)d minutes.",
                     minutes=minutes),
        "account": _("Too many sign-in attempts for this account, from this address and others. Please try "
                     "again in %(minutes)d minutes.", minutes=minutes),
    }
    page = render_template("accounts/login.html", form=form, blocked=messages[refused.scope])
    return page, 429, {"Retry-After": str(refused.retry_after)}


@bp.post("/logout")
def logout():
    """Sign out everywhere (a POST with the CSRF token, so no other site can sign people out).

    Sessions are signed cookies, so the server forgets one by changing the account's session token: every
    copy of this session and of the remember-me cookie, and the account's sessions on other devices, end.
    """
    user = current_user._get_current_object() if current_user.is_authenticated else None
    logout_user()
    if user is not None:
        user.end_sessions()
        accounts.record_sign_out(user, get_remote_address())
        db.session.commit()
    flash(_("You are signed out, on this device and every other."), "success")
    return redirect("/")


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    """A signed-in user changes their own password."""
    form = PasswordChangeForm()
    if form.validate_on_submit():
        try:
            accounts.change_password(current_user, form.current_password.data, form.new_password.data)
        except ValidationError as error:
            db.session.rollback()
            attach_errors(form, error.errors)
        else:
            db.session.commit()
            login_user(current_user._get_current_object())  # this session goes on; every other one ends
            flash(_("Your password is changed. You are signed out on your other devices."), "success")
            return redirect(url_for("accounts.dashboard"))
    return render_template("accounts/password.html", form=form), 400 if form.errors else 200


@bp.get("/dashboard", endpoint="dashboard")
@login_required
def my_work():
    """"My work": what this role has to do or watch."""
    return render_template("dashboard/index.html", work=dashboard.work_for(current_user))
