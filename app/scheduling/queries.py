"""Bulk loaders for availability: two round trips per uncached request.

1. :func:`bookable_masters` -- the masters who can take the service (they perform it and
   their location offers it), with their location's zone, their availability version, the
   tenant's cache version and the service's duration/buffer, in one row per master.
2. :func:`calendar_rows` -- weekly hours, date overrides, time off and blocking bookings of
   those masters for the date range, as one ``UNION ALL``.

The statements are built once with bound parameters (SQLAlchemy then reuses their compiled
form), select plain columns from the mapped tables and take ``tenant_id`` explicitly (they
are Core statements, so the ORM tenant filter does not apply; the explicit ``tenant_id``
keeps them tenant-safe and on the ``(tenant_id, master_id, ...)`` indexes).  Bookings are
bounded on ``start_at`` from both sides (a booking cannot be longer than
:data:`MAX_BLOCK`), so the index range scanned does not grow with past history.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from functools import cache
from typing import NamedTuple

from sqlalchemy import (
    ARRAY,
    JSON,
    Date,
    Integer,
    Time,
    and_,
    any_,
    bindparam,
    cast,
    literal_column,
    null,
    or_,
    select,
    union_all,
    update,
)

from app.bookings.models import BLOCKING_STATUSES, Booking
from app.catalog.models import Master, MasterService, Service, ServiceLocation
from app.core import cache as kv
from app.core import prepared
from app.core.types import UTCDateTime
from app.extensions import db
from app.scheduling.models import ScheduleOverride, TimeOff, WorkingHours
from app.tenants.models import Location, Tenant

# The longest possible blocked interval of one booking: 720 min service + 240 min buffer.
MAX_BLOCK = timedelta(minutes=720 + 240)

_S = Service.__table__.c
_M = Master.__table__.c
_L = Location.__table__.c
_MS = MasterService.__table__.c
_SL = ServiceLocation.__table__.c
_WH = WorkingHours.__table__.c
_OV = ScheduleOverride.__table__.c
_TO = TimeOff.__table__.c
_B = Booking.__table__.c
_T = Tenant.__table__.c

KIND_HOURS, KIND_OVERRIDE, KIND_TIME_OFF, KIND_BUSY = 0, 1, 2, 3
# The names of the PostgreSQL prepared statements (a new name when a statement changes).
MASTERS_PREPARED, CALENDAR_PREPARED = "jazyl_avail_masters_v2", "jazyl_avail_calendar_v3"
BUMP_PREPARED = "jazyl_bump_masters_v1"


def service_row(tenant_id: int, service_id: int):
    stmt = _service_stmt()
    return db.session.execute(stmt, {"tenant_id": tenant_id, "service_id": service_id}).first()


@cache
def _service_stmt():
    return select(_S.id, _S.duration_minutes, _S.buffer_minutes, _S.active).where(
        _S.tenant_id == bindparam("tenant_id"), _S.id == bindparam("service_id")
    )


def takes_service(tenant_id, master_id, location_id, service_id) -> tuple:
    """The rule of who can take a service, as SQL conditions: the master performs it and the
    master's location offers it (the arguments are columns or parameters)."""
    # Correlated to the enclosing statements at any depth (auto-correlation looks one level up).
    performs = select(_MS.master_id).where(
        _MS.tenant_id == tenant_id, _MS.master_id == master_id, _MS.service_id == service_id
    )
    offered = select(_SL.service_id).where(
        _SL.tenant_id == tenant_id, _SL.service_id == service_id, _SL.location_id == location_id
    )
    return (
        performs.correlate_except(MasterService.__table__).exists(),
        offered.correlate_except(ServiceLocation.__table__).exists(),
    )


@cache
def _masters_stmt(include_inactive: bool):
    tid, sid = bindparam("tenant_id", type_=Integer), bindparam("service_id", type_=Integer)
    mid, lid = bindparam("master_id", type_=Integer), bindparam("location_id", type_=Integer)
    stmt = (
        select(_M.id, _M.schedule_version, _M.location_id, _L.timezone, _S.duration_minutes, _S.buffer_minutes)
        .select_from(Master.__table__)
        .join(Location.__table__, and_(_L.tenant_id == _M.tenant_id, _L.id == _M.location_id))
        .join(Service.__table__, and_(_S.tenant_id == _M.tenant_id, _S.id == sid))
        .where(
            _M.tenant_id == tid,
            # One statement for every call (a prepared one on PostgreSQL): a filter left out is NULL.
            or_(cast(mid, Integer).is_(None), _M.id == mid),
            or_(cast(lid, Integer).is_(None), _M.location_id == lid),
            *takes_service(tid, _M.id, _M.location_id, sid),
        )
        .order_by(_M.id)
    )
    if not include_inactive:
        stmt = stmt.where(_M.active.is_(True), _L.active.is_(True), _S.active.is_(True))
    return stmt


