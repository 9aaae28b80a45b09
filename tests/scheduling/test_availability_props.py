"""Property tests for app.scheduling.availability, including a brute-force reference."""

import itertools
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.scheduling.availability import (
    MasterCalendar,
    compute_slots,
    is_bookable,
    working_intervals,
)

UTC = UTC
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MINUTE = timedelta(minutes=1)
TZS = ["Europe/Berlin", "Asia/Almaty", "Europe/Moscow", "America/New_York", "UTC"]
# Dates of clock changes, the zone that changes then, and the local hour that is skipped
# or repeated (EU and US DST, and Almaty's 2024-03-01 00:00 switch to UTC+5, which
# repeats 23:00-24:00 of Feb 29), plus a quiet date.
ANCHORS = [
    (date(2026, 3, 8), "America/New_York", 2),
    (date(2026, 3, 29), "Europe/Berlin", 2),
    (date(2026, 10, 25), "Europe/Berlin", 2),
    (date(2026, 11, 1), "America/New_York", 1),
    (date(2024, 2, 29), "Asia/Almaty", 23),
    (date(2026, 6, 15), "Europe/Moscow", 12),
]

_COMMON = {"deadline": None, "database": None, "suppress_health_check": [HealthCheck.too_slow]}
PROPS = settings(max_examples=150, **_COMMON)
SPLIT = settings(max_examples=50, **_COMMON)
REF = settings(max_examples=40, **_COMMON)
REF_FOCUS = settings(max_examples=100, **_COMMON)


def minute_of(dt):
    return (dt - EPOCH) // MINUTE


def at_minute(m):
    return EPOCH + m * MINUTE


# ------------------------------------------------------------------------ strategies
# Everything is on a 5-minute grid so that bookings often end exactly on a slot boundary
# (back-to-back cases) and interval boundaries often land in a skipped or repeated hour.


