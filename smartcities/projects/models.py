"""Project, its sites, FocusArea and ProjectParticipation (an organisation's IATI role in a project)."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import (
    JSON, Boolean, CheckConstraint, Column, Date, DateTime, Float, ForeignKey, Index, Integer, String, Table,
    Text, UniqueConstraint, select,
)
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from smartcities.database import Money, Timestamped, Versioned, sql_in
from smartcities.extensions import db

if TYPE_CHECKING:
    from smartcities.accounts.models import User
    from smartcities.geo.models import City
    from smartcities.organisations.models import Organisation

STAGES = ("concept", "planning", "implementation", "completed")
STATUSES = ("draft", "submitted", "published", "returned", "archived")
IATI_ROLES = ("funding", "accountable", "extending", "implementing")
REVISION_STATUSES = ("pending", "returned", "published")
OPEN_REVISION = ("pending", "returned")
MAX_SITES = 100        # sites per project, in the form, the project file and the API alike
MAX_SITE_NAME = 200    # characters in a site's name (its column's size)


class FocusArea(db.Model):
    """One of the six ASCN focus areas of the ASEAN Smart Cities Framework."""

    __tablename__ = "focus_areas"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(60), unique=True)
    slug: Mapped[str] = mapped_column(String(60), unique=True)
    covers: Mapped[str | None] = mapped_column(Text)

    def __repr__(self) -> str:
        return f"<FocusArea {self.slug}>"


project_focus_areas = Table(
    "project_focus_areas",
    db.metadata,
    Column("project_id", ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True),
    Column("focus_area_id", ForeignKey("focus_areas.id", ondelete="CASCADE"), primary_key=True),
)


class Project(Timestamped, Versioned, db.Model):
    """A city's smart-city project, moving through the review workflow."""

    __tablename__ = "projects"
    __table_args__ = (
        CheckConstraint(sql_in("stage", STAGES), name="stage_valid"),
        CheckConstraint(sql_in("status", STATUSES), name="status_valid"),
        CheckConstraint("end_date IS NULL OR start_date IS NULL OR end_date >= start_date", name="dates_ordered"),
        CheckConstraint("budget_amount IS NULL OR budget_amount >= 0", name="budget_positive"),
        CheckConstraint("funding_sought IS NULL OR funding_sought >= 0", name="funding_sought_positive"),
        CheckConstraint("currency IS NULL OR length(currency) = 3", name="currency_iso4217"),
        Index("ix_projects_updated_at", "updated_at"),
        Index("ix_projects_published_at", "published_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    city_id: Mapped[int] = mapped_column(ForeignKey("cities.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text, default="")
    description: Mapped[str] = mapped_column(Text, default="")
    stage: Mapped[str] = mapped_column(String(20), default="concept")
    # active_history: setting it on an object loaded earlier still knows the old status, so a project leaving
    # "published" moves the public data version (public_version.py) even if nothing read it first.
    status: Mapped[str] = mapped_column(String(20), default="draft", index=True, active_history=True)
    start_date: Mapped[date | None] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    budget_amount: Mapped[Decimal | None] = mapped_column(Money)
    currency: Mapped[str | None] = mapped_column(String(3))
    seeking_funding: Mapped[bool] = mapped_column(Boolean, default=False)
    funding_sought: Mapped[Decimal | None] = mapped_column(Money)
    review_comment: Mapped[str | None] = mapped_column(Text)
    # The iati-identifier of an activity imported from an IATI file (re-importing it updates this project).
    iati_identifier: Mapped[str | None] = mapped_column(String(200), unique=True)
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    city: Mapped[City] = relationship()  # one-way: places do not know projects
    focus_areas: Mapped[list[FocusArea]] = relationship(
        secondary=project_focus_areas, order_by="FocusArea.id"
    )
    participations: Mapped[list[ProjectParticipation]] = relationship(
        back_populates="project", cascade="all, delete-orphan", order_by="ProjectParticipation.id"
    )
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    updated_by: Mapped[User | None] = relationship(foreign_keys=[updated_by_id])
    revisions: Mapped[list[ProjectRevision]] = relationship(
        back_populates="project", cascade="all, delete-orphan", order_by="ProjectRevision.id"
    )
    # selectin: every list of projects loads its sites in one more query, never one per project
    sites: Mapped[list[ProjectSite]] = relationship(
        back_populates="project", cascade="all, delete-orphan", order_by="ProjectSite.position", lazy="selectin"
    )

    def _first_site(self) -> ProjectSite:
        if not self.sites:
            self.sites.append(ProjectSite(position=0))
        return self.sites[0]

    @hybrid_property
    def latitude(self) -> float | None:
        """The first site's latitude, for code that knows one point per project (setting it sets that site)."""
        return self.sites[0].latitude if self.sites else None

    @latitude.inplace.setter
    def _latitude_setter(self, value: float) -> None:
        self._first_site().latitude = value

    @latitude.inplace.expression
    @classmethod
    def _latitude_expression(cls):
        return (select(ProjectSite.latitude).where(ProjectSite.project_id == cls.id, ProjectSite.position == 0)
                .correlate_except(ProjectSite).scalar_subquery())

    @hybrid_property
    def longitude(self) -> float | None:
        """The first site's longitude, for code that knows one point per project (setting it sets that site)."""
        return self.sites[0].longitude if self.sites else None

    @longitude.inplace.setter
    def _longitude_setter(self, value: float) -> None:
        self._first_site().longitude = value

    @longitude.inplace.expression
    @classmethod
    def _longitude_expression(cls):
        return (select(ProjectSite.longitude).where(ProjectSite.project_id == cls.id, ProjectSite.position == 0)
                .correlate_except(ProjectSite).scalar_subquery())

    @property
    def open_revision(self) -> ProjectRevision | None:
        """The edit of this published project waiting for review (or returned to the city), if any."""
        return next((r for r in self.revisions if r.status in OPEN_REVISION), None)

    def __repr__(self) -> str:
        return f"<Project {self.id} {self.status}>"


class ProjectSite(db.Model):
    """One place where a project happens (a junction, a pilot district): a point with an optional name."""

    __tablename__ = "project_sites"
    __table_args__ = (
        CheckConstraint("latitude BETWEEN -90 AND 90", name="latitude_range"),
        CheckConstraint("longitude BETWEEN -180 AND 180", name="longitude_range"),
        CheckConstraint("position >= 0", name="position_positive"),
        UniqueConstraint("project_id", "position", name="uq_project_sites_position"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)   # 0 first; the order the city gave
    name: Mapped[str | None] = mapped_column(String(MAX_SITE_NAME))
    latitude: Mapped[float] = mapped_column(Float)
    longitude: Mapped[float] = mapped_column(Float)

    project: Mapped[Project] = relationship(back_populates="sites")

    def __repr__(self) -> str:
        return f"<ProjectSite {self.position} of {self.project_id}>"


class ProjectRevision(Timestamped, db.Model):
    """An edit of a published project, kept aside until the country's focal point publishes it.

    `values` holds the edited form values (as JSON text and numbers); the project row keeps the published
    version, so every public surface shows that until the revision is published.
    """

    __tablename__ = "project_revisions"
    __table_args__ = (CheckConstraint(sql_in("status", REVISION_STATUSES), name="status_valid"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(20), default="pending")
    values: Mapped[dict] = mapped_column(JSON)
    base_version: Mapped[int] = mapped_column(Integer)      # the published version it was made from
    review_comment: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    project: Mapped[Project] = relationship(back_populates="revisions")
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])

    def __repr__(self) -> str:
        return f"<ProjectRevision {self.id} of {self.project_id} {self.status}>"


class ProjectParticipation(db.Model):
    """An organisation's role in a project (IATI organisation roles), with an optional commitment."""

    __tablename__ = "project_participations"
    __table_args__ = (
        CheckConstraint(sql_in("role", IATI_ROLES), name="role_valid"),
        CheckConstraint("committed_amount IS NULL OR committed_amount >= 0", name="committed_positive"),
        CheckConstraint(
            "committed_amount IS NULL OR committed_currency IS NOT NULL", name="committed_has_currency"
        ),
        UniqueConstraint("project_id", "organisation_id", "role", name="uq_participation_role"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    role: Mapped[str] = mapped_column(String(20))
    committed_amount: Mapped[Decimal | None] = mapped_column(Money)
    committed_currency: Mapped[str | None] = mapped_column(String(3))

    project: Mapped[Project] = relationship(back_populates="participations")
    organisation: Mapped[Organisation] = relationship(back_populates="participations")
