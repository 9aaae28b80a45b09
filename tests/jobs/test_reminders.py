"""The reminder sweep: exactly one 24 h and one 2 h reminder per booking, at the right
moments, at the new time after a reschedule, none for cancelled or late bookings."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from app.bookings.models import Booking
from app.core import clock, tenancy
from app.extensions import db
from app.notifications.models import Notification
from app.notifications.reminders import sweep_reminders

START = datetime(2026, 12, 10, 5, 0, tzinfo=UTC)  # 10:00 in Almaty


@pytest.fixture
def make_booking(create_tenant, create_service, create_master, create_client, create_booking):
    tenant = create_tenant("remind", name="Remind")
    svc = create_service(tenant)
    master = create_master(tenant, services=[svc])

    def make(start=START, created=START - timedelta(days=5), status="confirmed", phone=None):
        client = create_client(tenant, phone=phone)
        b = create_booking(tenant, master, svc, start, status=status, client=client, created_at=created)
        db.session.expunge(b)  # keep id/tenant_id readable after the commits below
        return b

    return make


def reminders() -> list[tuple[int, str]]:
    rows = db.session.scalars(
        select(Notification).where(Notification.template == "booking_reminder").order_by(Notification.id)
    )
    return [(r.booking_id, r.payload["reminder"]) for r in rows]


def sweep_at(at: datetime) -> list[tuple[int, str]]:
    clock.freeze(at)
    sweep_reminders()
    db.session.commit()
    return reminders()


def test_each_reminder_fires_once_at_its_moment(make_booking):
    b = make_booking()
    db.session.commit()
    assert sweep_at(START - timedelta(hours=24, minutes=1)) == []
    assert sweep_at(START - timedelta(hours=24)) == [(b.id, "24h")]
    assert sweep_at(START - timedelta(hours=23, minutes=59)) == [(b.id, "24h")]  # not twice
    assert sweep_at(START - timedelta(hours=2, minutes=1)) == [(b.id, "24h")]
    assert sweep_at(START - timedelta(hours=2)) == [(b.id, "24h"), (b.id, "2h")]
    assert sweep_at(START - timedelta(minutes=30)) == [(b.id, "24h"), (b.id, "2h")]
    assert sweep_at(START + timedelta(minutes=1)) == [(b.id, "24h"), (b.id, "2h")]
    row = db.session.scalars(select(Notification)).first()
    assert row.channel == "sms" and row.status == "queued"


def test_a_rescheduled_booking_is_reminded_at_its_new_time(make_booking):
    b = make_booking()
    db.session.commit()
    sweep_at(START - timedelta(hours=23))
    with tenancy.tenant_scope(b.tenant_id):
        row = db.session.get(Booking, (b.tenant_id, b.id))
        row.start_at, row.end_at, row.block_end_at = (
            START + timedelta(days=1),
            row.end_at + timedelta(days=1),
            row.block_end_at + timedelta(days=1),
        )
    db.session.commit()
    assert sweep_at(START - timedelta(hours=2)) == [(b.id, "24h")]  # old time: nothing more
    assert sweep_at(START + timedelta(hours=1)) == [(b.id, "24h"), (b.id, "24h")]  # new time, 23 h before
    keys = [r.dedupe_key for r in db.session.scalars(select(Notification))]
    assert len(set(keys)) == 2 and any((START + timedelta(days=1)).isoformat() in k for k in keys)


def test_cancelled_bookings_get_no_reminder(make_booking):
    make_booking(status="cancelled")
    db.session.commit()
    assert sweep_at(START - timedelta(hours=1)) == []
    assert sweep_at(START - timedelta(hours=20)) == []


def test_no_reminder_whose_moment_passed_before_the_booking_was_made(make_booking):
    late = make_booking(created=START - timedelta(hours=10))  # after the 24 h moment
    very_late = make_booking(
        start=START + timedelta(hours=3), created=START + timedelta(hours=2), phone="+77015559999"
    )  # 1 h before its start
    db.session.commit()
    assert sweep_at(START - timedelta(hours=9)) == []
    assert sweep_at(START - timedelta(hours=2)) == [(late.id, "2h")]
    assert sweep_at(START + timedelta(hours=2, minutes=30)) == [(late.id, "2h")]
    assert very_late.id not in [b for b, _ in reminders()]


def test_sweep_covers_every_tenant(
    make_booking, create_tenant, create_service, create_master, create_client, create_booking
):
    a = make_booking()
    other = create_tenant("other", name="Other")
    svc = create_service(other)
    b = create_booking(
        other,
        create_master(other, services=[svc]),
        svc,
        START,
        client=create_client(other),
        created_at=START - timedelta(days=3),
    )
    db.session.expunge(b)
    db.session.commit()
    got = sweep_at(START - timedelta(hours=1))
    assert sorted(got) == sorted([(a.id, "2h"), (b.id, "2h")])
    tenants = {r.tenant_id for r in db.session.scalars(select(Notification))}
    assert tenants == {a.tenant_id, b.tenant_id}
