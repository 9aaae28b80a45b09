"""Sending outbox rows: claim, render in the recipient's language, deliver, record.

A row moves ``queued -> sending -> sent`` (or back to ``queued`` for a retry, and finally
``failed``).  The move to ``sending`` is a conditional UPDATE (a claim): of two jobs for
the same row only one wins, so a row is sent at most once even if its job is enqueued or
run twice.  A row left in ``sending`` by a worker that died is reclaimed by the sweep
after ``NOTIFY_STUCK_SECONDS``; the provider gets a stable idempotency key / Message-ID per
row, so a gateway can drop the rare repeat of a message it had already accepted.

Business rules only; the job (:mod:`app.notifications.jobs`) is the transaction boundary.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from babel.dates import format_skeleton
from flask import current_app, render_template
from flask_babel import format_date, format_time, get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, or_, select, update

from app.core.i18n import in_locale
from app.core.templating import money
from app.core.types import utcnow
from app.extensions import db
from app.notifications.models import Notification
from app.notifications.providers import DeliveryError, DevProvider, Message, provider_for

log = logging.getLogger(__name__)

DEFAULT_RETRY_INTERVALS = (30, 120, 600, 1800, 7200)

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


# ---------------------------------------------------------------- settings


def _setting(name: str, default: str) -> str:
    value = current_app.config.get(name)
    if value in (None, ""):
        value = os.environ.get(name) or default
    return str(value)


def retry_intervals() -> list[int]:
    """Seconds between attempts (``NOTIFY_RETRY_INTERVALS``, e.g. ``30,120,600``)."""
    return parse_intervals(_setting("NOTIFY_RETRY_INTERVALS", ""))


def parse_intervals(raw: str | None) -> list[int]:
    if not raw:
        return list(DEFAULT_RETRY_INTERVALS)
    return [max(0, int(x)) for x in raw.replace(" ", "").split(",") if x]


def max_attempts() -> int:
    return len(retry_intervals()) + 1


def stuck_after() -> timedelta:
    return timedelta(seconds=int(_setting("NOTIFY_STUCK_SECONDS", "600")))


def sweep_delay() -> timedelta:
    return timedelta(seconds=int(_setting("NOTIFY_SWEEP_DELAY_SECONDS", "60")))


def backoff(attempt: int) -> timedelta:
    intervals = retry_intervals() or [30]
    return timedelta(seconds=intervals[min(attempt, len(intervals)) - 1] if attempt >= 1 else intervals[0])


# ---------------------------------------------------------------- rendering


def _local(iso: str | None, tz: str) -> datetime | None:
    if not iso:
        return None
    return datetime.fromisoformat(iso).astimezone(ZoneInfo(tz or "UTC"))


def format_when(iso: str | None, tz: str) -> str:
    """ "November 25, 2026, 10:00 AM" in the current locale, in the location's zone."""
    local = _local(iso, tz)
    if local is None:
        return ""
    return f"{format_date(local.date(), 'long')}, {format_time(local, 'short', rebase=False)}"


def format_when_short(iso: str | None, tz: str) -> str:
    local = _local(iso, tz)
    if local is None:
        return ""
    day = format_skeleton("MMMd", local, locale=str(get_locale() or "en"))
    return f"{day} {format_time(local, 'short', rebase=False)}"


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
        "channel": row.channel,
        "template": row.template,
    }
    ctx["when"] = format_when(p.get("start"), tz)
    ctx["when_short"] = format_when_short(p.get("start"), tz)
    ctx["old_when"] = format_when(p.get("previous_start"), tz)
    ctx["old_when_short"] = format_when_short(p.get("previous_start"), tz)
    ctx["trial_ends"] = format_when(p.get("trial_ends_at"), tz)
    ctx["suspend_date"] = format_when(p.get("suspend_at"), tz)
    ctx["permission_label"] = str(PERMISSION_LABELS.get(p.get("permission"), p.get("permission") or ""))
    if p.get("price") is not None and p.get("currency"):
        ctx["price"] = money(Decimal(p["price"]), p["currency"])
    server = current_app.config.get("SERVER_NAME") or "localhost:5000"
    scheme = current_app.config.get("PREFERRED_URL_SCHEME", "http")
    if p.get("subdomain"):
        ctx["site_url"] = f"{scheme}://{p['subdomain']}.{server}/"
        ctx["owner_url"] = f"{scheme}://owner.{p['subdomain']}.{server}/"
    return ctx


def ics_for(row: Notification) -> bytes:
    """An iCalendar event for a booking message (METHOD:CANCEL when it was cancelled)."""
    from icalendar import Calendar, Event

    p = row.payload or {}
    cancelled = row.template == "booking_cancelled"
    cal = Calendar()
    cal.add("prodid", "-//Jazyl//Bookings//EN")
    cal.add("version", "2.0")
    cal.add("method", "CANCEL" if cancelled else "PUBLISH")
    ev = Event()
    server = (current_app.config.get("SERVER_NAME") or "localhost").split(":")[0]
    ev.add("uid", f"booking-{p.get('booking_id')}@{server}")
    ev.add("sequence", int(p.get("version") or 1))
    ev.add("dtstamp", utcnow())
    ev.add("dtstart", datetime.fromisoformat(p["start"]))
    ev.add("dtend", datetime.fromisoformat(p["end"]))
    ev.add("summary", f"{p.get('service', '')} — {p.get('business', '')}")
    ev.add("location", ", ".join(x for x in (p.get("location"), p.get("address")) if x))
    ev.add("description", _("Master: %(master)s", master=p.get("master", "")))
    ev.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    cal.add_component(ev)
    return cal.to_ical()


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