def _hours(first, steps):
    points = [first]
    for k in steps:
        points.append(points[-1] + k)
    points = [p * 5 for p in points if p <= 287]
    return tuple(
        (time(a // 60, a % 60), time(b // 60, b % 60)) for a, b in zip(points[::2], points[1::2], strict=False)
    )


@cache  # building strategies is not free; draw from the same ones every time
def day_hours(near_hour=None):
    """Sorted non-overlapping local intervals; with near_hour, boundaries cluster around
    that hour (-90..+150 min), i.e. in and around a DST gap or overlap."""
    if near_hour is None:
        first = st.integers(0, 287)
        steps = st.one_of(st.integers(1, 12), st.integers(12, 100))
    else:
        first = st.integers(max(0, near_hour * 12 - 18), min(287, near_hour * 12 + 18))
        steps = st.integers(1, 30)
    return st.builds(_hours, first, st.lists(steps, min_size=1, max_size=5))


@cache
def ranges(max_len, max_size):
    """(offset, length) pairs in 5-minute units, from a day before to four days after."""
    return st.lists(st.tuples(st.integers(-288, 4 * 288), st.integers(1, max_len // 5)), max_size=max_size)


@cache
def near_ranges(change_hour):
    return st.lists(
        st.tuples(st.integers(change_hour * 12 - 24, change_hour * 12 + 48), st.integers(1, 12)), max_size=2
    )


def _instants(origin, pairs):
    return tuple((origin + 5 * s * MINUTE, origin + 5 * (s + n) * MINUTE) for s, n in pairs)


@st.composite
def scenarios(draw, max_masters=3, max_days=3, focus=None):
    anchor, changing_tz, change_hour = draw(st.sampled_from(ANCHORS))
    # Focused examples zoom in on the clock change: its zone, its date worked, hours and
    # bookings around the changing hour, and "now" well before.
    if focus is None:
        focus = draw(st.booleans())
    day_from = anchor + timedelta(days=draw(st.integers(-1, 0 if focus else 1)))
    base = datetime.combine(anchor, time(0), tzinfo=UTC)
    n_masters = draw(st.integers(1, max_masters))
    cals = []
    for mid in range(1, n_masters + 1):
        tz = changing_tz if focus else draw(st.sampled_from(TZS))
        weekly = dict.fromkeys(draw(st.sets(st.integers(0, 6), min_size=3)), draw(day_hours()))
        weekly[draw(st.integers(0, 6))] = draw(day_hours())
        overrides = {}
        if focus or draw(st.booleans()):
            overrides[anchor] = draw(day_hours(change_hour))
        if draw(st.booleans()):
            overrides[day_from + timedelta(days=draw(st.integers(-1, 2)))] = draw(day_hours())

        busy = _instants(base, draw(ranges(240, 4)))
        if focus:  # bookings near the hours drawn above, often touching a slot exactly
            # In UTC: adding minutes to a zoned datetime is wall-clock arithmetic.
            midnight = datetime.combine(anchor, time(0), tzinfo=ZoneInfo(tz)).astimezone(UTC)
            busy += _instants(midnight, draw(near_ranges(change_hour)))
        time_off = _instants(base, draw(ranges(1440, 2)))
        if draw(st.booleans()):  # the same instants expressed in the local zone
            z = ZoneInfo(tz)
            busy = tuple((a.astimezone(z), b.astimezone(z)) for a, b in busy)
        cals.append(MasterCalendar(mid, tz, weekly, overrides, time_off, busy))
    now_minutes = draw(st.integers(-3 * 1440, -1440 if focus else 720))
    rules = {
        "duration": draw(st.one_of(st.integers(1, 12), st.integers(1, 36))) * 5 * MINUTE,
        "buffer": draw(st.integers(0, 6)) * 5 * MINUTE,
        "step_minutes": draw(st.sampled_from([5, 10, 15, 20, 30, 45, 60])),
        "now": base + now_minutes * MINUTE + timedelta(seconds=draw(st.integers(0, 59))),
        "min_notice": draw(st.one_of(st.just(0), st.integers(0, 24 * 60))) * MINUTE,
        "horizon_days": draw(st.one_of(st.just(30), st.integers(0, 6))),
    }
    days = draw(st.integers(1, max_days))
    return cals, day_from, days, rules


def run(cals, day_from, days, rules):
    return compute_slots(cals, day_from=day_from, days=days, **rules)


# ------------------------------------------------------------------------ invariants


@PROPS
@given(scenarios())
def test_invariants(scenario):
    cals, day_from, days, rules = scenario
    by_id = {c.master_id: c for c in cals}
    result = run(cals, day_from, days, rules)
    block = rules["duration"] + rules["buffer"]
    earliest = rules["now"] + rules["min_notice"]

    @cache
    def intervals(master_id, d):
        return working_intervals(by_id[master_id], d)

    keys = [(s.start.astimezone(UTC), s.master_id) for s in result]
    assert all(a < b for a, b in itertools.pairwise(keys)), "strictly sorted and unique"

    for s in result:
        c = by_id[s.master_id]
        z = ZoneInfo(c.timezone)
        start = s.start.astimezone(UTC)
        end_block = start + block
        assert s.start.tzinfo == z
        assert s.end.tzinfo == z
        assert s.end.astimezone(UTC) - start == rules["duration"]
        assert start >= earliest
        local_day = s.start.date()
        assert day_from <= local_day < day_from + timedelta(days=days)
        today = rules["now"].astimezone(z).date()
        assert local_day <= today + timedelta(days=rules["horizon_days"])
        for a, b in (*c.busy, *c.time_off):
            assert not (a < b and a < end_block and start < b), "overlaps busy/time off"
        step = timedelta(minutes=rules["step_minutes"])
        inside = [
            (ws, we)
            for d in (local_day - timedelta(days=1), local_day, local_day + timedelta(days=1))
            for ws, we in intervals(c.master_id, d)
            if ws <= start and end_block <= we and (start - ws) % step == timedelta(0)
        ]
        assert inside, "within a working interval, on its step grid"

    # is_bookable agrees on a sample of offered starts and on nearby non-offered instants.
    offered = set(keys)
    for s in result[:: max(1, len(result) // 12)]:
        c = by_id[s.master_id]
        assert is_bookable(c, s.start, **rules)
        for delta in (timedelta(minutes=-5), timedelta(minutes=1), timedelta(minutes=5)):
            t = s.start.astimezone(UTC) + delta
            t_day = t.astimezone(ZoneInfo(c.timezone)).date()
            if day_from <= t_day < day_from + timedelta(days=days):
                assert is_bookable(c, t, **rules) == ((t, c.master_id) in offered)


@SPLIT
@given(scenarios(max_masters=1, max_days=1))
def test_days_split_into_single_dates(scenario):
    # A multi-day query is exactly the union of its single-day queries.
    cals, day_from, _, rules = scenario
    three = run(cals, day_from, 3, rules)
    singles = [s for k in range(3) for s in run(cals, day_from + timedelta(days=k), 1, rules)]
    assert [(s.start, s.master_id) for s in three] == [(s.start, s.master_id) for s in singles]


# ------------------------------------------------------------ brute-force reference


@cache
def _local_minutes(tz_name, day):
    """(first UTC minute, local wall clock of every UTC minute) around ``day``.

    The window starts 16 h before local midnight in UTC terms, so it begins before the
    date in every zone and ends after it.
    """
    z = ZoneInfo(tz_name)
    first = minute_of(datetime.combine(day, time(0), tzinfo=UTC)) - 16 * 60
    wall = [at_minute(m).astimezone(z).replace(tzinfo=None) for m in range(first, first + 56 * 60)]
    return first, wall


def _ref_boundary(tz_name, day, t):
    # The first real minute whose wall clock reads t or later: exactly the design rule
    # (first occurrence for ambiguous times, end of the gap for missing ones).
    first, wall = _local_minutes(tz_name, day)
    target = datetime.combine(day, t)
    for i, w in enumerate(wall):
        if w >= target:
            return first + i
    raise AssertionError("window too small")


def _ref_hours(c, d):
    if d in c.overrides:
        return c.overrides[d]
    return c.weekly.get(d.weekday(), ())


def reference(cals, day_from, days, rules):
    out = set()
    dur = rules["duration"] // MINUTE
    block = dur + rules["buffer"] // MINUTE
    step = rules["step_minutes"]
    earliest = rules["now"] + rules["min_notice"]
    last_day = day_from + timedelta(days=days)
    for c in cals:
        z = ZoneInfo(c.timezone)
        horizon = rules["now"].astimezone(z).date() + timedelta(days=rules["horizon_days"])
        blocked = set()
        for a, b in (*c.busy, *c.time_off):
            blocked.update(range(minute_of(a), minute_of(b)))
        d = day_from - timedelta(days=2)
        while d <= last_day + timedelta(days=1):
            for a, b in _ref_hours(c, d):
                if not a < b:
                    continue
                ws, we = _ref_boundary(c.timezone, d, a), _ref_boundary(c.timezone, d, b)
                for s in range(ws, we, step):
                    if s + block > we or at_minute(s) < earliest:
                        continue
                    if any(m in blocked for m in range(s, s + block)):
                        continue
                    local_day = at_minute(s).astimezone(z).date()
                    if day_from <= local_day < last_day and local_day <= horizon:
                        out.add((s, c.master_id))
            d += timedelta(days=1)
    return sorted(out)


def check_against_reference(scenario):
    cals, day_from, days, rules = scenario
    got = [(minute_of(s.start), s.master_id) for s in run(cals, day_from, days, rules)]
    assert got == reference(cals, day_from, days, rules)


@REF
@given(scenarios(max_masters=2, max_days=2))
def test_matches_brute_force_reference(scenario):
    check_against_reference(scenario)


@REF_FOCUS
@given(scenarios(max_masters=1, max_days=2, focus=True))
def test_matches_brute_force_reference_at_clock_changes(scenario):
    check_against_reference(scenario)
