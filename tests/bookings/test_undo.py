"""Undoing "Done" and "No-show": within the window, audited, in the actor's scope only."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.audit.models import AuditLog
from app.bookings import services as bs
from app.core import clock
from app.core.auth import Actor
from app.core.errors import Forbidden, InvalidTransition, NotFound, SlotUnavailable
from app.core.tenancy import tenant_scope
from app.extensions import db
from tests.bookings.conftest import at


def book(s, hhmm="10:00", *, master=None, phone="+77015550000"):
    return bs.create_booking(
        s.tenant,
        s.owner,
        service_id=s.service.id,
        master_id=(master or s.master).id,
        start=at(hhmm),
        client_data={"name": "Walk In", "phone": phone},
    )


def _at(hhmm: str):
    clock.freeze(at(hhmm).astimezone(clock.now().tzinfo))


def test_done_is_undone_to_confirmed_and_audited(salon):
    b = book(salon)
    _at("10:30")
    bs.complete_booking(salon.tenant, salon.owner, b)
    assert bs.can_undo_outcome(b)
    assert bs.undo_deadline(b) == clock.now() + bs.UNDO_WINDOW
    bs.undo_outcome(salon.tenant, salon.owner, b)
    assert b.status == "confirmed"
    assert not bs.can_undo_outcome(b)
    with tenant_scope(salon.tenant.id):
        entry = db.session.scalar(
            select(AuditLog).where(AuditLog.action == "booking.undo_outcome", AuditLog.object_id == b.id)
        )
    assert entry is not None
    assert entry.before["status"] == "completed"
    assert entry.after["status"] == "confirmed"
    assert entry.actor_id == salon.owner.id
    # Confirmed again: it can be marked once more (this time as a no-show).
    bs.mark_no_show(salon.tenant, salon.owner, b)
    assert b.status == "no_show"


def test_no_show_undo_is_refused_after_the_window(salon):
    b = book(salon)
    _at("10:15")
    bs.mark_no_show(salon.tenant, salon.master_actor, b)
    clock.freeze(clock.now() + bs.UNDO_WINDOW - timedelta(seconds=1))
    assert bs.can_undo_outcome(b)
    clock.freeze(clock.now() + timedelta(seconds=1))
    assert not bs.can_undo_outcome(b)
    with pytest.raises(InvalidTransition) as err:
        bs.undo_outcome(salon.tenant, salon.master_actor, b)
    assert "10 minutes" in str(err.value.message)
    db.session.refresh(b)
    assert b.status == "no_show"


def test_only_done_or_no_show_can_be_undone(salon):
    b = book(salon)
    _at("10:15")
    with pytest.raises(InvalidTransition):
        bs.undo_outcome(salon.tenant, salon.owner, b)  # still confirmed
    bs.cancel_booking(salon.tenant, salon.owner, b)
    with pytest.raises(InvalidTransition):
        bs.undo_outcome(salon.tenant, salon.owner, b)  # cancelled stays cancelled


def test_a_master_undoes_only_own_bookings_and_a_manager_only_own_location(salon):
    mine = book(salon, "10:00")
    theirs = book(salon, "10:00", master=salon.other_master, phone="+77015550001")
    _at("10:20")
    bs.complete_booking(salon.tenant, salon.owner, mine)
    bs.complete_booking(salon.tenant, salon.owner, theirs)
    with pytest.raises(NotFound):
        bs.undo_outcome(salon.tenant, salon.master_actor, theirs)
    elsewhere = Actor("user", 9999, "m2@example.com", "manager", salon.tenant.id, location_id=mine.location_id + 1000)
    with pytest.raises(NotFound):
        bs.undo_outcome(salon.tenant, elsewhere, mine)
    with pytest.raises(Forbidden):
        bs.undo_outcome(salon.tenant, Actor.for_client(mine.client), mine)  # its own client
    bs.undo_outcome(salon.tenant, salon.master_actor, mine)
    bs.undo_outcome(salon.tenant, salon.manager_actor, theirs)
    assert (mine.status, theirs.status) == ("confirmed", "confirmed")


def test_undo_is_refused_when_the_time_was_booked_again(salon):
    b = book(salon, "10:00")
    _at("10:05")
    bs.mark_no_show(salon.tenant, salon.owner, b)
    # The freed hour is sold to a walk-in at once (staff may book a started slot's rest).
    from app.bookings.models import Booking

    with tenant_scope(salon.tenant.id):
        other = Booking(
            tenant_id=salon.tenant.id,
            location_id=b.location_id,
            master_id=b.master_id,
            service_id=b.service_id,
            client_id=b.client_id,
            status="confirmed",
            start_at=b.start_at + timedelta(minutes=15),
            end_at=b.end_at + timedelta(minutes=15),
            block_end_at=b.block_end_at + timedelta(minutes=15),
            local_start=b.local_start + timedelta(minutes=15),
            timezone=b.timezone,
            duration_minutes=b.duration_minutes,
            buffer_minutes=0,
            price=b.price,
            currency=b.currency,
        )
        db.session.add(other)
        db.session.flush()
    with pytest.raises(SlotUnavailable):
        bs.undo_outcome(salon.tenant, salon.owner, b)
    db.session.refresh(b)
    assert b.status == "no_show"
