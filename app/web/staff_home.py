"""Helpers shared by the dashboards and the booking site: who acts, which day, which free times."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import g, request
from flask_login import current_user

from app.bookings.services import list_bookings_for
from app.catalog.queries import get_master_for_user
from app.core.auth import Actor
from app.core.types import utcnow
from app.scheduling.services import get_availability

PICKER_DAYS = 14


def current_master():
    """The master profile of the signed-in master (None for owners and managers)."""
    if "current_master" not in g:
        g.current_master = (
            get_master_for_user(current_user.id)
            if current_user.is_authenticated and current_user.role == "master"
            else None
        )
    return g.current_master


def current_actor() -> Actor:
    return Actor.for_user(current_user, current_master())


def local_today(tz: str) -> date:
    return utcnow().astimezone(ZoneInfo(tz)).date()


def requested_day(tz: str, arg: str = "date") -> date:
    try:
        return date.fromisoformat(request.args.get(arg, ""))
    except ValueError:
        return local_today(tz)


def day_bounds(day: date, tz: str) -> tuple[datetime, datetime]:
    zone = ZoneInfo(tz)
    return datetime.combine(day, time.min, zone), datetime.combine(day + timedelta(days=1), time.min, zone)


def day_bookings(tenant, actor: Actor, tz: str, day: date, **filters):
    """Bookings starting on the local ``day``, as far as the actor may see them."""
    start, end = day_bounds(day, tz)
    items, _total = list_bookings_for(tenant, actor, start_from=start, start_to=end, limit=200, **filters)
    return items


def picker_days(tz: str, horizon_days: int, count: int = PICKER_DAYS, around: date | None = None) -> list[date]:
    """The day strip: ``count`` days from today, within the horizon.  A day asked for beyond
    them (``around``, within the horizon: a calendar cell weeks ahead) gets a strip that
    holds it, from a few days before it, instead of being replaced by today."""
    today = local_today(tz)
    n = max(1, min(count, horizon_days + 1))
    start = today
    if around is not None and today + timedelta(days=n) <= around <= today + timedelta(days=horizon_days):
        start = min(around - timedelta(days=3), today + timedelta(days=horizon_days - n + 1))
    return [start + timedelta(days=i) for i in range(n)]


def free_slots(
    tenant, *, service_id: int, day: date, master_id: int | None, location_id: int | None, distinct_starts: bool = False
) -> tuple[str, list]:
    """Free slots of one local day; with ``distinct_starts`` one per start time ("any master")."""
    result = get_availability(
        tenant, service_id=service_id, date_from=day, days=1, master_id=master_id, location_id=location_id
    )
    slots = list(result["slots"])
    if distinct_starts:
        seen: set = set()
        unique = []
        for s in slots:
            key = s["start"]
            if key not in seen:
                seen.add(key)
                unique.append(s)
        slots = unique
    return result["timezone"], slots


def parse_slot(value: str | None) -> tuple[datetime, int] | None:
    """A slot radio's value ``<ISO start>|<master id>``; None when it is not one."""
    try:
        start_s, master_s = (value or "").rsplit("|", 1)
        start = datetime.fromisoformat(start_s)
        master_id = int(master_s)
    except ValueError:
        return None
    if start.tzinfo is None:
        return None
    return start, master_id
