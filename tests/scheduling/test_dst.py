"""Time zones through the real service path: get_availability -> create_booking.

Europe/Berlin across both DST changes, Asia/Almaty (UTC+5 since 2024) and Europe/Moscow
(UTC+3, no DST)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from app.bookings import services as bs
from app.core.auth import Actor
from app.core.errors import SlotUnavailable
from app.core.tenancy import tenant_scope
from app.scheduling import services as ss


@pytest.fixture
def zoned(writer, quiet_events, create_tenant, create_service, create_master, create_client, frozen_now):
    scopes = []

    def make(tz: str, *, hours, now: datetime, step: int = 15):
        frozen_now(now)
        tenant = create_tenant(None, timezone=tz, min_notice_minutes=0, horizon_days=365, slot_step_minutes=step)
        service = create_service(tenant, duration=60)
        master = create_master(tenant, services=[service], hours=hours)
        client = create_client(tenant)
        scope = tenant_scope(tenant.id)
        scope.__enter__()
        scopes.append(scope)
        return tenant, service, master, client

    yield make
    for scope in reversed(scopes):
        scope.__exit__(None, None, None)


def _book(tenant, service, master, client, start):
    return bs.create_booking(
        tenant, Actor.for_client(client), service_id=service.id, master_id=master.id, start=start, client=client
    )


def test_berlin_spring_forward_skips_the_missing_hour(zoned):
    tenant, service, master, client = zoned(
        "Europe/Berlin", hours=((time(1), time(5)),), now=datetime(2030, 3, 25, tzinfo=UTC)
    )
    day = date(2030, 3, 31)  # 02:00 CET -> 03:00 CEST
    slots = ss.get_availability(tenant, service_id=service.id, date_from=day)["slots"]
    local = [s["start"].strftime("%H:%M%z") for s in slots]
    assert local == [
        "01:00+0100",
        "01:15+0100",
        "01:30+0100",
        "01:45+0100",
        "03:00+0200",
        "03:15+0200",
        "03:30+0200",
        "03:45+0200",
        "04:00+0200",
    ]
    # The 01:45 slot really lasts an hour: it ends at 03:45 local.
    assert slots[3]["end"].strftime("%H:%M%z") == "03:45+0200"
    b = _book(tenant, service, master, client, slots[3]["start"])
    assert b.local_start == datetime(2030, 3, 31, 1, 45)
    assert b.end_at - b.start_at == timedelta(hours=1)
    with pytest.raises(SlotUnavailable):  # 03:00 CEST is 01:00 UTC: inside the 01:45 CET booking
        _book(tenant, service, master, client, slots[4]["start"])
    left = [
        s["start"].strftime("%H:%M") for s in ss.get_availability(tenant, service_id=service.id, date_from=day)["slots"]
    ]
    assert left == ["03:45", "04:00"]  # 01:00-01:30 CET would run into the booking


def test_berlin_fall_back_offers_the_repeated_hour_twice(zoned):
    tenant, service, master, client = zoned(
        "Europe/Berlin", hours=((time(1), time(4)),), now=datetime(2030, 10, 20, tzinfo=UTC), step=60
    )
    day = date(2030, 10, 27)  # 03:00 CEST -> 02:00 CET
    slots = ss.get_availability(tenant, service_id=service.id, date_from=day)["slots"]
    assert [s["start"].strftime("%H:%M%z") for s in slots] == ["01:00+0200", "02:00+0200", "02:00+0100", "03:00+0100"]
    first = _book(tenant, service, master, client, slots[1]["start"])
    second = _book(tenant, service, master, client, slots[2]["start"])
    assert second.start_at - first.start_at == timedelta(hours=1)
    assert first.local_start == second.local_start == datetime(2030, 10, 27, 2, 0)
    with pytest.raises(SlotUnavailable):
        _book(tenant, service, master, client, slots[2]["start"])
    assert [
        s["start"].strftime("%H:%M%z")
        for s in ss.get_availability(tenant, service_id=service.id, date_from=day)["slots"]
    ] == ["01:00+0200", "03:00+0100"]


@pytest.mark.parametrize(("tz", "offset"), [("Asia/Almaty", 5), ("Europe/Moscow", 3)])
def test_fixed_offset_zones(zoned, tz, offset):
    tenant, service, master, client = zoned(tz, hours=((time(9), time(12)),), now=datetime(2030, 6, 1, tzinfo=UTC))
    day = date(2030, 6, 3)
    result = ss.get_availability(tenant, service_id=service.id, date_from=day)
    assert result["timezone"] == tz
    slot = next(s for s in result["slots"] if s["start"].hour == 10 and s["start"].minute == 0)
    assert slot["start"].utcoffset() == timedelta(hours=offset)
    b = _book(tenant, service, master, client, slot["start"])
    assert b.start_at == datetime(2030, 6, 3, 10 - offset, tzinfo=UTC)
    assert b.local_start == datetime(2030, 6, 3, 10)
    assert b.timezone == tz
    # The same wall-clock time given in another offset is the same instant and is now taken.
    with pytest.raises(SlotUnavailable):
        _book(tenant, service, master, client, datetime(2030, 6, 3, 10, tzinfo=ZoneInfo(tz)).astimezone(UTC))
