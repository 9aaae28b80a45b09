"""A booking's panel in the staff calendar: the booking, the client's history as far as the
caller may see it, and the status actions (an htmx fragment in a <dialog>, or a page)."""

from __future__ import annotations

from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from flask import g, render_template, request

from app.bookings import queries as bq
from app.bookings import services as booking_services
from app.bookings.models import Booking
from app.core.htmx import is_htmx
from app.core.redirects import is_safe_path
from app.core.types import utcnow
from app.web.owner import area
from app.web.staff_home import current_actor

HISTORY_LIMIT = 5


def client_history(booking: Booking) -> dict:
    """The client's visits as far as the actor may see them (manager: location, master: own)."""
    actor = current_actor()
    scope: dict = {}
    if actor.role == "manager":
        scope["location_id"] = actor.location_id
    elif actor.role == "master":
        scope["master_id"] = actor.master_id
    counts, recent = bq.client_history(booking.client_id, limit=HISTORY_LIMIT + 1, **scope)
    recent = [b for b in recent if b.id != booking.id][:HISTORY_LIMIT]
    return {"counts": counts, "recent": recent, "total": sum(counts.values())}


def _calendar_back() -> str:
    """Where the panel's actions return: the calendar page it was opened on (htmx tells)."""
    current = request.headers.get("HX-Current-URL") if is_htmx() else request.args.get("back")
    if not current:
        return ""
    parts = urlsplit(current)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    return path if is_safe_path(path) else ""


def panel_context(booking: Booking) -> dict:
    local_day = booking.start_at.astimezone(ZoneInfo(booking.timezone)).date()
    return {
        "calendar_url": area.area_url("index", date=local_day.isoformat()),
        "b": booking,
        "history": client_history(booking),
        "show_phones": area.show_phones(),
        "now": utcnow(),
        "can_undo": booking_services.can_undo_outcome(booking),
        "undo_deadline": booking_services.undo_deadline(booking),
        "undo_minutes": int(booking_services.UNDO_WINDOW.total_seconds() // 60),
        "back": _calendar_back(),
    }


def booking_panel(booking_id: int):
    booking = booking_services.get_booking_for(g.tenant, current_actor(), booking_id)
    ctx = panel_context(booking)
    if is_htmx():
        return render_template("calendar/_panel.html", **ctx)
    return render_template("calendar/booking.html", **ctx)
