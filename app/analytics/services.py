"""Daily roll-up of bookings into ``daily_stats`` (per tenant, per location, per master) and
``daily_service_stats`` (per service), with the minutes booked and the minutes worked.

A day is the location's local calendar day (bookings keep their local wall-clock start).
Rows with ``location_id = 0`` / ``master_id = 0`` are the totals.  Re-running a day
replaces its rows, so the job is idempotent and can be repeated after late changes
(a booking completed the next morning).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import delete, select

from app.analytics import queries
from app.analytics.models import DailyServiceStat, DailyStat
from app.catalog.models import Master, Service
from app.core.periodic import each_tenant
from app.core.tenancy import tenant_scope, unscoped
from app.core.translations import text_in
from app.core.types import utcnow
from app.extensions import db
from app.scheduling.availability import working_intervals
from app.scheduling.services import load_calendars
from app.tenants.models import Location

FIELDS = ("bookings", "completed", "no_shows", "cancellations", "revenue", "booked_minutes")


def _minutes_between(a, b) -> int:
    return max(0, int((b - a).total_seconds() // 60))


def working_minutes(tenant_id: int, day: date, masters: list[tuple[int, str]]) -> dict[int, int]:
    """Minutes each master was scheduled to work on local date ``day``: the weekly hours or the
    day's override, less time off.  ``masters`` are (id, time zone) pairs."""
    out: dict[int, int] = {}
    for cal in load_calendars(tenant_id, masters, day, 1):
        total = 0
        for start, end in working_intervals(cal, day):
            total += _minutes_between(start, end)
            for off_start, off_end in cal.time_off:
                total -= _minutes_between(max(start, off_start), min(end, off_end))
        out[int(cal.master_id)] = max(0, total)
    return out


def roll_up_day(tenant_id: int, day: date) -> int:
    """Recompute ``day`` for one tenant (inside its scope); returns the number of rows written.

    ``daily_stats`` gets a row per (location, master) with bookings or working hours, per
    location (master 0) and the total (0, 0); ``daily_service_stats`` a row per (location,
    service) and per service (location 0)."""
    with tenant_scope(tenant_id):
        for model in (DailyStat, DailyServiceStat):
            db.session.execute(delete(model).where(model.date == day).execution_options(synchronize_session=False))
        currency = None

        sums: dict[tuple[int, int], list] = defaultdict(lambda: [0, 0, 0, 0, Decimal("0"), 0])
        for loc, master, cur, *values in queries.booking_totals(day):
            currency = currency or cur
            for key in ((loc, master), (loc, 0), (0, 0)):
                _add(sums[key], values)
        work: dict[tuple[int, int], int] = defaultdict(int)
        masters = queries.masters_with_zones()
        location_of = {mid: loc for mid, loc, _tz in masters}
        for mid, minutes in working_minutes(tenant_id, day, [(m, tz) for m, _loc, tz in masters]).items():
            if minutes:
                loc = location_of[mid]
                for key in ((loc, mid), (loc, 0), (0, 0)):
                    work[key] += minutes
                    sums.setdefault(key, [0, 0, 0, 0, Decimal("0"), 0])  # worked, maybe no bookings
        for (loc, master), acc in sums.items():
            db.session.add(
                DailyStat(
                    tenant_id=tenant_id,
                    date=day,
                    location_id=loc,
                    master_id=master,
                    currency=currency or "KZT",
                    working_minutes=work.get((loc, master), 0),
                    **dict(zip(FIELDS, acc, strict=True)),
                )
            )

        per_service: dict[tuple[int, int], list] = defaultdict(lambda: [0, 0, 0, 0, Decimal("0"), 0])
        for loc, service, cur, *values in queries.service_totals(day):
            currency = currency or cur
            for key in ((loc, service), (0, service)):
                _add(per_service[key], values)
        for (loc, service), acc in per_service.items():
            db.session.add(
                DailyServiceStat(
                    tenant_id=tenant_id,
                    date=day,
                    location_id=loc,
                    service_id=service,
                    currency=currency or "KZT",
                    **dict(zip(FIELDS, acc, strict=True)),
                )
            )
        db.session.flush()
        return len(sums) + len(per_service)


def _add(acc: list, values) -> None:
    n, done, no_show, cancelled, revenue, minutes = values
    acc[0] += n or 0
    acc[1] += done or 0
    acc[2] += no_show or 0
    acc[3] += cancelled or 0
    acc[4] += Decimal(str(revenue or 0))
    acc[5] += int(minutes or 0)


def roll_up_range(tenant_id: int, first: date, last: date) -> int:
    """Recompute every day from ``first`` to ``last`` (inclusive) for one tenant."""
    return sum(roll_up_day(tenant_id, first + timedelta(days=i)) for i in range((last - first).days + 1))


def roll_up(days: int = 2, today: date | None = None) -> int:
    """Roll up the last ``days`` days up to today (UTC date +1 covers every zone's today);
    each tenant in its own scope and unit of work."""
    today = today or (utcnow() + timedelta(hours=14)).date()
    first = today - timedelta(days=days - 1)
    with unscoped("daily roll-up: tenants with bookings"):
        tenant_ids = queries.tenant_ids_with_bookings(first, today)

    def one_tenant(tenant_id: int) -> int:
        return sum(roll_up_day(tenant_id, first + timedelta(days=i)) for i in range(days))

    return sum(each_tenant(tenant_ids, one_tenant, "daily roll-up").values())


# ---------------------------------------------------------------- the analytics pages

#: The periods the analytics pages offer, in weeks; the first is the default.
PERIOD_WEEKS = (4, 8, 12)


