from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    ForeignKeyConstraint,
    Index,
    Integer,
    PrimaryKeyConstraint,
    SmallInteger,
    String,
    Time,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.core.keys import tenant_row_id
from app.core.tenancy import TenantScoped
from app.core.types import UTCDateTime, utcnow
from app.extensions import db


def _master_fk() -> ForeignKeyConstraint:
    return ForeignKeyConstraint(["tenant_id", "master_id"], ["masters.tenant_id", "masters.id"], ondelete="CASCADE")


class WorkingHours(TenantScoped, db.Model):
    """One local wall-clock interval on a weekday (0 = Monday); gaps between them are breaks."""

    __tablename__ = "working_hours"
    __table_args__ = (
        PrimaryKeyConstraint("tenant_id", "id"),
        _master_fk(),
        CheckConstraint("weekday BETWEEN 0 AND 6", name="weekday_range"),
        CheckConstraint("start_time < end_time", name="start_before_end"),
        Index("ix_working_hours_master_weekday", "tenant_id", "master_id", "weekday"),
    )

    id: Mapped[int] = tenant_row_id("working_hours")
    master_id: Mapped[int] = mapped_column(Integer)
    weekday: Mapped[int] = mapped_column(SmallInteger)
    start_time: Mapped[time] = mapped_column(Time)
    end_time: Mapped[time] = mapped_column(Time)


class ScheduleOverride(TenantScoped, db.Model):
    """Hours for one date replacing the weekly ones; an empty list is a day off."""

    __tablename__ = "schedule_overrides"
    __table_args__ = (
        PrimaryKeyConstraint("tenant_id", "id"),
        _master_fk(),
        UniqueConstraint("tenant_id", "master_id", "date"),
    )

    id: Mapped[int] = tenant_row_id("schedule_overrides")
    master_id: Mapped[int] = mapped_column(Integer)
    date: Mapped[date] = mapped_column(Date)
    intervals: Mapped[list] = mapped_column(JSON, default=list)  # [["10:00", "14:00"], ...]
    note: Mapped[str] = mapped_column(String(200), default="")


class TimeOff(TenantScoped, db.Model):
    __tablename__ = "time_off"
    __table_args__ = (
        PrimaryKeyConstraint("tenant_id", "id"),
        _master_fk(),
        CheckConstraint("start_at < end_at", name="start_before_end"),
        Index("ix_time_off_master_range", "tenant_id", "master_id", "start_at", "end_at"),
    )

    id: Mapped[int] = tenant_row_id("time_off")
    master_id: Mapped[int] = mapped_column(Integer)
    start_at: Mapped[datetime] = mapped_column(UTCDateTime)
    end_at: Mapped[datetime] = mapped_column(UTCDateTime)
    reason: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