def bookable_masters(
    tenant_id: int,
    service_id: int,
    *,
    master_id: int | None = None,
    location_id: int | None = None,
    include_inactive: bool = False,
) -> list:
    """Rows (id, schedule_version, location_id, timezone, duration_minutes, buffer_minutes) of
    the masters who can take the (active) service."""
    if any(i is not None and not 0 < int(i) <= prepared.MAX_ID for i in (service_id, master_id, location_id)):
        return []  # ids are 32-bit columns: a larger one names nothing (and would not fit the statement)
    params = {"tenant_id": tenant_id, "service_id": service_id, "master_id": master_id, "location_id": location_id}
    if not include_inactive and prepared.is_postgres():
        return prepared.rows(MASTERS_PREPARED, _masters_stmt(False), params)
    return list(db.session.execute(_masters_stmt(include_inactive), params))


@cache
def calendar_statement(postgres: bool):
    """The calendar rows' ``UNION ALL`` (on PostgreSQL the master ids are one array parameter)."""
    tid = bindparam("tenant_id", type_=Integer)
    # The one fragment per database: a prepared statement takes the ids as one array parameter.
    ids = bindparam("master_ids", type_=ARRAY(Integer)) if postgres else bindparam("master_ids", expanding=True)

    def of_masters(col):
        return col == any_(ids) if postgres else col.in_(ids)

    start, end = bindparam("range_start", type_=UTCDateTime), bindparam("range_end", type_=UTCDateTime)
    # Typed NULLs: PostgreSQL resolves UNION column types pairwise, and NULL UNION NULL is text.
    no_time, no_date = cast(null(), Time), cast(null(), Date)
    no_json, no_ts, no_int = cast(null(), JSON), cast(null(), UTCDateTime), cast(null(), Integer)

    def kind(value: int):
        return literal_column(str(int(value)), Integer)

    hours = select(
        kind(KIND_HOURS).label("kind"),
        _WH.master_id.label("master_id"),
        cast(_WH.weekday, Integer).label("weekday"),
        _WH.start_time.label("t1"),
        _WH.end_time.label("t2"),
        no_date.label("day"),
        no_json.label("intervals"),
        no_ts.label("s"),
        no_ts.label("e"),
    ).where(_WH.tenant_id == tid, of_masters(_WH.master_id))
    overrides = select(
        kind(KIND_OVERRIDE), _OV.master_id, no_int, no_time, no_time, _OV.date, _OV.intervals, no_ts, no_ts
    ).where(
        _OV.tenant_id == tid,
        of_masters(_OV.master_id),
        _OV.date >= bindparam("day_from", type_=Date),
        _OV.date <= bindparam("day_to", type_=Date),
    )
    off = select(
        kind(KIND_TIME_OFF), _TO.master_id, no_int, no_time, no_time, no_date, no_json, _TO.start_at, _TO.end_at
    ).where(_TO.tenant_id == tid, of_masters(_TO.master_id), _TO.start_at < end, _TO.end_at > start)
    busy = select(
        kind(KIND_BUSY), _B.master_id, no_int, no_time, no_time, no_date, no_json, _B.start_at, _B.block_end_at
    ).where(
        _B.tenant_id == tid,
        of_masters(_B.master_id),
        _B.start_at >= bindparam("busy_floor", type_=UTCDateTime),
        _B.start_at < end,
        _B.block_end_at > start,
        # Constants, so part of the plan.  On ``status || ''`` so that no index on the status can
        # serve it: a generic plan, which cannot know how few ids the master array holds, would
        # otherwise prefer ix_bookings_status_start (every tenant's bookings of the window) to
        # the master's own ix_bookings_master_time.
        (_B.status + literal_column("''")).in_([literal_column(f"'{s}'") for s in BLOCKING_STATUSES]),
        _B.id != bindparam("exclude_id", type_=Integer),
    )
    return union_all(hours, overrides, off, busy)


def calendar_rows(
    tenant_id: int,
    master_ids: Iterable[int],
    day_from: date,
    day_to: date,
    range_start: datetime,
    range_end: datetime,
    exclude_booking_id: int | None = None,
) -> list:
    """One round trip: rows (kind, master_id, weekday, t1, t2, day, intervals, s, e) where
    kind 0 = weekly hours, 1 = date override, 2 = time off, 3 = blocking booking."""
    params = {
        "tenant_id": tenant_id,
        "master_ids": list(master_ids),
        "day_from": day_from,
        "day_to": day_to,
        "range_start": range_start,
        "range_end": range_end,
        "busy_floor": range_start - MAX_BLOCK,
        "exclude_id": exclude_booking_id or 0,
    }
    if prepared.is_postgres():
        return prepared.rows(CALENDAR_PREPARED, calendar_statement(True), params)
    return list(db.session.execute(calendar_statement(False), params))


# ---------------------------------------------------------------- PostgreSQL prepared statements
#
# The availability queries are small and fast to execute (~0.1 ms) but a join of five
# tables costs more to *plan* than to run: on PostgreSQL they run as prepared statements
# (app.core.prepared, which says how and why generic plans).


