"""A business on a plan: active tenant, one location, a service, a master, an owner; its
subscription is a trial of the plan the test picks (the default plans exist)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from app.billing import services as billing
from app.billing.models import Plan
from app.core import tenancy
from app.extensions import db

# A Monday 08:00 in Almaty (UTC+5).
NOW = datetime(2026, 12, 7, 3, 0, tzinfo=UTC)
TRIAL_ENDS = datetime(2026, 12, 20, 3, 0, tzinfo=UTC)


class Biz:
    tenant = service = master = owner = location = None

    def subscription(self):
        db.session.expire_all()
        with tenancy.tenant_scope(self.tenant.id):
            return billing.get_subscription(self.tenant)

    def on_plan(self, code: str, **limits) -> None:
        """Move the business to ``code`` (changing that plan's limits first, if given)."""
        with tenancy.tenant_scope(self.tenant.id):
            plan = billing.get_plan(code)
            for name, value in limits.items():
                setattr(plan, name, value)
            billing.ensure_subscription(self.tenant).plan_code = plan.code
            db.session.commit()


@pytest.fixture
def biz(create_tenant, create_service, create_master, create_user, commit, frozen_now):
    frozen_now(NOW)
    tenant = create_tenant("anna", name="Anna Beauty", trial_ends_at=TRIAL_ENDS)
    service = create_service(tenant, name="Haircut", duration=60, price="5000")
    master = create_master(tenant, name="Aigerim", services=[service])
    owner = create_user(tenant, role="owner", email="owner@example.com")
    with tenancy.tenant_scope(tenant.id):
        billing.ensure_default_plans()
        billing.ensure_subscription(tenant)
        location = master.location
    commit()
    b = Biz()
    b.tenant, b.service, b.master, b.owner, b.location = tenant, service, master, owner, location
    with tenancy.tenant_scope(tenant.id):
        yield b


@pytest.fixture
def owner_web(host_client, biz):
    c = host_client("owner.anna")
    resp = c.post("/login", data={"email": "owner@example.com", "password": "password123"})
    assert resp.status_code == 302, resp.data[:300]
    return c


@pytest.fixture
def owner_token(client, biz):
    resp = client.post("/api/v1/login", json={"email": "owner@example.com", "password": "password123"})
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()["access_token"]


def plan(code: str) -> Plan:
    return billing.get_plan(code)
