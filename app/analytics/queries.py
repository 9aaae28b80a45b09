"""Read side of analytics: per-day booking counts grouped for the roll-up."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import case, func, select

from app.bookings.models import Booking
from app.extensions import db


def booking_totals(day: date) -> list:
    """Rows (location_id, master_id, currency, bookings, completed, no_shows, cancellations, revenue)
    for bookings whose local start falls on ``day`` (in the current tenant scope)."""
    start = datetime.combine(day, time.min)
    end = start + timedelta(days=1)
    status = Booking.status
    stmt = (
        select(
            Booking.location_id,
            Booking.master_id,
            Booking.currency,
            func.count(Booking.id),
            func.sum(case((status == "completed", 1), else_=0)),
            func.sum(case((status == "no_show", 1), else_=0)),
            func.sum(case((status == "cancelled", 1), else_=0)),
            func.sum(case((status == "completed", Booking.price), else_=0)),
        )
        .where(Booking.local_start >= start, Booking.local_start < end)
        .group_by(Booking.location_id, Booking.master_id, Booking.currency)
    )
    return list(db.session.execute(stmt))


def tenant_ids_with_bookings(day_from: date, day_to: date) -> list[int]:
    start = datetime.combine(day_from, time.min)
    end = datetime.combine(day_to, time.min) + timedelta(days=1)
    return list(
        db.session.scalars(
            select(Booking.tenant_id).where(Booking.local_start >= start, Booking.local_start < end).distinct()
        )
    )
