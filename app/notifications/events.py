"""Domain events -> outbox rows (written in the caller's transaction).

Services call these; the notifications package turns each into one outbox row per
recipient and channel, enqueued after commit.  Interface (stable, used across packages):

- ``booking_event(event, booking, *, actor=None, previous_start=None)`` with event in
  ``created | confirmed | rescheduled | cancelled``
- ``client_code(tenant, phone, code, language)``: the SMS verification code
- ``password_reset(user, url)``
- ``staff_invitation(user, url, inviter, max_age_seconds)``: a new master's or manager's invitation
- ``permission_request_new(request)``: tells the owner a master asked for a permission
- ``permission_request_decided(request)``
- ``tenant_event(event, tenant, owner=None, **extra)`` with event in ``tenant_registered |
  tenant_approved | tenant_rejected | trial_ending | trial_ended``

Each row gets a unique ``dedupe_key`` (the same event is never queued twice), the
recipient's language (client, staff user, else the business default) and a payload of
primitives only; the text is rendered when the row is sent.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime
from typing import Any

from flask import current_app
from sqlalchemy import insert, select

from app.accounts.models import User
from app.core import prepared
from app.core.i18n import normalize
from app.core.translations import text_in
from app.extensions import db
from app.notifications.jobs import send_notification
from app.notifications.models import Notification
from app.tenants.models import Tenant

BOOKING_EVENTS = ("created", "confirmed", "rescheduled", "cancelled")
TENANT_EVENTS = ("tenant_registered", "tenant_approved", "tenant_rejected", "trial_ending", "trial_ended")


_INSERT = insert(Notification.__table__).returning(Notification.__table__.c.id)


def _lang(*candidates: str | None) -> str:
    for c in candidates:
        lang = normalize(c)
        if lang:
            return lang
    return current_app.config.get("DEFAULT_LANGUAGE", "en")


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def queue(
    *,
    channel: str,
    recipient: str | None,
    template: str,
    language: str,
    payload: dict,
    dedupe_key: str,
    tenant_id: int | None = None,
    booking_id: int | None = None,
    known_new: bool = False,
) -> int | None:
    """Add one outbox row (unless its dedupe key exists) and send it after commit; its id.

    The row is a Core ``INSERT ... RETURNING id`` (no ORM object, no flush).

    ``known_new``: the caller knows no row can have this key yet (it names a booking created
    in this transaction), so the look-up is skipped; the unique index still guards the key.
    """
    if not recipient:
        return None
    if not known_new:
        exists = db.session.scalar(select(Notification.id).where(Notification.dedupe_key == dedupe_key))
        if exists:
            return None
    # On the session's connection (its transaction): a Core statement needs none of the ORM's
    # execution steps, and the outbox is no tenant-owned table for the tenant guard to check.
    # Prepared on PostgreSQL (app.core.prepared): every booking queues one or two.
    ((row_id,),) = prepared.rows(
        "jazyl_outbox_insert_v1",
        _INSERT,
        {
            "tenant_id": tenant_id,
            "booking_id": booking_id,
            "channel": channel,
            "recipient": recipient,
            "language": language,
            "template": template,
            "payload": payload,
            "dedupe_key": dedupe_key,
            "status": "queued",
            "attempts": 0,
        },
    )
    send_notification.delay(row_id)
    return row_id


# ---------------------------------------------------------------- bookings


def booking_texts(booking: Any, lang: str | None) -> dict:
    """The business's texts of a booking in ``lang`` (else its default language's)."""
    tenant = db.session.get(Tenant, booking.tenant_id)
    location = booking.location
    return {
        "business": text_in(tenant, "name", lang) if tenant else "",
        "service": text_in(booking.service, "name", lang) if booking.service else "",
        "master": text_in(booking.master, "name", lang) if booking.master else "",
        "location": text_in(location, "name", lang) if location else "",
        "address": text_in(location, "address", lang) if location else "",
    }


def booking_payload(booking: Any, lang: str | None = None) -> dict:
    """What a message or calendar file about ``booking`` says, its texts in ``lang``."""
    tenant = db.session.get(Tenant, booking.tenant_id)
    location = booking.location
    return {
        "booking_id": booking.id,
        "subdomain": tenant.subdomain if tenant else "",
        **booking_texts(booking, lang),
        "location_phone": (location.phone if location else None) or (tenant.phone if tenant else None),
        "timezone": booking.timezone or (location.timezone if location else "UTC"),
        "start": _iso(booking.start_at),
        "end": _iso(booking.end_at),
        "price": str(booking.price),
        "currency": booking.currency,
        "client_name": booking.client.name if booking.client else "",
        "client_phone": booking.client.phone if booking.client else "",
        "status": booking.status,
        "version": booking.version or 1,
        "cancel_reason": booking.cancel_reason or "",
    }


def _master_contacts(booking: Any, tenant_lang: str | None) -> tuple[str | None, str | None, str]:
    master = booking.master
    if master is None:
        return None, None, _lang(tenant_lang)
    user = master.user
    email = master.email or (user.email if user else None)
    phone = master.phone or (user.phone if user else None)
    return email, phone, _lang(user.language if user else None, tenant_lang)


def _to_client(
    booking: Any, template: str, payload: dict, key: str, lang_default: str | None, known_new: bool = False
) -> None:
    client = booking.client
    if client is None:
        return
    lang = _lang(client.language, lang_default)
    common = {
        "template": template,
        "language": lang,
        "payload": {**payload, **booking_texts(booking, lang), "name": client.name or ""},
        "tenant_id": booking.tenant_id,
        "booking_id": booking.id,
        "known_new": known_new,
    }
    queue(channel="sms", recipient=client.phone, dedupe_key=f"{key}:client:sms", **common)
    if client.email:
        queue(channel="email", recipient=client.email, dedupe_key=f"{key}:client:email", **common)


def _to_master(
    booking: Any, template: str, payload: dict, key: str, lang_default: str | None, known_new: bool = False
) -> None:
    email, phone, lang = _master_contacts(booking, lang_default)
    if not email and not phone:
        return  # nobody to tell: no texts to look up
    name = text_in(booking.master, "name", lang) if booking.master else ""
    common = {
        "template": template,
        "language": lang,
        "payload": {**payload, **booking_texts(booking, lang), "name": name, "to_master": True},
        "tenant_id": booking.tenant_id,
        "booking_id": booking.id,
        "known_new": known_new,
    }
    if email:
        queue(channel="email", recipient=email, dedupe_key=f"{key}:master:email", **common)
    elif phone:
        queue(channel="sms", recipient=phone, dedupe_key=f"{key}:master:sms", **common)


_just_inserted: ContextVar[bool] = ContextVar("jazyl_booking_just_inserted", default=False)


@contextmanager
def just_inserted() -> Iterator[None]:
    """Around ``booking_event("created", ...)`` for a booking inserted in this transaction:
    no outbox row can name it yet, so the dedupe look-ups are skipped (create_booking)."""
    token = _just_inserted.set(True)
    try:
        yield
    finally:
        _just_inserted.reset(token)


def booking_event(event: str, booking: Any, *, actor: Any = None, previous_start: Any = None) -> None:
    """Tell the client and/or the master about a booking change (the same event twice queues once)."""
    if event not in BOOKING_EVENTS:
        raise ValueError(f"unknown booking event {event!r}")
    tenant = db.session.get(Tenant, booking.tenant_id)
    tenant_lang = tenant.default_language if tenant else None
    payload = booking_payload(booking)
    base = f"booking:{booking.id}"
    if event == "created":
        known_new = _just_inserted.get()
        _to_client(booking, "booking_created", payload, f"{base}:created", tenant_lang, known_new)
        _to_master(booking, "booking_new", payload, f"{base}:created", tenant_lang, known_new)
    elif event == "confirmed":
        _to_client(booking, "booking_confirmed", payload, f"{base}:confirmed", tenant_lang)
    elif event == "rescheduled":
        payload["previous_start"] = _iso(previous_start)
        key = f"{base}:rescheduled:{_iso(booking.start_at)}:{booking.version or 1}"
        _to_client(booking, "booking_rescheduled", payload, key, tenant_lang)
        _to_master(booking, "booking_rescheduled", payload, key, tenant_lang)
    elif event == "cancelled":
        kind = getattr(actor, "kind", None)
        by_client = kind == "client" or (kind is None and booking.cancelled_by == "client")
        payload["cancelled_by"] = "client" if by_client else "business"
        key = f"{base}:cancelled"
        if by_client:
            # The client is told too: a confirmation that the cancellation went through.
            _to_client(booking, "booking_cancelled", payload, key, tenant_lang)
            _to_master(booking, "booking_cancelled", payload, key, tenant_lang)
        else:
            _to_client(booking, "booking_cancelled", payload, key, tenant_lang)
            # The master is told too, unless the master cancelled it himself.
            if getattr(actor, "master_id", None) != booking.master_id:
                _to_master(booking, "booking_cancelled", payload, key, tenant_lang)


def booking_reminder(booking: Any, kind: str) -> Notification | None:
    """One reminder (``24h`` or ``2h``) for the booking's current start; used by the sweep."""
    tenant = db.session.get(Tenant, booking.tenant_id)
    payload = booking_payload(booking)
    payload["reminder"] = kind
    key = f"booking:{booking.id}:reminder:{kind}:{_iso(booking.start_at)}"
    _to_client(booking, "booking_reminder", payload, key, tenant.default_language if tenant else None)
    return None


