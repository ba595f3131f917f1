"""Flask-Login wiring: how a session's user id becomes a User."""
from __future__ import annotations

from flask_login import LoginManager

from smartcities.accounts.models import User
from smartcities.extensions import db


def configure_login(manager: LoginManager) -> None:
    manager.login_view = "accounts.login"
    manager.login_message = "Please sign in to continue."
    manager.login_message_category = "info"
    manager.session_protection = "strong"

    @manager.user_loader
    def load_user(user_id: str) -> User | None:
        user = db.session.get(User, int(user_id)) if user_id.isdigit() else None
        return user if user is not None and user.active else None
