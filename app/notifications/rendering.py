"""Rendering an outbox row: its context (dates in the business's time zone, links), the
subject and the email/SMS text in the recipient's language, and the calendar file.

Rows keep only primitives (ISO times, ids, names) in their payload; everything shown is
made here, at sending time, so a message is rendered in the language the recipient has then.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from flask import current_app, render_template
from flask_babel import format_date
from flask_babel import lazy_gettext as _l

from app.core.i18n import in_locale
from app.core.phones import format_phone
from app.core.templating import local_time, money, when_long, when_short
from app.notifications import calendar, links
from app.notifications.models import Notification
from app.notifications.providers import Message

SUBJECTS = {
    "booking_created": _l("Your booking at %(business)s"),
    "booking_new": _l("New booking: %(service)s, %(when)s"),
    "booking_confirmed": _l("Your booking at %(business)s is confirmed"),
    "booking_rescheduled": _l("Booking moved: %(service)s, %(when)s"),
    "booking_cancelled": _l("Booking cancelled: %(service)s, %(when)s"),
    "booking_reminder": _l("Reminder: %(service)s, %(when)s"),
    "tenant_registered": _l("Welcome to Jazyl, %(name)s"),
    "tenant_approved": _l("%(business)s is approved"),
    "tenant_rejected": _l("%(business)s was not approved"),
    "trial_ending": _l("Your trial ends in 3 days"),
    "trial_ended": _l("Your trial has ended"),
    "password_reset": _l("Reset your password"),
    "permission_request_decided": _l("Your permission request was answered"),
    "master_invitation": _l("You are invited to %(business)s on Jazyl"),
    "permission_request_new": _l("%(master)s asks for a permission"),
}
PERMISSION_LABELS = {
    "edit_own_schedule": _l("Edit own schedule"),
    "see_client_phones": _l("See client phone numbers"),
    "cancel_own_bookings": _l("Cancel own bookings"),
}
BOOKING_TEMPLATES = (
    "booking_created",
    "booking_new",
    "booking_confirmed",
    "booking_rescheduled",
    "booking_cancelled",
    "booking_reminder",
)


def _local(iso: str | None, tz: str) -> datetime | None:
    if not iso:
        return None
    return datetime.fromisoformat(iso).astimezone(ZoneInfo(tz or "UTC"))


def format_when(iso: str | None, tz: str) -> str:
    """ "tomorrow, December 8, 2026, 10:00" (or "Wednesday, December 9, 2026, 10:00") in the
    current locale and the location's zone; "today"/"tomorrow" as of now, the moment the
    message is rendered (by the worker, when it is sent), not when it was queued."""
    return when_long(_local(iso, tz), tz)


def format_when_short(iso: str | None, tz: str) -> str:
    """ "today, 10:00" / "tomorrow, 10:00" / "Wed, Dec 9, 10:00" (see :func:`format_when`)."""
    return when_short(_local(iso, tz), tz)


def format_date_time(iso: str | None, tz: str) -> str:
    """ "November 25, 2026, 10:00 AM": an absolute date (for "ends on %(date)s" sentences)."""
    local = _local(iso, tz)
    if local is None:
        return ""
    return f"{format_date(local.date(), 'long')}, {local_time(local, tz)}"


def _visit_links(row: Notification, p: dict) -> dict:
    """The client's links in a booking message: manage the visit, add it to a calendar."""
    if row.template not in BOOKING_TEMPLATES or p.get("to_master") or not row.tenant_id:
        return {}
    if not (p.get("subdomain") and p.get("booking_id") and p.get("start") and p.get("end")):
        return {}
    token = links.token_for_visit(row.tenant_id, int(p["booking_id"]), datetime.fromisoformat(p["end"]))
    manage = links.manage_url(p["subdomain"], token)
    out = {"manage_url": manage}
    if row.template != "booking_cancelled":
        out["ics_url"] = links.calendar_file_url(p["subdomain"], token)
        out["google_url"] = calendar.google_calendar_url(p, manage)
    return out


def context_for(row: Notification) -> dict:
    p = dict(row.payload or {})
    tz = p.get("timezone") or "UTC"
    ctx = {
        "p": p,
        "name": p.get("name") or "",
        "show_client": bool(p.get("to_master")),
        "business": p.get("business", ""),
        "service": p.get("service", ""),
        "master": p.get("master", ""),
        "location": p.get("location", ""),
        "address": p.get("address", ""),
        "client_phone": format_phone(p.get("client_phone")),
        "location_phone": format_phone(p.get("location_phone")),
        "channel": row.channel,
        "template": row.template,
    }
    ctx["when"] = format_when(p.get("start"), tz)
    ctx["when_short"] = format_when_short(p.get("start"), tz)
    ctx["old_when"] = format_when(p.get("previous_start"), tz)
    ctx["old_when_short"] = format_when_short(p.get("previous_start"), tz)
    ctx["trial_ends"] = format_date_time(p.get("trial_ends_at"), tz)
    ctx["suspend_date"] = format_date_time(p.get("suspend_at"), tz)
    ctx["permission_label"] = str(PERMISSION_LABELS.get(p.get("permission"), p.get("permission") or ""))
    if p.get("price") is not None and p.get("currency"):
        ctx["price"] = money(Decimal(p["price"]), p["currency"])
    server = current_app.config.get("SERVER_NAME") or "localhost:5000"
    scheme = current_app.config.get("PREFERRED_URL_SCHEME", "http")
    if p.get("subdomain"):
        ctx["site_url"] = f"{scheme}://{p['subdomain']}.{server}/"
        ctx["owner_url"] = f"{scheme}://owner.{p['subdomain']}.{server}/"
    ctx.update(_visit_links(row, p))
    return ctx


def ics_for(row: Notification) -> bytes:
    """An iCalendar event for a booking message (METHOD:CANCEL when it was cancelled)."""
    p = row.payload or {}
    links_ = _visit_links(row, dict(p))
    return calendar.ics_event(p, manage_url=links_.get("manage_url"), cancelled=row.template == "booking_cancelled")


def render(row: Notification) -> Message:
    """The message for ``row`` in the recipient's language."""
    with in_locale(row.language):
        ctx = context_for(row)
        if row.channel == "sms":
            text = render_template(f"sms/{row.template}.txt", **ctx).strip()
            return Message("sms", row.recipient, "", " ".join(text.split()), idempotency_key=row.dedupe_key)
        subject = str(SUBJECTS[row.template]) % {k: v for k, v in ctx.items() if isinstance(v, str)}
        ctx["subject"] = subject
        text = render_template(f"emails/{row.template}.txt", **ctx).strip() + "\n"
        html = render_template(f"emails/{row.template}.html", **ctx)
        attachments = []
        if row.template in BOOKING_TEMPLATES and (row.payload or {}).get("start"):
            attachments.append(("booking.ics", "text/calendar", ics_for(row)))
        return Message("email", row.recipient, subject, text, html, attachments, idempotency_key=row.dedupe_key)
