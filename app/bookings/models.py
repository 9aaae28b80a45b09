from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    JSON,
    CheckConstraint,
    DateTime,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.keys import tenant_row_id
from app.core.tenancy import TenantScoped
from app.core.types import Money, UTCDateTime, utcnow
from app.extensions import db

BOOKING_STATUSES = ("pending", "confirmed", "cancelled", "completed", "no_show")
# Statuses that hold the master's time; the PostgreSQL exclusion constraint uses the same list.
BLOCKING_STATUSES = ("pending", "confirmed")


class Booking(TenantScoped, db.Model):
    __tablename__ = "bookings"
    __table_args__ = (
        PrimaryKeyConstraint("tenant_id", "id"),
        ForeignKeyConstraint(["tenant_id", "location_id"], ["locations.tenant_id", "locations.id"]),
        ForeignKeyConstraint(["tenant_id", "master_id"], ["masters.tenant_id", "masters.id"]),
        ForeignKeyConstraint(["tenant_id", "service_id"], ["services.tenant_id", "services.id"]),
        ForeignKeyConstraint(["tenant_id", "client_id"], ["clients.tenant_id", "clients.id"]),
        CheckConstraint("start_at < end_at AND end_at <= block_end_at", name="time_order"),
        CheckConstraint("status IN ('pending', 'confirmed', 'cancelled', 'completed', 'no_show')", name="status_known"),
        Index("ix_bookings_master_time", "tenant_id", "master_id", "start_at", "block_end_at"),
        Index("ix_bookings_location_time", "tenant_id", "location_id", "start_at"),
        Index("ix_bookings_client", "tenant_id", "client_id", "start_at"),
        Index("ix_bookings_status_start", "status", "start_at"),
    )

    id: Mapped[int] = tenant_row_id("bookings")
    location_id: Mapped[int] = mapped_column(Integer)
    master_id: Mapped[int] = mapped_column(Integer)
    service_id: Mapped[int] = mapped_column(Integer)
    client_id: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(12), default="confirmed")
    start_at: Mapped[datetime] = mapped_column(UTCDateTime)
    end_at: Mapped[datetime] = mapped_column(UTCDateTime)
    block_end_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The wall-clock start and zone it was booked in: the source of truth if zone rules change.
    local_start: Mapped[datetime] = mapped_column(DateTime(timezone=False))
    timezone: Mapped[str] = mapped_column(String(64))
    duration_minutes: Mapped[int] = mapped_column(Integer)
    buffer_minutes: Mapped[int] = mapped_column(Integer, default=0)
    price: Mapped[Decimal] = mapped_column(Money)
    currency: Mapped[str] = mapped_column(String(3))
    notes: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(String(12), default="public")
    created_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    cancelled_by: Mapped[str | None] = mapped_column(String(12))
    cancel_reason: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    location = relationship(
        "Location",
        primaryjoin="and_(Booking.tenant_id == Location.tenant_id, Booking.location_id == Location.id)",
        foreign_keys=[location_id],
        lazy="joined",
    )
    master = relationship(
        "Master",
        primaryjoin="and_(Booking.tenant_id == Master.tenant_id, Booking.master_id == Master.id)",
        foreign_keys=[master_id],
        lazy="joined",
    )
    service = relationship(
        "Service",
        primaryjoin="and_(Booking.tenant_id == Service.tenant_id, Booking.service_id == Service.id)",
        foreign_keys=[service_id],
        lazy="joined",
    )
    client = relationship(
        "Client",
        primaryjoin="and_(Booking.tenant_id == Client.tenant_id, Booking.client_id == Client.id)",
        foreign_keys=[client_id],
        lazy="joined",
    )


class IdempotencyKey(TenantScoped, db.Model):
    """The first answer to a request made with an ``Idempotency-Key``, kept for 24 hours."""

    __tablename__ = "idempotency_keys"
    __table_args__ = (PrimaryKeyConstraint("tenant_id", "id"), UniqueConstraint("tenant_id", "actor", "key"))

    id: Mapped[int] = tenant_row_id("idempotency_keys")
    actor: Mapped[str] = mapped_column(String(64))
    key: Mapped[str] = mapped_column(String(200))
    request_hash: Mapped[str] = mapped_column(String(64))
    response_status: Mapped[int] = mapped_column(Integer)
    response_body: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
