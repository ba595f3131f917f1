"""MatchSuggestion: a published project seeking funding whose best-matching partners are still to be told. Queued
in the transaction that publishes it; the worker claims it (claim, claimed_until), ranks the partners and tells the
opted-in ones, so a publication never waits for the ranking."""
from __future__ import annotations

from sqlalchemy import ForeignKey, Integer
from sqlalchemy.orm import Mapped, mapped_column

from smartcities.database import Queued
from smartcities.extensions import db


class MatchSuggestion(Queued, db.Model):
    __tablename__ = "match_suggestions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
