"""Bookings: the service verbs the web pages, the API and the jobs call.

This package is the bookings domain's public API; its modules hold the rules by flow:

* :mod:`.placing` -- create a booking, reschedule or edit it (the integrity rules below);
* :mod:`.status` -- status changes along :data:`TRANSITIONS` (confirm, complete, no-show,
  cancel) and taking back "Done"/"No-show";
* :mod:`.access` -- who may see which booking, and the scoped reads;
* :mod:`.idempotency` -- an API request answered once per ``Idempotency-Key``;
* :mod:`.retiming` -- re-deriving instants after a time zone rule change;
* :mod:`.writing` -- what every write shares: the overlap guard, the audit fields, the event.

Integrity.  No two blocking bookings of a master may overlap (buffer included).  The
guarantee is the database's: on PostgreSQL the ``bookings_no_overlap`` exclusion
constraint (a new booking is inserted with ``ON CONFLICT DO NOTHING`` and no row back
means ``slot_unavailable``; an update is flushed inside a SAVEPOINT and SQLSTATE 23P01
becomes ``slot_unavailable``); on SQLite the writing request or job runs in ``BEGIN IMMEDIATE``,
so the availability check and the insert cannot interleave with another writer.  Before
the check the service bumps the master's availability version (an update also takes
``pg_advisory_xact_lock(tenant, master)`` for both masters) (a row lock on PostgreSQL, the write lock on SQLite), so
the losers of a race wait, then see the winner's booking and answer without trying.

Status changes are compare-and-swap updates (``WHERE status = :expected``) along the
explicit :data:`TRANSITIONS`; edits are optimistic on ``version``.  Bookings are never
deleted.  Every change is audited with before/after and announced to
``app.notifications.events.booking_event`` (outbox rows in the same transaction).

Roles: owner -> the whole business; manager -> own location (anything else is not found);
master -> own bookings (cancelling and rescheduling need ``cancel_own_bookings``);
client -> own bookings, not inside ``tenant.cancellation_window_minutes`` of the start.
"""

from app.bookings.services.access import get_booking_for, list_bookings_for
from app.bookings.services.idempotency import run_idempotent
from app.bookings.services.placing import create_booking, update_booking
from app.bookings.services.retiming import rederive_booking_times
from app.bookings.services.status import (
    TRANSITIONS,
    UNDO_WINDOW,
    can_transition,
    can_undo_outcome,
    cancel_booking,
    complete_booking,
    confirm_booking,
    mark_no_show,
    undo_deadline,
    undo_outcome,
)

__all__ = [
    "TRANSITIONS",
    "UNDO_WINDOW",
    "can_transition",
    "can_undo_outcome",
    "cancel_booking",
    "complete_booking",
    "confirm_booking",
    "create_booking",
    "get_booking_for",
    "list_bookings_for",
    "mark_no_show",
    "rederive_booking_times",
    "run_idempotent",
    "undo_deadline",
    "undo_outcome",
    "update_booking",
]
