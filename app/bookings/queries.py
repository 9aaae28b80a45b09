from __future__ import annotations

from datetime import datetime
from functools import cache

from sqlalchemy import Integer, and_, bindparam, func, select, text, true, update
from sqlalchemy.orm.attributes import set_committed_value

from app.bookings.models import BLOCKING_STATUSES, Booking
from app.catalog.models import Master, Service
from app.core import cache as kv
from app.core import prepared
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


SERVICE_MASTER_ZONE_PREPARED = "jazyl_service_master_zone_v2"  # a new name when the statement changes


def service_master_zone(tenant_id: int, service_id: int, master_id: int, joined: tuple | None = None):
    """``(Service, Master, zone, *joined columns)`` in one statement: the zone of the master's
    location if the location is active and the master takes the service there
    (``scheduling.queries.takes_service``), else ``None`` in its place; ``None`` when the two
    do not both exist in the tenant.  The master's location is loaded with the master (as
    its joined relationship would be).

    ``joined``: ``(derived table, its parameters)``, a table of at most one row whose columns
    follow (``LEFT JOIN ... ON true``: ``None`` when it has no row), e.g. the plan's headroom
    (``billing.services.monthly_headroom``), so the caller reads it in the same round trip.

    A Core statement (on PostgreSQL a prepared one, ``app.core.prepared``) whose columns
    become session objects as if the ORM had loaded them (``cache.attach``): this runs on
    every booking, and the ORM's loading cost more than the statement."""
    if not (0 < service_id <= prepared.MAX_ID and 0 < master_id <= prepared.MAX_ID):
        return None
    table, params = joined if joined is not None else (None, {})
    name = SERVICE_MASTER_ZONE_PREPARED + ("" if table is None else f"_{table.name}")
    entities, stmt = _service_master_zone_stmt(table)
    found = prepared.rows(
        name,
        stmt,
        {"smz_tenant_id": tenant_id, "smz_service_id": service_id, "smz_master_id": master_id, **params},
        typed=True,
    )
    if not found:
        return None
    row = found[0]
    objects = []
    at = 0
    for cls, keys in entities:
        data = dict(zip(keys, row[at : at + len(keys)], strict=True))
        at += len(keys)
        # Service and master always; the location by an outer join (its id is None without one).
        objects.append(kv.attach(cls, data, decoded=True) if data["id"] is not None else None)
    service, master, location = objects
    # As the joined load did (the session holds the location only as long as the master does).
    set_committed_value(master, "location", location)
    return (service, master, *row[at:])


@cache
def _service_master_zone_stmt(joined):
    """``((class, attribute names), ...)`` for the service, the master and the location, in
    the order of their columns, and the statement, built once per joined table (bound
    parameters ``smz_tenant_id``, ``smz_service_id``, ``smz_master_id``)."""
    tenant_id = bindparam("smz_tenant_id", type_=Integer)
    entities, columns = [], []
    for cls in (Service, Master, Location):
        keys, cols = prepared.entity_columns(cls)
        entities.append((cls, keys))
        columns += cols
    services, masters, locations = Service.__table__, Master.__table__, Location.__table__
    zone = (
        select(locations.c.timezone)
        .where(
            locations.c.tenant_id == masters.c.tenant_id,
            locations.c.id == masters.c.location_id,
            locations.c.active.is_(True),
            *takes_service(masters.c.tenant_id, masters.c.id, masters.c.location_id, services.c.id),
        )
        .correlate(masters, services)
        .scalar_subquery()
    )
    stmt = select(*columns, zone)
    home = masters.outerjoin(
        locations, and_(locations.c.tenant_id == masters.c.tenant_id, locations.c.id == masters.c.location_id)
    )
    if joined is not None:
        stmt = stmt.add_columns(*joined.c).select_from(services.outerjoin(joined, true()), home)
    else:
        stmt = stmt.select_from(services, home)
    return tuple(entities), stmt.where(
        services.c.tenant_id == tenant_id,
        services.c.id == bindparam("smz_service_id", type_=Integer),
        masters.c.tenant_id == services.c.tenant_id,
        masters.c.id == bindparam("smz_master_id", type_=Integer),
    )
