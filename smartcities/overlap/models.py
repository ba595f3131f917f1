"""OverlapFlag: a stored finding that a project repeats a plan initiative or another project; PlanRecheck: a plan
changed, so the published projects it covers are to be checked again (by the worker)."""
from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import JSON, CheckConstraint, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from smartcities.database import Queued, Timestamped, Versioned, sql_in
from smartcities.extensions import db

if TYPE_CHECKING:
    from smartcities.accounts.models import User
    from smartcities.plans.models import NationalPlan, PlanInitiative
    from smartcities.projects.models import Project

FLAG_KINDS = ("plan", "project")
SEVERITIES = ("high", "medium", "low")
FLAG_STATUSES = ("open", "acknowledged", "dismissed")


class OverlapFlag(Timestamped, Versioned, db.Model):
    """Open until the official justifies it (acknowledged) or a reviewer dismisses it with a reason.

    Versioned, so of two answers given at the same moment exactly one is saved (on SQLite too, which has no
    row locks); on PostgreSQL the answer also locks the row before it reads the status.
    """

    __tablename__ = "overlap_flags"
    __table_args__ = (
        CheckConstraint(sql_in("kind", FLAG_KINDS), name="kind_valid"),
        CheckConstraint(sql_in("severity", SEVERITIES), name="severity_valid"),
        CheckConstraint(sql_in("status", FLAG_STATUSES), name="status_valid"),
        CheckConstraint("score >= 0 AND score <= 1", name="score_range"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    plan_id: Mapped[int | None] = mapped_column(ForeignKey("national_plans.id", ondelete="CASCADE"))
    initiative_id: Mapped[int | None] = mapped_column(ForeignKey("plan_initiatives.id", ondelete="SET NULL"))
    other_project_id: Mapped[int | None] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    subject: Mapped[str] = mapped_column(String(300))  # initiative or project title, kept if it is deleted
    score: Mapped[float] = mapped_column(Float)
    severity: Mapped[str] = mapped_column(String(10))
    reasons: Mapped[list[str]] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(15), default="open")
    justification: Mapped[str | None] = mapped_column(Text)
    dismissal_reason: Mapped[str | None] = mapped_column(Text)
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    project: Mapped[Project] = relationship(foreign_keys=[project_id])
    other_project: Mapped[Project | None] = relationship(foreign_keys=[other_project_id])
    plan: Mapped[NationalPlan | None] = relationship()
    initiative: Mapped[PlanInitiative | None] = relationship()
    resolved_by: Mapped[User | None] = relationship()

    @property
    def needs_justification(self) -> bool:
        """An open high-severity flag blocks submission until the official answers it."""
        return self.status == "open" and self.severity == "high"


class PlanRecheck(Queued, db.Model):
    """Queued in the transaction that changes a plan; the worker checks the plan's published projects again and
    records their new flags as events."""

    __tablename__ = "plan_rechecks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("national_plans.id", ondelete="CASCADE"), index=True)
