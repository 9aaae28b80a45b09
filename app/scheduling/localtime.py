"""Local wall-clock times to UTC instants under the design's DST rules, in integer microseconds.

Availability works on instants as integer microseconds since the epoch in its hot loop,
because comparing aware datetimes in a zone with DST is both slow and, for ambiguous
times, subtly wrong: two datetimes with the same ``tzinfo`` are compared by wall clock and
ignore ``fold``.  The rules (:func:`local_to_us`): an ambiguous wall time takes its first
occurrence, a non-existent one the end of the gap.  Bookings re-derive their instants after
a zone rule change with the same rules (:func:`local_to_instant`).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_US = timedelta(microseconds=1)
_MIDNIGHT = time(0, 0)


def naive_time(t: time) -> time:
    return t.replace(tzinfo=None, fold=0)


def to_us(dt: datetime) -> int:
    if dt.tzinfo is None or dt.utcoffset() is None:
        raise ValueError(f"aware datetime required, got naive {dt!r}")
    return (dt - EPOCH) // _US


def from_us(us: int) -> datetime:
    return EPOCH + timedelta(microseconds=us)


def td_us(td: timedelta) -> int:
    return td // _US


def local_to_us(day: date, t: time, tz: ZoneInfo) -> int:
    """UTC instant (µs) of local wall time ``t`` on ``day`` under the design's DST rules.

    An ambiguous wall time (clocks fall back, the hour repeats) takes its first
    occurrence: that is what ``fold=0`` means, and it matches how people read "02:30" on
    that night. A wall time that does not exist (clocks spring forward) is replaced by the
    first instant that does exist after the gap, i.e. the transition instant itself; this
    is the same for interval starts and ends, so a 01:00-04:00 shift across a one-hour
    gap lasts two real hours and a shift lying wholly inside a gap vanishes. Non-existence
    is detected by round-tripping local -> UTC -> local, because zoneinfo silently
    accepts such times and maps them with the pre-transition offset.
    """
    naive = datetime.combine(day, naive_time(t))
    utc = naive.replace(tzinfo=tz).astimezone(UTC)
    if utc.astimezone(tz).replace(tzinfo=None) == naive:
        return to_us(utc)
    return _gap_end_us(naive, tz)


def _gap_end_us(naive: datetime, tz: ZoneInfo) -> int:
    # The two folds of a non-existent time map it with the offsets before and after the
    # transition, giving instants on both sides of it; bisect to the first instant whose
    # offset is the post-transition one. Only runs on DST-change days, so µs resolution
    # (about 35 steps) is cheap and exact for any transition time.
    a = to_us(naive.replace(tzinfo=tz, fold=0))
    b = to_us(naive.replace(tzinfo=tz, fold=1))
    lo, hi = min(a, b), max(a, b)
    after = from_us(hi).astimezone(tz).utcoffset()
    while lo < hi:
        mid = (lo + hi) // 2
        if from_us(mid).astimezone(tz).utcoffset() == after:
            hi = mid
        else:
            lo = mid + 1
    return lo


def earliest_midnight_us(day: date, tz: ZoneInfo) -> int:
    # Lower bound for instants whose local date is >= day: the earlier of the two folds of
    # local midnight (covers zones whose transitions happen at midnight).
    naive = datetime.combine(day, _MIDNIGHT)
    return min(to_us(naive.replace(tzinfo=tz, fold=0)), to_us(naive.replace(tzinfo=tz, fold=1)))


def latest_midnight_us(day: date, tz: ZoneInfo) -> int:
    naive = datetime.combine(day, _MIDNIGHT)
    return max(to_us(naive.replace(tzinfo=tz, fold=0)), to_us(naive.replace(tzinfo=tz, fold=1)))


def midnight(day: date, tz: ZoneInfo) -> tuple[datetime, timedelta | None]:
    """Local midnight of ``day`` (aware, fold 0) and its UTC offset, or ``None`` for the
    offset when midnight itself lies in a gap or a repeated hour (the two folds differ)."""
    m = datetime.combine(day, _MIDNIGHT, tzinfo=tz)
    off = m.utcoffset()
    return m, (off if m.replace(fold=1).utcoffset() == off else None)


def tod_us(t: time) -> int:
    return ((t.hour * 60 + t.minute) * 60 + t.second) * 1_000_000 + t.microsecond


def local_to_instant(day: date, t: time, tz: ZoneInfo) -> datetime:
    """The UTC instant of local wall time ``t`` on ``day`` (the rules of :func:`local_to_us`)."""
    return from_us(local_to_us(day, t, tz))
