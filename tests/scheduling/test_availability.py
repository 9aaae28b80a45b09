"""Concrete cases for app.scheduling.availability (pure, no app or DB needed)."""

import itertools
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from app.scheduling.availability import (
    MasterCalendar,
    Slot,
    WeeklyHours,
    compute_slots,
    is_bookable,
    working_intervals,
)

UTC = UTC
ALMATY = ZoneInfo("Asia/Almaty")
BERLIN = ZoneInfo("Europe/Berlin")
MOSCOW = ZoneInfo("Europe/Moscow")

MONDAY = date(2026, 6, 1)  # a Monday, no DST anywhere near
SPLIT_DAY = ((time(9), time(13)), (time(14), time(18)))
WEEKDAYS = dict.fromkeys(range(5), SPLIT_DAY)  # Mon-Fri, weekend off
LONG_AGO = datetime(2026, 1, 1, tzinfo=UTC)

RULES = {
    "duration": timedelta(minutes=60),
    "buffer": timedelta(minutes=15),
    "step_minutes": 15,
    "min_notice": timedelta(0),
    "horizon_days": 365,
}


def cal(master_id=1, tz="Asia/Almaty", weekly=None, **kw):
    return MasterCalendar(
        master_id=master_id,
        timezone=tz,
        weekly=WEEKDAYS if weekly is None else weekly,
        **kw,
    )


def slots(calendars, day=MONDAY, days=1, now=LONG_AGO, **over):
    rules = {**RULES, **over}
    return compute_slots(list(calendars), day_from=day, days=days, now=now, **rules)


def hhmm(result):
    return [s.start.strftime("%H:%M") for s in result]


def local(d, h, m=0, tz=ALMATY):
    return datetime(d.year, d.month, d.day, h, m, tzinfo=tz)


def quarter_hours(start, last):
    """'HH:MM' strings from start to last inclusive, every 15 minutes."""
    out, t = [], datetime.combine(MONDAY, start)
    while t.time() <= last:
        out.append(t.strftime("%H:%M"))
        t += timedelta(minutes=15)
    return out


MORNING = quarter_hours(time(9), time(11, 45))
AFTERNOON = quarter_hours(time(14), time(16, 45))


# ----------------------------------------------------------------------------- basics


def test_split_day_exact_starts():
    result = slots([cal()])
    # 60 min + 15 min buffer must fit: last start 11:45 before the break, 16:45 at close.
    assert hhmm(result) == MORNING + AFTERNOON
    assert len(result) == 24
    assert all(s.start.tzinfo == ALMATY and s.master_id == 1 for s in result)


def test_weekly_hours_object_is_accepted():
    assert hhmm(slots([cal(weekly=WeeklyHours(WEEKDAYS))])) == MORNING + AFTERNOON


def test_weekly_hours_rejects_bad_data():
    with pytest.raises(ValueError):
        WeeklyHours({7: SPLIT_DAY})
    with pytest.raises(ValueError):
        WeeklyHours({0: ((time(10), time(9)),)})


def test_slot_end_is_start_plus_duration_without_buffer():
    for s in slots([cal()]):
        assert s.end.astimezone(UTC) - s.start.astimezone(UTC) == timedelta(minutes=60)
        assert s.end.tzinfo == ALMATY


def test_step_alignment_follows_each_interval_start():
    weekly = {0: ((time(9, 10), time(11)), (time(13, 5), time(14, 40)))}
    result = slots([cal(weekly=weekly)], duration=timedelta(minutes=30), buffer=timedelta(0), step_minutes=20)
    assert hhmm(result) == ["09:10", "09:30", "09:50", "10:10", "10:30", "13:05", "13:25", "13:45", "14:05"]


def test_bad_parameters_raise():
    with pytest.raises(ValueError):
        slots([cal()], duration=timedelta(0))
    with pytest.raises(ValueError):
        slots([cal()], step_minutes=0)
    with pytest.raises(ValueError):
        slots([cal()], now=datetime(2026, 1, 1))  # naive


def test_invalid_local_intervals_are_ignored():
    weekly = {0: ((time(12), time(12)), (time(18), time(0)), (time(9), time(10, 15)))}
    assert hhmm(slots([cal(weekly=weekly)])) == ["09:00"]


# ------------------------------------------------------------------- bookings, time off


def test_busy_booking_removes_overlapping_slots_back_to_back_allowed():
    # A 60 min booking at 10:00 plus its 15 min buffer blocks until 11:15.
    busy = ((local(MONDAY, 10), local(MONDAY, 11, 15)),)
    result = slots([cal(busy=busy)])
    # A start at 08:45 would be needed to finish before 10:00; 11:15 is back-to-back.
    assert hhmm(result) == ["11:15", "11:30", "11:45", *AFTERNOON]


