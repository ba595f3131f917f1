"""NationalPlan (national or city level) and its PlanInitiative children."""
from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, Column, ForeignKey, Integer, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from smartcities.database import Timestamped, Versioned, sql_in
from smartcities.extensions import db
from smartcities.projects.models import FocusArea

if TYPE_CHECKING:
    from smartcities.geo.models import City, Country

LEVELS = ("national", "city")

plan_focus_areas = Table(
    "plan_focus_areas",
    db.metadata,
    Column("plan_id", ForeignKey("national_plans.id", ondelete="CASCADE"), primary_key=True),
    Column("focus_area_id", ForeignKey("focus_areas.id", ondelete="CASCADE"), primary_key=True),
)

initiative_focus_areas = Table(
    "initiative_focus_areas",
    db.metadata,
    Column("initiative_id", ForeignKey("plan_initiatives.id", ondelete="CASCADE"), primary_key=True),
    Column("focus_area_id", ForeignKey("focus_areas.id", ondelete="CASCADE"), primary_key=True),
)


class NationalPlan(Timestamped, Versioned, db.Model):
    """A national plan or a city action plan that projects must not overlap; versioned like projects, so a
    save made on a stale form is refused instead of silently overwriting another keeper's edit."""

    __tablename__ = "national_plans"
    __table_args__ = (
        CheckConstraint(sql_in("level", LEVELS), name="level_valid"),
        CheckConstraint("(level = 'city') = (city_id IS NOT NULL)", name="city_iff_city_level"),
        CheckConstraint("end_year IS NULL OR end_year >= start_year", name="period_ordered"),
        CheckConstraint("start_year BETWEEN 1950 AND 2100", name="start_year_range"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    external_id: Mapped[str] = mapped_column(String(80), unique=True)
    country_code: Mapped[str] = mapped_column(ForeignKey("countries.code"), index=True)
    level: Mapped[str] = mapped_column(String(10))
    city_id: Mapped[int | None] = mapped_column(ForeignKey("cities.id"), index=True)
    title: Mapped[str] = mapped_column(String(300))
    start_year: Mapped[int] = mapped_column(Integer)
    end_year: Mapped[int | None] = mapped_column(Integer)
    summary: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(Text, default="")

    country: Mapped[Country] = relationship()
    city: Mapped[City | None] = relationship()
    focus_areas: Mapped[list[FocusArea]] = relationship(secondary=plan_focus_areas, order_by="FocusArea.id")
    initiatives: Mapped[list[PlanInitiative]] = relationship(
        back_populates="plan", cascade="all, delete-orphan", order_by="PlanInitiative.position"
    )

    @property
    def period_label(self) -> str:
        return f"{self.start_year}–{self.end_year if self.end_year is not None else 'open'}"

    def __repr__(self) -> str:
        return f"<NationalPlan {self.external_id}>"


class PlanInitiative(db.Model):
    """One initiative of a plan; without focus areas of its own, the plan's apply.

    `key` is its stable id within the plan (the Plan file's initiative "id"): edits and re-imports update the
    initiative with that key, so stored overlap flags keep pointing at the initiative they were raised for.
    """

    __tablename__ = "plan_initiatives"
    __table_args__ = (UniqueConstraint("plan_id", "key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("national_plans.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(64))
    position: Mapped[int] = mapped_column(Integer, default=0)
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")

    plan: Mapped[NationalPlan] = relationship(back_populates="initiatives")
    focus_areas: Mapped[list[FocusArea]] = relationship(
        secondary=initiative_focus_areas, order_by="FocusArea.id"
    )
