"""Read side of the roll-up: per-day booking counts and minutes, the masters who worked."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import case, func, select

from app.analytics.models import DailyServiceStat, DailyStat
from app.bookings.models import Booking
from app.catalog.models import Master
from app.extensions import db
from app.notifications.models import Notification
from app.tenants.models import Location, Tenant


def _day_totals(day: date, key) -> list:
    """Rows (location_id, ``key``, currency, bookings, completed, no_shows, cancellations,
    revenue, booked_minutes) for bookings whose local start falls on ``day`` (in the current
    tenant scope), one row per location, ``key`` and currency."""
    start = datetime.combine(day, time.min)
    end = start + timedelta(days=1)
    status = Booking.status
    stmt = (
        select(
            Booking.location_id,
            key,
            Booking.currency,
            func.count(Booking.id),
            func.sum(case((status == "completed", 1), else_=0)),
            func.sum(case((status == "no_show", 1), else_=0)),
            func.sum(case((status == "cancelled", 1), else_=0)),
            func.sum(case((status == "completed", Booking.price), else_=0)),
            func.sum(case((status != "cancelled", Booking.duration_minutes), else_=0)),
        )
        .where(Booking.local_start >= start, Booking.local_start < end)
        .group_by(Booking.location_id, key, Booking.currency)
    )
    return list(db.session.execute(stmt))


def booking_totals(day: date) -> list:
    """The day's totals per location and master (see :func:`_day_totals`)."""
    return _day_totals(day, Booking.master_id)


def service_totals(day: date) -> list:
    """The day's totals per location and service (see :func:`_day_totals`)."""
    return _day_totals(day, Booking.service_id)


def masters_with_zones() -> list[tuple[int, int, str]]:
    """(master id, location id, location time zone) of the active masters (current tenant scope)."""
    stmt = select(Master.id, Master.location_id, Location.timezone).join(
        Location, (Location.tenant_id == Master.tenant_id) & (Location.id == Master.location_id)
    )
    return [tuple(r) for r in db.session.execute(stmt.where(Master.active.is_(True)))]


def tenant_ids_with_bookings(day_from: date, day_to: date) -> list[int]:
    start = datetime.combine(day_from, time.min)
    end = datetime.combine(day_to, time.min) + timedelta(days=1)
    return list(
        db.session.scalars(
            select(Booking.tenant_id).where(Booking.local_start >= start, Booking.local_start < end).distinct()
        )
    )


# ---------------------------------------------------------------- the analytics pages


def stat_rows(first: date, last: date, *, location_id: int | None = None) -> list:
    """``DailyStat`` rows of [first, last] (current tenant scope); only ``location_id``'s
    rows when given (its per-location and per-master rows)."""
    stmt = select(DailyStat).where(DailyStat.date >= first, DailyStat.date <= last)
    if location_id is not None:
        stmt = stmt.where(DailyStat.location_id == location_id)
    return list(db.session.scalars(stmt))


def service_rows(first: date, last: date, *, location_id: int | None = None) -> list:
    """``DailyServiceStat`` rows of [first, last] for one location, or the totals (location 0)."""
    stmt = select(DailyServiceStat).where(
        DailyServiceStat.date >= first,
        DailyServiceStat.date <= last,
        DailyServiceStat.location_id == (location_id or 0),
    )
    return list(db.session.scalars(stmt))


def platform_total_rows(first: date, last: date) -> list:
    """(date, bookings, completed, no_shows, cancellations) summed over every tenant's total row.
    Platform read: the caller runs it unscoped."""
    stmt = (
        select(
            DailyStat.date,
            func.sum(DailyStat.bookings),
            func.sum(DailyStat.completed),
            func.sum(DailyStat.no_shows),
            func.sum(DailyStat.cancellations),
        )
        .where(DailyStat.date >= first, DailyStat.date <= last, DailyStat.location_id == 0, DailyStat.master_id == 0)
        .group_by(DailyStat.date)
    )
    return list(db.session.execute(stmt))


def tenants_by_status() -> dict[str, int]:
    return dict(db.session.execute(select(Tenant.status, func.count(Tenant.id)).group_by(Tenant.status)).all())


def tenant_registrations(since: datetime) -> list[datetime]:
    return list(db.session.scalars(select(Tenant.created_at).where(Tenant.created_at >= since)))


def _utc_day(column):
    """The UTC calendar date of a timestamp column, on PostgreSQL and SQLite alike."""
    if db.session.get_bind().dialect.name == "postgresql":
        return func.date(func.timezone("UTC", column))
    return func.date(column)


def notification_counts(since: datetime) -> list[tuple]:
    """(UTC date, status, count) of messages sent (by ``sent_at``) or failed (by when they
    failed) since ``since``, platform-wide: the caller runs it unscoped."""
    out = []
    for status, column in (("sent", Notification.sent_at), ("failed", Notification.updated_at)):
        day = _utc_day(column)
        stmt = (
            select(day, func.count(Notification.id)).where(Notification.status == status, column >= since).group_by(day)
        )
        out.extend(
            (d if isinstance(d, date) else date.fromisoformat(str(d)[:10]), status, n)
            for d, n in db.session.execute(stmt)
        )
    return out
