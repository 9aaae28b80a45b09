"""Schedules (weekly hours, date overrides, time off) and availability.

Every write here bumps the master's ``schedule_version`` in the same transaction (its row
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
import itertools
import re
from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.audit.services import Actor, record
from app.catalog.models import Master
from app.core import cache
from app.core.errors import Forbidden, NotFound, ValidationError
from app.core.fields import clean_or_raise
from app.core.types import utcnow
from app.core.validation import check_date, parse_instant
from app.extensions import db
from app.scheduling import queries as q
from app.scheduling import rules
from app.scheduling.availability import MasterCalendar, compute_slots, is_bookable
from app.scheduling.models import ScheduleOverride, TimeOff, WorkingHours
from app.tenants.models import Tenant

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
CACHE_TTL = 300
_BUCKET = 300  # seconds; "now" is floored to this for the cached computation
_HHMM = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
MAX_DAYS = 31


# ----------------------------------------------------------------------- authorization


def authorize_schedule(tenant: Tenant, actor: Actor, master: Master) -> None:
    """Owner: any master; manager: masters of own location; master: self with
    ``edit_own_schedule``.  Another tenant's or location's master is not found."""
    if master is None or master.tenant_id != tenant.id:
        raise NotFound()
    role = actor.role
    if role in ("owner", "system"):
        return
    if role == "manager":
        if master.location_id != actor.location_id:
            raise NotFound()
        return
    if role == "master":
        if actor.master_id != master.id:
            raise NotFound()
        if not actor.has("edit_own_schedule"):
            raise Forbidden(_l("You need the permission to edit your own schedule."))
        return
    raise Forbidden()


# ----------------------------------------------------------------------- weekly hours


def _fmt(t: time) -> str:
    return t.strftime("%H:%M")


def _parse_hhmm(value: Any) -> time | None:
    m = _HHMM.match(str(value or "").strip())
    return time(int(m.group(1)), int(m.group(2))) if m else None


def _clean_intervals(raw: Any, field: str, errors: dict[str, list]) -> list[tuple[time, time]]:
    if not isinstance(raw, list):
        errors.setdefault(field, []).append(_l("Give a list of intervals."))
        return []
    out: list[tuple[time, time]] = []
    for item in raw:
        if isinstance(item, dict):
            start, end = _parse_hhmm(item.get("start")), _parse_hhmm(item.get("end"))
        elif isinstance(item, list | tuple) and len(item) == 2:
            start, end = _parse_hhmm(item[0]), _parse_hhmm(item[1])
        else:
            start = end = None
        if start is None or end is None:
            errors.setdefault(field, []).append(_l("Use the HH:MM format, for example 09:00."))
            continue
        if not start < end:
            errors.setdefault(field, []).append(_l("The end must be later than the start."))
            continue
        out.append((start, end))
    out.sort()
    for (_s1, e1), (s2, _e2) in itertools.pairwise(out):
        if s2 < e1:
            errors.setdefault(field, []).append(_l("Intervals must not overlap."))
            break
    return out


def get_weekly(master: Master) -> dict:
    rows = db.session.scalars(
        select(WorkingHours)
        .where(WorkingHours.master_id == master.id)
        .order_by(WorkingHours.weekday, WorkingHours.start_time)
    ).all()
    weekly: dict[str, list] = {d: [] for d in DAYS}
    for r in rows:
        weekly[DAYS[r.weekday]].append({"start": _fmt(r.start_time), "end": _fmt(r.end_time)})
    return weekly


def set_weekly(tenant: Tenant, actor: Actor, master: Master, weekly: dict) -> dict:
    """Replace the master's weekly hours; missing weekdays are days off."""
    authorize_schedule(tenant, actor, master)
    if not isinstance(weekly, dict):
        raise ValidationError.field("weekly", _l("Give the hours per weekday."))
    errors: dict[str, list] = {}
    unknown = [k for k in weekly if k not in DAYS]
    for k in unknown:
        errors.setdefault(str(k), []).append(_l("Unknown weekday."))
    clean = {d: _clean_intervals(weekly.get(d) or [], d, errors) for d in DAYS}
    if errors:
        raise ValidationError(errors)
    before = get_weekly(master)
    for row in db.session.scalars(select(WorkingHours).where(WorkingHours.master_id == master.id)):
        db.session.delete(row)
    db.session.flush()
    for wd, day in enumerate(DAYS):
        for start, end in clean[day]:
            db.session.add(WorkingHours(master_id=master.id, weekday=wd, start_time=start, end_time=end))
    db.session.flush()
    q.bump_master_versions(tenant.id, [master.id])
    after = get_weekly(master)
    record(actor, "schedule.set_weekly", "master", master.id, tenant_id=tenant.id, before=before, after=after)
    return after


# ----------------------------------------------------------------------- time off, overrides


_aware = parse_instant


