"""`flask rederive-times`: a 10:00 booking stays at 10:00 after the zone's rules change."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from app.audit.models import AuditLog
from app.bookings.models import Booking
from app.core.tenancy import tenant_scope
from app.extensions import db


def _as_if_booked_under_plus6(booking):
    """Store the UTC instants the way they were derived when Almaty was UTC+6."""
    shift = timedelta(hours=1)
    booking.start_at -= shift
    booking.end_at -= shift
    booking.block_end_at -= shift
    db.session.flush()
    return booking


@pytest.fixture
def stale(salon, create_booking):
    s = salon
    # 10:00 local on 2030-03-05, derived with +06:00 -> 04:00Z (the current rules say 05:00Z).
    moved = _as_if_booked_under_plus6(
        create_booking(s.tenant, s.master, s.service, datetime(2030, 3, 5, 5, 0, tzinfo=UTC))
    )
    neighbour = create_booking(s.tenant, s.master, s.service, datetime(2030, 3, 5, 6, 0, tzinfo=UTC))  # 11:00
    clash = _as_if_booked_under_plus6(
        create_booking(s.tenant, s.other_master, s.service, datetime(2030, 3, 5, 5, 0, tzinfo=UTC))
    )
    blocker = create_booking(s.tenant, s.other_master, s.service, datetime(2030, 3, 5, 5, 30, tzinfo=UTC))
    past = _as_if_booked_under_plus6(
        create_booking(s.tenant, s.master, s.service, datetime(2030, 3, 1, 5, 0, tzinfo=UTC))
    )
    db.session.commit()
    return {"moved": moved.id, "neighbour": neighbour.id, "clash": clash.id, "blocker": blocker.id, "past": past.id}


def _starts(tenant_id):
    db.session.expire_all()
    with tenant_scope(tenant_id):
        return {b.id: b.start_at for b in db.session.scalars(select(Booking))}


def test_rederive_moves_to_current_rules_and_lists_collisions(app, salon, stale):
    before = _starts(salon.tenant.id)
    result = app.test_cli_runner().invoke(args=["rederive-times", "--tenant", "acme"])
    assert result.exit_code == 0, result.output
    after = _starts(salon.tenant.id)
    assert after[stale["moved"]] == datetime(2030, 3, 5, 5, 0, tzinfo=UTC)  # 10:00 at +05:00
    assert after[stale["clash"]] == before[stale["clash"]]  # not moved silently
    assert after[stale["past"]] == before[stale["past"]]  # history is left alone
    assert after[stale["neighbour"]] == before[stale["neighbour"]]
    assert f"moved booking {stale['moved']}" in result.output
    assert f"COLLISION booking {stale['clash']}" in result.output
    assert "1 moved, 1 collisions" in result.output
    with tenant_scope(salon.tenant.id):
        moved = db.session.get(Booking, (salon.tenant.id, stale["moved"]))
        assert moved.local_start == datetime(2030, 3, 5, 10, 0)
        assert moved.end_at == moved.start_at + timedelta(hours=1)
    log = db.session.scalars(select(AuditLog).where(AuditLog.action == "booking.rederive_times")).all()
    assert [entry.object_id for entry in log] == [stale["moved"]]
    # Running it again changes nothing more.
    again = app.test_cli_runner().invoke(args=["rederive-times"])
    assert "0 moved, 1 collisions" in again.output


def test_dry_run_changes_nothing(app, salon, stale):
    before = _starts(salon.tenant.id)
    result = app.test_cli_runner().invoke(args=["rederive-times", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert f"would move booking {stale['moved']}" in result.output
    assert _starts(salon.tenant.id) == before


def test_unknown_tenant(app, salon):
    result = app.test_cli_runner().invoke(args=["rederive-times", "--tenant", "nope"])
    assert result.exit_code != 0
    assert "No business" in result.output