def bump_master_versions(tenant_id: int, master_ids: Iterable[int]) -> None:
    """Invalidate cached availability of these masters (same transaction as the write).

    On PostgreSQL the row lock this takes also serializes writers of one master until
    commit; on SQLite the first write of the transaction takes the database write lock.
    """
    ids = sorted({int(m) for m in master_ids})
    if ids:
        kv.bump_schedules(tenant_id, ids)  # and the Redis versions, after commit
        params = {"bump_tenant_id": tenant_id, "bump_master_ids": ids}
        prepared.rows(BUMP_PREPARED, _bump_statement(prepared.is_postgres()), params)


@cache
def _bump_statement(postgres: bool):
    """Built once (bound parameters ``bump_tenant_id``, ``bump_master_ids``; on PostgreSQL
    the ids are one array parameter of a prepared statement)."""
    ids = (
        bindparam("bump_master_ids", type_=ARRAY(Integer)) if postgres else bindparam("bump_master_ids", expanding=True)
    )
    return (
        update(Master.__table__)
        .where(
            _M.tenant_id == bindparam("bump_tenant_id", type_=Integer),
            _M.id == any_(ids) if postgres else _M.id.in_(ids),
        )
        .values(schedule_version=_M.schedule_version + 1)
    )


def bump_tenant_version(tenant_id: int) -> None:
    kv.bump_site(tenant_id)  # and the Redis site version, after commit
    db.session.execute(update(Tenant.__table__).where(_T.id == tenant_id).values(cache_version=_T.cache_version + 1))


# ---------------------------------------------------------------- cached look-ups (no SQL on a hit)


class MasterRow(NamedTuple):
    """One row of :func:`bookable_masters`; from the cache, ``schedule_version`` is the
    master's schedule version token in Redis instead of the column."""

    id: int
    schedule_version: int | str
    location_id: int
    timezone: str
    duration_minutes: int
    buffer_minutes: int


def schedules_params(service_id: int, master_id: int | None, location_id: int | None) -> str:
    """The part of the ``jz:schedules`` cache key that names the question (see below)."""
    return f"{int(service_id)}:{master_id or '-'}:{location_id or '-'}"


def cached_bookable_masters(
    tenant_id: int, service_id: int, *, master_id: int | None = None, location_id: int | None = None
) -> tuple[list[MasterRow], bool] | None:
    """``(rows, service_exists)`` from Redis, or ``None`` when Redis does not answer.

    Which masters take the service (and their zone, the service's length) is cached under
    the tenant's site version; each master's version comes from the schedule versions that
    every schedule and booking write bumps after commit (``app.core.cache``).  So a warm
    availability request builds its cache key without touching the database.
    """
    memo = kv.request_memo()  # the ETag and the view ask the same question in one request
    memo_key = ("bookable_masters", int(tenant_id), int(service_id), master_id, location_id)
    if memo is not None and memo_key in memo:
        return memo[memo_key]
    version = kv.site_version(tenant_id)
    if version is None:
        return None

    def load() -> dict:
        rows = bookable_masters(tenant_id, service_id, master_id=master_id, location_id=location_id)
        exists = bool(rows)
        if not rows:
            svc = service_row(tenant_id, service_id)
            exists = svc is not None and bool(svc.active)
        return {
            "rows": [[r.id, r.location_id, r.timezone, r.duration_minutes, r.buffer_minutes] for r in rows],
            "service": exists,
        }

    params = schedules_params(service_id, master_id, location_id)
    # Warm: the list and its masters' versions in one round trip; else step by step.
    found = kv.rows_with_schedule_versions(tenant_id, f"jz:schedules:{int(tenant_id)}:{version}:{params}")
    if found is not None:
        entry, versions = found
    else:
        entry = kv.remember(tenant_id, "schedules", params, load)
        versions = kv.schedule_versions(tenant_id, [r[0] for r in entry["rows"]])
    if versions is None:
        return None
    pairs = zip(entry["rows"], versions, strict=True)
    rows = [MasterRow(m, v, loc, tz, dur, buf) for (m, loc, tz, dur, buf), v in pairs]
    if memo is not None:
        memo[memo_key] = (rows, bool(entry["service"]))
    return rows, bool(entry["service"])


def masters_for_service(
    tenant_id: int, service_id: int, *, master_id: int | None = None, location_id: int | None = None
) -> tuple[list, bool]:
    """``(rows, service_exists)`` for availability and free days: from Redis when it answers
    (:func:`cached_bookable_masters`, no SQL), else :func:`bookable_masters` and, when nobody
    takes the service, :func:`service_row` (rows then carry the ``schedule_version`` column)."""
    known = cached_bookable_masters(tenant_id, service_id, master_id=master_id, location_id=location_id)
    if known is not None:
        return known
    rows = bookable_masters(tenant_id, service_id, master_id=master_id, location_id=location_id)
    if rows:
        return rows, True
    svc = service_row(tenant_id, service_id)
    return rows, svc is not None and bool(svc.active)
