"""Admin pages for webhook endpoints: the list, registering one (its secret shown once), the delivery log."""
from __future__ import annotations

from flask import Blueprint, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from smartcities.accounts.permissions import require
from smartcities.errors import ValidationError
from smartcities.extensions import db
from smartcities.notifications import webhooks
from smartcities.notifications.models import PUBLIC_KINDS, WebhookDelivery

bp = Blueprint("webhook_admin", __name__, url_prefix="/admin/webhooks")
LOG = 100


@bp.before_request
@login_required
def admins_only() -> None:
    """Every page here is for admins (the same rule as the other admin pages)."""
    require(current_user, "manage_users")


def _render_list(errors: dict[str, str] | None = None, form: dict | None = None, status: int = 200):
    return render_template("notifications/webhooks.html", endpoints=webhooks.endpoints(), kinds=PUBLIC_KINDS,
                           errors=errors or {}, form=form or {}), status


@bp.route("", methods=["GET", "POST"])
def index():
    """The endpoints, and the form that registers one."""
    if request.method == "GET":
        return _render_list()
    form = {"url": request.form.get("url", ""), "events": request.form.getlist("event")}
    try:
        endpoint = webhooks.add_endpoint(form["url"], form["events"], request.form.get("secret") or None,
                                         current_user)
    except ValidationError as error:
        db.session.rollback()
        return _render_list(error.errors, form, 400)
    db.session.commit()
    response = make_response(_render_detail(endpoint.id, secret=endpoint.secret))
    response.headers["Cache-Control"] = "no-store"  # the secret is shown this once: no cache keeps it
    return response


def _render_detail(endpoint_id: int, secret: str | None = None):
    endpoint = webhooks.get_endpoint(endpoint_id)
    log = list(db.session.scalars(select(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint.id)
                                  .order_by(WebhookDelivery.id.desc()).limit(LOG)))
    return render_template("notifications/webhook.html", endpoint=endpoint, log=log, secret=secret)


@bp.get("/<int:endpoint_id>")
def detail(endpoint_id: int):
    """One endpoint and its delivery log (status, time, attempts), newest first."""
    return _render_detail(endpoint_id)


@bp.post("/<int:endpoint_id>/delete")
def delete(endpoint_id: int):
    """Remove an endpoint and its log."""
    webhooks.remove_endpoint(endpoint_id, current_user)
    db.session.commit()
    flash(_("Webhook endpoint %(id)d removed.", id=endpoint_id), "success")
    return redirect(url_for(".index"))
