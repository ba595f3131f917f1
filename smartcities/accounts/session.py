"""Flask-Login wiring: how a session's user id becomes a User."""
from __future__ import annotations

import hmac

from flask_login import LoginManager

from smartcities.accounts.models import User
from smartcities.extensions import db


def configure_login(manager: LoginManager) -> None:
    manager.login_view = "accounts.login"
    manager.login_message = "Please sign in to continue."
    manager.login_message_category = "info"
    manager.session_protection = "strong"

    @manager.user_loader
    def load_user(session_id: str) -> User | None:
        """The active user whose id and current session token this is; an old token signs nobody in."""
        user_id, _, token = session_id.partition(":")
        user = db.session.get(User, int(user_id)) if user_id.isdigit() else None
        if user is None or not user.active or not hmac.compare_digest(user.session_token, token):
            return None
        return user
