"""Status changes: compare-and-swap updates along :data:`TRANSITIONS`, audited and announced.

Staff record the outcome (confirm, complete, no-show: one table, :data:`STAFF_CHANGES`);
staff or the client cancel; "Done" and "No-show" can be taken back within
:data:`UNDO_WINDOW`.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, NamedTuple

from flask_babel import lazy_gettext as _l

from app.audit.services import snapshot
from app.bookings import queries as bq
from app.bookings import rules
from app.bookings.models import Booking
from app.bookings.services.access import check_scope, check_window, require_staff
from app.bookings.services.writing import AUDIT_FIELDS, CHANGED_MEANWHILE, announce, audit_change, flush_guarded
from app.core.auth import Actor
from app.core.errors import Conflict, Forbidden, InvalidTransition, SlotUnavailable
from app.core.fields import clean_or_raise
from app.core.types import utcnow
from app.extensions import db
from app.scheduling import queries as sq
from app.tenants.models import Tenant

TRANSITIONS: dict[str, frozenset[str]] = {
    "pending": frozenset({"confirmed", "cancelled"}),
    "confirmed": frozenset({"cancelled", "completed", "no_show"}),
    "cancelled": frozenset(),
    "completed": frozenset(),
    "no_show": frozenset(),
}

# How long after "Done" or "No-show" the mark can be taken back (a mis-tap on a phone).
UNDO_WINDOW = timedelta(minutes=10)
UNDOABLE_STATUSES = ("completed", "no_show")


class StaffChange(NamedTuple):
    status: str  # the new status
    event: str | None  # announced to the notifications, if anyone is told
    after_start: bool  # only once the appointment has started


# The audit action is ``booking.<key>``.
STAFF_CHANGES = {
    "confirm": StaffChange("confirmed", "confirmed", after_start=False),
    "complete": StaffChange("completed", None, after_start=True),
    "no_show": StaffChange("no_show", None, after_start=True),
}


def can_transition(current: str, new: str) -> bool:
    return new in TRANSITIONS.get(current, frozenset())


def _transition(tenant: Tenant, actor: Actor, booking: Booking, new: str, action: str, **values: Any) -> Booking:
    if not can_transition(booking.status, new):
        raise InvalidTransition()
    before = snapshot(booking, AUDIT_FIELDS)
    if not bq.change_status(tenant.id, booking.id, booking.status, new, **values):
        db.session.refresh(booking)
        if not can_transition(booking.status, new):
            raise InvalidTransition()
        raise Conflict(CHANGED_MEANWHILE)
    audit_change(actor, tenant, booking, action, before)
    return booking


def record_staff_change(tenant: Tenant, actor: Actor, booking: Booking, action: str) -> Booking:
    """Confirm, complete or mark a no-show (:data:`STAFF_CHANGES`): staff only, in their scope."""
    change = STAFF_CHANGES[action]
    check_scope(tenant, actor, booking)
    require_staff(actor)
    if change.after_start and utcnow() < booking.start_at:
        raise InvalidTransition(_l("This can only be recorded after the appointment has started."))
    _transition(tenant, actor, booking, change.status, action)
    if change.event:
        announce(change.event, booking, actor)
    return booking


def confirm_booking(tenant: Tenant, actor: Actor, booking: Booking) -> Booking:
    return record_staff_change(tenant, actor, booking, "confirm")


def complete_booking(tenant: Tenant, actor: Actor, booking: Booking) -> Booking:
    return record_staff_change(tenant, actor, booking, "complete")


def mark_no_show(tenant: Tenant, actor: Actor, booking: Booking) -> Booking:
    return record_staff_change(tenant, actor, booking, "no_show")


def cancel_booking(tenant: Tenant, actor: Actor, booking: Booking, reason: str | None = None) -> Booking:
    """Cancel (kept for history); frees the slot at once."""
    check_scope(tenant, actor, booking)
    if actor.role == "master" and not actor.has("cancel_own_bookings"):
        raise Forbidden(_l("You need the permission to cancel your own bookings."))
    if not can_transition(booking.status, "cancelled"):
        raise InvalidTransition()
    check_window(tenant, actor, booking)
    _transition(
        tenant,
        actor,
        booking,
        "cancelled",
        "cancel",
        cancelled_by=actor.role,
        cancel_reason=clean_or_raise("reason", rules.CANCEL_REASON, reason) or None,
    )
    sq.bump_master_versions(tenant.id, [booking.master_id])
    announce("cancelled", booking, actor)
    return booking


def undo_deadline(booking: Booking) -> datetime | None:
    """Until when the booking's "Done"/"No-show" can be undone; None if it has no such mark.

    The mark is the booking's last change (both are final statuses), so ``updated_at`` is
    the moment it was made."""
    if booking.status not in UNDOABLE_STATUSES or booking.updated_at is None:
        return None
    return booking.updated_at + UNDO_WINDOW


def can_undo_outcome(booking: Booking, now: datetime | None = None) -> bool:
    deadline = undo_deadline(booking)
    return deadline is not None and (now or utcnow()) < deadline


def undo_outcome(tenant: Tenant, actor: Actor, booking: Booking) -> Booking:
    """Take back "Done" or "No-show" within :data:`UNDO_WINDOW`: the booking is confirmed again.

    Staff only, in their scope (a master: own bookings; a manager: own location).  The time
    becomes blocking again, so it is refused when another booking took it meanwhile."""
    check_scope(tenant, actor, booking)
    require_staff(actor)
    if booking.status not in UNDOABLE_STATUSES:
        raise InvalidTransition(_l("Only a booking marked done or no-show can be undone."))
    if not can_undo_outcome(booking):
        minutes = int(UNDO_WINDOW.total_seconds() // 60)
        raise InvalidTransition(
            _l("It is too late to undo: a mark can be undone within %(minutes)s minutes.", minutes=minutes)
        )
    bq.lock_master(tenant.id, booking.master_id)
    sq.bump_master_versions(tenant.id, [booking.master_id])
    if bq.overlapping_blocking(booking.master_id, booking.start_at, booking.block_end_at, exclude_id=booking.id):
        raise SlotUnavailable(_l("This time has been booked again since; the mark cannot be undone."))
    before = snapshot(booking, AUDIT_FIELDS)
    expected = booking.status
    if not flush_guarded(lambda: bq.change_status(tenant.id, booking.id, expected, "confirmed")):
        raise Conflict(CHANGED_MEANWHILE)
    audit_change(actor, tenant, booking, "undo_outcome", before)
    return booking
