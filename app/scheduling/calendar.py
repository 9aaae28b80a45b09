"""Which days of a month have a free time: the booking calendar's answer.

One month costs the same two round trips as one day of availability (the masters who can
take the service, then their hours, overrides, time off and bookings for the whole month as
one ``UNION ALL``: see :mod:`app.scheduling.queries`), whatever the number of days or
masters, and the answer is cached under the same versioned key material as availability,
so it can never outlive the schedules and bookings it was computed from.

The dates are clipped to the booking window: from today (in the location's zone) to
today + ``horizon_days``; slot rules (notice, step, buffer, horizon) are those of
:func:`app.scheduling.availability.compute_slots`, so a day is marked free exactly when
the day's availability offers at least one slot.
"""

from __future__ import annotations

import calendar as _cal
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.core import cache
from app.core.errors import ValidationError
from app.core.types import utcnow
from app.core.validation import check_date
from app.scheduling.availability import MasterCalendar, compute_slots
from app.scheduling.services import _BUCKET, CACHE_TTL, _cache_key, _rules, load_calendars, masters_and_zone
from app.tenants.models import Tenant

_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


@dataclass
class MonthDays:
    """The free days of one month inside the booking window.

    ``first``/``last`` are the window's dates inside this month (None when the month lies
    wholly outside it); ``free`` the dates with at least one free time; ``window_first`` /
    ``window_last`` the whole booking window (today .. today + horizon, location's zone).
    """

    month: date
    timezone: str
    window_first: date
    window_last: date
    first: date | None
    last: date | None
    free: list[date] = field(default_factory=list)

    @property
    def prev_month(self) -> date | None:
        prev = (self.month - timedelta(days=1)).replace(day=1)
        return prev if prev >= self.window_first.replace(day=1) else None

    @property
    def next_month(self) -> date | None:
        nxt = month_end(self.month) + timedelta(days=1)
        return nxt if nxt <= self.window_last else None


def month_end(month: date) -> date:
    return month.replace(day=_cal.monthrange(month.year, month.month)[1])


def parse_month(value: str | None, field_name: str = "month") -> date:
    """``YYYY-MM`` -> the first day of that month, else a localized field error."""
    m = _MONTH.match(value.strip() if isinstance(value, str) else "")
    try:
        if not m:
            raise ValueError
        first = date(int(m.group(1)), int(m.group(2)), 1)
    except ValueError:
        raise ValidationError.field(field_name, _l("Give a month as YYYY-MM.")) from None
    return check_date(first, field_name)


def booking_window(tenant: Tenant, timezone: str) -> tuple[date, date]:
    """(today, last bookable day) in ``timezone``: the dates a client may book."""
    today = utcnow().astimezone(ZoneInfo(timezone)).date()
    return today, today + timedelta(days=int(tenant.horizon_days or 0))


def outside_window_message(md: MonthDays) -> str:
    """ "Bookings are open from <first> to <last>." in the page's language."""
    return _(
        "Bookings are open from %(first)s to %(last)s.",
        first=format_date(md.window_first, "long"),
        last=format_date(md.window_last, "long"),
    )


def free_days(
    tenant: Tenant,
    *,
    service_id: int,
    month: date,
    master_id: int | None = None,
    location_id: int | None = None,
    require_in_window: bool = False,
    cached: bool = True,
) -> MonthDays:
    """The days of ``month`` (any date in it) with at least one free time for the service.

    Unknown or inactive services are not found; a service nobody can take has no free days.
    With ``require_in_window`` a month wholly outside the booking window is a field error.
    ``cached=False`` neither reads nor writes the days kept in Redis, for a caller that keeps
    its whole answer itself (as ``get_availability(cached=False)``); the answer is the same.
    """
    if not isinstance(month, date) or isinstance(month, datetime):
        raise ValidationError.field("month", _l("Give a month as YYYY-MM."))
    month = check_date(month.replace(day=1), "month")
    service_id, rows, tz_name = masters_and_zone(tenant, service_id, master_id=master_id, location_id=location_id)
    window_first, window_last = booking_window(tenant, tz_name)
    first = max(month, window_first)
    last = min(month_end(month), window_last)
    result = MonthDays(
        month=month,
        timezone=tz_name,
        window_first=window_first,
        window_last=window_last,
        first=first if first <= last else None,
        last=last if first <= last else None,
    )
    if result.first is None and require_in_window:
        raise ValidationError.field("month", outside_window_message(result))
    if not rows or result.first is None:
        return result
    days = (last - first).days + 1
    svc = rows[0]
    now = utcnow()
    rules = _rules(tenant)
    now_s = int(now.timestamp())
    bucket = now_s - now_s % _BUCKET
    # Computed from the bucket's start like availability, then cut at the real earliest
    # start: the cached answer lists each day's last free start, which decides "free" now.
    key = "freedays:" + _cache_key(tenant, service_id, svc, rows, first, days, master_id, location_id, bucket)
    earliest_s = int((now + rules["min_notice"]).timestamp())
    found = cache.get_json(key) if cached else None
    if found is None:
        calendars: list[MasterCalendar] = load_calendars(tenant.id, [(r.id, r.timezone) for r in rows], first, days)
        slots = compute_slots(
            calendars,
            day_from=first,
            days=days,
            duration=timedelta(minutes=svc.duration_minutes),
            buffer=timedelta(minutes=svc.buffer_minutes),
            now=datetime.fromtimestamp(bucket, UTC),
            **rules,
        )
        # Slots are sorted by instant, so a day's last slot has its latest start; a slot's
        # start is already in its master's zone (no conversion when that is the answer's),
        # and Slot.epoch spares the slow timestamp() of a zoned datetime.
        zone = ZoneInfo(tz_name)
        same_zone = all(r.timezone == tz_name for r in rows)
        by_day: dict[date, int] = {}
        for s in slots:
            by_day[(s.start if same_zone else s.start.astimezone(zone)).date()] = s.epoch
        latest = {d.isoformat(): epoch for d, epoch in by_day.items()}
        if cached:
            cache.set_json(key, latest, CACHE_TTL)
    else:
        latest = found
    result.free = sorted(date.fromisoformat(d) for d, last_start in latest.items() if last_start >= earliest_s)
    return result


def first_free_day(
    tenant: Tenant,
    *,
    service_id: int,
    master_id: int | None = None,
    location_id: int | None = None,
) -> tuple[date | None, MonthDays]:
    """The first day with a free time in the whole booking window (None if there is none),
    with the month it lies in (or the first month when there is none): one month at a time."""
    month = utcnow().astimezone(ZoneInfo(tenant.timezone)).date().replace(day=1)
    first_month: MonthDays | None = None
    while True:
        md = free_days(tenant, service_id=service_id, month=month, master_id=master_id, location_id=location_id)
        if first_month is None and md.first is not None:
            first_month = md
        if md.free:
            return md.free[0], md
        nxt = md.next_month
        if nxt is None:
            return None, first_month or md
        month = nxt
