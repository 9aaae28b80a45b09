"""Bookings for staff and clients (role scoping lives in app.bookings.services)."""

from __future__ import annotations

from app.api.v1 import models as s
from app.api.v1 import serializers as ser
from app.api.v1.common import ANY, STAFF, idempotent, tenant_of
from app.api.v1.registry import api
from app.bookings import services as bookings


def _visible(principal, booking_id: int):
    """The caller's business and the booking, if the caller may see it (else 404)."""
    tenant = tenant_of(principal)
    return tenant, bookings.get_booking_for(tenant, principal.actor, booking_id)


def _result(principal, booking) -> dict:
    return {"booking": ser.booking(booking, principal.actor)}


@api(
    "/bookings",
    "GET",
    summary="Bookings visible to the caller",
    tag="Bookings",
    auth=ANY,
    query=s.BookingsQuery,
    response=s.BookingList,
    description="Owner: the business; manager: own location; master: own; client: own.",
)
def list_bookings(principal, query: dict):
    items, total = bookings.list_bookings_for(
        tenant_of(principal),
        principal.actor,
        start_from=query.get("from"),
        start_to=query.get("to"),
        status=query.get("status"),
        location_id=query.get("location_id"),
        master_id=query.get("master_id"),
        limit=query["limit"],
        offset=query["offset"],
    )
    return ser.page([ser.booking(b, principal.actor) for b in items], total)


@api(
    "/booking",
    "POST",
    summary="Create a booking",
    tag="Bookings",
    auth=ANY,
    body=s.BookingBody,
    response=s.BookingResult,
    status=201,
    errors=(409,),
    headers=("Idempotency-Key",),
    description="Staff book for a client (`client: {name, phone}`); a client books for self.",
)
def create_booking(principal, body: dict):
    tenant = tenant_of(principal)
    client = principal.client if principal.kind == "client" else None
    client_data = None if client is not None else body.get("client", {})

    def book() -> tuple[int, dict]:
        booking = bookings.create_booking(
            tenant,
            principal.actor,
            service_id=body["service_id"],
            master_id=body["master_id"],
            start=body["start"],
            client=client,
            client_data=client_data,
            notes=body.get("notes", ""),
            source="api" if client is not None else "staff",
        )
        return 201, _result(principal, booking)

    return idempotent(tenant, f"{principal.kind}:{principal.actor.id}", book)


@api(
    "/booking/<int:booking_id>",
    "PUT",
    summary="Reschedule or edit a booking",
    tag="Bookings",
    auth=ANY,
    body=s.BookingUpdateBody,
    response=s.BookingResult,
    errors=(409,),
)
def update_booking(principal, booking_id: int, body: dict):
    tenant, booking = _visible(principal, booking_id)
    booking = bookings.update_booking(
        tenant,
        principal.actor,
        booking,
        start=body.get("start"),
        master_id=body.get("master_id"),
        service_id=body.get("service_id"),
        notes=body.get("notes"),
    )
    return _result(principal, booking)


@api(
    "/booking/<int:booking_id>",
    "DELETE",
    summary="Cancel a booking (kept for history)",
    tag="Bookings",
    auth=ANY,
    body=s.CancelBody,
    response=s.BookingResult,
    errors=(409,),
    description="Clients cannot cancel inside the business's cancellation window: 409 cancellation_window_passed.",
)
def cancel_booking(principal, booking_id: int, body: dict):
    tenant, booking = _visible(principal, booking_id)
    booking = bookings.cancel_booking(tenant, principal.actor, booking, body.get("reason"))
    return _result(principal, booking)


# Staff moves of a booking: path, endpoint (operationId), summary, description, service.
TRANSITIONS = (
    (
        "complete",
        "complete_booking",
        "Mark a booking completed",
        "Owner, manager or the booking's master; only after the start (else invalid_transition).",
        bookings.complete_booking,
    ),
    ("no-show", "no_show_booking", "Mark a booking as no-show", "", bookings.mark_no_show),
    ("confirm", "confirm_booking", "Confirm a pending booking", "", bookings.confirm_booking),
)


def _transition_endpoint(name: str, move):
    def endpoint(principal, booking_id: int):
        tenant, booking = _visible(principal, booking_id)
        return _result(principal, move(tenant, principal.actor, booking))

    endpoint.__name__ = endpoint.__qualname__ = name
    return endpoint


for _path, _name, _summary, _description, _move in TRANSITIONS:
    api(
        f"/booking/<int:booking_id>/{_path}",
        "POST",
        summary=_summary,
        tag="Bookings",
        auth=STAFF,
        response=s.BookingResult,
        errors=(409,),
        description=_description,
    )(_transition_endpoint(_name, _move))


@api("/booking/<int:booking_id>", "GET", summary="One booking", tag="Bookings", auth=ANY, response=s.BookingResult)
def get_booking(principal, booking_id: int):
    return _result(principal, _visible(principal, booking_id)[1])
