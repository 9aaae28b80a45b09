"""The admin's support tools (issue 14, item 5): signing in as a business's owner (audited,
a banner, read-only until confirmed) and clearing caches (one business or all, from the panel
and with ``flask cache-clear``).  Extending a trial and re-sending a failed message are
tested in tests/web/test_admin_panel.py and tests/jobs/test_trials.py."""

from __future__ import annotations

import re
from html import unescape

import pytest
from sqlalchemy import select

from app.audit.models import AuditLog
from app.catalog.models import Service
from app.core import tenancy
from app.core.redis import get_redis
from app.extensions import db
from app.tenants.models import Location


@pytest.fixture
def shop(create_tenant, create_user, create_service, commit):
    tenant = create_tenant("helpme", name="Help Me Salon")
    create_user(tenant, role="owner", email="owner@helpme.kz", name="Dana Owner")
    create_service(tenant, name="Manicure", duration=60, price="7000")
    commit()
    return tenant


def audit(action: str) -> list[AuditLog]:
    db.session.rollback()
    with tenancy.unscoped("test"):
        return list(db.session.scalars(select(AuditLog).where(AuditLog.action == action).order_by(AuditLog.id)))


def open_support_session(admin, host_client, shop):
    page = admin.post(f"/tenants/{shop.id}/support")
    assert page.status_code == 200
    target = unescape(re.search(r'href="([^"]+/auth/handoff[^"]+)"', page.get_data(as_text=True))[1])
    assert target.startswith("http://owner.helpme.localhost:5000/auth/handoff?token=")
    owner = host_client("owner.helpme")
    arrived = owner.get(target.split("localhost:5000", 1)[1])
    assert arrived.status_code == 302
    return owner


def test_signing_in_as_the_owner_is_audited_bannered_and_read_only(admin, host_client, shop):
    owner = open_support_session(admin, host_client, shop)
    home = owner.get("/").get_data(as_text=True)
    assert 'id="support-banner"' in home and "root@jazyl.test" in home and "owner@helpme.kz" in home
    assert "Allow changes" in home
    [start] = audit("admin.impersonation.start")
    assert start.actor_label == "root@jazyl.test" and start.tenant_id == shop.id

    refused = owner.post("/services/new", data={"name": "Pedicure", "duration_minutes": 45, "price": "6000"})
    assert refused.status_code == 403
    assert "read-only" in refused.get_data(as_text=True)
    with tenancy.tenant_scope(shop.id):
        assert db.session.scalar(select(Service).where(Service.name == "Pedicure")) is None


def test_after_allowing_changes_they_are_audited_with_the_admin_named(admin, host_client, shop):
    owner = open_support_session(admin, host_client, shop)
    assert owner.post("/auth/support/allow").status_code == 302
    assert audit("admin.impersonation.allow_changes")
    with tenancy.tenant_scope(shop.id):
        location_id = db.session.scalar(select(Location.id))
    form = {"name": "Pedicure", "duration_minutes": 45, "buffer_minutes": 0, "price": "6000"}
    done = owner.post("/services/new", data={**form, "location_ids": [location_id], "active": "y"})
    assert done.status_code == 302, done.get_data(as_text=True)[-2000:]
    [created] = [e for e in audit("service.create") if e.tenant_id == shop.id]
    assert created.actor_label == "owner@helpme.kz (support: root@jazyl.test)"
    assert "Changes are allowed" in owner.get("/").get_data(as_text=True)


def test_ending_the_session_signs_out_and_points_back_to_the_admin_panel(admin, host_client, shop):
    owner = open_support_session(admin, host_client, shop)
    page = owner.post("/auth/support/end")
    assert page.status_code == 200
    assert f"http://admin.localhost:5000/tenants/{shop.id}" in page.get_data(as_text=True)
    assert audit("admin.impersonation.end")
    assert owner.get("/").status_code == 302  # signed out: back to the login page


def test_an_owner_signing_in_normally_sees_no_banner(host_client, shop, create_user, commit):
    owner = host_client("owner.helpme")
    create_user(shop, role="owner", email="second@helpme.kz", password="password123")
    commit()
    assert owner.post("/login", data={"email": "second@helpme.kz", "password": "password123"}).status_code == 302
    assert 'id="support-banner"' not in owner.get("/").get_data(as_text=True)


def test_clearing_one_business_cache_drops_its_entries_only(app, admin, shop, create_tenant, commit, client):
    other = create_tenant("other", name="Other")
    commit()
    for sub in ("helpme", "other"):
        assert client.get(f"/api/v1/public/business/{sub}/services").status_code == 200
    r = get_redis()
    mine = set(r.scan_iter(match=f"jz:*:{shop.id}:*"))
    theirs = set(r.scan_iter(match=f"jz:*:{other.id}:*"))
    assert mine and theirs
    resp = admin.post("/cache/clear", data={"tenant_id": shop.id}, follow_redirects=True)
    assert "The cache of Help Me Salon is cleared." in resp.get_data(as_text=True)
    assert not any(r.exists(k) for k in mine)
    assert all(r.exists(k) for k in theirs)
    [entry] = audit("cache.clear")
    assert entry.tenant_id == shop.id and entry.after["removed"] >= len(mine)


def test_clearing_every_cache_from_the_panel_and_the_cli(app, admin, shop, client):
    assert client.get("/api/v1/public/business/helpme/services").status_code == 200
    r = get_redis()
    assert list(r.scan_iter(match="jz:*"))
    resp = admin.post("/cache/clear", follow_redirects=True)
    assert "The cache of every business is cleared." in resp.get_data(as_text=True)
    assert not list(r.scan_iter(match="jz:*"))

    runner = app.test_cli_runner()
    assert client.get("/api/v1/public/business/helpme/services").status_code == 200
    result = runner.invoke(args=["cache-clear", "--tenant", "helpme"])
    assert result.exit_code == 0 and "cleared" in result.output
    assert not list(r.scan_iter(match=f"jz:*:{shop.id}:*"))
    result = runner.invoke(args=["cache-clear", "--tenant", "nobody"])
    assert result.exit_code != 0 and "No business with subdomain" in result.output
    assert len(audit("cache.clear")) == 2  # the panel's and the command's, not the refused one


def test_clearing_with_redis_down_says_so(admin, shop, monkeypatch):
    import redis

    from app.core import cache

    def down(tenant_id=None):
        raise redis.ConnectionError("down")

    monkeypatch.setattr(cache, "clear", down)
    resp = admin.post("/cache/clear", data={"tenant_id": shop.id}, follow_redirects=True)
    assert "nothing was cleared" in resp.get_data(as_text=True)
    assert audit("cache.clear") == []
