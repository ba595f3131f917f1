"""Declarative base with a naming convention (stable constraint names in Alembic) and shared mixins."""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import DateTime, Integer, MetaData, Numeric, String
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


# Money is a Decimal with 2 places next to its ISO 4217 code, never a float.
Money = Numeric(18, 2)


def sql_in(column: str, values: tuple[str, ...]) -> str:
    """SQL for a CHECK constraint limiting a column to a fixed vocabulary."""
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def utcnow() -> datetime:
    """Aware UTC now; stored timestamps are always UTC."""
    return datetime.now(timezone.utc)


class Timestamped:
    """created_at / updated_at columns maintained by SQLAlchemy."""

    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow, nullable=False
    )


class Queued:
    """A job queued in the transaction of a change and done later by the worker, which claims it (claim, claimed_until:
    the lease) as it claims its deliveries, and marks it done."""

    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    done_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    claim: Mapped[str | None] = mapped_column(String(32))
    claimed_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Versioned:
    """An optimistic-locking counter: SQLAlchemy refuses an UPDATE whose version is stale."""

    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    @declared_attr.directive
    def __mapper_args__(cls) -> dict:
        return {"version_id_col": cls.__table__.c.version}
