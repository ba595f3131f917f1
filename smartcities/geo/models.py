"""Country and City: the places the registry is organised by."""
from __future__ import annotations

from sqlalchemy import Boolean, CheckConstraint, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from smartcities.extensions import db


class Country(db.Model):
    """An ASEAN member state, keyed by its ISO 3166-1 alpha-2 code."""

    __tablename__ = "countries"
    __table_args__ = (
        CheckConstraint("length(code) = 2", name="code_alpha2"),
        CheckConstraint("length(alpha3) = 3", name="alpha3_len"),
    )

    code: Mapped[str] = mapped_column(String(2), primary_key=True)
    alpha3: Mapped[str] = mapped_column(String(3), unique=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    capital: Mapped[str | None] = mapped_column(String(120))
    representative_body: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str | None] = mapped_column(Text)

    cities: Mapped[list[City]] = relationship(back_populates="country", order_by="City.name")

    def __repr__(self) -> str:
        return f"<Country {self.code}>"


class City(db.Model):
    """A city in the registry; `is_member` marks ASCN member cities."""

    __tablename__ = "cities"
    __table_args__ = (
        CheckConstraint("latitude BETWEEN -90 AND 90", name="latitude_range"),
        CheckConstraint("longitude BETWEEN -180 AND 180", name="longitude_range"),
        CheckConstraint("member_since IS NULL OR member_since BETWEEN 2018 AND 2100", name="member_since_range"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    local_name: Mapped[str | None] = mapped_column(String(200))
    country_code: Mapped[str] = mapped_column(ForeignKey("countries.code"), index=True)
    latitude: Mapped[float] = mapped_column(Float)
    longitude: Mapped[float] = mapped_column(Float)
    is_member: Mapped[bool] = mapped_column(Boolean, default=True)
    member_since: Mapped[int | None] = mapped_column(Integer)
    source: Mapped[str | None] = mapped_column(Text)

    country: Mapped[Country] = relationship(back_populates="cities")

    def __repr__(self) -> str:
        return f"<City {self.slug}>"
