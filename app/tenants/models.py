from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, Integer, PrimaryKeyConstraint, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.core.keys import tenant_row_id
from app.core.tenancy import TenantScoped
from app.core.translations import Translatable
from app.core.types import UTCDateTime, utcnow
from app.extensions import db


class Tenant(Translatable, db.Model):
    __tablename__ = "tenants"
    translated_fields = ("name", "description")

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    subdomain: Mapped[str] = mapped_column(String(63), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    status_reason: Mapped[str | None] = mapped_column(Text)
    currency: Mapped[str] = mapped_column(String(3), default="KZT")
    languages: Mapped[list] = mapped_column(JSON, default=lambda: ["en", "ru", "kk"])
    default_language: Mapped[str] = mapped_column(String(5), default="en")
    timezone: Mapped[str] = mapped_column(String(64), default="Asia/Almaty")
    phone: Mapped[str | None] = mapped_column(String(20))
    email: Mapped[str | None] = mapped_column(String(254))
    min_notice_minutes: Mapped[int] = mapped_column(Integer, default=60)
    horizon_days: Mapped[int] = mapped_column(Integer, default=60)
    cancellation_window_minutes: Mapped[int] = mapped_column(Integer, default=120)
    slot_step_minutes: Mapped[int] = mapped_column(Integer, default=15)
    require_confirmation: Mapped[bool] = mapped_column(Boolean, default=False)
    trial_ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    subscription_ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    trial_notice_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cache_version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    @property
    def is_active(self) -> bool:
        return self.status == "active"

    def __repr__(self) -> str:
        return f"<Tenant {self.subdomain} {self.status}>"


class Location(Translatable, TenantScoped, db.Model):
    __tablename__ = "locations"
    translated_fields = ("name", "address")
    __table_args__ = (PrimaryKeyConstraint("tenant_id", "id"),)

    id: Mapped[int] = tenant_row_id("locations")
    name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str] = mapped_column(String(500), default="")
    phone: Mapped[str | None] = mapped_column(String(20))
    timezone: Mapped[str] = mapped_column(String(64))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
