from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from app.bookings.models import Booking
from app.extensions import db


def list_bookings(*, start_from: datetime | None = None, start_to: datetime | None = None,
                  statuses: tuple[str, ...] | None = None, location_id: int | None = None,
                  master_id: int | None = None, client_id: int | None = None,
                  limit: int = 50, offset: int = 0) -> tuple[list[Booking], int]:
    stmt = select(Booking)
    if start_from is not None:
        stmt = stmt.where(Booking.start_at >= start_from)
    if start_to is not None:
        stmt = stmt.where(Booking.start_at < start_to)
    if statuses:
        stmt = stmt.where(Booking.status.in_(statuses))
    if location_id is not None:
        stmt = stmt.where(Booking.location_id == location_id)
    if master_id is not None:
        stmt = stmt.where(Booking.master_id == master_id)
    if client_id is not None:
        stmt = stmt.where(Booking.client_id == client_id)
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    items = db.session.scalars(stmt.order_by(Booking.start_at, Booking.id).limit(limit).offset(offset))
    return list(items.unique()), int(total)
