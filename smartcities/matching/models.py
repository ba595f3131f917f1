"""MatchSuggestion: a published project seeking funding whose best-matching partners are still to be told. Queued
in the transaction that publishes it; the worker claims it (claim, claimed_until), ranks the partners and tells the
opted-in ones, so a publication never waits for the ranking."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from smartcities.database import utcnow
from smartcities.extensions import db


class MatchSuggestion(db.Model):
    __tablename__ = "match_suggestions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    done_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    claim: Mapped[str | None] = mapped_column(String(32))
    claimed_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