def test_busy_given_in_utc_works_the_same():
    busy = ((datetime(2026, 6, 1, 5, tzinfo=UTC), datetime(2026, 6, 1, 6, 15, tzinfo=UTC)),)
    assert hhmm(slots([cal(busy=busy)])) == ["11:15", "11:30", "11:45", *AFTERNOON]


def test_slot_ending_exactly_at_booking_start_is_allowed():
    busy = ((local(MONDAY, 15, 15), local(MONDAY, 16, 30)),)
    result = hhmm(slots([cal(busy=busy)]))
    assert "14:00" in result  # 14:00 + 75 min ends exactly at 15:15
    assert "14:15" not in result
    assert "15:00" not in result
    assert "16:30" in result
    assert "16:45" in result


def test_time_off_partial_day():
    off = ((local(MONDAY, 14), local(MONDAY, 15, 30)),)
    assert hhmm(slots([cal(time_off=off)])) == MORNING + quarter_hours(time(15, 30), time(16, 45))


def test_time_off_whole_day_and_more():
    off = ((local(MONDAY, 0), local(MONDAY + timedelta(days=1), 0)),)
    assert slots([cal(time_off=off)]) == []
    # The next day is untouched.
    assert hhmm(slots([cal(time_off=off)], day=MONDAY + timedelta(days=1))) == MORNING + AFTERNOON


# ------------------------------------------------------------------------- overrides


def test_override_replaces_the_weekly_hours():
    over = {MONDAY: ((time(10), time(12)),)}
    assert hhmm(slots([cal(overrides=over)])) == ["10:00", "10:15", "10:30", "10:45"]


def test_override_empty_means_day_off():
    assert slots([cal(overrides={MONDAY: ()})]) == []


def test_override_opens_a_sunday():
    sunday = MONDAY - timedelta(days=1)
    assert slots([cal()], day=sunday) == []
    over = {sunday: ((time(11), time(13)),)}
    assert hhmm(slots([cal(overrides=over)], day=sunday)) == ["11:00", "11:15", "11:30", "11:45"]


# ------------------------------------------------------------ notice, horizon, the past


def test_no_slot_in_the_past():
    now = local(MONDAY, 12)
    assert hhmm(slots([cal()], now=now)) == AFTERNOON


def test_negative_notice_still_never_offers_the_past():
    now = local(MONDAY, 12)
    assert hhmm(slots([cal()], now=now, min_notice=timedelta(hours=-5))) == AFTERNOON


def test_min_notice_cut_off():
    now = local(MONDAY, 9, 20)
    # earliest = 11:20 -> next grid point 11:30.
    result = slots([cal()], now=now, min_notice=timedelta(hours=2))
    assert hhmm(result) == ["11:30", "11:45", *AFTERNOON]
    start_exact = slots([cal()], now=local(MONDAY, 9, 30), min_notice=timedelta(hours=2))
    assert hhmm(start_exact)[0] == "11:30"  # start == now + notice is allowed


def test_horizon_cut_off_uses_local_today():
    # 20:30Z on Sunday is already Monday 01:30 in Almaty: "today" is Monday there.
    now = datetime(2026, 5, 31, 20, 30, tzinfo=UTC)
    result = slots([cal()], now=now, days=7, horizon_days=2)
    dates = sorted({s.start.date() for s in result})
    assert dates == [MONDAY, MONDAY + timedelta(days=1), MONDAY + timedelta(days=2)]
    assert slots([cal()], now=now, day=MONDAY + timedelta(days=3), horizon_days=2) == []


def test_horizon_zero_means_today_only():
    now = local(MONDAY, 8)
    result = slots([cal()], now=now, days=3, horizon_days=0)
    assert {s.start.date() for s in result} == {MONDAY}


# ---------------------------------------------------------------------- time zones


def test_almaty_is_utc_plus_5():
    result = slots([cal(weekly={0: ((time(10), time(11)),)})], buffer=timedelta(0))
    assert len(result) == 1
    assert result[0].start.isoformat() == "2026-06-01T10:00:00+05:00"
    assert result[0].start.astimezone(UTC) == datetime(2026, 6, 1, 5, tzinfo=UTC)


def test_moscow_is_utc_plus_3():
    result = slots([cal(tz="Europe/Moscow", weekly={0: ((time(10), time(11)),)})], buffer=timedelta(0))
    assert [s.start.isoformat() for s in result] == ["2026-06-01T10:00:00+03:00"]
    assert result[0].start.astimezone(UTC).hour == 7


