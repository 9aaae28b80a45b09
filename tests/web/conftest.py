"""A ready business for page tests: active tenant, service, master with hours, staff logins."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from app.core import tenancy

# A Monday 08:00 in Almaty (UTC+5): the whole working day is still ahead.
NOW = datetime(2026, 12, 7, 3, 0, tzinfo=UTC)


@pytest.fixture
def salon(create_tenant, create_service, create_master, create_user, commit, frozen_now):
    frozen_now(NOW)
    tenant = create_tenant("anna", name="Anna Beauty")
    service = create_service(tenant, name="Haircut", duration=60, price="5000")
    master_user = create_user(tenant, role="master", email="aigerim@example.com")
    master = create_master(tenant, name="Aigerim", services=[service], user=master_user)
    owner = create_user(tenant, role="owner", email="owner@example.com")
    with tenancy.tenant_scope(tenant.id):
        location = master.location
        manager = create_user(tenant, role="manager", email="manager@example.com", location_id=location.id)
    commit()

    class Salon:
        pass

    s = Salon()
    s.tenant, s.service, s.master, s.owner, s.manager, s.master_user, s.location = (
        tenant,
        service,
        master,
        owner,
        manager,
        master_user,
        location,
    )
    # The test body reads these objects after commits: let it do so in the salon's scope.
    with tenancy.tenant_scope(tenant.id):
        yield s


@pytest.fixture
def login(host_client):
    """``login("owner", "anna", email)`` -> a client signed in on that dashboard host."""

    def do(area: str, sub: str, email: str, password: str = "password123"):
        c = host_client(f"{area}.{sub}")
        resp = c.post("/login", data={"email": email, "password": password})
        assert resp.status_code == 302, resp.data[:500]
        return c

    return do


@pytest.fixture
def sms_codes(monkeypatch):
    """Captures verification codes instead of sending SMS: {phone: code}."""
    from app.notifications import events

    codes: dict[str, str] = {}

    def capture(tenant, phone, code, language):
        codes[phone] = code

    monkeypatch.setattr(events, "client_code", capture)
    return codes
