"""The reminder sweep: 24 h and 2 h before each active booking, from the bookings table.

Runs every minute.  Each reminder's outbox key is ``(booking, kind, start instant)``, so a
booking is reminded exactly once per kind, and a rescheduled booking again at its new
time.  Cancelled (or finished) bookings get none; a booking made after a reminder's moment
had passed gets none of that kind; once the 2 h moment has come the 24 h reminder is not
sent any more (the 2 h one supersedes it).
"""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.bookings.models import BLOCKING_STATUSES, Booking
from app.core.periodic import each_tenant
from app.core.tenancy import unscoped
from app.core.types import utcnow
from app.extensions import db
from app.notifications import events

log = logging.getLogger(__name__)
KINDS = {"24h": timedelta(hours=24), "2h": timedelta(hours=2)}


def _due(kind: str, now):
    lead = KINDS[kind]
    conds = [Booking.status.in_(BLOCKING_STATUSES), Booking.start_at > now, Booking.start_at <= now + lead]
    if kind == "24h":
        conds.append(Booking.start_at > now + KINDS["2h"])
    return conds


def sweep_reminders() -> int:
    """Queue the reminders that are due now; returns how many bookings were looked at.

    Which tenants have due bookings is one platform-scope query; each of those tenants is
    then handled in its own scope and unit of work (:func:`app.core.periodic.each_tenant`)."""
    now = utcnow()
    with unscoped("reminder sweep: tenants with due bookings"):
        tenant_ids = set()
        for kind in KINDS:
            tenant_ids.update(db.session.scalars(select(Booking.tenant_id).where(*_due(kind, now)).distinct()))
    return sum(each_tenant(tenant_ids, lambda _tid: _remind_tenant(now), "reminder sweep").values())


def _remind_tenant(now) -> int:
    seen = 0
    for kind, lead in KINDS.items():
        bookings = db.session.scalars(select(Booking).where(*_due(kind, now)).order_by(Booking.id))
        for booking in bookings:
            if booking.created_at and booking.created_at > booking.start_at - lead:
                continue  # made after this reminder's moment had passed
            seen += 1
            try:
                with db.session.begin_nested():
                    events.booking_reminder(booking, kind)
            except IntegrityError:  # another sweep queued it a moment ago
                log.info("reminder %s for booking %s already queued", kind, booking.id)
    return seen