# ---------------------------------------------------------------- claim / record


@dataclass(frozen=True)
class Claim:
    id: int
    claimed_at: datetime


def claim(notification_id: int) -> Claim | None:
    """Move the row to ``sending`` if it is queued (or stuck); None when another job has it."""
    now = utcnow()
    stale = now - stuck_after()
    result = db.session.execute(
        update(Notification)
        .where(
            Notification.id == notification_id,
            or_(
                Notification.status == "queued", and_(Notification.status == "sending", Notification.claimed_at < stale)
            ),
        )
        .values(status="sending", claimed_at=now, attempts=Notification.attempts + 1, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    return Claim(notification_id, now) if result.rowcount == 1 else None


def _mine(c: Claim):
    return and_(Notification.id == c.id, Notification.status == "sending", Notification.claimed_at == c.claimed_at)


def _scrub(row_template: str, payload: dict, body: str | None, dev: bool) -> tuple[dict, str | None]:
    """Verification codes are not kept in plain text once handed to a real provider."""
    if row_template != "client_code" or dev:
        return payload, body
    code = str(payload.get("code") or "")
    payload = {**payload, "code": "•" * len(code)}
    if body and code:
        body = body.replace(code, "•" * len(code))
    return payload, body


def mark_sent(c: Claim, message: Message, provider_id: str, dev: bool, template: str, payload: dict) -> bool:
    body = message.text
    payload, body = _scrub(template, payload, body, dev)
    result = db.session.execute(
        update(Notification)
        .where(_mine(c))
        .values(
            status="sent",
            sent_at=utcnow(),
            subject=message.subject or None,
            body=body,
            provider_id=(provider_id or "")[:200],
            last_error=None,
            next_attempt_at=None,
            payload=payload,
            updated_at=utcnow(),
        )
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def mark_error(c: Claim, error: str, attempts: int, template: str, payload: dict) -> str:
    """Record a failed attempt: back to ``queued`` with a backoff, or ``failed`` after the last."""
    final = attempts >= max_attempts()
    values = {"last_error": error[:2000], "updated_at": utcnow()}
    if final:
        values.update(status="failed", next_attempt_at=None)
        values["payload"], _body = _scrub(template, payload, None, False)
    else:
        values.update(status="queued", next_attempt_at=utcnow() + backoff(attempts))
    db.session.execute(
        update(Notification).where(_mine(c)).values(**values).execution_options(synchronize_session=False)
    )
    return values["status"]


# ---------------------------------------------------------------- delivery


class RetryLater(RuntimeError):
    """Raised by the job after a failed attempt so RQ schedules the next one."""


def deliver(notification_id: int, *, commit) -> str:
    """Send one row.  ``commit`` ends each step's transaction (the job passes the session's)."""
    c = claim(notification_id)
    commit()
    if c is None:
        return "skipped"
    row = db.session.get(Notification, notification_id)
    template, payload, attempts = row.template, dict(row.payload or {}), row.attempts
    try:
        message = render(row)
        provider = provider_for(row.channel)
    except Exception as exc:  # a broken template or provider setting: retried, then failed
        commit()
        status = mark_error(c, f"render: {exc!r}", attempts, template, payload)
        commit()
        if status == "queued":
            raise RetryLater(f"notification {notification_id}: {exc}") from exc
        raise
    commit()  # no transaction (and on SQLite no write lock) is held while talking to the provider
    try:
        provider_id = provider.send(message)
    except DeliveryError as exc:
        status = mark_error(c, str(exc), attempts, template, payload)
        commit()
        log.warning("notification %s attempt %s failed: %s (%s)", notification_id, attempts, exc, status)
        raise RetryLater(f"notification {notification_id}: {exc}") from exc
    if not mark_sent(c, message, provider_id, isinstance(provider, DevProvider), template, payload):
        log.warning("notification %s was reclaimed while sending", notification_id)
    else:
        log.info(
            "notification %s sent: %s by %s in %s via %s",
            notification_id,
            template,
            row.channel,
            row.language,
            type(provider).__name__,
        )
    commit()
    return "sent"


# ---------------------------------------------------------------- sweep


def reclaim_stuck() -> int:
    """Rows left in ``sending`` by a dead worker go back to ``queued``."""
    now = utcnow()
    result = db.session.execute(
        update(Notification)
        .where(Notification.status == "sending", Notification.claimed_at < now - stuck_after())
        .values(
            status="queued",
            next_attempt_at=None,
            updated_at=now,
            last_error=func.coalesce(Notification.last_error, "worker stopped while sending"),
        )
        .execution_options(synchronize_session=False)
    )
    return result.rowcount or 0


def due_for_requeue(limit: int = 500) -> list[int]:
    """Queued rows whose job should have run by now (lost enqueue, Redis or worker down)."""
    cutoff = utcnow() - sweep_delay()
    return list(
        db.session.scalars(
            select(Notification.id)
            .where(
                Notification.status == "queued",
                func.coalesce(Notification.next_attempt_at, Notification.created_at) <= cutoff,
            )
            .order_by(Notification.id)
            .limit(limit)
        )
    )


def mark_requeued(ids: list[int]) -> None:
    if ids:
        db.session.execute(
            update(Notification)
            .where(Notification.id.in_(ids), Notification.status == "queued")
            .values(next_attempt_at=utcnow())
            .execution_options(synchronize_session=False)
        )
