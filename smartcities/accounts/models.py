"""User: one role, tied to a country, a city or an organisation according to that role."""
from __future__ import annotations

import secrets
from typing import TYPE_CHECKING

from flask import current_app
from flask_login import UserMixin
from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from smartcities.database import Timestamped, sql_in
from smartcities.extensions import db

if TYPE_CHECKING:
    from smartcities.geo.models import City, Country
    from smartcities.organisations.models import Organisation

def new_session_token() -> str:
    return secrets.token_hex(16)


ROLES = ("admin", "focal_point", "city_official", "partner")
ROLE_LABELS = {
    "admin": "Administrator",
    "focal_point": "National focal point",
    "city_official": "City official",
    "partner": "Partner",
}


class User(UserMixin, Timestamped, db.Model):
    """A signed-in person. Self-registration does not exist: admins create accounts."""

    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint(sql_in("role", ROLES), name="role_valid"),
        CheckConstraint("role <> 'focal_point' OR country_code IS NOT NULL", name="focal_point_country"),
        CheckConstraint("role <> 'city_official' OR city_id IS NOT NULL", name="official_city"),
        CheckConstraint("role <> 'partner' OR organisation_id IS NOT NULL", name="partner_organisation"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    display_name: Mapped[str] = mapped_column(String(120), default="")
    role: Mapped[str] = mapped_column(String(20))
    country_code: Mapped[str | None] = mapped_column(ForeignKey("countries.code"))
    city_id: Mapped[int | None] = mapped_column(ForeignKey("cities.id"))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Part of the session id: replacing it signs the account out everywhere (password change, deactivation).
    session_token: Mapped[str] = mapped_column(String(32), default=new_session_token)

    country: Mapped[Country | None] = relationship()
    city: Mapped[City | None] = relationship()
    organisation: Mapped[Organisation | None] = relationship()

    @property
    def is_active(self) -> bool:  # Flask-Login refuses sign-in to deactivated accounts
        return self.active

    @property
    def role_label(self) -> str:
        return ROLE_LABELS[self.role]

    @property
    def name(self) -> str:
        return self.display_name or self.email

    def get_id(self) -> str:
        return f"{self.id}:{self.session_token}"

    def end_sessions(self) -> None:
        """Invalidate every session and remember-me cookie of this account."""
        self.session_token = new_session_token()

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])
        self.end_sessions()

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    def __repr__(self) -> str:
        return f"<User {self.email} {self.role}>"
