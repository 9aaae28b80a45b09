"""A bookable salon: one location (Asia/Almaty), a 60-minute service, a master working
09:00-13:00 and 14:00-18:00 every day, staff users and actors for every role."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import pytest

from app.core.auth import Actor
from app.core.db import clear_write_intent, declare_write_intent
from app.core.tenancy import tenant_scope

# Monday 2030-03-04 03:00 UTC = 08:00 in Almaty (UTC+5 under the current rules).
NOW = datetime(2030, 3, 4, 3, 0, tzinfo=UTC)


@dataclass
class Salon:
    tenant: object
    service: object
    master: object
    other_master: object
    client: object
    owner: Actor
    client_actor: Actor
    master_actor: Actor
    manager_actor: Actor


@pytest.fixture
def quiet_events(monkeypatch):
    """Record notification events instead of writing outbox rows (the notifications
    package tests those); returns the list of (name, object id)."""
    from app.notifications import events

    calls: list = []
    monkeypatch.setattr(
        events,
        "booking_event",
        lambda event, booking, *, actor=None, previous_start=None: calls.append((event, booking.id)),
    )
    monkeypatch.setattr(events, "permission_request_decided", lambda req: calls.append(("decided", req.id)))
    return calls


@pytest.fixture
def writer():
    """Services run as a writer, like a POST request or a job (BEGIN IMMEDIATE on SQLite)."""
    token = declare_write_intent()
    yield
    clear_write_intent(token)


@pytest.fixture
def salon(
    app, writer, quiet_events, create_tenant, create_service, create_master, create_client, create_user, frozen_now
):
    frozen_now(NOW)
    tenant = create_tenant(
        "acme", min_notice_minutes=60, horizon_days=60, slot_step_minutes=15, cancellation_window_minutes=120
    )
    service = create_service(tenant, duration=60, buffer=0, price="5000")
    master_user = create_user(tenant, role="master")
    master = create_master(tenant, services=[service], user=master_user)
    other = create_master(tenant, name="Dana", services=[service])
    client = create_client(tenant)
    owner_user = create_user(tenant, role="owner")
    manager_user = create_user(tenant, role="manager", location_id=master.location_id)
    scope = tenant_scope(tenant.id)
    scope.__enter__()
    yield Salon(
        tenant=tenant,
        service=service,
        master=master,
        other_master=other,
        client=client,
        owner=Actor.for_user(owner_user),
        client_actor=Actor.for_client(client),
        master_actor=Actor.for_user(master_user, master),
        manager_actor=Actor.for_user(manager_user),
    )
    scope.__exit__(None, None, None)


def at(hhmm: str, day: int = 4) -> datetime:
    """A local Almaty time on 2030-03-<day> as an aware datetime (UTC+5)."""
    from zoneinfo import ZoneInfo

    h, m = map(int, hhmm.split(":"))
    return datetime(2030, 3, day, h, m, tzinfo=ZoneInfo("Asia/Almaty"))
