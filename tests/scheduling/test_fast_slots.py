"""The fast slot generator against a naive one that converts every candidate to local time.

``compute_slots`` places slots on days without a clock change by adding elapsed time to
local midnight (no zone lookup per candidate) and falls back to converting each candidate
on clock-change days. Here a deliberately simple reference walks every working interval
in UTC, converts every candidate and compares *everything* the fast path returns: start
and end instants, their UTC offsets (so the local wall time too) and the master, on
random schedules over ranges that cross a clock change (summer time starting and ending,
Moscow's 2011 and 2014 switches, Almaty's 2024 midnight switch, Lord Howe's half-hour DST).
"""

from __future__ import annotations

import importlib
import itertools
import zoneinfo
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.scheduling.availability import MasterCalendar, compute_slots, is_bookable, working_intervals

MINUTE = timedelta(minutes=1)
# (date of a clock change, zone that changes then)
CHANGES = [
    (date(2026, 3, 29), "Europe/Berlin"),  # 02:00 -> 03:00
    (date(2026, 10, 25), "Europe/Berlin"),  # 03:00 -> 02:00
    (date(2026, 3, 8), "America/New_York"),
    (date(2026, 11, 1), "America/New_York"),
    (date(2011, 3, 27), "Europe/Moscow"),  # UTC+3 -> UTC+4 for good (until 2014)
    (date(2014, 10, 26), "Europe/Moscow"),  # UTC+4 -> UTC+3
    (date(2024, 3, 1), "Asia/Almaty"),  # UTC+6 -> UTC+5 at midnight
    (date(2026, 4, 5), "Australia/Lord_Howe"),  # half-hour DST ends
    (date(2026, 10, 4), "Australia/Sydney"),
]
OTHER_ZONES = ["UTC", "Asia/Almaty", "Europe/Moscow", "Europe/Berlin", "America/New_York"]


def naive_slots(cals, *, day_from, days, duration, buffer, step_minutes, now, min_notice, horizon_days):
    """Every candidate of every interval, each converted to the zone: slow and obvious."""
    step = timedelta(minutes=step_minutes)
    earliest = now + max(min_notice, timedelta(0))
    found = {}
    for c in cals:
        z = ZoneInfo(c.timezone)
        end_date = min(day_from + timedelta(days=days), now.astimezone(z).date() + timedelta(days=horizon_days + 1))
        blocks = [(a, b) for a, b in (*c.busy, *c.time_off) if a < b]
        d = day_from - timedelta(days=1)
        while d <= end_date:
            for ws, we in working_intervals(c, d):
                s = ws
                while s + duration + buffer <= we:
                    free = not any(a < s + duration + buffer and s < b for a, b in blocks)
                    local = s.astimezone(z)
                    if free and s >= earliest and day_from <= local.date() < end_date:
                        found[(s, c.master_id)] = (local, (s + duration).astimezone(z))
                    s += step
            d += timedelta(days=1)
    return [(s, local, end, mid) for (s, mid), (local, end) in sorted(found.items(), key=lambda kv: kv[0])]


def _shape(slots):
    return [(s.start, s.start.utcoffset(), s.end, s.end.utcoffset(), s.master_id) for s in slots]


def _naive_shape(rows):
    return [(local, local.utcoffset(), end, end.utcoffset(), mid) for _s, local, end, mid in rows]


