from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, Date, Integer, PrimaryKeyConstraint, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.core.keys import tenant_row_id
from app.core.tenancy import TenantScoped
from app.core.types import Money, UTCDateTime, utcnow
from app.extensions import db


class DailyStat(TenantScoped, db.Model):
    """Per-day roll-up; ``location_id``/``master_id`` 0 means "all" (keeps the unique key simple)."""

    __tablename__ = "daily_stats"
    __table_args__ = (
        PrimaryKeyConstraint("tenant_id", "id"),
        UniqueConstraint("tenant_id", "date", "location_id", "master_id"),
    )

    id: Mapped[int] = tenant_row_id("daily_stats")
    date: Mapped[date] = mapped_column(Date, index=True)
    location_id: Mapped[int] = mapped_column(Integer, default=0)
    master_id: Mapped[int] = mapped_column(Integer, default=0)
    bookings: Mapped[int] = mapped_column(Integer, default=0)
    completed: Mapped[int] = mapped_column(Integer, default=0)
    no_shows: Mapped[int] = mapped_column(Integer, default=0)
    cancellations: Mapped[int] = mapped_column(Integer, default=0)
    revenue: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    currency: Mapped[str] = mapped_column(String(3), default="KZT")
    #: Minutes of bookings that held the master's time (every status but cancelled).
    booked_minutes: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    #: Minutes the masters were scheduled to work (weekly hours or the day's override, less time off).
    working_minutes: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class DailyServiceStat(TenantScoped, db.Model):
    """Per-day roll-up per service; ``location_id`` 0 is the business total of the service."""

    __tablename__ = "daily_service_stats"
    __table_args__ = (
        PrimaryKeyConstraint("tenant_id", "id"),
        UniqueConstraint("tenant_id", "date", "location_id", "service_id"),
    )

    id: Mapped[int] = tenant_row_id("daily_service_stats")
    date: Mapped[date] = mapped_column(Date, index=True)
    location_id: Mapped[int] = mapped_column(Integer, default=0)
    service_id: Mapped[int] = mapped_column(Integer)
    bookings: Mapped[int] = mapped_column(Integer, default=0)
    completed: Mapped[int] = mapped_column(Integer, default=0)
    no_shows: Mapped[int] = mapped_column(Integer, default=0)
    cancellations: Mapped[int] = mapped_column(Integer, default=0)
    revenue: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    currency: Mapped[str] = mapped_column(String(3), default="KZT")
    booked_minutes: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class SystemCheck(db.Model):
    """A periodic health sample: database, Redis, queue sizes, worker lag."""

    __tablename__ = "system_checks"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    status: Mapped[str] = mapped_column(String(10))
    details: Mapped[dict] = mapped_column(JSON, default=dict)
