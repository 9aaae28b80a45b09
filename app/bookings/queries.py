from __future__ import annotations

from datetime import datetime
from functools import cache

from sqlalchemy import bindparam, func, select, text, true, update
from sqlalchemy.orm import lazyload

from app.bookings.models import BLOCKING_STATUSES, Booking
from app.catalog.models import Master, Service
from app.core.types import utcnow
from app.extensions import db
from app.scheduling.queries import takes_service
from app.tenants.models import Location


def list_bookings(
    *,
    start_from: datetime | None = None,
    start_to: datetime | None = None,
    statuses: tuple[str, ...] | None = None,
    location_id: int | None = None,
    master_id: int | None = None,
    client_id: int | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[Booking], int]:
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


# ------------------------------------------------------------------ locks and compare-and-swap


def lock_master(tenant_id: int, master_id: int) -> None:
    """Serialize booking writers of one master until the transaction ends (PostgreSQL).

    Only an optimisation: the exclusion constraint is the guarantee.  Waiting here means the
    loser of a race sees the winner's committed booking in its availability check and answers
    ``slot_unavailable`` without attempting the insert.  SQLite serializes every writer with
    ``BEGIN IMMEDIATE`` already.
    """
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SELECT pg_advisory_xact_lock(:t, :m)"), {"t": int(tenant_id), "m": int(master_id)})


def change_status(tenant_id: int, booking_id: int, expected: str, new: str, **values) -> bool:
    """``UPDATE ... SET status=:new WHERE id=:id AND status=:expected``; False if it lost the race."""
    stmt = (
        update(Booking.__table__)
        .where(
            Booking.__table__.c.tenant_id == tenant_id,
            Booking.__table__.c.id == booking_id,
            Booking.__table__.c.status == expected,
        )
        .values(status=new, version=Booking.__table__.c.version + 1, updated_at=utcnow(), **values)
    )
    return db.session.execute(stmt).rowcount == 1


def update_if_version(tenant_id: int, booking_id: int, version: int, statuses: tuple[str, ...], **values) -> bool:
    """Optimistic update of an active booking: only if nobody changed it since we read it."""
    c = Booking.__table__.c
    stmt = (
        update(Booking.__table__)
        .where(c.tenant_id == tenant_id, c.id == booking_id, c.version == version, c.status.in_(statuses))
        .values(version=c.version + 1, updated_at=utcnow(), **values)
    )
    return db.session.execute(stmt).rowcount == 1


def future_active_bookings(master_id: int, after: datetime, statuses: tuple[str, ...]) -> list[Booking]:
    stmt = (
        select(Booking)
        .where(Booking.master_id == master_id, Booking.start_at >= after, Booking.status.in_(statuses))
        .order_by(Booking.start_at)
    )
    return list(db.session.scalars(stmt).unique())


def future_bookings_all_tenants(after: datetime, statuses: tuple[str, ...], tenant_id: int | None = None) -> list:
    """Rows (id, tenant_id, master_id, start_at, end_at, block_end_at, local_start, timezone) of
    future active bookings; platform-wide unless ``tenant_id`` is given (used by rederive-times)."""
    c = Booking.__table__.c
    stmt = (
        select(
            c.id,
            c.tenant_id,
            c.master_id,
            c.start_at,
            c.end_at,
            c.block_end_at,
            c.local_start,
            c.timezone,
            c.duration_minutes,
            c.buffer_minutes,
        )
        .where(c.block_end_at > after, c.status.in_(statuses))
        .order_by(c.tenant_id, c.master_id, c.start_at)
    )
    if tenant_id is not None:
        stmt = stmt.where(c.tenant_id == tenant_id)
    return list(db.session.execute(stmt))


def set_instants(tenant_id: int, booking_id: int, start_at: datetime, end_at: datetime, block_end_at: datetime) -> None:
    c = Booking.__table__.c
    db.session.execute(
        update(Booking.__table__)
        .where(c.tenant_id == tenant_id, c.id == booking_id)
        .values(start_at=start_at, end_at=end_at, block_end_at=block_end_at, version=c.version + 1, updated_at=utcnow())
    )


def overlapping_blocking(master_id: int, start: datetime, block_end: datetime, *, exclude_id: int) -> bool:
    """Whether another blocking booking of the master overlaps ``[start, block_end)``."""
    stmt = select(Booking.id).where(
        Booking.master_id == master_id,
        Booking.id != exclude_id,
        Booking.status.in_(BLOCKING_STATUSES),
        Booking.start_at < block_end,
        Booking.block_end_at > start,
    )
    return db.session.scalar(stmt.limit(1)) is not None


def client_history(
    client_id: int, *, location_id: int | None = None, master_id: int | None = None, limit: int = 5
) -> tuple[dict[str, int], list[Booking]]:
    """A client's booking counts per status and latest bookings, optionally limited to a
    location or a master (what a manager or a master may see)."""
    stmt = select(Booking.status, func.count()).where(Booking.client_id == client_id)
    recent = select(Booking).where(Booking.client_id == client_id)
    if location_id is not None:
        stmt = stmt.where(Booking.location_id == location_id)
        recent = recent.where(Booking.location_id == location_id)
    if master_id is not None:
        stmt = stmt.where(Booking.master_id == master_id)
        recent = recent.where(Booking.master_id == master_id)
    counts = {status: int(n) for status, n in db.session.execute(stmt.group_by(Booking.status))}
    items = db.session.scalars(recent.order_by(Booking.start_at.desc(), Booking.id.desc()).limit(limit))
    return counts, list(items.unique())


def service_master_zone(service_id: int, master_id: int, joined: tuple | None = None):
    """``(Service, Master, zone)`` in one statement: the zone of the master's location if the
    location is active and the master takes the service there
    (``scheduling.queries.takes_service``), else ``None`` in its place; no row when the
    two do not exist in one tenant.

    ``joined``: ``(derived table, its parameters)``, a table of at most one row whose columns
    follow (``LEFT JOIN ... ON true``: ``None`` when it has no row), e.g. the plan's headroom
    (``billing.services.monthly_headroom``), so the caller reads it in the same round trip."""
    table, params = joined if joined is not None else (None, {})
    return db.session.execute(
        _service_master_zone_stmt(table), {"smz_service_id": service_id, "smz_master_id": master_id, **params}
    ).first()


@cache
def _service_master_zone_stmt(joined):
    """Built once per joined table (bound parameters ``smz_service_id``, ``smz_master_id``)."""
    zone = (
        select(Location.timezone)
        .where(
            Location.tenant_id == Master.tenant_id,
            Location.id == Master.location_id,
            Location.active.is_(True),
            *takes_service(Master.tenant_id, Master.id, Master.location_id, Service.id),
        )
        .correlate(Master, Service)
        .scalar_subquery()
    )
    stmt = select(Service, Master, zone)
    if joined is not None:
        stmt = stmt.add_columns(*joined.c).outerjoin_from(Service, joined, true())
    return stmt.where(
        Service.id == bindparam("smz_service_id"),
        Master.id == bindparam("smz_master_id"),
        Master.tenant_id == Service.tenant_id,
    ).options(lazyload(Service.locations), lazyload(Master.services))