def _interval_list(points):
    points = sorted(set(points))
    return tuple(
        (time(a // 60, a % 60), time(b // 60, b % 60)) for a, b in zip(points[::2], points[1::2], strict=False)
    )


# Boundaries on a 5-minute grid, often in the small hours where the clocks change.
minute_points = st.lists(
    st.one_of(st.integers(0, 287).map(lambda k: 5 * k), st.integers(0, 48).map(lambda k: 5 * k)),
    min_size=2,
    max_size=6,
)


@st.composite
def schedules(draw):
    change, tz = draw(st.sampled_from(CHANGES))
    day_from = change - timedelta(days=draw(st.integers(0, 3)))
    days = draw(st.integers(1, 7))
    origin = datetime.combine(day_from, time(0), tzinfo=UTC) - timedelta(days=1)
    cals = []
    for mid in range(1, draw(st.integers(1, 4)) + 1):
        zone = tz if mid == 1 else draw(st.sampled_from([tz, *OTHER_ZONES]))
        weekly = {wd: _interval_list(draw(minute_points)) for wd in draw(st.sets(st.integers(0, 6), min_size=4))}
        overrides = {}
        if draw(st.booleans()):
            overrides[change + timedelta(days=draw(st.integers(-1, 1)))] = _interval_list(draw(minute_points))
        busy = tuple(
            (origin + 5 * a * MINUTE, origin + 5 * (a + n) * MINUTE)
            for a, n in draw(st.lists(st.tuples(st.integers(0, 9 * 288), st.integers(1, 36)), max_size=12))
        )
        time_off = tuple(
            (origin + 5 * a * MINUTE, origin + 5 * (a + n) * MINUTE)
            for a, n in draw(st.lists(st.tuples(st.integers(0, 9 * 288), st.integers(1, 300)), max_size=2))
        )
        cals.append(MasterCalendar(mid, zone, weekly, overrides, time_off, busy))
    rules = {
        "duration": draw(st.integers(1, 24)) * 5 * MINUTE,
        "buffer": draw(st.integers(0, 4)) * 5 * MINUTE,
        "step_minutes": draw(st.sampled_from([5, 10, 15, 20, 30, 60])),
        "now": origin + draw(st.integers(-2 * 1440, 3 * 1440)) * MINUTE,
        "min_notice": draw(st.integers(0, 24 * 60)) * MINUTE,
        "horizon_days": draw(st.one_of(st.just(365), st.integers(0, 6))),
    }
    return cals, day_from, days, rules


@settings(max_examples=100, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(schedules())
def test_fast_path_matches_per_candidate_conversion_across_clock_changes(scenario):
    cals, day_from, days, rules = scenario
    fast = compute_slots(cals, day_from=day_from, days=days, **rules)
    slow = naive_slots(cals, day_from=day_from, days=days, **rules)
    assert _shape(fast) == _naive_shape(slow)
    # The single-start check agrees with the list for a sample of what was offered.
    for slot in fast[:: max(1, len(fast) // 5)]:
        cal = next(c for c in cals if c.master_id == slot.master_id)
        assert is_bookable(cal, slot.start, **rules)


@pytest.mark.parametrize(
    ("tz", "day", "expected"),
    [
        # Spring forward at 02:00: 01:30 CET, then 03:00 CEST is only 30 minutes later.
        ("Europe/Berlin", date(2026, 3, 29), ["01:00+0100", "01:30+0100", "03:00+0200", "03:30+0200"]),
        # Fall back: 02:00-03:00 happens twice; the working day is one hour longer.
        (
            "Europe/Berlin",
            date(2026, 10, 25),
            [
                *("01:00+0200", "01:30+0200", "02:00+0200", "02:30+0200"),
                *("02:00+0100", "02:30+0100", "03:00+0100", "03:30+0100"),
            ],
        ),
        # Moscow moved to UTC+4 for good on 2011-03-27 at 02:00.
        ("Europe/Moscow", date(2011, 3, 27), ["01:00+0300", "01:30+0300", "03:00+0400", "03:30+0400"]),
    ],
)
def test_clock_change_day_slots(tz, day, expected):
    cal = MasterCalendar(1, tz, {day.weekday(): ((time(1), time(4)),)})
    slots = compute_slots(
        [cal],
        day_from=day - timedelta(days=1),
        days=3,
        duration=30 * MINUTE,
        buffer=timedelta(0),
        step_minutes=30,
        now=datetime(2000, 1, 1, tzinfo=UTC),
        min_notice=timedelta(0),
        horizon_days=10_000,
    )
    assert [s.start.strftime("%H:%M%z") for s in slots] == expected
    assert all(s.end.astimezone(UTC) - s.start.astimezone(UTC) == 30 * MINUTE for s in slots)


def test_masters_sharing_hours_share_slots_but_keep_their_ids():
    weekly = {wd: ((time(9), time(12)),) for wd in range(7)}
    cals = [MasterCalendar(m, "Asia/Almaty", weekly) for m in (3, 1, 2)]
    slots = compute_slots(
        cals,
        day_from=date(2026, 12, 7),
        days=2,
        duration=60 * MINUTE,
        buffer=timedelta(0),
        step_minutes=60,
        now=datetime(2026, 12, 1, tzinfo=UTC),
        min_notice=timedelta(0),
        horizon_days=30,
    )
    assert [(s.start.strftime("%d %H:%M"), s.master_id) for s in slots] == [
        (f"{d} {h}:00", m) for d in ("07", "08") for h in ("09", "10", "11") for m in (1, 2, 3)
    ]


def test_tzdata_never_has_two_clock_changes_within_two_days():
    """The fast path's premise: equal offsets at a day's two midnights mean no change that day."""
    try:  # the pure-Python implementation exposes the transition list
        pure = importlib.import_module("zoneinfo._zoneinfo")
    except ImportError:
        pytest.skip("pure-Python zoneinfo not available")
    since_1900 = int(datetime(1900, 1, 1, tzinfo=UTC).timestamp())
    close = []
    for name in sorted(zoneinfo.available_timezones()):
        try:
            transitions = getattr(pure.ZoneInfo.no_cache(name), "_trans_utc", None)
        except (OSError, ValueError):
            continue
        if transitions is None:
            pytest.skip("zoneinfo internals changed")
        close += [(name, a) for a, b in itertools.pairwise(transitions) if a > since_1900 and b - a < 2 * 86400]
    assert close == []
