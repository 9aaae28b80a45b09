"""Booking lifecycle rules in the service layer."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from app.audit.models import AuditLog
from app.bookings import services as bs
from app.bookings.services import placing
from app.core import clock
from app.core.errors import (
    CancellationWindowPassed,
    Conflict,
    Forbidden,
    InvalidTransition,
    NotFound,
    SlotUnavailable,
    ValidationError,
)
from app.extensions import db
from tests.bookings.conftest import at


@pytest.fixture
def events(monkeypatch):
    calls = []
    from app.notifications import events as ev

    monkeypatch.setattr(
        ev,
        "booking_event",
        lambda event, booking, *, actor=None, previous_start=None: calls.append((event, booking.id, previous_start)),
    )
    return calls


def book(s, hhmm="10:00", *, actor=None, master=None, day=4, **kw):
    actor = actor or s.client_actor
    if actor.role == "client":
        kw.setdefault("client", s.client)
    else:
        kw.setdefault("client_data", {"name": "Walk In", "phone": "+77015550000"})
    return bs.create_booking(
        s.tenant, actor, service_id=s.service.id, master_id=(master or s.master).id, start=at(hhmm, day), **kw
    )


def test_client_books_a_free_slot_with_price_snapshot(salon, events):
    b = book(salon, notes="first visit")
    assert b.status == "confirmed"
    assert b.start_at == at("10:00").astimezone(b.start_at.tzinfo)
    assert b.end_at - b.start_at == timedelta(minutes=60)
    assert b.local_start.hour == 10
    assert b.timezone == "Asia/Almaty"
    salon.service.price = Decimal("9999")
    db.session.flush()
    db.session.refresh(b)
    assert b.price == Decimal("5000.00")
    assert b.currency == "KZT"
    assert events == [("created", b.id, None)]


@pytest.mark.parametrize("hhmm", ["10:05", "13:30", "18:00", "08:00", "07:00"])
def test_starts_that_are_not_slots_are_refused(salon, hhmm):
    # 10:05 off the grid, 13:30 runs into the break, 18:00 after hours, 08:00/07:00 before opening
    with pytest.raises(SlotUnavailable):
        book(salon, hhmm)


def test_min_notice_and_horizon(salon):
    clock.freeze(at("09:30").astimezone(clock.now().tzinfo))
    with pytest.raises(SlotUnavailable):
        book(salon, "10:15")  # only 45 min notice
    book(salon, "10:30")
    with pytest.raises(SlotUnavailable):
        bs.create_booking(
            salon.tenant,
            salon.client_actor,
            service_id=salon.service.id,
            master_id=salon.master.id,
            start=at("10:00") + timedelta(days=62),
            client=salon.client,
        )


def test_overlap_refused_back_to_back_and_other_master_allowed(salon):
    book(salon, "10:00")
    with pytest.raises(SlotUnavailable):
        book(salon, "10:30")
    with pytest.raises(SlotUnavailable):
        book(salon, "09:15")
    book(salon, "11:00")
    book(salon, "09:00")
    book(salon, "10:00", master=salon.other_master)


def test_buffer_blocks_following_slot(salon):
    salon.service.buffer_minutes = 15
    db.session.flush()
    book(salon, "10:00")
    with pytest.raises(SlotUnavailable):
        book(salon, "11:00")
    book(salon, "11:15")


def test_staff_books_for_a_client_found_or_created_by_phone(salon):
    b1 = book(salon, "10:00", actor=salon.owner, client_data={"name": "Asel", "phone": "8 701 555 1234"})
    b2 = book(salon, "11:00", actor=salon.manager_actor, client_data={"name": "", "phone": "+7 701 555 12 34"})
    assert b1.client_id == b2.client_id
    assert b1.client.phone == "+77015551234"
    assert b1.client.name == "Asel"
    with pytest.raises(ValidationError):
        book(salon, "12:00", actor=salon.owner, client_data={"name": "X", "phone": "12"})


def test_master_books_only_own_and_client_only_self(salon, create_client):
    book(salon, "10:00", actor=salon.master_actor)
    with pytest.raises(Forbidden):
        book(salon, "10:00", actor=salon.master_actor, master=salon.other_master)
    with pytest.raises(Forbidden):
        book(salon, "11:00", client=create_client(salon.tenant))


def test_pending_when_business_requires_confirmation(salon, events):
    salon.tenant.require_confirmation = True
    b = book(salon)
    assert b.status == "pending"
    with pytest.raises(SlotUnavailable):  # pending holds the slot
        book(salon, "10:00", master=salon.master)
    with pytest.raises(Forbidden):
        bs.confirm_booking(salon.tenant, salon.client_actor, b)
    bs.confirm_booking(salon.tenant, salon.owner, b)
    assert b.status == "confirmed"
    assert b.version == 2
    with pytest.raises(InvalidTransition):
        bs.confirm_booking(salon.tenant, salon.owner, b)
    assert [e[0] for e in events] == ["created", "confirmed"]


def test_cancel_frees_the_slot_and_is_kept(salon, events):
    b = book(salon)
    bs.cancel_booking(salon.tenant, salon.client_actor, b, reason="ill")
    assert b.status == "cancelled"
    assert b.cancelled_by == "client"
    assert b.cancel_reason == "ill"
    with pytest.raises(InvalidTransition):
        bs.cancel_booking(salon.tenant, salon.owner, b)
    again = book(salon)
    assert again.id != b.id
    assert db.session.get(type(b), (b.tenant_id, b.id)) is not None
    assert [e[0] for e in events] == ["created", "cancelled", "created"]


def test_client_cannot_cancel_or_reschedule_inside_window_staff_can(salon):
    b = book(salon, "10:00")
    clock.freeze(at("08:30").astimezone(clock.now().tzinfo))  # 90 min before, window is 120
    with pytest.raises(CancellationWindowPassed):
        bs.cancel_booking(salon.tenant, salon.client_actor, b)
    with pytest.raises(CancellationWindowPassed):
        bs.update_booking(salon.tenant, salon.client_actor, b, start=at("12:00"))
    bs.update_booking(salon.tenant, salon.client_actor, b, notes="running late")  # notes are fine
    bs.cancel_booking(salon.tenant, salon.owner, b)
    assert b.status == "cancelled"


def test_complete_and_no_show_only_after_start(salon):
    b1, b2 = book(salon, "10:00"), book(salon, "11:00")
    with pytest.raises(InvalidTransition):
        bs.complete_booking(salon.tenant, salon.owner, b1)
    clock.freeze(at("10:05").astimezone(clock.now().tzinfo))
    with pytest.raises(Forbidden):
        bs.complete_booking(salon.tenant, salon.client_actor, b1)
    bs.complete_booking(salon.tenant, salon.master_actor, b1)
    assert b1.status == "completed"
    with pytest.raises(InvalidTransition):
        bs.mark_no_show(salon.tenant, salon.owner, b2)  # 11:00 has not started
    clock.freeze(at("11:20").astimezone(clock.now().tzinfo))
    bs.mark_no_show(salon.tenant, salon.manager_actor, b2)
    assert b2.status == "no_show"
    for fn in (bs.cancel_booking, bs.complete_booking, bs.confirm_booking):
        with pytest.raises(InvalidTransition):
            fn(salon.tenant, salon.owner, b1)


def test_transition_table_is_explicit():
    assert bs.can_transition("pending", "confirmed")
    assert not bs.can_transition("pending", "completed")
    assert not bs.can_transition("cancelled", "confirmed")
    assert not bs.can_transition("completed", "cancelled")


def test_status_change_is_compare_and_swap(salon):
    b = book(salon)
    # Someone else cancelled it meanwhile (the row changed under our loaded object).
    from app.bookings.queries import change_status

    assert change_status(salon.tenant.id, b.id, "confirmed", "cancelled")
    assert not change_status(salon.tenant.id, b.id, "confirmed", "cancelled")
    with pytest.raises(InvalidTransition):
        bs.cancel_booking(salon.tenant, salon.owner, b)  # b.status is stale "confirmed"
    db.session.refresh(b)
    assert b.status == "cancelled"


def test_reschedule_change_master_and_service(salon, create_service, events):
    b = book(salon, "10:00")
    book(salon, "12:00")
    with pytest.raises(SlotUnavailable):
        bs.update_booking(salon.tenant, salon.client_actor, b, start=at("11:30"))
    bs.update_booking(salon.tenant, salon.client_actor, b, start=at("10:30"))  # overlaps only itself
    assert b.local_start.hour == 10
    assert b.local_start.minute == 30
    bs.update_booking(salon.tenant, salon.owner, b, master_id=salon.other_master.id)
    assert b.master_id == salon.other_master.id
    long = create_service(salon.tenant, name="Colour", duration=120, price="12000")
    from app.catalog.models import MasterService

    db.session.add(MasterService(master_id=salon.other_master.id, service_id=long.id))
    db.session.flush()
    bs.update_booking(salon.tenant, salon.owner, b, service_id=long.id)
    assert b.service_id == long.id
    assert b.price == Decimal("12000.00")
    assert b.end_at - b.start_at == timedelta(hours=2)
    assert [e[0] for e in events].count("rescheduled") == 3
    assert events[-1][2] is not None


def test_master_needs_permission_to_cancel_or_move_own_bookings(salon):
    b = book(salon, "10:00")
    with pytest.raises(Forbidden):
        bs.cancel_booking(salon.tenant, salon.master_actor, b)
    with pytest.raises(Forbidden):
        bs.update_booking(salon.tenant, salon.master_actor, b, start=at("11:00"))
    bs.update_booking(salon.tenant, salon.master_actor, b, notes="bring photos")
    from app.catalog.permissions import decide_permission_request, request_permission

    req = request_permission(salon.tenant, salon.master_actor, "cancel_own_bookings", "clients call me")
    decide_permission_request(salon.tenant, salon.owner, req, approve=True)
    from app.core.auth import Actor

    fresh = Actor.for_user(salon.master.user, salon.master)
    bs.cancel_booking(salon.tenant, fresh, b)
    assert b.status == "cancelled"


def test_role_scoped_reading(salon):
    mine = book(salon, "10:00")
    other = book(salon, "10:00", master=salon.other_master, actor=salon.owner)
    assert bs.get_booking_for(salon.tenant, salon.client_actor, mine.id).id == mine.id
    with pytest.raises(NotFound):
        bs.get_booking_for(salon.tenant, salon.client_actor, other.id)
    with pytest.raises(NotFound):
        bs.get_booking_for(salon.tenant, salon.master_actor, other.id)
    assert bs.get_booking_for(salon.tenant, salon.manager_actor, other.id).id == other.id
    items, total = bs.list_bookings_for(salon.tenant, salon.master_actor)
    assert total == 1
    assert items[0].id == mine.id
    items, total = bs.list_bookings_for(salon.tenant, salon.owner)
    assert total == 2
    _, total = bs.list_bookings_for(salon.tenant, salon.manager_actor, location_id=salon.master.location_id + 999)
    assert total == 0
    _, total = bs.list_bookings_for(salon.tenant, salon.client_actor, status="cancelled")
    assert total == 0


def test_another_tenants_booking_is_not_found(salon, create_tenant, create_service, create_master, create_booking):
    t2 = create_tenant("other")
    s2 = create_service(t2)
    m2 = create_master(t2, services=[s2])
    foreign = create_booking(t2, m2, s2, at("10:00"))
    with pytest.raises(NotFound):
        bs.get_booking_for(salon.tenant, salon.owner, foreign.id)
    with pytest.raises(NotFound):
        bs.create_booking(
            salon.tenant,
            salon.owner,
            service_id=s2.id,
            master_id=m2.id,
            start=at("11:00"),
            client_data={"name": "A", "phone": "+77015550001"},
        )


def test_every_change_is_audited_with_before_and_after(salon):
    b = book(salon, "10:00")
    bs.update_booking(salon.tenant, salon.owner, b, start=at("11:00"))
    bs.cancel_booking(salon.tenant, salon.owner, b, reason="closed")
    rows = db.session.scalars(
        select(AuditLog).where(AuditLog.object_type == "booking", AuditLog.object_id == b.id).order_by(AuditLog.id)
    ).all()
    assert [r.action for r in rows] == ["booking.create", "booking.update", "booking.cancel"]
    assert rows[0].before is None
    assert rows[0].after["status"] == "confirmed"
    assert rows[1].before["local_start"].endswith("10:00:00")
    assert rows[1].after["local_start"].endswith("11:00:00")
    assert rows[2].before["status"] == "confirmed"
    assert rows[2].after["status"] == "cancelled"
    assert rows[2].actor_type == "user"
    assert rows[2].tenant_id == salon.tenant.id
    assert rows[0].actor_type == "client"


def test_idempotent_replay_and_conflict(salon):
    calls = []

    def make():
        b = book(salon, "10:00" if not calls else "11:00")
        calls.append(b.id)
        return 201, {"booking": {"id": b.id}}

    body = {"service_id": salon.service.id, "start": "2030-03-04T10:00:00+05:00"}
    first = bs.run_idempotent(salon.tenant, "client:1", "k-1", body, make)
    again = bs.run_idempotent(salon.tenant, "client:1", "k-1", dict(reversed(list(body.items()))), make)
    assert first == again == (201, {"booking": {"id": calls[0]}})
    assert len(calls) == 1
    with pytest.raises(Conflict):
        bs.run_idempotent(salon.tenant, "client:1", "k-1", {**body, "notes": "x"}, make)
    bs.run_idempotent(salon.tenant, "client:2", "k-1", body, make)  # keys are per actor
    assert len(calls) == 2
    clock.travel(timedelta(hours=25))
    bs.run_idempotent(salon.tenant, "client:1", "k-1", {**body, "notes": "x"}, lambda: (201, {"late": True}))


def test_database_constraint_violation_becomes_slot_unavailable(salon, monkeypatch):
    """Even if the availability check were wrong, the database refuses the overlap (PostgreSQL)
    and the service answers slot_unavailable with the transaction still usable."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("the exclusion constraint is PostgreSQL's")
    book(salon, "10:00")
    monkeypatch.setattr(placing, "is_start_bookable", lambda *a, **k: True)
    with pytest.raises(SlotUnavailable):
        book(salon, "10:30")
    assert book(salon, "11:00").id  # the transaction is still usable (ON CONFLICT DO NOTHING: no row, no error)


def test_a_master_who_does_not_perform_the_service_cannot_be_booked_for_it(salon, create_master, create_service):
    """The one-statement look-up of ``create_booking`` checks the master's own services, not
    whether anyone performs it (its EXISTS clauses are correlated to the master and service)."""
    other_service = create_service(salon.tenant, name="Colour", duration=60, buffer=0, price="7000")
    newcomer = create_master(salon.tenant, name="Aru", services=[other_service])
    with pytest.raises(ValidationError) as err:
        book(salon, master=newcomer)
    assert "master_id" in err.value.details
