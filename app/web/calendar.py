"""The staff calendar: a day grid (a column per master) and a week grid (a column per day).

Rows are :data:`ROW_MINUTES` long in the location's zone; a master's working hours (weekly
hours or the day's special hours, minus time off) are drawn as working cells, the rest is
shaded.  Bookings are placed by their local start and end; bookings that overlap in one
column (a cancelled one under its replacement, or several masters in the location's week)
share the column side by side.  Clicking a free working cell opens "New booking" prefilled
with master, date and time; clicking a booking opens its panel (an htmx fragment in a
<dialog>, or the same panel as a page without JavaScript).

Owners see every location (one at a time), managers their own location, masters their own
column: the services' scoping (``list_bookings_for``, ``get_booking_for``) decides.
The booking panel is in :mod:`app.web.booking_panel`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import Blueprint, g, render_template, request
from flask_babel import format_date
from flask_login import current_user

from app.bookings import services as booking_services
from app.bookings.models import Booking
from app.catalog.models import Master
from app.catalog.queries import list_masters
from app.core.htmx import is_htmx
from app.core.templating import in_reading_order, tr
from app.core.types import utcnow
from app.scheduling.availability import working_intervals
from app.scheduling.services import load_calendars
from app.tenants.models import Location
from app.web import booking_panel as panel
from app.web.owner import area
from app.web.staff_home import current_actor, current_master, day_bounds, local_today, requested_day

ROW_MINUTES = 15
DEFAULT_HOURS = (9, 20)  # the grid's hours when nobody works and nothing is booked
STATUS_ORDER = ("pending", "confirmed", "completed", "no_show", "cancelled")


@dataclass
class Block:
    booking: Booking
    row: int  # first grid line (1-based)
    span: int
    lane: int = 0
    lanes: int = 1
    start_min: int = 0
    end_min: int = 0


@dataclass
class Cell:
    row: int
    label: str  # HH:MM
    working: bool
    href: str | None


@dataclass
class Column:
    title: str
    subtitle: str
    day: date
    master: Master | None
    cells: list[Cell] = field(default_factory=list)
    blocks: list[Block] = field(default_factory=list)
    cancelled: list[Booking] = field(default_factory=list)
    now_pct: float | None = None
    is_today: bool = False


# ---------------------------------------------------------------- pure helpers


def _local_minutes(instant: datetime, day: date, zone: ZoneInfo) -> int:
    """Minutes from the local midnight of ``day`` to ``instant`` (wall clock), clamped to the day."""
    local = instant.astimezone(zone)
    if local.date() < day:
        return 0
    if local.date() > day:
        return 24 * 60
    return local.hour * 60 + local.minute


def assign_lanes(blocks: list[Block]) -> list[Block]:
    """Side-by-side lanes for overlapping blocks: each overlapping group shares its width."""
    blocks.sort(key=lambda b: (b.start_min, -b.end_min))
    group: list[Block] = []
    lane_ends: list[int] = []
    group_end = -1

    def close() -> None:
        for b in group:
            b.lanes = len(lane_ends)

    for b in blocks:
        if group and b.start_min >= group_end:
            close()
            group, lane_ends = [], []
        for i, end in enumerate(lane_ends):
            if end <= b.start_min:
                b.lane, lane_ends[i] = i, b.end_min
                break
        else:
            b.lane = len(lane_ends)
            lane_ends.append(b.end_min)
        group.append(b)
        group_end = max(group_end, b.end_min)
    if group:
        close()
    return blocks


def hour_range(intervals: list[tuple[int, int]], bookings: list[tuple[int, int]]) -> tuple[int, int]:
    """Whole hours [first, last) that show every working interval and every booking of the grid."""
    spans = intervals + bookings
    if not spans:
        return DEFAULT_HOURS
    first = min(s for s, _ in spans) // 60
    last = -(-max(e for _, e in spans) // 60)
    return max(0, first), min(24, max(last, first + 1))


# ---------------------------------------------------------------- data


def range_bookings(actor, start: datetime, end: datetime, **filters) -> list[Booking]:
    """Every booking starting in [start, end) that the actor may see (the service pages by 200)."""
    out: list[Booking] = []
    while True:
        items, total = booking_services.list_bookings_for(
            g.tenant, actor, start_from=start, start_to=end, limit=200, offset=len(out), **filters
        )
        out.extend(items)
        if not items or len(out) >= total:
            return out


def working_minutes(masters: list[Master], tz: str, first_day: date, days: int) -> dict[tuple[int, date], list]:
    """(master id, day) -> local (start, end) minutes the master works, time off taken out."""
    zone = ZoneInfo(tz)
    out: dict[tuple[int, date], list] = {}
    if not masters:
        return out
    for cal in load_calendars(g.tenant.id, [(m.id, tz) for m in masters], first_day, days):
        for i in range(days):
            day = first_day + timedelta(days=i)
            spans = []
            for s, e in working_intervals(cal, day):
                pieces = [(s, e)]
                for off_s, off_e in cal.time_off:
                    cut = []
                    for ps, pe in pieces:
                        if off_e <= ps or off_s >= pe:
                            cut.append((ps, pe))
                            continue
                        if ps < off_s:
                            cut.append((ps, off_s))
                        if off_e < pe:
                            cut.append((off_e, pe))
                    pieces = cut
                spans.extend((_local_minutes(a, day, zone), _local_minutes(b, day, zone)) for a, b in pieces)
            out[(cal.master_id, day)] = [(a, b) for a, b in spans if a < b]
    return out


EARLIEST, LATEST = date(2000, 1, 1), date(2100, 12, 31)


def _day(tz: str) -> date:
    """The requested day; today for a date the calendar cannot sensibly show (year 1 or 9999)."""
    day = requested_day(tz)
    return day if EARLIEST <= day <= LATEST else local_today(tz)


def _scope(location_arg: int | None) -> tuple[Location | None, list[Location]]:
    locations = area.visible_locations()
    location = next((x for x in locations if x.id == location_arg), None)
    if location is None and locations:
        location = locations[0]
    return location, locations


def _masters(location: Location | None) -> list[Master]:
    me = current_master()
    if current_user.role == "master":
        return [me] if me is not None else []
    return in_reading_order(list_masters(location_id=location.id)) if location else []


def _cell_href(location: Location | None, master: Master | None, day: date, minute: int) -> str | None:
    if current_user.role not in ("owner", "manager") or location is None:
        return None
    args = {"location_id": location.id, "date": day.isoformat(), "time": f"{minute // 60:02d}:{minute % 60:02d}"}
    if master is not None:
        args["master_id"] = master.id
    return area.area_url("booking_new", **args)


def build_column(
    col: Column, bookings: list[Booking], working: list[tuple[int, int]], hours: tuple[int, int], tz: str, href_for
) -> Column:
    zone = ZoneInfo(tz)
    first, last = hours
    base = first * 60
    for row, minute in enumerate(range(base, last * 60, ROW_MINUTES), start=1):
        mid = minute + ROW_MINUTES / 2
        works = any(s <= mid < e for s, e in working)
        label = f"{minute // 60:02d}:{minute % 60:02d}"
        col.cells.append(Cell(row, label, works, href_for(minute) if works else None))
    rows = (last - first) * 60 // ROW_MINUTES
    for b in bookings:
        if b.status == "cancelled":
            col.cancelled.append(b)
            continue
        s = _local_minutes(b.start_at, col.day, zone)
        e = max(_local_minutes(b.end_at, col.day, zone), s + ROW_MINUTES)
        row = max(1, (s - base) // ROW_MINUTES + 1)
        end_row = min(rows + 1, -(-(e - base) // ROW_MINUTES) + 1)
        col.blocks.append(Block(b, row, max(1, end_row - row), start_min=s, end_min=e))
    assign_lanes(col.blocks)
    now = utcnow().astimezone(zone)
    col.is_today = now.date() == col.day
    if col.is_today:
        minute = now.hour * 60 + now.minute
        if base <= minute <= last * 60:
            col.now_pct = round((minute - base) * 100 / ((last - first) * 60), 3)
    return col


def _span_minutes(bookings: list[Booking], day: date, zone: ZoneInfo) -> list[tuple[int, int]]:
    return [
        (_local_minutes(b.start_at, day, zone), _local_minutes(b.end_at, day, zone))
        for b in bookings
        if b.status != "cancelled"
    ]


def _undoable(bookings: list[Booking]) -> list[Booking]:
    now = utcnow()
    return [b for b in bookings if booking_services.can_undo_outcome(b, now)]


def _hour_labels(hours: tuple[int, int]) -> list[tuple[int, str]]:
    per_hour = 60 // ROW_MINUTES
    return [((h - hours[0]) * per_hour + 1, f"{h:02d}:00") for h in range(hours[0], hours[1])]


# ---------------------------------------------------------------- day


def day_context() -> dict:
    """The day grid: a column per master of the chosen location (the master: own column)."""
    location, locations = _scope(request.args.get("location_id", type=int))
    tz = location.timezone if location else g.tenant.timezone
    zone = ZoneInfo(tz)
    day = _day(tz)
    actor = current_actor()
    masters = _masters(location)
    start, end = day_bounds(day, tz)
    filters = {"location_id": location.id} if location and current_user.role == "owner" else {}
    bookings = range_bookings(actor, start, end, **filters)
    working = working_minutes(masters, tz, day, 1)
    hours = hour_range([s for m in masters for s in working.get((m.id, day), [])], _span_minutes(bookings, day, zone))
    columns = []
    for m in masters:
        col = Column(tr(m), "", day, m)
        columns.append(
            build_column(
                col,
                [b for b in bookings if b.master_id == m.id],
                working.get((m.id, day), []),
                hours,
                tz,
                lambda minute, m=m: _cell_href(location, m, day, minute),
            )
        )
    shown = {m.id for m in masters}
    others = [b for b in bookings if b.master_id not in shown]
    if others:  # bookings of masters deactivated (or moved) since: still shown, for reassignment
        columns.append(build_column(Column("", "", day, None), others, [], hours, tz, lambda minute: None))
    return _grid(
        "day",
        day,
        tz,
        bookings,
        columns,
        hours,
        location,
        locations,
        masters,
        week_master=None,
        prev_day=day - timedelta(days=1),
        next_day=day + timedelta(days=1),
    )


def _grid(view, day, tz, bookings, columns, hours, location, locations, masters, **extra) -> dict:
    """What the day and the week grid templates read, besides the view's own ``extra``."""
    return {
        "view": view,
        "day": day,
        "tz": tz,
        "bookings": bookings,
        "columns": columns,
        "hours": hours,
        "hour_labels": _hour_labels(hours),
        "rows": (hours[1] - hours[0]) * 60 // ROW_MINUTES,
        "location": location,
        "locations": locations,
        "masters": masters,
        "show_phones": area.show_phones(),
        "now": utcnow(),
        "today": local_today(tz),
        "undoable": _undoable(bookings),
        **extra,
    }


