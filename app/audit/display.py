"""The audit log for people: an entry's before/after snapshots as "field: old -> new" lines,
with translated field and action names and values written out (times in UTC, labelled)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from flask_babel import format_datetime, pgettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.core.i18n import LANGUAGE_NAMES

#: Field names used in the snapshots (app/*/services.py) -> their label.
FIELD_LABELS: dict[str, Any] = {
    "owner": _l("Owner"),
    "read_only": _l("Read-only"),
    "support": _l("Support by"),
    "scope": _l("Which businesses"),
    "removed": _l("Entries removed"),
    "status": _l("Status"),
    "status_reason": _l("Reason"),
    "subdomain": _l("Sub-domain"),
    "owner_email": _l("Owner's email"),
    "reason": _l("Reason"),
    "trial_ends_at": _l("Trial ends"),
    "name": _l("Name"),
    "description": _l("Description"),
    "email": _l("Email"),
    "phone": _l("Phone"),
    "address": _l("Address"),
    "timezone": _l("Time zone"),
    "active": _l("Active"),
    "currency": _l("Currency"),
    "languages": _l("Languages"),
    "default_language": _l("Default language"),
    "min_notice_minutes": _l("Minimum notice, minutes"),
    "horizon_days": _l("Booking horizon, days"),
    "cancellation_window_minutes": _l("Cancellation window, minutes"),
    "slot_step_minutes": _l("Slot step, minutes"),
    "require_confirmation": _l("Bookings need confirmation"),
    "duration_minutes": _l("Duration, minutes"),
    "buffer_minutes": _l("Break after, minutes"),
    "price": _l("Price"),
    "location_ids": _l("Locations"),
    "location_id": _l("Location"),
    "service_ids": _l("Services"),
    "service_id": _l("Service"),
    "master_id": _l("Master"),
    "client_id": _l("Client"),
    "specialization": _l("Specialization"),
    "permissions": _l("Permissions"),
    "permission": _l("Permission"),
    "start_at": _l("Starts"),
    "end_at": _l("Ends"),
    "block_end_at": _l("Blocked until"),
    "local_start": _l("Starts (local time)"),
    "start": _l("Start"),
    "end": _l("End"),
    "date": _l("Date"),
    "intervals": _l("Hours"),
    "attempts": _l("Attempts"),
    "last_error": _l("Last error"),
    "role": _l("Role"),
    "days": _l("Days"),
    "mon": _l("Monday"),
    "tue": _l("Tuesday"),
    "wed": _l("Wednesday"),
    "thu": _l("Thursday"),
    "fri": _l("Friday"),
    "sat": _l("Saturday"),
    "sun": _l("Sunday"),
    "translations": _l("In other languages"),
    # The versions of a text are keyed by language code: shown by the language's own name.
    **LANGUAGE_NAMES,
}


def value_labels() -> dict[str, str]:
    """Status and role values that appear in snapshots -> their label (a business's status is
    one business: "Активна", not the tab's "Активные")."""
    return {
        "pending": pgettext("status", "Pending"),
        "active": pgettext("status", "Active"),
        "rejected": pgettext("status", "Rejected"),
        "suspended": pgettext("status", "Suspended"),
        "confirmed": _("Confirmed"),
        "cancelled": _("Cancelled"),
        "completed": _("Completed"),
        "no_show": _("No-show"),
        "queued": _("Queued"),
        "sending": _("Sending"),
        "sent": _("Sent"),
        "failed": _("Failed"),
        "expired": _("Expired"),
        "approved": _("Approved"),
        "denied": _("Denied"),
        "owner": _("Owner"),
        "manager": _("Manager"),
        "master": _("Master"),
        "trial_expired": _("The trial has ended"),
    }


#: Audit actions -> a label; unknown actions are shown as recorded.
ACTION_LABELS: dict[str, Any] = {
    "tenant.register": _l("Business registered"),
    "tenant.active": _l("Business approved or reactivated"),
    "tenant.rejected": _l("Business rejected"),
    "tenant.suspended": _l("Business suspended"),
    "tenant.extend_trial": _l("Trial extended"),
    "subscription.trial": _l("Trial started"),
    "subscription.active": _l("Subscription active"),
    "subscription.past_due": _l("Subscription payment overdue"),
    "subscription.cancelled": _l("Subscription cancelled"),
    "subscription.change_plan": _l("Plan changed"),
    "invoice.create": _l("Invoice issued"),
    "invoice.paid": _l("Invoice paid"),
    "invoice.failed": _l("Invoice payment failed"),
    "invoice.void": _l("Invoice voided"),
    "tenant.update_settings": _l("Settings changed"),
    "location.create": _l("Location added"),
    "location.update": _l("Location changed"),
    "service.create": _l("Service added"),
    "service.update": _l("Service changed"),
    "service.deactivate": _l("Service deactivated"),
    "master.create": _l("Master added"),
    "master.update": _l("Master changed"),
    "master.deactivate": _l("Master deactivated"),
    "master.grant_permission": _l("Permission granted"),
    "permission_request.create": _l("Permission requested"),
    "permission_request.approved": _l("Permission request approved"),
    "permission_request.denied": _l("Permission request denied"),
    "schedule.set_weekly": _l("Weekly hours changed"),
    "schedule.add_time_off": _l("Time off added"),
    "schedule.delete_time_off": _l("Time off removed"),
    "schedule.set_override": _l("Special day set"),
    "schedule.delete_override": _l("Special day removed"),
    "booking.create": _l("Booking created"),
    "booking.update": _l("Booking changed"),
    "booking.rederive_times": _l("Booking times recalculated"),
    "notification.resend": _l("Message sent again"),
    "admin.impersonation.start": _l("Support session started"),
    "admin.impersonation.allow_changes": _l("Support session allowed to make changes"),
    "admin.impersonation.end": _l("Support session ended"),
    "cache.clear": _l("Cache cleared"),
    "user.create_manager": _l("Manager added"),
    "user.password_change": _l("Password changed"),
    "user.password_reset": _l("Password reset"),
}

EMPTY = "—"


@dataclass(frozen=True, slots=True)
class Change:
    label: str
    old: str
    new: str


def action_label(action: str) -> str:
    label = ACTION_LABELS.get(action)
    return str(label) if label is not None else action


def field_label(name: str) -> str:
    label = FIELD_LABELS.get(name)
    return str(label) if label is not None else name.replace("_", " ")


def _utc_text(value: str) -> str | None:
    """An ISO date-time with a zone, written out in UTC and labelled; None when it is not one."""
    if len(value) < 16 or value[10:11] != "T":
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    if moment.tzinfo is None:
        return format_datetime(moment, "short", rebase=False)
    return format_datetime(moment.astimezone(UTC), "short", rebase=False) + " UTC"


def show(value: Any) -> str:
    """One snapshot value in plain words: never "None", never a Python dict."""
    if value is None or value == "" or value == [] or value == {}:
        return EMPTY
    if value is True:
        return _("Yes")
    if value is False:
        return _("No")
    if isinstance(value, str):
        return value_labels().get(value) or _utc_text(value) or value
    if isinstance(value, list):
        return ", ".join(show(v) for v in value)
    if isinstance(value, dict):
        if set(value) == {"start", "end"}:
            return f"{show(value['start'])}–{show(value['end'])}"
        return "; ".join(f"{field_label(k)}: {show(v)}" for k, v in value.items())
    return str(value)


def changes(before: dict | None, after: dict | None) -> list[Change]:
    """The fields that differ between the snapshots (all of them for a creation or removal)."""
    before = before if isinstance(before, dict) else {}
    after = after if isinstance(after, dict) else {}
    out: list[Change] = []
    for key in list(dict.fromkeys([*before, *after])):
        old, new = before.get(key), after.get(key)
        if key in before and key in after and old == new:
            continue
        old_text = show(old) if key in before else EMPTY
        out.append(Change(field_label(key), old_text, show(new) if key in after else EMPTY))
    return out
