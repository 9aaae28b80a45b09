"""Availability: the free start times of masters, and whether one start can be booked.

Schedules (weekly hours, date overrides, time off) are edited in :mod:`app.scheduling.schedules`.
Every schedule write bumps the master's ``schedule_version`` in the same transaction (its row
lock serializes writers of one master) and, after commit, the master's schedule version in
Redis (``app.core.cache``).  The availability cache key contains those Redis versions (and
the tenant's ``cache_version``, the service's duration/buffer and the tenant's slot
settings), so a warm request builds its key without SQL and a cached answer does not
outlive the data it was computed from; when Redis is down the database versions are read
and nothing is cached, so an outage only costs speed.

Availability loads everything for the requested masters and dates in a fixed number of
queries (service, masters, hours, overrides, time off, bookings) and hands it to the pure
functions of :mod:`app.scheduling.availability`.  The booking service asks
:func:`is_start_bookable`, which goes through the same loader and the same generator.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l

from app.core import cache
from app.core.errors import NotFound, ValidationError
from app.core.types import utcnow
from app.core.validation import check_date
from app.scheduling import queries as q
from app.scheduling.availability import MasterCalendar, compute_slots, is_bookable
from app.tenants.models import Tenant

CACHE_TTL = 300
_BUCKET = 300  # seconds; "now" is floored to this for the cached computation
MAX_DAYS = 31


# ----------------------------------------------------------------------- availability


def _t(value: Any) -> time:
    if isinstance(value, time):
        return value
    return time.fromisoformat(str(value))


def _d(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def load_calendars(
    tenant_id: int, masters: list[tuple[int, str]], day_from: date, days: int, exclude_booking_id: int | None = None
) -> list[MasterCalendar]:
    """Calendars of ``masters`` ((id, timezone) pairs) for local dates [day_from, day_from+days),
    with one day of margin on both sides: one query whatever the number of masters."""
    ids = [m for m, _ in masters]
    first, last = day_from - timedelta(days=1), day_from + timedelta(days=days)
    range_start = datetime.combine(first, time(0), UTC)
    range_end = datetime.combine(last + timedelta(days=1), time(0), UTC)
    weekly: dict[int, dict[int, list]] = defaultdict(lambda: defaultdict(list))
    overrides: dict[int, dict[date, tuple]] = defaultdict(dict)
    off: dict[int, list] = defaultdict(list)
    busy: dict[int, list] = defaultdict(list)
    for kind, mid, weekday, t1, t2, day, intervals, s, e in q.calendar_rows(
        tenant_id, ids, first, last, range_start, range_end, exclude_booking_id
    ):
        if kind == q.KIND_HOURS:
            weekly[mid][weekday].append((_t(t1), _t(t2)))
        elif kind == q.KIND_OVERRIDE:
            overrides[mid][_d(day)] = tuple((_t(a), _t(b)) for a, b in intervals or [])
        elif kind == q.KIND_TIME_OFF:
            off[mid].append((s, e))
        else:
            busy[mid].append((s, e))
    return [
        MasterCalendar(
            master_id=mid,
            timezone=tz,
            weekly={wd: tuple(sorted(v)) for wd, v in weekly[mid].items()},
            overrides=overrides.get(mid, {}),
            time_off=tuple(off.get(mid, ())),
            busy=tuple(busy.get(mid, ())),
        )
        for mid, tz in masters
    ]


def masters_and_zone(
    tenant: Tenant, service_id: Any, *, master_id: int | None = None, location_id: int | None = None
) -> tuple[int, list, str]:
    """(service id, the masters offering it, the zone their times are shown in) for an
    availability question; an unknown service is :class:`NotFound`.  From Redis when it
    answers (app.core.cache): no SQL until the slots themselves miss."""
    try:
        service_id = int(service_id)
    except (TypeError, ValueError):
        raise NotFound() from None
    rows, service_exists = q.masters_for_service(tenant.id, service_id, master_id=master_id, location_id=location_id)
    if not service_exists:
        raise NotFound()
    zones = {r.timezone for r in rows}
    return service_id, rows, zones.pop() if len(zones) == 1 else tenant.timezone


def _rules(tenant: Tenant) -> dict:
    return {
        "step_minutes": int(tenant.slot_step_minutes or 15),
        "min_notice": timedelta(minutes=int(tenant.min_notice_minutes or 0)),
        "horizon_days": int(tenant.horizon_days or 0),
    }


def is_start_bookable(
    tenant: Tenant,
    *,
    master_id: int,
    timezone: str,
    duration_minutes: int,
    buffer_minutes: int,
    start: datetime,
    exclude_booking_id: int | None = None,
) -> bool:
    """Whether ``start`` is a slot availability would offer right now (reads fresh data, no cache)."""
    day = start.astimezone(ZoneInfo(timezone)).date()
    [cal] = load_calendars(tenant.id, [(master_id, timezone)], day, 1, exclude_booking_id)
    return is_bookable(
        cal,
        start,
        duration=timedelta(minutes=duration_minutes),
        buffer=timedelta(minutes=buffer_minutes),
        now=utcnow(),
        **_rules(tenant),
    )


def _cache_key(
    tenant: Tenant,
    service_id: int,
    svc: Any,
    rows: list,
    date_from: date,
    days: int,
    master_id: int | None,
    location_id: int | None,
    bucket: int,
) -> str:
    versions = ",".join(f"{r.id}:{r.schedule_version}:{r.location_id}:{r.timezone}" for r in rows)
    digest = hashlib.sha1(versions.encode(), usedforsecurity=False).hexdigest()[:16]
    rules = _rules(tenant)
    return (
        f"avail:{tenant.id}:{tenant.cache_version}:{service_id}:{svc.duration_minutes}:{svc.buffer_minutes}:"
        f"{rules['step_minutes']}:{tenant.min_notice_minutes}:{rules['horizon_days']}:"
        f"{date_from.isoformat()}:{days}:{master_id or '-'}:{location_id or '-'}:{bucket}:{digest}"
    )


def get_availability(
    tenant: Tenant,
    *,
    service_id: int,
    date_from: date,
    days: int = 1,
    master_id: int | None = None,
    location_id: int | None = None,
    cached: bool = True,
) -> dict:
    """Bookable slots of the service for ``days`` local dates from ``date_from``.

    ``{"timezone", "service_id", "slots": [{"start", "end", "master_id"}]}`` sorted by start
    then master; ``start``/``end`` are aware datetimes in the master's location zone.

    The slots are kept in Redis for :data:`CACHE_TTL` under a key of their versions and a
    5-minute bucket of "now" (a look-up on every call, a write on a miss).  ``cached=False``
    neither reads nor writes them, for a caller that keeps its whole answer itself (the
    public API, ``@http_cache``): it misses on questions not asked before, where these
    slots miss too, and once a minute on a repeated one, which then runs the one statement
    of :func:`load_calendars` instead of two round trips to Redis on every miss.  The answer
    is the same either way.
    """
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= MAX_DAYS:
        raise ValidationError.field("days", _l("Choose from 1 to %(max)s days.", max=MAX_DAYS))
    if not isinstance(date_from, date) or isinstance(date_from, datetime):
        raise ValidationError.field("date", _l("Give a date."))
    check_date(date_from, "date")
    check_date(date_from + timedelta(days=days), "date")
    service_id, rows, tz_name = masters_and_zone(tenant, service_id, master_id=master_id, location_id=location_id)
    result: dict[str, Any] = {"timezone": tz_name, "service_id": service_id, "slots": []}
    if not rows:
        return result
    svc = rows[0]

    now = utcnow()
    rules = _rules(tenant)
    now_s = int(now.timestamp())
    bucket = now_s - now_s % _BUCKET
    key = _cache_key(tenant, service_id, svc, rows, date_from, days, master_id, location_id, bucket) if cached else None
    earliest = now + rules["min_notice"]
    found = cache.get_json(key) if key else None
    if found is None:
        calendars = load_calendars(tenant.id, [(r.id, r.timezone) for r in rows], date_from, days)
        slots = compute_slots(
            calendars,
            day_from=date_from,
            days=days,
            duration=timedelta(minutes=svc.duration_minutes),
            buffer=timedelta(minutes=svc.buffer_minutes),
            now=datetime.fromtimestamp(bucket, UTC),
            **rules,
        )
        if key:  # Slot.epoch is int(start.timestamp()), computed once per distinct start (timestamp() is slow).
            cache.set_json(key, [[s.epoch, s.master_id] for s in slots], CACHE_TTL)
        # Slots are sorted by instant and computed from the bucket's start, so only a short
        # prefix can lie before ``earliest``.
        skip = 0
        while skip < len(slots) and slots[skip].start < earliest:
            skip += 1
        out = [{"start": s.start, "end": s.end, "master_id": s.master_id} for s in slots[skip:]]
    else:
        earliest_s = earliest.timestamp()
        zone_of = {r.id: ZoneInfo(r.timezone) for r in rows}
        duration_s = svc.duration_minutes * 60
        out = [
            {
                "start": datetime.fromtimestamp(start_s, zone_of[mid]),
                "end": datetime.fromtimestamp(start_s + duration_s, zone_of[mid]),
                "master_id": mid,
            }
            for start_s, mid in found
            if start_s >= earliest_s
        ]
    result["slots"] = out
    return result
