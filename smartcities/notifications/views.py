"""The inbox at /notifications, mark read, each person's choices and follows, and the signed unsubscribe link."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from smartcities.errors import NotFound, ValidationError
from smartcities.extensions import csrf, db
from smartcities.notifications import mail, services
from smartcities.notifications.models import PERSONAL_KINDS

bp = Blueprint("notifications", __name__, url_prefix="/notifications")


@bp.app_context_processor
def unread_helper() -> dict[str, Any]:
    """`unread_notifications()` in templates: the header's count for the signed-in user."""
    def unread() -> int:
        return services.unread_count(current_user) if current_user.is_authenticated else 0
    return {"unread_notifications": unread}


@bp.app_template_global("describe_event")
def describe_event(event) -> str:
    return services.describe(event)


@bp.get("")
@login_required
def inbox():
    """The signed-in person's notifications, newest first."""
    page = request.args.get("page", "1")
    page = int(page) if page.isdigit() and 0 < int(page) < 10_000 else 1
    items = services.inbox(current_user, page)
    return render_template("notifications/inbox.html", items=items, page=page, link=services.link,
                           more=len(items) == services.PAGE)


@bp.post("/<int:notification_id>/read")
@login_required
def read(notification_id: int):
    """Mark one notification read and open what it is about."""
    notification = services.mark_read(current_user, notification_id)
    db.session.commit()
    return redirect(services.link(notification.event) if request.form.get("open") else url_for(".inbox"))


@bp.post("/read")
@login_required
def read_all():
    """Mark every notification read."""
    count = services.mark_all_read(current_user)
    db.session.commit()
    flash(_("%(n)d notifications marked read.", n=count), "success")
    return redirect(url_for(".inbox"))


def _render_settings(errors: dict[str, str] | None = None, status: int = 200):
    return render_template("notifications/settings.html", channels=services.channels(current_user),
                           kinds=PERSONAL_KINDS, kind_labels=services.KIND_LABELS,
                           channel_labels=services.CHANNEL_LABELS, language=services.language_of(current_user),
                           languages=current_app.config["LANGUAGES"], follows=services.follows(current_user),
                           topics=services.topic_choices(current_user), topic_labels=services.TOPIC_LABELS,
                           mail_on=mail.enabled(), errors=errors or {}), status


@bp.route("/settings", methods=["GET", "POST"])
@login_required
def settings():
    """How the person is told of each kind of event, and in which language e-mail is written."""
    if request.method == "GET":
        return _render_settings()
    choices = {kind: request.form.get(kind, "") for kind in PERSONAL_KINDS if kind in request.form}
    try:
        services.save_preferences(current_user, choices, request.form.get("language") or None,
                                  current_app.config["LANGUAGES"])
    except ValidationError as error:
        db.session.rollback()
        return _render_settings(error.errors, 400)
    db.session.commit()
    flash(_("Your notification settings are saved."), "success")
    return redirect(url_for(".settings"))


@bp.post("/follows")
@login_required
def follow():
    """Follow a city, a country, a focus area or a partner."""
    try:
        services.follow_topic(current_user, request.form.get("topic", ""), request.form.get("target", ""))
    except ValidationError as error:
        db.session.rollback()
        return _render_settings(error.errors, 400)
    db.session.commit()
    flash(_("You follow it now: its newly published and updated projects appear here."), "success")
    return redirect(url_for(".settings") + "#follows")


@bp.post("/follows/<int:follow_id>/delete")
@login_required
def unfollow(follow_id: int):
    """Stop following a place or topic."""
    services.unfollow_topic(current_user, follow_id)
    db.session.commit()
    flash(_("You no longer follow it."), "success")
    return redirect(url_for(".settings") + "#follows")


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt  # the signed token is the proof; RFC 8058 one-click POSTs come from mail clients, without a session
def unsubscribe(token: str):
    """GET: the one button that stops this e-mail; POST (that button, or a mail client's one-click): done."""
    found = mail.read_unsubscribe_token(token)
    if found is None:
        raise NotFound(_("This link is no longer valid."))
    user_id, kind = found
    label = services.KIND_LABELS.get(kind, _("every kind of notification"))
    if request.method == "GET":
        return render_template("notifications/unsubscribe.html", label=label, done=False)
    services.unsubscribe(user_id, kind)
    db.session.commit()
    return render_template("notifications/unsubscribe.html", label=label, done=True)