# ---------------------------------------------------------------- accounts


def client_code(tenant: Any, phone: str, code: str, language: str) -> None:
    lang = _lang(language, getattr(tenant, "default_language", None))
    queue(
        channel="sms",
        recipient=phone,
        template="client_code",
        language=lang,
        payload={
            "code": code,
            "business": text_in(tenant, "name", lang) if tenant is not None else "",
            "minutes": int(current_app.config.get("SMS_CODE_TTL_MINUTES", 10)),
        },
        dedupe_key=f"code:{getattr(tenant, 'id', 0)}:{phone}:{uuid.uuid4().hex}",
        tenant_id=getattr(tenant, "id", None),
    )


def password_reset(user: Any, url: str) -> None:
    tenant = user.tenant
    lang = _lang(user.language, getattr(tenant, "default_language", None))
    queue(
        channel="email",
        recipient=user.email,
        template="password_reset",
        language=lang,
        payload={"name": user.name, "url": url, "business": text_in(tenant, "name", lang) if tenant else ""},
        dedupe_key=f"password_reset:{user.id}:{uuid.uuid4().hex}",
        tenant_id=user.tenant_id,
    )


def staff_invitation(user: Any, url: str, inviter: str, max_age_seconds: int) -> None:
    """A new master or manager is invited: who invited them, to which business, a link to set a password."""
    tenant = user.tenant
    lang = _lang(user.language, getattr(tenant, "default_language", None))
    queue(
        channel="email",
        recipient=user.email,
        template="master_invitation",
        language=lang,
        payload={
            "name": user.name,
            "url": url,
            "business": text_in(tenant, "name", lang) if tenant else "",
            "inviter": inviter or "",
            "role": user.role,
            "days": max(1, int(max_age_seconds) // 86400),
        },
        dedupe_key=f"invitation:{user.id}:{uuid.uuid4().hex}",
        tenant_id=user.tenant_id,
    )


def permission_request_new(request: Any) -> None:
    """The owner is told that a master asked for a permission (in the owner's language)."""
    tenant = db.session.get(Tenant, request.tenant_id)
    owner = tenant_owner(tenant) if tenant else None
    if owner is None or not owner.active:
        return
    master = request.master
    queue(
        channel="email",
        recipient=owner.email,
        template="permission_request_new",
        language=(lang := _lang(owner.language, tenant.default_language)),
        payload={
            "name": owner.name,
            "master": text_in(master, "name", lang) if master else "",
            "permission": request.permission,
            "reason": request.reason or "",
            "business": text_in(tenant, "name", lang),
            "subdomain": tenant.subdomain,
        },
        dedupe_key=f"permission_request:{request.id}:new",
        tenant_id=request.tenant_id,
    )


def permission_request_decided(request: Any) -> None:
    master = request.master
    user = master.user if master else None
    email = (user.email if user else None) or (master.email if master else None)
    tenant = db.session.get(Tenant, request.tenant_id)
    queue(
        channel="email",
        recipient=email,
        template="permission_request_decided",
        language=(lang := _lang(user.language if user else None, tenant.default_language if tenant else None)),
        payload={
            "name": text_in(master, "name", lang) if master else "",
            "permission": request.permission,
            "approved": request.status == "approved",
            "status": request.status,
            "business": text_in(tenant, "name", lang) if tenant else "",
        },
        dedupe_key=f"permission_request:{request.id}:{request.status}",
        tenant_id=request.tenant_id,
    )


# ---------------------------------------------------------------- tenants


def tenant_owner(tenant: Any) -> Any:
    return db.session.scalar(
        select(User).where(User.tenant_id == tenant.id, User.role == "owner").order_by(User.id).limit(1)
    )


def tenant_event(event: str, tenant: Any, owner: Any = None, **extra: Any) -> None:
    """Email the owner (in the owner's language) about the business's lifecycle."""
    if event not in TENANT_EVENTS:
        raise ValueError(f"unknown tenant event {event!r}")
    owner = owner or tenant_owner(tenant)
    email = (owner.email if owner else None) or tenant.email
    lang = _lang(owner.language if owner else None, tenant.default_language)
    payload = {
        "business": text_in(tenant, "name", lang),
        "subdomain": tenant.subdomain,
        "name": owner.name if owner else "",
        "reason": str(extra.get("reason") or tenant.status_reason or ""),
        "trial_ends_at": _iso(tenant.trial_ends_at),
        "timezone": tenant.timezone,
    }
    payload.update({k: v for k, v in extra.items() if isinstance(v, str | int | float | bool) and k != "reason"})
    if event in ("trial_ending", "trial_ended"):
        key = f"tenant:{tenant.id}:{event}:{_iso(tenant.trial_ends_at)}"
    elif event == "tenant_registered":
        key = f"tenant:{tenant.id}:{event}"
    else:
        key = f"tenant:{tenant.id}:{event}:{uuid.uuid4().hex}"
    queue(
        channel="email",
        recipient=email,
        template=event,
        language=lang,
        payload=payload,
        dedupe_key=key,
        tenant_id=tenant.id,
    )