SPRING = date(2026, 3, 29)  # Europe/Berlin: 02:00 CET -> 03:00 CEST
FALL = date(2026, 10, 25)  # Europe/Berlin: 03:00 CEST -> 02:00 CET


def berlin(weekday_hours, d):
    return cal(tz="Europe/Berlin", weekly={d.weekday(): weekday_hours})


def test_spring_forward_interval_skips_the_gap():
    c = berlin(((time(1), time(5)),), SPRING)
    # 01:00 CET = 00:00Z, 05:00 CEST = 03:00Z: three real hours.
    assert working_intervals(c, SPRING) == [
        (datetime(2026, 3, 29, 0, tzinfo=UTC), datetime(2026, 3, 29, 3, tzinfo=UTC))
    ]
    result = slots([c], day=SPRING, duration=timedelta(minutes=30), buffer=timedelta(0), step_minutes=30)
    starts = [s.start.isoformat() for s in result]
    assert starts == [
        "2026-03-29T01:00:00+01:00",
        "2026-03-29T01:30:00+01:00",
        "2026-03-29T03:00:00+02:00",
        "2026-03-29T03:30:00+02:00",
        "2026-03-29T04:00:00+02:00",
        "2026-03-29T04:30:00+02:00",
    ]
    assert not any(s.start.hour == 2 for s in result)
    # Real instants, 30 real minutes apart.
    utc = [s.start.astimezone(UTC) for s in result]
    assert all(b - a == timedelta(minutes=30) for a, b in itertools.pairwise(utc))
    # A slot spanning the jump: 01:30 CET + 60 min ends 03:30 CEST.
    long = slots([c], day=SPRING, duration=timedelta(minutes=60), buffer=timedelta(0), step_minutes=30)
    first = long[1]
    assert first.start.isoformat() == "2026-03-29T01:30:00+01:00"
    assert first.end.isoformat() == "2026-03-29T03:30:00+02:00"


def test_spring_forward_boundaries_inside_the_gap():
    # Both start and end move to the gap's end (03:00 CEST = 01:00Z).
    c = berlin(((time(1), time(2, 30)), (time(2, 15), time(2, 45)), (time(2, 30), time(4))), SPRING)
    assert working_intervals(c, SPRING) == [
        (datetime(2026, 3, 29, 0, tzinfo=UTC), datetime(2026, 3, 29, 1, tzinfo=UTC)),
        (datetime(2026, 3, 29, 1, tzinfo=UTC), datetime(2026, 3, 29, 2, tzinfo=UTC)),
    ]


def test_spring_forward_start_in_gap_aligns_to_gap_end():
    c = berlin(((time(2, 30), time(4)),), SPRING)
    result = slots([c], day=SPRING, duration=timedelta(minutes=30), buffer=timedelta(0), step_minutes=30)
    assert [s.start.isoformat() for s in result] == ["2026-03-29T03:00:00+02:00", "2026-03-29T03:30:00+02:00"]


def test_fall_back_ambiguous_boundary_takes_first_occurrence():
    # 02:30 exists twice; the boundary is resolved once, to the first (+02:00) one.
    c = berlin(((time(2, 30), time(3, 30)),), FALL)
    assert working_intervals(c, FALL) == [
        (datetime(2026, 10, 25, 0, 30, tzinfo=UTC), datetime(2026, 10, 25, 2, 30, tzinfo=UTC))
    ]
    result = slots([c], day=FALL, duration=timedelta(minutes=60), buffer=timedelta(0), step_minutes=60)
    assert result[0].start.isoformat() == "2026-10-25T02:30:00+02:00"


def test_fall_back_end_at_ambiguous_time_excludes_repeated_hour():
    c = berlin(((time(1), time(2, 30)),), FALL)
    result = slots([c], day=FALL, duration=timedelta(minutes=30), buffer=timedelta(0), step_minutes=30)
    # Ends at the first 02:30 (+02:00): the repeated hour is not working time.
    assert [s.start.isoformat() for s in result] == [
        "2026-10-25T01:00:00+02:00",
        "2026-10-25T01:30:00+02:00",
        "2026-10-25T02:00:00+02:00",
    ]
    assert sum(s.start.strftime("%H:%M") == "02:00" for s in result) == 1


