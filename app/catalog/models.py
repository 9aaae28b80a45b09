from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    ForeignKeyConstraint,
    Integer,
    PrimaryKeyConstraint,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.keys import tenant_row_id
from app.core.tenancy import TenantScoped
from app.core.translations import Translatable
from app.core.types import Money, UTCDateTime, utcnow
from app.extensions import db

PERMISSIONS = ("edit_own_schedule", "see_client_phones", "cancel_own_bookings")


class ServiceLocation(TenantScoped, db.Model):
    __tablename__ = "service_locations"
    __table_args__ = (
        PrimaryKeyConstraint("tenant_id", "service_id", "location_id"),
        ForeignKeyConstraint(["tenant_id", "service_id"], ["services.tenant_id", "services.id"], ondelete="CASCADE"),
        ForeignKeyConstraint(["tenant_id", "location_id"], ["locations.tenant_id", "locations.id"], ondelete="CASCADE"),
    )
    service_id: Mapped[int] = mapped_column(Integer)
    location_id: Mapped[int] = mapped_column(Integer, index=True)


class MasterService(TenantScoped, db.Model):
    __tablename__ = "master_services"
    __table_args__ = (
        PrimaryKeyConstraint("tenant_id", "master_id", "service_id"),
        ForeignKeyConstraint(["tenant_id", "master_id"], ["masters.tenant_id", "masters.id"], ondelete="CASCADE"),
        ForeignKeyConstraint(["tenant_id", "service_id"], ["services.tenant_id", "services.id"], ondelete="CASCADE"),
    )
    master_id: Mapped[int] = mapped_column(Integer)
    service_id: Mapped[int] = mapped_column(Integer, index=True)


class Service(Translatable, TenantScoped, db.Model):
    __tablename__ = "services"
    translated_fields = ("name", "description")
    __table_args__ = (PrimaryKeyConstraint("tenant_id", "id"),)

    id: Mapped[int] = tenant_row_id("services")
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    duration_minutes: Mapped[int] = mapped_column(Integer)
    buffer_minutes: Mapped[int] = mapped_column(Integer, default=0)
    price: Mapped[Decimal] = mapped_column(Money)
    currency: Mapped[str] = mapped_column(String(3))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    locations = relationship(
        "Location",
        secondary="service_locations",
        primaryjoin="and_(Service.tenant_id == ServiceLocation.tenant_id, Service.id == ServiceLocation.service_id)",
        secondaryjoin="and_(ServiceLocation.tenant_id == Location.tenant_id,"
        " ServiceLocation.location_id == Location.id)",
        viewonly=True,
        lazy="selectin",
        order_by="Location.id",
    )

    @property
    def location_ids(self) -> list[int]:
        return [loc.id for loc in self.locations]


class Master(Translatable, TenantScoped, db.Model):
    __tablename__ = "masters"
    translated_fields = ("name", "specialization")
    __table_args__ = (
        PrimaryKeyConstraint("tenant_id", "id"),
        # One master per login; looked up inside the tenant's scope (tenant_id-first index).
        UniqueConstraint("tenant_id", "user_id"),
        ForeignKeyConstraint(["tenant_id", "location_id"], ["locations.tenant_id", "locations.id"]),
    )

    id: Mapped[int] = tenant_row_id("masters")
    location_id: Mapped[int] = mapped_column(Integer, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(20))
    specialization: Mapped[str] = mapped_column(String(200), default="")
    permissions: Mapped[list] = mapped_column(JSON, default=list)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    schedule_version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    location = relationship(
        "Location",
        primaryjoin="and_(Master.tenant_id == Location.tenant_id, Master.location_id == Location.id)",
        foreign_keys=[location_id],
        lazy="joined",
    )
    services = relationship(
        "Service",
        secondary="master_services",
        primaryjoin="and_(Master.tenant_id == MasterService.tenant_id, Master.id == MasterService.master_id)",
        secondaryjoin="and_(MasterService.tenant_id == Service.tenant_id, MasterService.service_id == Service.id)",
        viewonly=True,
        lazy="selectin",
        order_by="Service.id",
    )
    user = relationship("User", foreign_keys=[user_id])

    @property
    def service_ids(self) -> list[int]:
        return [s.id for s in self.services]

    def has_permission(self, name: str) -> bool:
        return name in (self.permissions or [])


class PermissionRequest(TenantScoped, db.Model):
    __tablename__ = "permission_requests"
    __table_args__ = (
        PrimaryKeyConstraint("tenant_id", "id"),
        ForeignKeyConstraint(["tenant_id", "master_id"], ["masters.tenant_id", "masters.id"], ondelete="CASCADE"),
    )

    id: Mapped[int] = tenant_row_id("permission_requests")
    master_id: Mapped[int] = mapped_column(Integer, index=True)
    permission: Mapped[str] = mapped_column(String(40))
    reason: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(12), default="pending", index=True)
    decided_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    master = relationship(
        "Master",
        primaryjoin="and_(PermissionRequest.tenant_id == Master.tenant_id, PermissionRequest.master_id == Master.id)",
        foreign_keys=[master_id],
        lazy="joined",
    )
