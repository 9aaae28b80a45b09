"""Putting a booking in a master's time: :func:`create_booking` and :func:`update_booking`
(reschedule, another master or service, notes).

Both check the start against availability (``scheduling.services.is_start_bookable``, the
same generator the pages offer slots from) after bumping the master's availability version,
whose row lock makes the loser of a race wait and see the winner's booking; the insert goes
through :func:`.writing.insert_guarded` and the update is flushed under the overlap guard
(:func:`.writing.flush_guarded`).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import lazyload

from app.accounts.clients import find_or_create_client
from app.accounts.models import Client
from app.accounts.rules import CLIENT_NAME
from app.audit.services import record, snapshot
from app.billing import services as billing
from app.bookings import queries as bq
from app.bookings import rules
from app.bookings.models import BLOCKING_STATUSES, Booking
from app.bookings.services.access import STAFF_ROLES, check_scope, check_window
from app.bookings.services.writing import (
    AUDIT_FIELDS,
    CHANGED_MEANWHILE,
    announce,
    audit_change,
    flush_guarded,
    insert_guarded,
)
from app.catalog.models import Master, Service
from app.core import metrics
from app.core.auth import Actor
from app.core.db import after_commit
from app.core.errors import (
    Conflict,
    Forbidden,
    InvalidTransition,
    NotFound,
    SlotUnavailable,
    TenantNotActive,
    ValidationError,
)
from app.core.fields import clean_or_raise
from app.core.phones import normalize_phone
from app.core.validation import parse_instant
from app.extensions import db
from app.notifications.events import just_inserted
from app.scheduling import queries as sq
from app.scheduling.services import is_start_bookable
from app.tenants.models import Tenant


def _notes(value: Any) -> str:
    return clean_or_raise("notes", rules.NOTES, value)


def _load_service(service_id: Any) -> Service:
    try:
        sid = int(service_id)
    except (TypeError, ValueError):
        raise ValidationError.field("service_id", _l("Choose a service.")) from None
    svc = db.session.scalar(select(Service).where(Service.id == sid).options(lazyload(Service.locations)))
    if svc is None or not svc.active:
        raise NotFound(_l("This service is not available."))
    return svc


def _load_master(actor: Actor, master_id: Any) -> Master:
    try:
        mid = int(master_id)
    except (TypeError, ValueError):
        raise ValidationError.field("master_id", _l("Choose a specialist.")) from None
    master = db.session.scalar(select(Master).where(Master.id == mid).options(lazyload(Master.services)))
    if master is None or not master.active:
        raise NotFound(_l("This specialist is not available."))
    if actor.role == "manager" and master.location_id != actor.location_id:
        raise NotFound(_l("This specialist is not available."))
    return master


def _placement(tenant: Tenant, master: Master, service: Service) -> str:
    """The master's location timezone, if the master performs the service there."""
    rows = sq.bookable_masters(tenant.id, service.id, master_id=master.id)
    if not rows:
        raise ValidationError.field("master_id", _l("This specialist does not offer this service here."))
    return rows[0].timezone


def _reserve(tenant: Tenant, master_ids: list[int]) -> None:
    for mid in sorted(set(master_ids)):
        bq.lock_master(tenant.id, mid)
    sq.bump_master_versions(tenant.id, master_ids)


def _instants(start: datetime, tz: str, service: Service) -> dict:
    end = start + timedelta(minutes=service.duration_minutes)
    return {
        "start_at": start,
        "end_at": end,
        "block_end_at": end + timedelta(minutes=service.buffer_minutes),
        "local_start": start.astimezone(ZoneInfo(tz)).replace(tzinfo=None),
        "timezone": tz,
    }


def _bookable(
    tenant: Tenant, master_id: int, tz: str, service: Service, start: datetime, exclude: int | None = None
) -> bool:
    return is_start_bookable(
        tenant,
        master_id=master_id,
        timezone=tz,
        duration_minutes=service.duration_minutes,
        buffer_minutes=service.buffer_minutes,
        start=start,
        exclude_booking_id=exclude,
    )


def _resolve_client(tenant: Tenant, actor: Actor, client: Client | None, client_data: dict | None) -> Client:
    if actor.role == "client":
        if client is None or client.id != actor.id or client.tenant_id != tenant.id:
            raise Forbidden()
        return client
    if actor.role not in STAFF_ROLES:
        raise Forbidden()
    if client is not None:
        if client.tenant_id != tenant.id:
            raise NotFound()
        return client
    data = client_data or {}
    if not isinstance(data, dict):
        raise ValidationError.field("client", _l("Give the client's name and phone."))
    try:
        phone = normalize_phone(data.get("phone"), field="client.phone")
    except ValidationError as exc:
        raise ValidationError({"client": exc.details.get("client.phone", [])}) from None
    name = clean_or_raise("client.name", CLIENT_NAME, data.get("name")) or None
    return find_or_create_client(phone, name=name, language=data.get("language"))


