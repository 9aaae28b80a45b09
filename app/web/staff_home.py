"""The day view every dashboard opens on: bookings of one local day, within the actor's reach."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import g, request

from app.bookings.queries import list_bookings


def day_bookings(tz: str, *, location_id: int | None = None, master_id: int | None = None):
    try:
        day = date.fromisoformat(request.args.get("date", ""))
    except ValueError:
        day = datetime.now(ZoneInfo(tz)).date()
    zone = ZoneInfo(tz)
    start = datetime.combine(day, time.min, zone)
    end = datetime.combine(day + timedelta(days=1), time.min, zone)
    items, _total = list_bookings(start_from=start, start_to=end, location_id=location_id,
                                  master_id=master_id, limit=200)
    return day, items


def tenant_tz() -> str:
    return g.tenant.timezone
