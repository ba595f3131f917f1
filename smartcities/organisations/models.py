"""Organisation (funding partner or stakeholder), its PartnerProfile, Interest, dismissed matches, and Follow."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import (
    JSON, Boolean, CheckConstraint, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint, false, text,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from smartcities.database import Money, Timestamped, sql_in, utcnow
from smartcities.extensions import db

if TYPE_CHECKING:
    from smartcities.geo.models import City, Country
    from smartcities.projects.models import Project, ProjectParticipation

KINDS = {
    "government": "Government",
    "multilateral": "Multilateral",
    "private": "Private company",
    "foundation": "Foundation",
    "academic": "Academic",
    "civil_society": "Civil society",
    "local_government": "City / local government",
    "other": "Other (not yet classified)",
}


class Organisation(Timestamped, db.Model):
    """A funding partner or a public/private stakeholder."""

    __tablename__ = "organisations"
    __table_args__ = (
        CheckConstraint(sql_in("kind", tuple(KINDS)), name="kind_valid"),
        # A name is unique among public organisations, and among each city's private ones: a city naming a
        # partner another city named in unpublished work gets an organisation of its own, learning nothing.
        Index("uq_organisations_public_name", "name", unique=True,
              sqlite_where=text("is_public"), postgresql_where=text("is_public")),
        Index("uq_organisations_private_name", "name", "private_to_city_id", unique=True,
              sqlite_where=text("NOT is_public"), postgresql_where=text("NOT is_public")),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))
    country_code: Mapped[str | None] = mapped_column(ForeignKey("countries.code"), index=True)
    origin: Mapped[str | None] = mapped_column(String(120))  # country or region, also outside ASEAN
    website: Mapped[str | None] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    is_external_partner: Mapped[bool] = mapped_column(Boolean, default=False)
    partner_since: Mapped[int | None] = mapped_column(Integer)
    source: Mapped[str | None] = mapped_column(Text)
    # Named first in an unpublished project: seen only by that city's insiders until a project naming it is
    # published (smartcities.accounts.visibility).
    # active_history: the old value is known when it is set unread, so leaving public moves the public version.
    is_public: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true(), active_history=True)
    private_to_city_id: Mapped[int | None] = mapped_column(ForeignKey("cities.id", ondelete="SET NULL"))

    country: Mapped[Country | None] = relationship()
    private_to_city: Mapped[City | None] = relationship()
    participations: Mapped[list[ProjectParticipation]] = relationship(back_populates="organisation")
    names: Mapped[list[OrganisationName]] = relationship(back_populates="organisation", cascade="all, delete-orphan",
                                                         order_by="OrganisationName.key")
    profile: Mapped[PartnerProfile | None] = relationship(back_populates="organisation", uselist=False,
                                                          cascade="all, delete-orphan")

    @property
    def kind_label(self) -> str:
        return KINDS[self.kind]

    def _labels(self, kind: str) -> list[str]:
        return sorted({entry.label for entry in self.names if entry.kind == kind})

    @property
    def aliases(self) -> list[str]:
        """Other names it is known by (a merged duplicate's name becomes one)."""
        return self._labels("alias")

    @property
    def acronym(self) -> str | None:
        return next(iter(self._labels("acronym")), None)

    @property
    def iati_ref(self) -> str | None:
        """Its IATI organisation identifier, e.g. XM-DAC-46004."""
        return next(iter(self._labels("iati")), None)

    def __repr__(self) -> str:
        return f"<Organisation {self.id} {self.name!r}>"


NAME_KINDS = ("name", "alias", "acronym", "iati")


class OrganisationName(db.Model):
    """A key an organisation is found under (smartcities.organisations.names), with the name it came from."""

    __tablename__ = "organisation_names"
    __table_args__ = (CheckConstraint(sql_in("kind", NAME_KINDS), name="kind_valid"),)

    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"),
                                                 primary_key=True)
    key: Mapped[str] = mapped_column(String(200), primary_key=True, index=True)
    kind: Mapped[str] = mapped_column(String(10))
    label: Mapped[str] = mapped_column(String(200))

    organisation: Mapped[Organisation] = relationship(back_populates="names")


class Interest(db.Model):
    """A partner's expression of interest in funding a project."""

    __tablename__ = "interests"
    __table_args__ = (
        CheckConstraint("amount IS NULL OR amount >= 0", name="amount_positive"),
        CheckConstraint("amount IS NULL OR currency IS NOT NULL", name="amount_has_currency"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    amount: Mapped[Decimal | None] = mapped_column(Money)
    currency: Mapped[str | None] = mapped_column(String(3))
    message: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    project: Mapped[Project] = relationship()
    organisation: Mapped[Organisation] = relationship()


class Follow(db.Model):
    """A user following a project's changes."""

    __tablename__ = "follows"
    __table_args__ = (UniqueConstraint("user_id", "project_id", name="uq_follow_user_project"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    project: Mapped[Project] = relationship()


INSTRUMENTS = {
    "grant": "Grant",
    "loan": "Loan",
    "equity": "Equity",
    "guarantee": "Guarantee",
    "technical_assistance": "Technical assistance",
}


class PartnerProfile(db.Model):
    """What an organisation says it funds: focus areas, countries, instruments, a typical ticket, a statement."""

    __tablename__ = "partner_profiles"
    __table_args__ = (
        CheckConstraint("ticket_min IS NULL OR ticket_min >= 0", name="ticket_min_positive"),
        CheckConstraint("ticket_max IS NULL OR ticket_min IS NULL OR ticket_max >= ticket_min",
                        name="ticket_ordered"),
        CheckConstraint("(ticket_min IS NULL AND ticket_max IS NULL) OR currency IS NOT NULL",
                        name="ticket_has_currency"),
    )

    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"),
                                                 primary_key=True)
    focus_areas: Mapped[list] = mapped_column(JSON, default=list)   # focus-area slugs
    countries: Mapped[list] = mapped_column(JSON, default=list)     # ISO2 codes of ASEAN members
    instruments: Mapped[list] = mapped_column(JSON, default=list)   # keys of INSTRUMENTS
    ticket_min: Mapped[Decimal | None] = mapped_column(Money)
    ticket_max: Mapped[Decimal | None] = mapped_column(Money)
    currency: Mapped[str | None] = mapped_column(String(3))
    statement: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str | None] = mapped_column(Text)                # where a seeded profile's facts come from
    # Opted in: the organisation's users are told when a published project seeking funding matches it well.
    tell_matches: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)

    organisation: Mapped[Organisation] = relationship(back_populates="profile")


class MatchDismissal(db.Model):
    """A partner set aside a suggested project: it stays out of the partner's matches."""

    __tablename__ = "match_dismissals"
    __table_args__ = (UniqueConstraint("organisation_id", "project_id", name="uq_match_dismissal"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