def period_weeks(value) -> int:
    """A requested period, or the default when it is not one of :data:`PERIOD_WEEKS`."""
    try:
        weeks = int(value)
    except (TypeError, ValueError):
        return PERIOD_WEEKS[0]
    return weeks if weeks in PERIOD_WEEKS else PERIOD_WEEKS[0]


def week_starts(weeks: int, today: date) -> list[date]:
    """The Mondays of the last ``weeks`` weeks, the current week last."""
    this_monday = today - timedelta(days=today.weekday())
    return [this_monday - timedelta(weeks=weeks - 1 - i) for i in range(weeks)]


@dataclass
class Totals:
    """Summed roll-up rows and the rates derived from them."""

    bookings: int = 0
    completed: int = 0
    no_shows: int = 0
    cancellations: int = 0
    revenue: Decimal = field(default_factory=lambda: Decimal("0"))
    booked_minutes: int = 0
    working_minutes: int = 0

    def add(self, row) -> None:
        self.bookings += row.bookings or 0
        self.completed += row.completed or 0
        self.no_shows += row.no_shows or 0
        self.cancellations += row.cancellations or 0
        self.revenue += Decimal(str(row.revenue or 0))
        self.booked_minutes += row.booked_minutes or 0
        self.working_minutes += getattr(row, "working_minutes", 0) or 0

    @property
    def utilization(self) -> float | None:
        """Booked minutes / working minutes (None when nobody was scheduled)."""
        return self.booked_minutes / self.working_minutes if self.working_minutes else None

    @property
    def cancellation_rate(self) -> float | None:
        """Cancelled / all bookings."""
        return self.cancellations / self.bookings if self.bookings else None

    @property
    def no_show_rate(self) -> float | None:
        """No-shows / bookings that were not cancelled."""
        kept = self.bookings - self.cancellations
        return self.no_shows / kept if kept else None


@dataclass
class Report:
    weeks: list[date]
    first: date
    last: date
    currency: str
    weekly: list[Totals]
    total: Totals
    by_location: list[tuple[str, Totals]]
    by_master: list[tuple[str, Totals]]
    by_service: list[tuple[str, Totals]]


def _names(model, lang: str | None) -> dict[int, str]:
    """Names in ``lang`` (else the default language's), one query per table."""
    rows = db.session.execute(select(model.id, model.name, model.translations)).all()
    return {row.id: text_in(row, "name", lang) for row in rows}


def business_report(tenant, weeks: int, today: date, location_id: int | None = None, lang: str | None = None) -> Report:
    """The business's numbers (one location's when ``location_id`` is given) for the last
    ``weeks`` weeks up to the end of the current one, from the daily roll-up (tenant scope)."""
    mondays = week_starts(weeks, today)
    first, last = mondays[0], mondays[-1] + timedelta(days=6)
    weekly = [Totals() for _ in mondays]
    total = Totals()
    by_location: dict[int, Totals] = defaultdict(Totals)
    by_master: dict[int, Totals] = defaultdict(Totals)
    for row in queries.stat_rows(first, last, location_id=location_id):
        if row.master_id:
            by_master[row.master_id].add(row)
        elif row.location_id == (location_id or 0):
            weekly[(row.date - first).days // 7].add(row)
            total.add(row)
        if row.location_id and not row.master_id:
            by_location[row.location_id].add(row)
    by_service: dict[int, Totals] = defaultdict(Totals)
    for row in queries.service_rows(first, last, location_id=location_id):
        by_service[row.service_id].add(row)

    def named(groups: dict[int, Totals], names: dict[int, str]) -> list[tuple[str, Totals]]:
        return sorted(((names.get(k, f"#{k}"), t) for k, t in groups.items()), key=lambda p: (-p[1].bookings, p[0]))

    return Report(
        weeks=mondays,
        first=first,
        last=last,
        currency=tenant.currency or "KZT",
        weekly=weekly,
        total=total,
        by_location=named(by_location, _names(Location, lang)),
        by_master=named(by_master, _names(Master, lang)),
        by_service=named(by_service, _names(Service, lang)),
    )


@dataclass
class PlatformReport:
    weeks: list[date]
    first: date
    last: date
    tenants_by_status: dict[str, int]
    registrations: list[int]
    bookings: list[Totals]
    notifications_sent: list[int]
    notifications_failed: list[int]


def platform_report(weeks: int, today: date) -> PlatformReport:
    """The platform's numbers per week (UTC dates); the caller runs it unscoped (platform admin)."""
    mondays = week_starts(weeks, today)
    first, last = mondays[0], mondays[-1] + timedelta(days=6)
    since = datetime.combine(first, time.min, UTC)

    def week_of(day: date) -> int | None:
        i = (day - first).days // 7
        return i if 0 <= i < weeks else None

    bookings = [Totals() for _ in mondays]
    for day, n, done, no_show, cancelled in queries.platform_total_rows(first, last):
        i = week_of(day)
        if i is not None:
            t = bookings[i]
            t.bookings += n or 0
            t.completed += done or 0
            t.no_shows += no_show or 0
            t.cancellations += cancelled or 0
    sent, failed = [0] * weeks, [0] * weeks
    for day, status, n in queries.notification_counts(since):
        i = week_of(day)
        if i is not None:
            (sent if status == "sent" else failed)[i] += n
    registrations = [0] * weeks
    for created in queries.tenant_registrations(since):
        i = week_of(created.astimezone(UTC).date())
        if i is not None:
            registrations[i] += 1
    return PlatformReport(
        weeks=mondays,
        first=first,
        last=last,
        tenants_by_status=queries.tenants_by_status(),
        registrations=registrations,
        bookings=bookings,
        notifications_sent=sent,
        notifications_failed=failed,
    )