# ---------------------------------------------------------------- week


def week_context() -> dict:
    """Seven day columns (Monday first) for one master, or for the whole location."""
    location, locations = _scope(request.args.get("location_id", type=int))
    tz = location.timezone if location else g.tenant.timezone
    zone = ZoneInfo(tz)
    day = _day(tz)
    monday = day - timedelta(days=day.weekday())
    days = [monday + timedelta(days=i) for i in range(7)]
    actor = current_actor()
    masters = _masters(location)
    master_arg = request.args.get("master_id", type=int)
    master = next((m for m in masters if m.id == master_arg), None)
    if current_user.role == "master":
        master = masters[0] if masters else None
    start, _ = day_bounds(monday, tz)
    _, end = day_bounds(days[-1], tz)
    filters: dict = {}
    if master is not None:
        filters["master_id"] = master.id
    elif location is not None and current_user.role == "owner":
        filters["location_id"] = location.id
    bookings = range_bookings(actor, start, end, **filters)
    shown = [master] if master is not None else masters
    working = working_minutes(shown, tz, monday, 7)
    by_day = {d: [b for b in bookings if b.start_at.astimezone(zone).date() == d] for d in days}
    spans = [s for d in days for m in shown for s in working.get((m.id, d), [])]
    hours = hour_range(spans, [s for d in days for s in _span_minutes(by_day[d], d, zone)])
    columns = []
    for d in days:
        hours_of_day = [s for m in shown for s in working.get((m.id, d), [])]
        col = Column(format_weekday(d), d.strftime("%d.%m"), d, master)
        columns.append(
            build_column(
                col, by_day[d], hours_of_day, hours, tz, lambda minute, d=d: _cell_href(location, master, d, minute)
            )
        )
    return _grid(
        "week",
        day,
        tz,
        bookings,
        columns,
        hours,
        location,
        locations,
        masters,
        week_master=master,
        prev_day=monday - timedelta(days=7),
        next_day=monday + timedelta(days=7),
        week_days=days,
    )


def format_weekday(d: date) -> str:
    return format_date(d, "EEE")


def week():
    ctx = week_context()
    template = "calendar/_calendar.html" if is_htmx() else "calendar/week.html"
    return render_template(template, **ctx)


def register(bp: Blueprint) -> None:
    """The week grid (the day grid is the dashboard's index) and the booking panel."""
    bp.add_url_rule("/week", "week", week)
    bp.add_url_rule("/bookings/<int:booking_id>", "booking_panel", panel.booking_panel)
