"""Document: an uploaded file or a link, attached to exactly one plan, city, country or project."""
from __future__ import annotations

from datetime import date

from sqlalchemy import CheckConstraint, Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from smartcities.database import Timestamped
from smartcities.extensions import db
from smartcities.geo.models import City, Country
from smartcities.plans.models import NationalPlan
from smartcities.projects.models import Project

TARGETS = ("plan", "city", "country", "project")


def _one_of(*columns: str) -> str:
    return " + ".join(f"CASE WHEN {c} IS NULL THEN 0 ELSE 1 END" for c in columns) + " = 1"


class Document(Timestamped, db.Model):
    """A file stored under DOCUMENTS_DIR (stored_name, size, sha256, text) or a link (url); never both."""

    __tablename__ = "documents"
    __table_args__ = (
        CheckConstraint(_one_of("plan_id", "city_id", "country_code", "project_id"), name="one_target"),
        CheckConstraint(_one_of("url", "stored_name"), name="file_or_link"),
        CheckConstraint("size_bytes IS NULL OR size_bytes >= 0", name="size_positive"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    language: Mapped[str] = mapped_column(String(2), default="en")  # ISO 639-1
    category: Mapped[str | None] = mapped_column(String(3))  # IATI DocumentCategory (categories.py)
    document_date: Mapped[date | None] = mapped_column(Date)
    format: Mapped[str] = mapped_column(String(120))  # a MIME type (IATI FileFormat)
    url: Mapped[str | None] = mapped_column(String(2000))
    stored_name: Mapped[str | None] = mapped_column(String(64), unique=True)
    file_name: Mapped[str | None] = mapped_column(String(255))  # the uploaded name, made safe
    size_bytes: Mapped[int | None] = mapped_column(Integer)
    sha256: Mapped[str | None] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text, default="")  # extracted from a PDF, for search
    source: Mapped[str] = mapped_column(Text, default="")  # where a seeded link was found
    plan_id: Mapped[int | None] = mapped_column(ForeignKey("national_plans.id", ondelete="CASCADE"), index=True)
    city_id: Mapped[int | None] = mapped_column(ForeignKey("cities.id", ondelete="CASCADE"), index=True)
    country_code: Mapped[str | None] = mapped_column(ForeignKey("countries.code", ondelete="CASCADE"), index=True)
    project_id: Mapped[int | None] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    plan: Mapped[NationalPlan | None] = relationship()
    city: Mapped[City | None] = relationship()
    country: Mapped[Country | None] = relationship()
    project: Mapped[Project | None] = relationship()

    @property
    def is_file(self) -> bool:
        """An uploaded file (served from /documents/<id>/file), not a link."""
        return self.stored_name is not None

    @property
    def target(self) -> NationalPlan | City | Country | Project:
        """What the document is attached to."""
        return self.plan or self.city or self.country or self.project

    @property
    def target_kind(self) -> str:
        """"plan", "city", "country" or "project"."""
        return next(kind for kind in TARGETS if getattr(self, kind) is not None)
