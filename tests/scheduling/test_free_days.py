"""The booking calendar's days with a free time: same answer as availability, a fixed
number of statements per month, clipped to the booking window."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from app.core import tenancy
from app.core.errors import NotFound, ValidationError
from app.extensions import db
from app.scheduling.calendar import first_free_day, free_days, parse_month
from app.scheduling.models import TimeOff
from app.scheduling.services import get_availability

ALMATY = ZoneInfo("Asia/Almaty")
NOW = datetime(2030, 3, 4, 3, 0, tzinfo=UTC)  # Monday 08:00 in Almaty


def local(d: date, hh: int, mm: int = 0) -> datetime:
    return datetime.combine(d, time(hh, mm), ALMATY)


@pytest.fixture
def shop(create_tenant, create_service, create_master, create_booking, frozen_now, commit):
    frozen_now(NOW)
    tenant = create_tenant("cal", horizon_days=40, slot_step_minutes=30)
    service = create_service(tenant, duration=60)
    weekdays = create_master(tenant, name="Aigerim", services=[service], weekdays=range(5))
    saturday = create_master(tenant, name="Dana", services=[service], weekdays=[5])
    with tenancy.tenant_scope(tenant.id):
        # Aigerim is away on Tuesday 12th and fully booked on Wednesday 13th.
        db.session.add(
            TimeOff(
                tenant_id=tenant.id,
                master_id=weekdays.id,
                start_at=local(date(2030, 3, 12), 0),
                end_at=local(date(2030, 3, 13), 0),
                reason="",
            )
        )
        db.session.flush()
    for start, end in ((9, 13), (14, 18)):
        for h in range(start, end):
            create_booking(tenant, weekdays, service, local(date(2030, 3, 13), h))
    commit()
    with tenancy.tenant_scope(tenant.id):
        yield tenant, service, weekdays, saturday


def _available_days(tenant, service, first: date, last: date, **kw) -> list[date]:
    out = []
    d = first
    while d <= last:
        if get_availability(tenant, service_id=service.id, date_from=d, days=1, **kw)["slots"]:
            out.append(d)
        d += timedelta(days=1)
    return out


def test_free_days_match_availability_day_by_day(shop):
    tenant, service, aigerim, _dana = shop
    md = free_days(tenant, service_id=service.id, month=date(2030, 3, 1))
    assert (md.first, md.last) == (date(2030, 3, 4), date(2030, 3, 31))
    assert md.window_first == date(2030, 3, 4) and md.window_last == date(2030, 4, 13)
    assert md.timezone == "Asia/Almaty"
    assert date(2030, 3, 12) not in md.free and date(2030, 3, 13) not in md.free
    assert date(2030, 3, 9) in md.free  # Saturday: Dana
    assert date(2030, 3, 10) not in md.free  # Sunday: nobody
    assert md.free == _available_days(tenant, service, md.first, md.last)
    # One master: the same agreement, and Dana's Saturdays are not Aigerim's.
    mine = free_days(tenant, service_id=service.id, month=date(2030, 3, 17), master_id=aigerim.id)
    assert date(2030, 3, 9) not in mine.free and date(2030, 3, 11) in mine.free
    assert mine.free == _available_days(tenant, service, mine.first, mine.last, master_id=aigerim.id)


def test_window_clips_months(shop):
    tenant, service, _a, _d = shop
    april = free_days(tenant, service_id=service.id, month=date(2030, 4, 1))
    assert (april.first, april.last) == (date(2030, 4, 1), date(2030, 4, 13))
    assert april.free and max(april.free) <= date(2030, 4, 13)
    assert april.prev_month == date(2030, 3, 1) and april.next_month is None
    may = free_days(tenant, service_id=service.id, month=date(2030, 5, 1))
    assert may.first is None and may.free == []
    february = free_days(tenant, service_id=service.id, month=date(2030, 2, 1))
    assert february.first is None and february.free == []
    with pytest.raises(ValidationError) as exc:
        free_days(tenant, service_id=service.id, month=date(2030, 5, 1), require_in_window=True)
    assert "month" in exc.value.details


def test_today_after_closing_is_not_free(shop, frozen_now):
    tenant, service, _a, _d = shop
    frozen_now(datetime(2030, 3, 4, 13, 30, tzinfo=UTC))  # 18:30 in Almaty
    md = free_days(tenant, service_id=service.id, month=date(2030, 3, 1))
    assert date(2030, 3, 4) not in md.free and md.free[0] == date(2030, 3, 5)


def test_one_month_costs_a_fixed_number_of_statements(shop, count_queries, create_master):
    tenant, service, _a, _d = shop
    # Warm up the per-connection prepared statements (PostgreSQL) on another day.
    get_availability(tenant, service_id=service.id, date_from=date(2030, 4, 10), days=1)
    with count_queries() as q:
        md = free_days(tenant, service_id=service.id, month=date(2030, 3, 1))
    assert md.free
    # All their calendars for the month; the masters and their versions come from Redis
    # (cached by the availability request above, app.core.cache).
    assert q.count == 1, q.statements
    for n in range(5):  # more masters, still a fixed number of statements
        create_master(tenant, name=f"M{n}", services=[service])
    with count_queries() as q:
        free_days(tenant, service_id=service.id, month=date(2030, 4, 1))
    # This transaction changed the masters and has not committed: it reads around the cache,
    # the masters, then all their calendars.
    assert q.count == 2, q.statements


def test_first_free_day_crosses_into_next_month(shop, frozen_now):
    tenant, service, aigerim, _d = shop
    frozen_now(datetime(2030, 3, 27, 3, 0, tzinfo=UTC))  # Wednesday 27 March
    with tenancy.tenant_scope(tenant.id):
        db.session.add(
            TimeOff(
                tenant_id=tenant.id,
                master_id=aigerim.id,
                start_at=local(date(2030, 3, 27), 0),
                end_at=local(date(2030, 4, 3), 0),
                reason="",
            )
        )
        db.session.flush()
    day, md = first_free_day(tenant, service_id=service.id, master_id=aigerim.id)
    assert day == date(2030, 4, 3) and md.month == date(2030, 4, 1)


def test_unknown_service_and_bad_month(shop):
    tenant, _s, _a, _d = shop
    with pytest.raises(NotFound):
        free_days(tenant, service_id=999999, month=date(2030, 3, 1))
    assert parse_month("2030-03") == date(2030, 3, 1)
    for bad in ("2030-13", "2030-3", "March", "", None, "0000-01"):
        with pytest.raises(ValidationError):
            parse_month(bad)