def _load_for_create(
    tenant: Tenant, actor: Actor, service_id: Any, master_id: Any
) -> tuple[Service, Master, str, tuple | None]:
    """The service, the master, the master's location zone for a new booking, and the plan's
    monthly headroom (``billing.services.monthly_headroom``; None when not read).

    One statement when everything is in order: both rows, the zone of the master's
    location if the master performs the (active) service there (the rule of
    ``scheduling.queries.bookable_masters``) and the headroom.  Anything else takes the
    step-by-step path, which raises the same errors in the same order as always (service,
    master, role, placement).
    """
    try:
        sid, mid = int(service_id), int(master_id)
    except (TypeError, ValueError):
        sid = mid = None
    row = None
    if sid is not None and mid is not None:
        row = bq.service_master_zone(tenant.id, sid, mid, joined=billing.monthly_headroom(tenant))
    if row is not None:
        service, master, tz, *headroom = row
        placed = service.active and master.active and tz is not None
        if placed and not (actor.role == "manager" and master.location_id != actor.location_id):
            if actor.role == "master" and master.id != actor.master_id:
                raise Forbidden(_l("You can only book your own appointments."))
            return service, master, tz, tuple(headroom)
    service = _load_service(service_id)
    master = _load_master(actor, master_id)
    if actor.role == "master" and master.id != actor.master_id:
        raise Forbidden(_l("You can only book your own appointments."))
    return service, master, _placement(tenant, master, service), None


def create_booking(
    tenant: Tenant,
    actor: Actor,
    *,
    service_id: int,
    master_id: int,
    start: datetime,
    client: Client | None = None,
    client_data: dict | None = None,
    notes: str = "",
    source: str = "public",
) -> Booking:
    """Book ``start`` with the master, if it is a slot availability offers right now."""
    if actor.role == "client" and not tenant.is_active:
        raise TenantNotActive()
    start = parse_instant(start)
    notes = _notes(notes)
    service, master, tz, headroom = _load_for_create(tenant, actor, service_id, master_id)
    billing.ensure_within_limit(tenant, "monthly_bookings", actor=actor, headroom=headroom)
    booked_for = _resolve_client(tenant, actor, client, client_data)

    # One master: the version bump's row lock serializes this master's booking writers until
    # commit (as the advisory lock of ``_reserve`` would, one statement fewer); the loser of
    # a race waits here and sees the winner's booking in the availability check.
    sq.bump_master_versions(tenant.id, [master.id])
    if not _bookable(tenant, master.id, tz, service, start):
        raise SlotUnavailable()
    booking = insert_guarded(
        {
            "tenant_id": tenant.id,
            "location_id": master.location_id,
            "master_id": master.id,
            "service_id": service.id,
            "client_id": booked_for.id,
            "status": "pending" if tenant.require_confirmation and actor.role == "client" else "confirmed",
            "duration_minutes": service.duration_minutes,
            "buffer_minutes": service.buffer_minutes,
            "price": service.price,
            "currency": service.currency,
            "notes": notes,
            "source": (source or "public")[:12],
            "created_by_user_id": actor.id if actor.kind == "user" else None,
            **_instants(start, tz, service),
        }
    )
    record(actor, "booking.create", "booking", booking.id, tenant_id=tenant.id, after=snapshot(booking, AUDIT_FIELDS))
    with just_inserted():  # no outbox row can name the booking inserted just now
        announce("created", booking, actor)
    after_commit(metrics.count_booking)
    return booking


def update_booking(
    tenant: Tenant,
    actor: Actor,
    booking: Booking,
    *,
    start: datetime | None = None,
    master_id: int | None = None,
    service_id: int | None = None,
    notes: str | None = None,
) -> Booking:
    """Reschedule, change master or service, or edit notes of an active booking."""
    check_scope(tenant, actor, booking)
    if booking.status not in BLOCKING_STATUSES:
        raise InvalidTransition(_l("Only upcoming bookings can be changed."))
    new_start = parse_instant(start) if start is not None else booking.start_at
    new_service = booking.service
    if service_id is not None and str(service_id) != str(booking.service_id):
        new_service = _load_service(service_id)
    new_master = booking.master
    if master_id is not None and str(master_id) != str(booking.master_id):
        new_master = _load_master(actor, master_id)
    moves = new_start != booking.start_at or new_master.id != booking.master_id or new_service.id != booking.service_id
    if actor.role == "master":
        if new_master.id != actor.master_id:
            raise Forbidden(_l("You can only manage your own appointments."))
        if moves and not actor.has("cancel_own_bookings"):
            raise Forbidden(_l("You need the permission to change your own bookings."))
    if moves:
        check_window(tenant, actor, booking)

    before = snapshot(booking, AUDIT_FIELDS)
    values: dict[str, Any] = {}
    if notes is not None:
        values["notes"] = _notes(notes)
    if moves:
        tz = _placement(tenant, new_master, new_service)
        _reserve(tenant, [booking.master_id, new_master.id])
        if not _bookable(tenant, new_master.id, tz, new_service, new_start, exclude=booking.id):
            raise SlotUnavailable()
        values.update(
            _instants(new_start, tz, new_service),
            master_id=new_master.id,
            location_id=new_master.location_id,
            service_id=new_service.id,
        )
        if new_service.id != booking.service_id:
            values.update(
                duration_minutes=new_service.duration_minutes,
                buffer_minutes=new_service.buffer_minutes,
                price=new_service.price,
                currency=new_service.currency,
            )
    if not values:
        return booking
    ok = flush_guarded(
        lambda: bq.update_if_version(tenant.id, booking.id, booking.version, BLOCKING_STATUSES, **values)
    )
    if not ok:
        raise Conflict(CHANGED_MEANWHILE)
    previous_start = booking.start_at
    audit_change(actor, tenant, booking, "update", before)
    if moves:
        announce("rescheduled", booking, actor, previous_start=previous_start)
    return booking
