"""Slot availability: pure computation from a master's hours, time off and bookings.

This module knows nothing about Flask or the database. Callers load a
:class:`MasterCalendar` per master (weekly hours, per-date overrides, time off and the
blocking bookings including their buffer) and ask for :func:`compute_slots`; the booking
endpoint asks :func:`is_bookable`, which is defined as membership in what
:func:`compute_slots` returns, so the page can never offer a slot the API would refuse
or the other way round.

Time model. Working hours are local wall-clock times of the master's location; they are
turned into UTC instants per date with :mod:`zoneinfo`, and everything after that is done
on instants (integer microseconds since the epoch in the hot loop, because comparing aware
datetimes in a zone with DST is both slow and, for ambiguous times, subtly wrong: two
datetimes with the same ``tzinfo`` are compared by wall clock and ignore ``fold``).
Candidate starts advance in real elapsed time from the start of each working interval, so
a master who works through a DST change works the real number of hours. A slot belongs
to the local date of its start instant.  The conversions live in :mod:`app.scheduling.localtime`.

Beware when consuming :class:`Slot`: ``slot.end - slot.start`` is wall-clock arithmetic
in Python when both share a tzinfo; convert to UTC first if you need real durations.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import NamedTuple
from zoneinfo import ZoneInfo

from app.scheduling.localtime import (
    earliest_midnight_us,
    from_us,
    latest_midnight_us,
    local_to_us,
    midnight,
    naive_time,
    td_us,
    to_us,
    tod_us,
)

__all__ = [
    "MasterCalendar",
    "Slot",
    "WeeklyHours",
    "compute_slots",
    "is_bookable",
    "working_intervals",
]

_ONE_DAY = timedelta(days=1)

LocalInterval = tuple[time, time]
InstantInterval = tuple[datetime, datetime]


@dataclass(frozen=True, slots=True)
class WeeklyHours:
    """Recurring local working hours: weekday (0=Mon..6=Sun) -> sorted (start, end) times.

    Several intervals per day are allowed; the gaps between them are breaks. A weekday
    that is missing (or maps to an empty tuple) is a day off.
    """

    days: Mapping[int, tuple[LocalInterval, ...]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for weekday, intervals in self.days.items():
            if not 0 <= weekday <= 6:
                raise ValueError(f"weekday must be 0..6, got {weekday!r}")
            for start, end in intervals:
                if not naive_time(start) < naive_time(end):
                    raise ValueError(f"interval end must be after start: {start}-{end}")

    def for_weekday(self, weekday: int) -> tuple[LocalInterval, ...]:
        return tuple(self.days.get(weekday, ()))


@dataclass(frozen=True, slots=True)
class MasterCalendar:
    """Everything needed to compute one master's availability.

    ``weekly`` maps weekday -> local intervals (a :class:`WeeklyHours` is accepted too).
    ``overrides`` maps a local date -> intervals that replace the weekly hours on that
    date; an empty tuple makes it a day off, and an override can open a normally closed
    day. ``time_off`` and ``busy`` are aware ``(start, end)`` instants, half-open; ``busy``
    holds the active bookings with their buffer already included in the end.
    """

    master_id: int | str
    timezone: str
    weekly: Mapping[int, tuple[LocalInterval, ...]] | WeeklyHours = field(default_factory=dict)
    overrides: Mapping[date, tuple[LocalInterval, ...]] = field(default_factory=dict)
    time_off: tuple[InstantInterval, ...] = ()
    busy: tuple[InstantInterval, ...] = ()


class Slot(NamedTuple):
    """A bookable start: ``start`` in the location's zone, ``end = start + duration``.

    ``end`` does not include the service buffer; the buffer only blocks later slots.
    ``epoch`` is the start as Unix time in whole seconds (``int(start.timestamp())``, which
    is slow on zoned datetimes; slot starts are whole minutes). A named tuple: immutable,
    cheap to create (a month of a large business is tens of thousands of slots).
    """

    start: datetime
    end: datetime
    master_id: int | str
    epoch: int = 0


# --------------------------------------------------------------------------- helpers


def _hours_for(cal: MasterCalendar, day: date) -> tuple[LocalInterval, ...]:
    if day in cal.overrides:
        return tuple(cal.overrides[day])
    weekly = cal.weekly
    if isinstance(weekly, WeeklyHours):
        return weekly.for_weekday(day.weekday())
    return tuple(weekly.get(day.weekday(), ()))


def _working_us(cal: MasterCalendar, day: date, tz: ZoneInfo) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for start, end in _hours_for(cal, day):
        # Intervals ending at or before their start (including a "24:00"/00:00 end) are
        # not valid data; they are ignored so that bad hours never break the booking page.
        if not naive_time(start) < naive_time(end):
            continue
        s = local_to_us(day, start, tz)
        e = local_to_us(day, end, tz)
        if s < e:
            out.append((s, e))
    out.sort()
    return out


def _blocks(cal: MasterCalendar) -> tuple[list[int], list[int]]:
    """Busy and time off merged into sorted disjoint half-open ranges (starts, ends)."""
    raw = []
    for s, e in (*cal.busy, *cal.time_off):
        su, eu = to_us(s), to_us(e)
        if su < eu:
            raw.append((su, eu))
    raw.sort()
    starts: list[int] = []
    ends: list[int] = []
    for s, e in raw:
        # Touching ranges merge too: for half-open overlap tests [a,b)+[b,c) == [a,c).
        if ends and s <= ends[-1]:
            if e > ends[-1]:
                ends[-1] = e
        else:
            starts.append(s)
            ends.append(e)
    return starts, ends


@dataclass(frozen=True, slots=True)
class _Params:
    duration_us: int
    duration: timedelta
    block_us: int
    step_us: int
    step: timedelta
    earliest_us: int
    now: datetime
    horizon_days: int


def _params(
    duration: timedelta,
    buffer: timedelta,
    step_minutes: int,
    now: datetime,
    min_notice: timedelta,
    horizon_days: int,
) -> _Params:
    if duration <= timedelta(0):
        raise ValueError("duration must be positive")
    if buffer < timedelta(0):
        raise ValueError("buffer must not be negative")
    if int(step_minutes) != step_minutes or step_minutes <= 0:
        raise ValueError("step_minutes must be a positive integer")
    now_us = to_us(now)
    # A negative notice would offer slots in the past, which the API forbids.
    notice_us = max(td_us(min_notice), 0)
    return _Params(
        duration_us=td_us(duration),
        duration=duration,
        block_us=td_us(duration + buffer),
        step_us=int(step_minutes) * 60_000_000,
        step=timedelta(minutes=int(step_minutes)),
        earliest_us=now_us + notice_us,
        now=now,
        horizon_days=int(horizon_days),
    )


def _ceil_div(a: int, b: int) -> int:
    return -((-a) // b)


def _free_runs(ws: int, last: int, lo_clip: int, step: int, block: int, starts: list[int], ends: list[int]):
    """Yield ``range``s of the grid ``ws + k * step`` within ``[max(ws, lo_clip), last]``
    whose ``[s, s + block)`` touches no block: whole runs between blocks at once."""
    s = ws if ws >= lo_clip else ws + _ceil_div(lo_clip - ws, step) * step
    nb = len(starts)
    i = bisect_right(ends, s)  # first block ending after s
    while s <= last:
        if i < nb and starts[i] < s + block:
            # Jump straight to the first grid point at or after the block's end.
            s = ws + _ceil_div(ends[i] - ws, step) * step
            i = bisect_right(ends, s, i)
            continue
        # Free until the next block starts: s' + block <= starts[i].
        stop = last if i >= nb else min(last, starts[i] - block)
        run = range(s, stop + 1, step)
        yield run
        s = run[-1] + step


def _collect(
    cal: MasterCalendar,
    day_from: date,
    days: int,
    p: _Params,
    rank: int,
    width: int,
    found: dict[int, Slot],
    memo: dict[int, tuple[datetime, datetime, int]],
) -> None:
    """Put the slots of one master into ``found`` under the key ``start_us * width + rank``.

    Integer keys sort by (instant, master rank) and a repeated start of one master (e.g.
    overlapping override intervals) lands on the same key. ``memo`` maps start instants
    to their local ``(start, end, epoch)`` and is shared by the masters of one zone, so
    masters with the same hours share one set of datetimes per start.

    A slot's date is the local date of its start. Days come in two kinds:

    * A day whose UTC offset is the same at its midnight and at the next midnight has no
      clock change (tzdata never has two transitions within two days of each other, which
      a test checks for every installed zone), so every instant in it is local midnight
      plus a fixed offset: working intervals are placed by adding their time of day to the
      midnight instant, local starts are the midnight plus elapsed time (advanced by the
      step, no zone lookup), and their local date is the day itself. Such days outside the
      requested range are skipped outright.
    * A day with a clock change (or a midnight in a gap or a repeated hour) takes the exact
      path: boundaries by :func:`local_to_us`, and every candidate converted to local time
      to find its date; the neighbouring dates are visited as well, clipped to the range,
      so that zones whose transitions cross midnight still produce exactly the slots whose
      start falls on the requested dates.
    """
    if days <= 0:
        return
    tz = ZoneInfo(cal.timezone)
    last_date = p.now.astimezone(tz).date() + timedelta(days=p.horizon_days)
    end_date = min(day_from + timedelta(days=days), last_date + _ONE_DAY)  # exclusive
    if end_date <= day_from:
        return
    lo_clip = max(earliest_midnight_us(day_from, tz), p.earliest_us)
    hi_clip = latest_midnight_us(end_date, tz)  # exclusive
    starts, ends = _blocks(cal)
    step, block, step_td, dur_td = p.step_us, p.block_us, p.step, p.duration
    memo_get = memo.get
    mid = cal.master_id
    new = tuple.__new__

    d = day_from - _ONE_DAY
    m_d, off_d = midnight(d, tz)
    while d <= end_date:
        nxt = d + _ONE_DAY
        m_n, off_n = midnight(nxt, tz)
        if off_d is not None and off_d == off_n:
            # No clock change on d: constant offset from its midnight to the next.
            if day_from <= d < end_date:
                base = to_us(m_d)
                for t1, t2 in _hours_for(cal, d):
                    a, b = tod_us(t1), tod_us(t2)
                    if not a < b:
                        continue  # invalid data (see _working_us): ignored
                    ws = base + a
                    last = min(base + b - block, hi_clip - 1)
                    if last < ws or last < lo_clip:
                        continue
                    for run in _free_runs(ws, last, lo_clip, step, block, starts, ends):
                        local = None
                        for s in run:
                            info = memo_get(s)
                            if info is None:
                                if local is None:
                                    local = m_d + timedelta(microseconds=s - base)
                                else:
                                    local += step_td
                                info = memo[s] = (local, local + dur_td, s // 1_000_000)
                            else:
                                local = info[0]
                            found[s * width + rank] = new(Slot, (info[0], info[1], mid, info[2]))
        else:
            for ws, we in _working_us(cal, d, tz):
                last = min(we - block, hi_clip - 1)
                if last < ws or last < lo_clip:
                    continue
                for run in _free_runs(ws, last, lo_clip, step, block, starts, ends):
                    for s in run:
                        info = memo_get(s)
                        if info is None:
                            utc = from_us(s)
                            info = memo[s] = (utc.astimezone(tz), (utc + dur_td).astimezone(tz), s // 1_000_000)
                        if day_from <= info[0].date() < end_date:
                            found[s * width + rank] = new(Slot, (info[0], info[1], mid, info[2]))
        d, m_d, off_d = nxt, m_n, off_n


# ------------------------------------------------------------------------------- API


def working_intervals(cal: MasterCalendar, day: date) -> list[tuple[datetime, datetime]]:
    """The master's working intervals on local date ``day`` as UTC ``(start, end)`` pairs.

    Overrides replace the weekly hours for that date. Boundaries follow the design's DST
    rules (see :func:`local_to_us`): non-existent wall times move to the end of the gap,
    ambiguous ones take their first occurrence; intervals that collapse to nothing are
    dropped. Time off and bookings are not subtracted here.
    """
    tz = ZoneInfo(cal.timezone)
    return [(from_us(s), from_us(e)) for s, e in _working_us(cal, day, tz)]


def compute_slots(
    calendars: Iterable[MasterCalendar],
    *,
    day_from: date,
    days: int,
    duration: timedelta,
    buffer: timedelta,
    step_minutes: int,
    now: datetime,
    min_notice: timedelta,
    horizon_days: int,
) -> list[Slot]:
    """Bookable slots of every master for ``days`` local dates starting at ``day_from``.

    Candidates start at each working interval's start and every ``step_minutes`` of real
    elapsed time after it; one is kept iff ``[start, start + duration + buffer)`` fits the
    interval, touches no time off or booking (back-to-back is fine), starts no earlier
    than ``now + min_notice`` and its local date is within ``horizon_days`` of today in
    the master's zone. Sorted by (start instant, master_id), without duplicates.
    """
    p = _params(duration, buffer, step_minutes, now, min_notice, horizon_days)
    cals = list(calendars)
    # Ranks follow master_id order, so integer keys sort by (instant, master_id); a master
    # given twice keeps one rank, so its repeated slots collapse.
    ids = sorted({c.master_id for c in cals})
    rank_of = {mid: rank for rank, mid in enumerate(ids)}
    width = max(len(ids), 1)
    found: dict[int, Slot] = {}
    memos: dict[str, dict[int, tuple[datetime, datetime, int]]] = {}
    for cal in cals:
        memo = memos.setdefault(cal.timezone, {})
        _collect(cal, day_from, days, p, rank_of[cal.master_id], width, found, memo)
    return list(map(found.__getitem__, sorted(found)))


def is_bookable(
    cal: MasterCalendar,
    start: datetime,
    *,
    duration: timedelta,
    buffer: timedelta,
    step_minutes: int,
    now: datetime,
    min_notice: timedelta,
    horizon_days: int,
) -> bool:
    """True iff ``start`` is one of the slots :func:`compute_slots` offers for this master.

    It runs the same generator for the single local date of ``start`` and compares
    instants, so the two can never disagree; ``start`` may be given in any zone.
    """
    p = _params(duration, buffer, step_minutes, now, min_notice, horizon_days)
    target = to_us(start)
    day = start.astimezone(ZoneInfo(cal.timezone)).date()
    found: dict[int, Slot] = {}
    _collect(cal, day, 1, p, 0, 1, found, {})
    return target in found
