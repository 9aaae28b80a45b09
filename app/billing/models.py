from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    ForeignKeyConstraint,
    Integer,
    PrimaryKeyConstraint,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.core.keys import tenant_row_id
from app.core.tenancy import TenantScoped
from app.core.types import Money, UTCDateTime, utcnow
from app.extensions import db

SUBSCRIPTION_STATUSES = ("trial", "active", "past_due", "cancelled")
INVOICE_STATUSES = ("open", "paid", "failed", "void")
# What a plan limits, and the column that holds the limit (None: unlimited).
LIMITS = {"locations": "max_locations", "masters": "max_masters", "monthly_bookings": "max_monthly_bookings"}


class Plan(db.Model):
    """A platform-wide plan.  Subscriptions name it by ``code``, which never changes."""

    __tablename__ = "plans"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    price: Mapped[Decimal] = mapped_column(Money)
    currency: Mapped[str] = mapped_column(String(3), default="KZT")
    max_locations: Mapped[int | None] = mapped_column(Integer)
    max_masters: Mapped[int | None] = mapped_column(Integer)
    max_monthly_bookings: Mapped[int | None] = mapped_column(Integer)
    position: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def limit(self, kind: str) -> int | None:
        return getattr(self, LIMITS[kind])

    def __repr__(self) -> str:
        return f"<Plan {self.code}>"


class Subscription(TenantScoped, db.Model):
    """One per business: its plan, where it stands (``SUBSCRIPTION_STATUSES``) and until when.

    ``plan_code`` names a platform plan without a foreign key: plans would be a Citus
    reference table, and tests/core/test_keys.py lists the ones tenant rows may reference.
    """

    __tablename__ = "subscriptions"
    __table_args__ = (PrimaryKeyConstraint("tenant_id", "id"), UniqueConstraint("tenant_id"))

    id: Mapped[int] = tenant_row_id("subscriptions")
    plan_code: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), default="trial")
    provider: Mapped[str] = mapped_column(String(16), default="manual")
    trial_ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    trial_notice_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    current_period_end: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    def __repr__(self) -> str:
        return f"<Subscription {self.tenant_id} {self.plan_code} {self.status}>"


class Invoice(TenantScoped, db.Model):
    """A bill for one period of a plan; a provider marks it paid or failed."""

    __tablename__ = "invoices"
    __table_args__ = (
        PrimaryKeyConstraint("tenant_id", "id"),
        ForeignKeyConstraint(
            ["tenant_id", "subscription_id"], ["subscriptions.tenant_id", "subscriptions.id"], ondelete="CASCADE"
        ),
    )

    id: Mapped[int] = tenant_row_id("invoices")
    subscription_id: Mapped[int] = mapped_column(Integer, index=True)
    plan_code: Mapped[str] = mapped_column(String(32))
    amount: Mapped[Decimal] = mapped_column(Money)
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(16), default="open")
    provider: Mapped[str] = mapped_column(String(16))
    reference: Mapped[str | None] = mapped_column(String(200))
    period_start: Mapped[datetime] = mapped_column(UTCDateTime)
    period_end: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_user_id: Mapped[int | None] = mapped_column(Integer)

    def __repr__(self) -> str:
        return f"<Invoice {self.tenant_id}/{self.id} {self.status}>"
