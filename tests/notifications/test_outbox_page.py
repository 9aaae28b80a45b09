"""The admin Outbox page: every message with status, attempts, error and text; search,
pagination, and verification codes masked outside development."""

from __future__ import annotations

import pytest

from app.core import tenancy
from app.extensions import db
from app.notifications import events
from app.notifications.models import Notification


@pytest.fixture
def admin(create_user, commit, host_client):
    create_user(None, role="super_admin", email="root@jazyl.test", password="password123")
    commit()
    c = host_client("admin")
    r = c.post("/login", data={"email": "root@jazyl.test", "password": "password123"})
    assert r.status_code == 302
    return c


def _codes(create_tenant, n: int = 1):
    tenant = create_tenant("codes", name="Codes")
    with tenancy.tenant_scope(tenant.id):
        for i in range(n):
            events.client_code(tenant, f"+7701555{i:04d}", f"{700000 + i}", "en")
    rows = db.session.query(Notification).order_by(Notification.id).all()
    for r in rows:
        r.status, r.attempts, r.body = "sent", 1, f"Your code for Codes: {r.payload['code']}"
    return rows


def test_outbox_lists_status_attempts_error_and_text(app, admin, create_tenant, commit, monkeypatch):
    rows = _codes(create_tenant, 2)
    rows[1].status, rows[1].attempts, rows[1].last_error = "failed", 3, "SMS gateway answered 503"
    commit()
    page = admin.get("/outbox").get_data(as_text=True)
    assert "+77015550000" in page and "+77015550001" in page
    assert "SMS gateway answered 503" in page and "Your code for Codes: ••••••" in page  # testing: masked
    monkeypatch.setitem(app.config, "ENV_NAME", "development")  # with the dev SMS provider: the Outbox is the phone
    assert "Your code for Codes: 700000" in admin.get("/outbox").get_data(as_text=True)
    assert 'href="/outbox"' in admin.get("/").get_data(as_text=True)
    assert 'href="/outbox"' in admin.get("/audit").get_data(as_text=True)


def test_outbox_search_and_status_filter(admin, create_tenant, commit):
    rows = _codes(create_tenant, 3)
    rows[2].status = "failed"
    commit()
    page = admin.get("/outbox?q=5550001").get_data(as_text=True)
    assert "+77015550001" in page and "+77015550000" not in page
    page = admin.get("/outbox?status=failed").get_data(as_text=True)
    assert "+77015550002" in page and "+77015550001" not in page
    page = admin.get("/outbox?template=password_reset").get_data(as_text=True)
    assert "+77015550000" not in page


def test_outbox_paginates(admin, create_tenant, commit):
    _codes(create_tenant, 55)
    commit()
    first = admin.get("/outbox").get_data(as_text=True)
    second = admin.get("/outbox?page=2").get_data(as_text=True)
    assert "+77015550054" in first and "+77015550000" not in first
    assert "+77015550000" in second and "+77015550054" not in second


def test_codes_are_masked_outside_development(app, admin, create_tenant, commit, monkeypatch):
    _codes(create_tenant, 1)
    commit()
    monkeypatch.setitem(app.config, "ENV_NAME", "production")
    page = admin.get("/outbox").get_data(as_text=True)
    assert "700000" not in page and "Your code for Codes: ••••••" in page


def test_outbox_needs_the_super_admin(host_client):
    r = host_client("admin").get("/outbox")
    assert r.status_code == 302 and "/login" in r.headers["Location"]