def add_time_off(
    tenant: Tenant, actor: Actor, master: Master, start: datetime, end: datetime, reason: str = ""
) -> TimeOff:
    authorize_schedule(tenant, actor, master)
    start, end = _aware(start, "start"), _aware(end, "end")
    if not start < end:
        raise ValidationError.field("end", _l("The end must be later than the start."))
    reason = clean_or_raise("reason", rules.TIME_OFF_REASON, reason)
    item = TimeOff(master_id=master.id, start_at=start, end_at=end, reason=reason)
    db.session.add(item)
    db.session.flush()
    q.bump_master_versions(tenant.id, [master.id])
    record(
        actor,
        "schedule.add_time_off",
        "time_off",
        item.id,
        tenant_id=tenant.id,
        after={"master_id": master.id, "start": start, "end": end, "reason": item.reason},
    )
    return item


def list_time_off(master: Master, *, upcoming_only: bool = False) -> list[TimeOff]:
    stmt = select(TimeOff).where(TimeOff.master_id == master.id).order_by(TimeOff.start_at)
    if upcoming_only:
        stmt = stmt.where(TimeOff.end_at > utcnow())
    return list(db.session.scalars(stmt))


def delete_time_off(tenant: Tenant, actor: Actor, master: Master, time_off_id: int) -> None:
    authorize_schedule(tenant, actor, master)
    item = db.session.scalar(select(TimeOff).where(TimeOff.id == time_off_id, TimeOff.master_id == master.id))
    if item is None:
        raise NotFound()
    before = {"master_id": master.id, "start": item.start_at, "end": item.end_at, "reason": item.reason}
    db.session.delete(item)
    db.session.flush()
    q.bump_master_versions(tenant.id, [master.id])
    record(actor, "schedule.delete_time_off", "time_off", time_off_id, tenant_id=tenant.id, before=before)


def _override_dict(ov: ScheduleOverride | None) -> dict | None:
    if ov is None:
        return None
    return {"date": ov.date, "intervals": [{"start": s, "end": e} for s, e in ov.intervals or []]}


def set_override(tenant: Tenant, actor: Actor, master: Master, day: date, intervals: list[dict]) -> ScheduleOverride:
    """Hours for one date instead of the weekly ones; ``[]`` makes it a day off."""
    authorize_schedule(tenant, actor, master)
    if not isinstance(day, date) or isinstance(day, datetime):
        raise ValidationError.field("date", _l("Give a date."))
    errors: dict[str, list] = {}
    clean = _clean_intervals(intervals, "intervals", errors)
    if errors:
        raise ValidationError(errors)
    ov = db.session.scalar(
        select(ScheduleOverride).where(ScheduleOverride.master_id == master.id, ScheduleOverride.date == day)
    )
    before = _override_dict(ov)
    if ov is None:
        ov = ScheduleOverride(master_id=master.id, date=day)
        db.session.add(ov)
    ov.intervals = [[_fmt(s), _fmt(e)] for s, e in clean]
    db.session.flush()
    q.bump_master_versions(tenant.id, [master.id])
    record(
        actor,
        "schedule.set_override",
        "master",
        master.id,
        tenant_id=tenant.id,
        before=before,
        after=_override_dict(ov),
    )
    return ov


def delete_override(tenant: Tenant, actor: Actor, master: Master, day: date) -> None:
    authorize_schedule(tenant, actor, master)
    ov = db.session.scalar(
        select(ScheduleOverride).where(ScheduleOverride.master_id == master.id, ScheduleOverride.date == day)
    )
    if ov is None:
        raise NotFound()
    before = _override_dict(ov)
    db.session.delete(ov)
    db.session.flush()
    q.bump_master_versions(tenant.id, [master.id])
    record(actor, "schedule.delete_override", "master", master.id, tenant_id=tenant.id, before=before)


def list_overrides(master: Master, *, date_from: date | None = None) -> list[ScheduleOverride]:
    stmt = select(ScheduleOverride).where(ScheduleOverride.master_id == master.id).order_by(ScheduleOverride.date)
    if date_from is not None:
        stmt = stmt.where(ScheduleOverride.date >= date_from)
    return list(db.session.scalars(stmt))


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
) -> dict:
    """Bookable slots of the service for ``days`` local dates from ``date_from``.

    ``{"timezone", "service_id", "slots": [{"start", "end", "master_id"}]}`` sorted by start
    then master; ``start``/``end`` are aware datetimes in the master's location zone.
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
    key = _cache_key(tenant, service_id, svc, rows, date_from, days, master_id, location_id, bucket)
    earliest = now + rules["min_notice"]
    cached = cache.get_json(key)
    if cached is None:
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
        # Slot.epoch is int(start.timestamp()), computed once per distinct start (timestamp() is slow).
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
            for start_s, mid in cached
            if start_s >= earliest_s
        ]
    result["slots"] = out
    return result
