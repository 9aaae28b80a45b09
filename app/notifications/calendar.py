"""A visit in other people's calendars: an iCalendar (RFC 5545) file and a Google Calendar link.

Both take a booking payload (:func:`app.notifications.events.booking_payload`: primitives
with ISO instants), so the worker (an email's ``booking.ics``) and the visit page's
download produce the same event.  Times are written in UTC (``...Z``), so every calendar
shows the visit at the right moment whatever its own zone; the ``UID`` is stable per
booking, so a moved or cancelled visit updates the event imported before.
"""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import urlencode

from flask import current_app
from flask_babel import gettext as _

from app.core.types import utcnow


def _utc(iso: str) -> datetime:
    return datetime.fromisoformat(iso).astimezone(UTC)


def _summary(p: dict) -> str:
    return " — ".join(x for x in (p.get("service"), p.get("business")) if x)


def _where(p: dict) -> str:
    return ", ".join(x for x in (p.get("location"), p.get("address")) if x)


def _details(p: dict, manage_url: str | None) -> str:
    lines = []
    if p.get("master"):
        lines.append(_("Master: %(master)s", master=p["master"]))
    if manage_url:
        lines.append(_("View, reschedule or cancel: %(url)s", url=manage_url))
    return "\n".join(lines)


def uid_for(booking_id) -> str:
    server = (current_app.config.get("SERVER_NAME") or "localhost").split(":")[0]
    return f"booking-{booking_id}@{server}"


def ics_event(p: dict, *, manage_url: str | None = None, cancelled: bool = False) -> bytes:
    """One VEVENT in a VCALENDAR (``METHOD:CANCEL`` and ``STATUS:CANCELLED`` for a cancelled visit)."""
    from icalendar import Calendar, Event  # heavy: icalendar only when a calendar file is made

    cal = Calendar()
    cal.add("prodid", "-//Jazyl//Bookings//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "CANCEL" if cancelled else "PUBLISH")
    ev = Event()
    ev.add("uid", uid_for(p.get("booking_id")))
    ev.add("sequence", int(p.get("version") or 1))
    ev.add("dtstamp", utcnow().astimezone(UTC).replace(microsecond=0))
    ev.add("dtstart", _utc(p["start"]))
    ev.add("dtend", _utc(p["end"]))
    ev.add("summary", _summary(p))
    if _where(p):
        ev.add("location", _where(p))
    details = _details(p, manage_url)
    if details:
        ev.add("description", details)
    if manage_url:
        ev.add("url", manage_url)
    ev.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    cal.add_component(ev)
    return cal.to_ical()


def google_calendar_url(p: dict, manage_url: str | None = None) -> str:
    """``https://calendar.google.com/calendar/render?action=TEMPLATE&...`` for the visit."""
    fmt = "%Y%m%dT%H%M%SZ"
    query = {
        "action": "TEMPLATE",
        "text": _summary(p),
        "dates": f"{_utc(p['start']).strftime(fmt)}/{_utc(p['end']).strftime(fmt)}",
        "details": _details(p, manage_url),
        "location": _where(p),
    }
    if p.get("timezone"):
        query["ctz"] = p["timezone"]
    return "https://calendar.google.com/calendar/render?" + urlencode(query)
