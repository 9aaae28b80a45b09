"""Who may see and change which booking, and the reads scoped by it.

Owner and system: the whole business; manager: own location; master: own bookings;
client: own bookings.  A booking out of scope is not found, never forbidden.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.bookings import queries as bq
from app.bookings.models import BOOKING_STATUSES, Booking
from app.core.auth import Actor
from app.core.errors import CancellationWindowPassed, Forbidden, NotFound, ValidationError
from app.core.types import utcnow
from app.core.validation import parse_instant
from app.extensions import db
from app.tenants.models import Tenant

STAFF_ROLES = ("owner", "manager", "master", "system")


def can_see(actor: Actor, booking: Booking) -> bool:
    role = actor.role
    if role in ("owner", "system"):
        return True
    if role == "manager":
        return actor.location_id is not None and booking.location_id == actor.location_id
    if role == "master":
        return actor.master_id is not None and booking.master_id == actor.master_id
    if role == "client":
        return booking.client_id == actor.id
    return False


def check_scope(tenant: Tenant, actor: Actor, booking: Booking | None) -> None:
    if booking is None or booking.tenant_id != tenant.id or not can_see(actor, booking):
        raise NotFound()


def check_window(tenant: Tenant, actor: Actor, booking: Booking) -> None:
    """A client may not cancel or move a booking inside the business's cancellation window."""
    if actor.role != "client":
        return
    window = timedelta(minutes=int(tenant.cancellation_window_minutes or 0))
    if booking.start_at - utcnow() < window:
        raise CancellationWindowPassed()


def require_staff(actor: Actor) -> None:
    if actor.role not in STAFF_ROLES:
        raise Forbidden()


def get_booking_for(tenant: Tenant, actor: Actor, booking_id: int) -> Booking:
    """The booking if this actor may see it; otherwise (or another tenant's) ``NotFound``."""
    try:
        bid = int(booking_id)
    except (TypeError, ValueError):
        raise NotFound() from None
    booking = db.session.scalar(select(Booking).where(Booking.id == bid))
    check_scope(tenant, actor, booking)
    return booking


def list_bookings_for(
    tenant: Tenant,
    actor: Actor,
    *,
    start_from: datetime | None = None,
    start_to: datetime | None = None,
    status: str | tuple[str, ...] | None = None,
    location_id: int | None = None,
    master_id: int | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[Booking], int]:
    start_from = None if start_from is None else parse_instant(start_from, "from")
    start_to = None if start_to is None else parse_instant(start_to, "to")
    statuses = (status,) if isinstance(status, str) else tuple(status or ())
    unknown = [s for s in statuses if s not in BOOKING_STATUSES]
    if unknown:
        raise ValidationError.field("status", _l("Unknown status."))
    limit = max(1, min(int(limit or 50), 200))
    offset = max(0, int(offset or 0))
    client_id = None
    role = actor.role
    if role == "manager":
        if location_id is not None and int(location_id) != actor.location_id:
            return [], 0
        location_id = actor.location_id
    elif role == "master":
        if master_id is not None and int(master_id) != actor.master_id:
            return [], 0
        master_id = actor.master_id
    elif role == "client":
        client_id = actor.id
    elif role not in ("owner", "system"):
        raise Forbidden()
    if role in ("manager", "master") and (location_id if role == "manager" else master_id) is None:
        return [], 0
    return bq.list_bookings(
        start_from=start_from,
        start_to=start_to,
        statuses=statuses or None,
        location_id=location_id,
        master_id=master_id,
        client_id=client_id,
        limit=limit,
        offset=offset,
    )
