"""What every booking write shares: the overlap guard, the audit record and the event."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import lru_cache
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import insert
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.exc import IntegrityError

from app.audit.services import record, snapshot
from app.bookings.models import Booking
from app.core import cache, prepared
from app.core.auth import Actor
from app.core.errors import SlotUnavailable
from app.extensions import db
from app.notifications import events
from app.tenants.models import Tenant

AUDIT_FIELDS = (
    "status",
    "start_at",
    "end_at",
    "block_end_at",
    "local_start",
    "timezone",
    "location_id",
    "master_id",
    "service_id",
    "client_id",
    "duration_minutes",
    "buffer_minutes",
    "price",
    "currency",
    "notes",
    "cancelled_by",
    "cancel_reason",
)
CHANGED_MEANWHILE = _l("The booking was changed by someone else. Reload and try again.")


def is_overlap(exc: IntegrityError) -> bool:
    orig = getattr(exc, "orig", None)
    return getattr(orig, "pgcode", None) == "23P01" or "no_overlap" in str(orig or exc).lower()


def flush_guarded(fn: Callable[[], Any] | None = None) -> Any:
    """Run the write inside a SAVEPOINT; an overlap violation becomes ``slot_unavailable``
    and leaves the outer transaction usable."""
    try:
        with db.session.begin_nested():
            result = fn() if fn is not None else None
            db.session.flush()
            return result
    except IntegrityError as exc:
        if is_overlap(exc):
            raise SlotUnavailable() from None
        raise


def insert_guarded(values: dict) -> Booking:
    """INSERT one booking (``values``: its columns, ``tenant_id`` included) and return it,
    loaded from ``RETURNING``; an overlap becomes ``slot_unavailable``.

    PostgreSQL: ``ON CONFLICT DO NOTHING`` without a target covers the ``bookings_no_overlap``
    exclusion constraint (the table's only unique or exclusion constraint besides its
    sequence-fed key), so an overlapping row is simply not inserted and the transaction
    stays usable: no SAVEPOINT round trips.  Other violations (foreign keys, checks) still
    raise.  SQLite has no such constraint; the write-serialized (``BEGIN IMMEDIATE``)
    transaction already made the availability check and this insert one step.
    """
    stmt = _insert_statement(db.engine.dialect.name)
    # A prepared statement on PostgreSQL (app.core.prepared): it runs on every booking.
    found = prepared.rows("jazyl_booking_insert_v1", stmt, values, typed=True)
    if not found:
        raise SlotUnavailable()
    # The inserted row joins the session as if just loaded (no ORM INSERT machinery, no SQL).
    return cache.attach(Booking, dict(zip(stmt.exported_columns.keys(), found[0], strict=True)), decoded=True)


@lru_cache(maxsize=4)
def _insert_statement(dialect: str):
    """The booking INSERT (a Core statement returning every column), built once; its values
    come as execution parameters."""
    table = Booking.__table__
    stmt = pg_insert(table).on_conflict_do_nothing() if dialect == "postgresql" else insert(table)
    return stmt.returning(*table.c)


def announce(event: str, booking: Booking, actor: Actor, previous_start: datetime | None = None) -> None:
    events.booking_event(event, booking, actor=actor, previous_start=previous_start)


def audit_change(actor: Actor, tenant: Tenant, booking: Booking, action: str, before: dict) -> None:
    """Record ``booking.<action>`` with the state before and the state now (reloaded)."""
    db.session.refresh(booking)
    after = snapshot(booking, AUDIT_FIELDS)
    record(actor, f"booking.{action}", "booking", booking.id, tenant_id=tenant.id, before=before, after=after)
