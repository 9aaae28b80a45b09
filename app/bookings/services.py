"""Bookings: create, reschedule/edit, cancel, confirm, complete, no-show; idempotency.

Integrity.  No two blocking bookings of a master may overlap (buffer included).  The
guarantee is the database's: on PostgreSQL the ``bookings_no_overlap`` exclusion
constraint (the insert/update is flushed inside a SAVEPOINT and SQLSTATE 23P01 becomes
``slot_unavailable``); on SQLite the writing request or job runs in ``BEGIN IMMEDIATE``,
so the availability check and the insert cannot interleave with another writer.  Before
the check the service takes ``pg_advisory_xact_lock(tenant, master)`` and bumps the
master's availability version (a row lock on PostgreSQL, the write lock on SQLite), so
the losers of a race wait, then see the winner's booking and answer without trying.

Status changes are compare-and-swap updates (``WHERE status = :expected``) along the
explicit :data:`TRANSITIONS`; edits are optimistic on ``version``.  Bookings are never
deleted.  Every change is audited with before/after and announced to
``app.notifications.events.booking_event`` (outbox rows in the same transaction).

Roles: owner -> the whole business; manager -> own location (anything else is not found);
master -> own bookings (cancelling and rescheduling need ``cancel_own_bookings``);
client -> own bookings, not inside ``tenant.cancellation_window_minutes`` of the start.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import lazyload

from app.accounts.models import Client
from app.accounts.rules import CLIENT_NAME
from app.audit.services import Actor, record, snapshot
from app.billing import services as billing
from app.bookings import queries as bq
from app.bookings import rules
from app.bookings.models import BLOCKING_STATUSES, BOOKING_STATUSES, Booking, IdempotencyKey
from app.catalog.models import Master, Service
from app.core import metrics
from app.core.db import after_commit
from app.core.errors import (
    CancellationWindowPassed,
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
from app.core.types import utcnow
from app.core.validation import parse_instant
from app.extensions import db
from app.scheduling import queries as sq
from app.scheduling.services import is_start_bookable
from app.tenants.models import Tenant

TRANSITIONS: dict[str, frozenset[str]] = {
    "pending": frozenset({"confirmed", "cancelled"}),
    "confirmed": frozenset({"cancelled", "completed", "no_show"}),
    "cancelled": frozenset(),
    "completed": frozenset(),
    "no_show": frozenset(),
}
AUDIT_FIELDS = (
    "status",
    "start_at",
    "end_at",
    "block_end_at",
    "local_start",
    "timezone",
    "location_id",
    "master_id",
    "service_id",
    "client_id",
    "duration_minutes",
    "buffer_minutes",
    "price",
    "currency",
    "notes",
    "cancelled_by",
    "cancel_reason",
)
IDEMPOTENCY_TTL = timedelta(hours=24)


# ----------------------------------------------------------------------- helpers


def can_transition(current: str, new: str) -> bool:
    return new in TRANSITIONS.get(current, frozenset())


_aware = parse_instant


def _notes(value: Any) -> str:
    return clean_or_raise("notes", rules.NOTES, value)


def _is_overlap(exc: IntegrityError) -> bool:
    orig = getattr(exc, "orig", None)
    return getattr(orig, "pgcode", None) == "23P01" or "no_overlap" in str(orig or exc).lower()


def _flush_guarded(fn: Callable[[], Any] | None = None) -> Any:
    """Run the write inside a SAVEPOINT; an overlap violation becomes ``slot_unavailable``
    and leaves the outer transaction usable."""
    try:
        with db.session.begin_nested():
            result = fn() if fn is not None else None
            db.session.flush()
            return result
    except IntegrityError as exc:
        if _is_overlap(exc):
            raise SlotUnavailable() from None
        raise


def _event(event: str, booking: Booking, actor: Actor, previous_start: datetime | None = None) -> None:
    from app.notifications import events

    events.booking_event(event, booking, actor=actor, previous_start=previous_start)


def _can_see(actor: Actor, booking: Booking) -> bool:
    role = actor.role
    if role in ("owner", "system"):
        return True
    if role == "manager":
        return actor.location_id is not None and booking.location_id == actor.location_id
    if role == "master":
        return actor.master_id is not None and booking.master_id == actor.master_id
    if role == "client":
        return booking.client_id == actor.id
    return False


def _check_scope(tenant: Tenant, actor: Actor, booking: Booking) -> None:
    if booking is None or booking.tenant_id != tenant.id or not _can_see(actor, booking):
        raise NotFound()


def _check_window(tenant: Tenant, actor: Actor, booking: Booking) -> None:
    if actor.role != "client":
        return
    window = timedelta(minutes=int(tenant.cancellation_window_minutes or 0))
    if booking.start_at - utcnow() < window:
        raise CancellationWindowPassed()


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


# ----------------------------------------------------------------------- create


def _resolve_client(tenant: Tenant, actor: Actor, client: Client | None, client_data: dict | None) -> Client:
    if actor.role == "client":
        if client is None or client.id != actor.id or client.tenant_id != tenant.id:
            raise Forbidden()
        return client
    if actor.role not in ("owner", "manager", "master", "system"):
        raise Forbidden()
    if client is not None:
        if client.tenant_id != tenant.id:
            raise NotFound()
        return client
    from app.accounts.clients import find_or_create_client

    data = client_data or {}
    if not isinstance(data, dict):
        raise ValidationError.field("client", _l("Give the client's name and phone."))
    try:
        phone = normalize_phone(data.get("phone"), field="client.phone")
    except ValidationError as exc:
        raise ValidationError({"client": exc.details.get("client.phone", [])}) from None
    name = clean_or_raise("client.name", CLIENT_NAME, data.get("name")) or None
    return find_or_create_client(phone, name=name, language=data.get("language"))


def _load_for_create(tenant: Tenant, actor: Actor, service_id: Any, master_id: Any) -> tuple[Service, Master, str]:
    """The service, the master and the master's location zone for a new booking.

    One statement when everything is in order: both rows plus the zone of the master's
    location if the master performs the (active) service there (the rule of
    ``scheduling.queries.bookable_masters``). Anything else takes the step-by-step path,
    which raises the same errors in the same order as always (service, master, role,
    placement).
    """
    from app.catalog.models import MasterService, ServiceLocation
    from app.tenants.models import Location

    try:
        sid, mid = int(service_id), int(master_id)
    except (TypeError, ValueError):
        sid = mid = None
    if sid is not None and mid is not None:
        zone = (
            select(Location.timezone)
            .where(
                Location.tenant_id == Master.tenant_id,
                Location.id == Master.location_id,
                Location.active.is_(True),
                select(MasterService.master_id)
                .where(
                    MasterService.tenant_id == Master.tenant_id,
                    MasterService.master_id == Master.id,
                    MasterService.service_id == Service.id,
                )
                .exists(),
                select(ServiceLocation.service_id)
                .where(
                    ServiceLocation.tenant_id == Master.tenant_id,
                    ServiceLocation.service_id == Service.id,
                    ServiceLocation.location_id == Master.location_id,
                )
                .exists(),
            )
            .correlate(Master, Service)
            .scalar_subquery()
        )
        row = db.session.execute(
            select(Service, Master, zone)
            .where(Service.id == sid, Master.id == mid, Master.tenant_id == Service.tenant_id)
            .options(lazyload(Service.locations), lazyload(Master.services))
        ).first()
        if row is not None:
            service, master, tz = row
            placed = service.active and master.active and tz is not None
            if placed and not (actor.role == "manager" and master.location_id != actor.location_id):
                if actor.role == "master" and master.id != actor.master_id:
                    raise Forbidden(_l("You can only book your own appointments."))
                return service, master, tz
    service = _load_service(service_id)
    master = _load_master(actor, master_id)
    if actor.role == "master" and master.id != actor.master_id:
        raise Forbidden(_l("You can only book your own appointments."))
    return service, master, _placement(tenant, master, service)


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
    start = _aware(start)
    notes = _notes(notes)
    service, master, tz = _load_for_create(tenant, actor, service_id, master_id)
    billing.ensure_within_limit(tenant, "monthly_bookings", actor=actor)
    booked_for = _resolve_client(tenant, actor, client, client_data)

    # One master: the version bump's row lock serializes this master's booking writers until
    # commit (as the advisory lock of ``_reserve`` would, one statement fewer); the loser of
    # a race waits here and sees the winner's booking in the availability check.
    sq.bump_master_versions(tenant.id, [master.id])
    if not _bookable(tenant, master.id, tz, service, start):
        raise SlotUnavailable()
    booking = Booking(
        location_id=master.location_id,
        master_id=master.id,
        service_id=service.id,
        client_id=booked_for.id,
        status="pending" if tenant.require_confirmation and actor.role == "client" else "confirmed",
        duration_minutes=service.duration_minutes,
        buffer_minutes=service.buffer_minutes,
        price=service.price,
        currency=service.currency,
        notes=notes,
        source=(source or "public")[:12],
        created_by_user_id=actor.id if actor.kind == "user" else None,
        **_instants(start, tz, service),
    )
    _flush_guarded(lambda: db.session.add(booking))
    record(actor, "booking.create", "booking", booking.id, tenant_id=tenant.id, after=snapshot(booking, AUDIT_FIELDS))
    from app.notifications.events import just_inserted

    with just_inserted():  # no outbox row can name the booking inserted just now
        _event("created", booking, actor)
    after_commit(metrics.count_booking)
    return booking


# ----------------------------------------------------------------------- update


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
    _check_scope(tenant, actor, booking)
    if booking.status not in BLOCKING_STATUSES:
        raise InvalidTransition(_l("Only upcoming bookings can be changed."))
    new_start = _aware(start) if start is not None else booking.start_at
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
        _check_window(tenant, actor, booking)

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
    ok = _flush_guarded(
        lambda: bq.update_if_version(tenant.id, booking.id, booking.version, BLOCKING_STATUSES, **values)
    )
    if not ok:
        raise Conflict(_l("The booking was changed by someone else. Reload and try again."))
    previous_start = booking.start_at
    db.session.refresh(booking)
    record(
        actor,
        "booking.update",
        "booking",
        booking.id,
        tenant_id=tenant.id,
        before=before,
        after=snapshot(booking, AUDIT_FIELDS),
    )
    if moves:
        _event("rescheduled", booking, actor, previous_start=previous_start)
    return booking


# ----------------------------------------------------------------------- status changes


def _transition(tenant: Tenant, actor: Actor, booking: Booking, new: str, action: str, **values: Any) -> Booking:
    if not can_transition(booking.status, new):
        raise InvalidTransition()
    before = snapshot(booking, AUDIT_FIELDS)
    if not bq.change_status(tenant.id, booking.id, booking.status, new, **values):
        db.session.refresh(booking)
        if not can_transition(booking.status, new):
            raise InvalidTransition()
        raise Conflict(_l("The booking was changed by someone else. Reload and try again."))
    db.session.refresh(booking)
    record(
        actor,
        f"booking.{action}",
        "booking",
        booking.id,
        tenant_id=tenant.id,
        before=before,
        after=snapshot(booking, AUDIT_FIELDS),
    )
    return booking


def _require_staff(actor: Actor) -> None:
    if actor.role not in ("owner", "manager", "master", "system"):
        raise Forbidden()


def cancel_booking(tenant: Tenant, actor: Actor, booking: Booking, reason: str | None = None) -> Booking:
    """Cancel (kept for history); frees the slot at once."""
    _check_scope(tenant, actor, booking)
    if actor.role == "master" and not actor.has("cancel_own_bookings"):
        raise Forbidden(_l("You need the permission to cancel your own bookings."))
    if not can_transition(booking.status, "cancelled"):
        raise InvalidTransition()
    _check_window(tenant, actor, booking)
    _transition(
        tenant,
        actor,
        booking,
        "cancelled",
        "cancel",
        cancelled_by=actor.role,
        cancel_reason=clean_or_raise("reason", rules.CANCEL_REASON, reason) or None,
    )
    sq.bump_master_versions(tenant.id, [booking.master_id])
    _event("cancelled", booking, actor)
    return booking


def confirm_booking(tenant: Tenant, actor: Actor, booking: Booking) -> Booking:
    _check_scope(tenant, actor, booking)
    _require_staff(actor)
    _transition(tenant, actor, booking, "confirmed", "confirm")
    _event("confirmed", booking, actor)
    return booking


def _finish(tenant: Tenant, actor: Actor, booking: Booking, new: str, action: str) -> Booking:
    _check_scope(tenant, actor, booking)
    _require_staff(actor)
    if utcnow() < booking.start_at:
        raise InvalidTransition(_l("This can only be recorded after the appointment has started."))
    return _transition(tenant, actor, booking, new, action)


def complete_booking(tenant: Tenant, actor: Actor, booking: Booking) -> Booking:
    return _finish(tenant, actor, booking, "completed", "complete")


def mark_no_show(tenant: Tenant, actor: Actor, booking: Booking) -> Booking:
    return _finish(tenant, actor, booking, "no_show", "no_show")


# How long after "Done" or "No-show" the mark can be taken back (a mis-tap on a phone).
UNDO_WINDOW = timedelta(minutes=10)
UNDOABLE_STATUSES = ("completed", "no_show")


def undo_deadline(booking: Booking) -> datetime | None:
    """Until when the booking's "Done"/"No-show" can be undone; None if it has no such mark.

    The mark is the booking's last change (both are final statuses), so ``updated_at`` is
    the moment it was made."""
    if booking.status not in UNDOABLE_STATUSES or booking.updated_at is None:
        return None
    return booking.updated_at + UNDO_WINDOW


def can_undo_outcome(booking: Booking, now: datetime | None = None) -> bool:
    deadline = undo_deadline(booking)
    return deadline is not None and (now or utcnow()) < deadline


def undo_outcome(tenant: Tenant, actor: Actor, booking: Booking) -> Booking:
    """Take back "Done" or "No-show" within :data:`UNDO_WINDOW`: the booking is confirmed again.

    Staff only, in their scope (a master: own bookings; a manager: own location).  The time
    becomes blocking again, so it is refused when another booking took it meanwhile."""
    _check_scope(tenant, actor, booking)
    _require_staff(actor)
    if booking.status not in UNDOABLE_STATUSES:
        raise InvalidTransition(_l("Only a booking marked done or no-show can be undone."))
    if not can_undo_outcome(booking):
        minutes = int(UNDO_WINDOW.total_seconds() // 60)
        raise InvalidTransition(
            _l("It is too late to undo: a mark can be undone within %(minutes)s minutes.", minutes=minutes)
        )
    bq.lock_master(tenant.id, booking.master_id)
    sq.bump_master_versions(tenant.id, [booking.master_id])
    if bq.overlapping_blocking(booking.master_id, booking.start_at, booking.block_end_at, exclude_id=booking.id):
        raise SlotUnavailable(_l("This time has been booked again since; the mark cannot be undone."))
    before = snapshot(booking, AUDIT_FIELDS)
    expected = booking.status
    if not _flush_guarded(lambda: bq.change_status(tenant.id, booking.id, expected, "confirmed")):
        raise Conflict(_l("The booking was changed by someone else. Reload and try again."))
    db.session.refresh(booking)
    record(
        actor,
        "booking.undo_outcome",
        "booking",
        booking.id,
        tenant_id=tenant.id,
        before=before,
        after=snapshot(booking, AUDIT_FIELDS),
    )
    return booking


# ----------------------------------------------------------------------- reading


def get_booking_for(tenant: Tenant, actor: Actor, booking_id: int) -> Booking:
    """The booking if this actor may see it; otherwise (or another tenant's) ``NotFound``."""
    try:
        bid = int(booking_id)
    except (TypeError, ValueError):
        raise NotFound() from None
    booking = db.session.scalar(select(Booking).where(Booking.id == bid))
    _check_scope(tenant, actor, booking)
    return booking


def list_bookings_for(
    tenant: Tenant,
    actor: Actor,
    *,
    start_from: datetime | None = None,
    start_to: datetime | None = None,
    status: str | tuple[str, ...] | None = None,
    location_id: int | None = None,
    master_id: int | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[Booking], int]:
    start_from = None if start_from is None else parse_instant(start_from, "from")
    start_to = None if start_to is None else parse_instant(start_to, "to")
    statuses = (status,) if isinstance(status, str) else tuple(status or ())
    unknown = [s for s in statuses if s not in BOOKING_STATUSES]
    if unknown:
        raise ValidationError.field("status", _l("Unknown status."))
    limit = max(1, min(int(limit or 50), 200))
    offset = max(0, int(offset or 0))
    client_id = None
    role = actor.role
    if role == "manager":
        if location_id is not None and int(location_id) != actor.location_id:
            return [], 0
        location_id = actor.location_id
    elif role == "master":
        if master_id is not None and int(master_id) != actor.master_id:
            return [], 0
        master_id = actor.master_id
    elif role == "client":
        client_id = actor.id
    elif role not in ("owner", "system"):
        raise Forbidden()
    if role in ("manager", "master") and (location_id if role == "manager" else master_id) is None:
        return [], 0
    return bq.list_bookings(
        start_from=start_from,
        start_to=start_to,
        statuses=statuses or None,
        location_id=location_id,
        master_id=master_id,
        client_id=client_id,
        limit=limit,
        offset=offset,
    )


# ----------------------------------------------------------------------- idempotency


def _body_hash(body: dict) -> str:
    raw = json.dumps(body, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(raw.encode()).hexdigest()


def run_idempotent(
    tenant: Tenant, actor_key: str, key: str, body: dict, fn: Callable[[], tuple[int, dict]]
) -> tuple[int, dict]:
    """``fn()`` once per (actor, key) within 24 h; a repeat returns the stored answer.

    The key row is claimed (inserted) before ``fn`` runs, inside a SAVEPOINT: a concurrent
    duplicate waits on the unique index and then gets the stored answer or ``conflict``.
    A failed ``fn`` rolls the whole transaction back, claim included, so it can be retried.
    """
    key = clean_or_raise("Idempotency-Key", rules.IDEMPOTENCY_KEY, key)
    actor_key = str(actor_key)[:64]
    digest = _body_hash(body)
    now = utcnow()

    def existing() -> IdempotencyKey | None:
        return db.session.scalar(
            select(IdempotencyKey).where(IdempotencyKey.actor == actor_key, IdempotencyKey.key == key)
        )

    row = existing()
    if row is not None and row.expires_at <= now:
        db.session.delete(row)
        db.session.flush()
        row = None
    if row is None:
        row = IdempotencyKey(
            actor=actor_key,
            key=key,
            request_hash=digest,
            response_status=0,
            response_body={},
            expires_at=now + IDEMPOTENCY_TTL,
        )
        try:
            with db.session.begin_nested():
                db.session.add(row)
                db.session.flush()
        except IntegrityError:
            row = existing()
            if row is None:
                raise Conflict() from None
        else:
            status, payload = fn()
            row.response_status, row.response_body = int(status), payload
            db.session.flush()
            return int(status), payload
    if row.request_hash != digest:
        raise Conflict(_l("This Idempotency-Key was already used with a different request."))
    if not row.response_status:
        raise Conflict(_l("The same request is still being processed."))
    return row.response_status, row.response_body


# ----------------------------------------------------------------------- zone rule changes


def _derive_start(local_start: datetime, tz: str) -> datetime:
    """The instant of a stored local wall-clock start under the current zone rules (the same
    DST rules as availability: ambiguous -> first occurrence, non-existent -> end of the gap)."""
    from app.scheduling.availability import _local_to_us

    us = _local_to_us(local_start.date(), local_start.time(), ZoneInfo(tz))
    return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=us)


def rederive_booking_times(*, tenant_id: int | None = None, dry_run: bool = False) -> dict:
    """Recompute the UTC instants of future active bookings from their local start and zone.

    Run after a time zone database update (e.g. Kazakhstan's move to UTC+5): a 10:00 booking
    stays at 10:00 local time.  A booking whose re-derived interval would overlap another
    active booking of its master is *not* moved; it is listed under ``collisions`` for the
    business to resolve.  Returns ``{"checked", "changed": [...], "collisions": [...]}``
    where each item is ``{"id", "tenant_id", "master_id", "old_start", "new_start"}``.
    Platform-wide unless ``tenant_id`` is given; flushes, the caller commits.
    """
    rows = bq.future_bookings_all_tenants(utcnow(), BLOCKING_STATUSES, tenant_id=tenant_id)
    planned: dict[tuple[int, int], list[dict]] = {}
    for r in rows:
        new_start = _derive_start(r.local_start, r.timezone)
        end = new_start + timedelta(minutes=r.duration_minutes)
        planned.setdefault((r.tenant_id, r.master_id), []).append(
            {
                "id": r.id,
                "tenant_id": r.tenant_id,
                "master_id": r.master_id,
                "old_start": r.start_at,
                "new_start": new_start,
                "end_at": end,
                "block_end_at": end + timedelta(minutes=r.buffer_minutes),
                "moved": new_start != r.start_at,
            }
        )
    changed: list[dict] = []
    collisions: list[dict] = []
    system = Actor.system("rederive-times")
    for (tid, mid), items in planned.items():
        items.sort(key=lambda i: (i["new_start"], i["id"]))
        clash: set[int] = set()
        for i, a in enumerate(items):
            for b in items[i + 1 :]:
                if b["new_start"] >= a["block_end_at"]:
                    break
                clash.update({a["id"], b["id"]})
        moving = [i for i in items if i["moved"]]
        for item in moving:
            public = {k: item[k] for k in ("id", "tenant_id", "master_id", "old_start", "new_start")}
            (collisions if item["id"] in clash else changed).append(public)
        if dry_run:
            continue
        pending = [i for i in moving if i["id"] not in clash]
        # Neighbours may still sit at their old instants: retry until nothing more can move.
        while pending:
            left = []
            for item in pending:
                try:
                    with db.session.begin_nested():
                        bq.set_instants(tid, item["id"], item["new_start"], item["end_at"], item["block_end_at"])
                except IntegrityError as exc:
                    if not _is_overlap(exc):
                        raise
                    left.append(item)
                    continue
                record(
                    system,
                    "booking.rederive_times",
                    "booking",
                    item["id"],
                    tenant_id=tid,
                    before={"start_at": item["old_start"]},
                    after={"start_at": item["new_start"]},
                )
            if len(left) == len(pending):
                for item in left:
                    changed[:] = [c for c in changed if c["id"] != item["id"]]
                    collisions.append({k: item[k] for k in ("id", "tenant_id", "master_id", "old_start", "new_start")})
                break
            pending = left
        if moving:
            sq.bump_master_versions(tid, [mid])
    return {"checked": len(rows), "changed": changed, "collisions": collisions}
