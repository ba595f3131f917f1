"""Sign in (rate-limited per account and per address), sign out, change password, and the "My work" dashboard."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_limiter.errors import RateLimitExceeded
from flask_login import current_user, login_required, login_user, logout_user

from smartcities.accounts import dashboard
from smartcities.accounts import services as accounts
from smartcities.accounts.forms import LoginForm, PasswordChangeForm, attach_errors
from smartcities.errors import ValidationError
from smartcities.extensions import db, limiter

bp = Blueprint("accounts", __name__)


def login_limit() -> str:
    """Read on each request, so operators (and tests) can change LOGIN_RATE_LIMIT without a restart."""
    return current_app.config["LOGIN_RATE_LIMIT"]


def account_key() -> str:
    """The per-account limit counts attempts on one e-mail address, from whatever address they come."""
    return "account:" + accounts.normalise_email(request.form.get("email", ""))


def failed(response) -> bool:
    """Only failed attempts count against the limits: a successful sign-in redirects."""
    return response.status_code != 302


def safe_next(target: str | None) -> str | None:
    """A same-site path to go back to after signing in; anything pointing elsewhere is dropped."""
    target = (target or "").strip()
    parts = urlsplit(target)
    if (not target.startswith("/") or target.startswith("//") or "\\" in target or parts.scheme or parts.netloc
            or any(ord(ch) < 32 for ch in target)):
        return None
    return target


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(login_limit, methods=["POST"], deduct_when=failed)
@limiter.limit(login_limit, key_func=account_key, methods=["POST"], deduct_when=failed)
def login():
    """Sign in with e-mail and password; failed attempts count against the per-account and per-address limits."""
    form = LoginForm(next=request.args.get("next", ""))
    if current_user.is_authenticated and request.method == "GET":
        return redirect(safe_next(form.next.data) or url_for("accounts.dashboard"))
    if form.validate_on_submit():
        user = accounts.authenticate(form.email.data, form.password.data)
        if user is not None:
            login_user(user, remember=form.remember.data)
            return redirect(safe_next(form.next.data) or url_for("accounts.dashboard"))
        form.password.errors = [_("Wrong e-mail or password, or the account is deactivated.")]
    return render_template("accounts/login.html", form=form), 400 if form.errors else 200


@bp.errorhandler(RateLimitExceeded)
def too_many_attempts(error: RateLimitExceeded):
    """The sign-in form again, saying why it refuses for now (429)."""
    form = LoginForm(next=request.form.get("next", ""))
    message = _("Too many sign-in attempts for this account or from this address. "
                "Please wait a few minutes and try again (limit: %(limit)s).", limit=error.description)
    return render_template("accounts/login.html", form=form, blocked=message), 429


@bp.post("/logout")
def logout():
    """Sign out (a POST with the CSRF token, so no other site can sign people out)."""
    logout_user()
    flash(_("You are signed out."), "success")
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