def test_fall_back_steps_in_real_time_through_repeated_hour():
    c = berlin(((time(0), time(6)),), FALL)
    result = slots([c], day=FALL, duration=timedelta(minutes=60), buffer=timedelta(0), step_minutes=60)
    starts = [s.start.isoformat() for s in result]
    # 00:00 CEST .. 06:00 CET is seven real hours, so 02:00 appears at both offsets as two
    # distinct instants.
    assert starts == [
        "2026-10-25T00:00:00+02:00",
        "2026-10-25T01:00:00+02:00",
        "2026-10-25T02:00:00+02:00",
        "2026-10-25T02:00:00+01:00",
        "2026-10-25T03:00:00+01:00",
        "2026-10-25T04:00:00+01:00",
        "2026-10-25T05:00:00+01:00",
    ]
    instants = [s.start.astimezone(UTC) for s in result]
    assert len(set(instants)) == 7
    assert result[2].end.isoformat() == "2026-10-25T02:00:00+01:00"
    assert all(
        is_bookable(c, s.start, now=LONG_AGO, **{**RULES, "buffer": timedelta(0), "step_minutes": 60}) for s in result
    )


def test_almaty_2024_change_crossing_midnight():
    # On 2024-03-01 00:00 (+06) Almaty went back to 2024-02-29 23:00 (+05).
    c = cal(weekly={3: ((time(22), time(23, 30)),), 4: ((time(0), time(1)),)})
    now = datetime(2024, 1, 1, tzinfo=UTC)
    rules = {"now": now, "duration": timedelta(minutes=30), "buffer": timedelta(0), "step_minutes": 30}
    thu = slots([c], day=date(2024, 2, 29), **rules)
    assert [s.start.isoformat() for s in thu] == [
        "2024-02-29T22:00:00+06:00",
        "2024-02-29T22:30:00+06:00",
        "2024-02-29T23:00:00+06:00",
    ]
    fri = slots([c], day=date(2024, 3, 1), **rules)
    assert [s.start.isoformat() for s in fri] == ["2024-03-01T00:00:00+05:00", "2024-03-01T00:30:00+05:00"]


# ----------------------------------------------------------------- masters and ranges


def test_multiple_masters_sorted_by_start_then_master_id():
    hours = {0: ((time(10), time(11)),)}
    almaty_b = cal(master_id=7, weekly=hours)
    almaty_a = cal(master_id=3, weekly=hours)
    # Moscow 08:00 = 05:00Z = Almaty 10:00, so it ties with the Almaty masters.
    moscow = cal(master_id=5, tz="Europe/Moscow", weekly={0: ((time(7, 30), time(8, 30)),)})
    result = slots([almaty_b, moscow, almaty_a], duration=timedelta(minutes=30), buffer=timedelta(0), step_minutes=30)
    got = [(s.start.astimezone(UTC).strftime("%H:%M"), s.master_id) for s in result]
    assert got == [
        ("04:30", 5),
        ("05:00", 3),
        ("05:00", 5),
        ("05:00", 7),
        ("05:30", 3),
        ("05:30", 7),
    ]
    assert result[2].start.isoformat() == "2026-06-01T08:00:00+03:00"


def test_duplicate_calendar_or_overlapping_intervals_give_unique_slots():
    weekly = {0: ((time(9), time(11)), (time(10), time(12)))}
    c = cal(weekly=weekly)
    result = slots([c, c], duration=timedelta(minutes=60), buffer=timedelta(0), step_minutes=60)
    assert hhmm(result) == ["09:00", "10:00", "11:00"]


def test_days_span_several_dates():
    friday = MONDAY - timedelta(days=3)
    result = slots([cal()], day=friday, days=4)
    dates = [s.start.date() for s in result]
    assert sorted(set(dates)) == [friday, MONDAY]  # weekend off
    assert dates == sorted(dates)
    assert len(result) == 48


def test_days_zero_is_empty():
    assert slots([cal()], days=0) == []


# ---------------------------------------------------------------------- is_bookable


def test_is_bookable_matches_slots():
    busy = ((local(MONDAY, 10), local(MONDAY, 11, 15)),)
    c = cal(busy=busy)
    offered = {s.start for s in slots([c])}
    t = local(MONDAY, 8)
    while t < local(MONDAY, 19):
        assert is_bookable(c, t, now=LONG_AGO, **RULES) == (t in offered), t
        t += timedelta(minutes=5)


def test_is_bookable_accepts_any_zone_and_rejects_off_grid():
    c = cal()
    assert is_bookable(c, datetime(2026, 6, 1, 4, tzinfo=UTC), now=LONG_AGO, **RULES)  # 09:00
    assert not is_bookable(c, local(MONDAY, 9, 5), now=LONG_AGO, **RULES)
    assert not is_bookable(c, local(MONDAY, 12), now=LONG_AGO, **RULES)  # runs into break
    assert not is_bookable(c, local(MONDAY, 9), now=local(MONDAY, 10), **RULES)  # past


def test_slot_is_a_frozen_value():
    s = slots([cal()])[0]
    assert isinstance(s, Slot)
    with pytest.raises(AttributeError):
        s.master_id = 2  # type: ignore[misc]
