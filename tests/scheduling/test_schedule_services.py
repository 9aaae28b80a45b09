"""Weekly hours, overrides, time off, and availability through the service layer."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from app.audit.models import AuditLog
from app.bookings import services as bs
from app.core import clock
from app.core.errors import Forbidden, NotFound, SlotUnavailable, ValidationError
from app.extensions import db
from app.scheduling import schedules
from app.scheduling import services as ss
from tests.bookings.conftest import at

DAY = date(2030, 3, 4)  # Monday


def starts(result):
    return [s["start"].strftime("%H:%M") for s in result["slots"]]


def avail(s, day=DAY, **kw):
    return ss.get_availability(s.tenant, service_id=s.service.id, date_from=day, master_id=s.master.id, **kw)


def test_weekly_hours_round_trip_and_validation(salon):
    weekly = {"mon": [{"start": "10:00", "end": "12:00"}, {"start": "13:00", "end": "19:00"}], "sat": []}
    out = schedules.set_weekly(salon.tenant, salon.owner, salon.master, weekly)
    assert out["mon"] == weekly["mon"]
    assert out["tue"] == []
    assert set(out) == set(schedules.DAYS)
    assert schedules.get_weekly(salon.master) == out
    for bad in (
        {"mon": [{"start": "10:00", "end": "09:00"}]},
        {"mon": [{"start": "09:00", "end": "12:00"}, {"start": "11:00", "end": "13:00"}]},
        {"mon": [{"start": "9:00", "end": "12:00"}]},
        {"mon": [{"start": "09:00", "end": "24:00"}]},
        {"funday": []},
    ):
        with pytest.raises(ValidationError):
            schedules.set_weekly(salon.tenant, salon.owner, salon.master, bad)
    assert schedules.get_weekly(salon.master) == out
    log = db.session.scalars(select(AuditLog).where(AuditLog.action == "schedule.set_weekly")).all()
    assert len(log) == 1
    assert log[0].after["mon"] == weekly["mon"]
    assert log[0].before["mon"][0]["start"] == "09:00"


def test_schedule_permissions(salon):
    weekly = {"mon": [{"start": "10:00", "end": "12:00"}]}
    with pytest.raises(Forbidden):
        schedules.set_weekly(salon.tenant, salon.master_actor, salon.master, weekly)
    with pytest.raises(NotFound):
        schedules.set_weekly(salon.tenant, salon.master_actor, salon.other_master, weekly)
    with pytest.raises(Forbidden):
        schedules.set_weekly(salon.tenant, salon.client_actor, salon.master, weekly)
    schedules.set_weekly(salon.tenant, salon.manager_actor, salon.master, weekly)
    from app.core.auth import Actor

    salon.master.permissions = ["edit_own_schedule"]
    schedules.set_weekly(salon.tenant, Actor.for_user(salon.master.user, salon.master), salon.master, weekly)


def test_weekly_hours_and_breaks_shape_availability(salon):
    assert starts(avail(salon))[:3] == ["09:00", "09:15", "09:30"]
    assert "12:00" in starts(avail(salon))
    assert "12:15" not in starts(avail(salon))
    assert starts(avail(salon))[-1] == "17:00"
    schedules.set_weekly(salon.tenant, salon.owner, salon.master, {"mon": [{"start": "15:00", "end": "17:00"}]})
    assert starts(avail(salon)) == ["15:00", "15:15", "15:30", "15:45", "16:00"]
    assert avail(salon, day=DAY + timedelta(days=1))["slots"] == []


def test_min_notice_hides_near_slots(salon):
    clock.freeze(at("10:20").astimezone(ZoneInfo("UTC")))
    assert starts(avail(salon))[0] == "11:30"  # 60 min notice from 10:20, on the 15-min grid


def test_horizon(salon):
    assert avail(salon, day=DAY + timedelta(days=60))["slots"]
    assert avail(salon, day=DAY + timedelta(days=61))["slots"] == []


def test_override_replaces_hours_and_empty_is_day_off(salon):
    schedules.set_override(salon.tenant, salon.owner, salon.master, DAY, [{"start": "10:00", "end": "11:30"}])
    assert starts(avail(salon)) == ["10:00", "10:15", "10:30"]
    schedules.set_override(salon.tenant, salon.owner, salon.master, DAY, [])
    assert avail(salon)["slots"] == []
    schedules.delete_override(salon.tenant, salon.owner, salon.master, DAY)
    assert starts(avail(salon))[0] == "09:00"
    with pytest.raises(ValidationError):
        schedules.set_override(salon.tenant, salon.owner, salon.master, DAY, [{"start": "12:00", "end": "11:00"}])


def test_time_off_removes_slots(salon):
    off = schedules.add_time_off(salon.tenant, salon.owner, salon.master, at("09:00"), at("12:00"), "dentist")
    assert starts(avail(salon))[0] == "12:00"
    schedules.delete_time_off(salon.tenant, salon.owner, salon.master, off.id)
    assert starts(avail(salon))[0] == "09:00"
    with pytest.raises(ValidationError):
        schedules.add_time_off(salon.tenant, salon.owner, salon.master, at("12:00"), at("11:00"))
    with pytest.raises(ValidationError):
        schedules.add_time_off(
            salon.tenant, salon.owner, salon.master, datetime(2030, 3, 4, 9), datetime(2030, 3, 4, 10)
        )
    with pytest.raises(NotFound):
        schedules.delete_time_off(salon.tenant, salon.owner, salon.master, off.id)


def test_days_are_limited(salon):
    for bad in (0, 32, -1, "3"):
        with pytest.raises(ValidationError):
            avail(salon, days=bad)
    assert len({s["start"].date() for s in avail(salon, days=31)["slots"]}) == 31


def test_all_masters_sorted_and_shape(salon):
    result = ss.get_availability(salon.tenant, service_id=salon.service.id, date_from=DAY)
    assert result["timezone"] == "Asia/Almaty"
    assert result["service_id"] == salon.service.id
    keys = [(s["start"], s["master_id"]) for s in result["slots"]]
    assert keys == sorted(keys)
    assert len(set(keys)) == len(keys)
    assert {s["master_id"] for s in result["slots"]} == {salon.master.id, salon.other_master.id}
    first = result["slots"][0]
    assert first["start"].utcoffset() == timedelta(hours=5)
    assert first["end"] - first["start"] == timedelta(hours=1)


def test_unknown_or_inactive_service_is_not_found(salon):
    with pytest.raises(NotFound):
        ss.get_availability(salon.tenant, service_id=999999, date_from=DAY)
    salon.service.active = False
    db.session.flush()
    with pytest.raises(NotFound):
        avail(salon)


def test_inactive_master_and_unoffered_service_have_no_slots(salon):
    salon.other_master.active = False
    db.session.flush()
    res = ss.get_availability(salon.tenant, service_id=salon.service.id, date_from=DAY)
    assert {s["master_id"] for s in res["slots"]} == {salon.master.id}


def test_availability_uses_a_fixed_number_of_queries(salon, count_queries):
    with count_queries() as q1:
        ss.get_availability(salon.tenant, service_id=salon.service.id, date_from=DAY, days=1)
    from app.core.redis import get_redis

    get_redis().flushdb()
    with count_queries() as q2:
        ss.get_availability(salon.tenant, service_id=salon.service.id, date_from=DAY, days=31)
    assert q1.count == q2.count == 2  # masters + one UNION ALL for hours/overrides/time off/bookings


def test_cache_hit_and_invalidation_on_every_write(salon, count_queries):
    first = avail(salon)
    with count_queries() as q:
        assert avail(salon) == first
    assert q.count == 1  # masters + versions; the slots came from Redis
    b = bs.create_booking(
        salon.tenant,
        salon.client_actor,
        service_id=salon.service.id,
        master_id=salon.master.id,
        start=at("09:00"),
        client=salon.client,
    )
    assert "09:00" not in starts(avail(salon))
    bs.cancel_booking(salon.tenant, salon.owner, b)
    assert "09:00" in starts(avail(salon))
    schedules.add_time_off(salon.tenant, salon.owner, salon.master, at("09:00"), at("10:00"))
    assert "09:00" not in starts(avail(salon))
    schedules.set_override(salon.tenant, salon.owner, salon.master, DAY, [{"start": "16:00", "end": "17:00"}])
    assert starts(avail(salon)) == ["16:00"]
    from app.catalog.services import update_service
    from app.tenants.services import update_settings

    update_service(salon.tenant, salon.owner, salon.service, {"duration_minutes": 30})
    assert starts(avail(salon)) == ["16:00", "16:15", "16:30"]
    update_settings(salon.owner, salon.tenant, {"slot_step_minutes": 30})
    assert starts(avail(salon)) == ["16:00", "16:30"]


def test_redis_failure_degrades_to_no_cache(salon, app, monkeypatch):
    import redis

    class Broken:
        def __getattr__(self, name):
            def fail(*a, **k):
                raise redis.ConnectionError("down")

            return fail

    good = avail(salon)
    monkeypatch.setitem(app.extensions, "redis", Broken())
    assert avail(salon) == good
    bs.create_booking(
        salon.tenant,
        salon.client_actor,
        service_id=salon.service.id,
        master_id=salon.master.id,
        start=at("09:00"),
        client=salon.client,
    )
    assert "09:00" not in starts(avail(salon))


def test_slot_offered_is_bookable_and_taken_slot_is_not(salon):
    slots = avail(salon)["slots"]
    first, *rest = slots[:3]  # 09:00, 09:15, 09:30
    bs.create_booking(
        salon.tenant,
        salon.client_actor,
        service_id=salon.service.id,
        master_id=first["master_id"],
        start=first["start"],
        client=salon.client,
    )
    for slot in rest:  # offered before, overlapping the 60-minute booking now
        with pytest.raises(SlotUnavailable):
            bs.create_booking(
                salon.tenant,
                salon.client_actor,
                service_id=salon.service.id,
                master_id=slot["master_id"],
                start=slot["start"],
                client=salon.client,
            )
    assert starts(avail(salon))[0] == "10:00"


def test_time_parse_helper():
    assert ss._t("09:30:00") == time(9, 30)
