"""The owner's home: a checklist until the booking site can take a booking, and the owner is
told about masters' permission requests (a badge in the navigation and an email)."""

from __future__ import annotations

import re
from datetime import time

import sqlalchemy as sa

from app.catalog import permissions as catalog_permissions
from app.catalog.models import Master, MasterService
from app.core import tenancy
from app.core.auth import Actor
from app.extensions import db
from app.notifications.models import Notification
from app.notifications.rendering import render
from app.scheduling.models import WorkingHours


def _home(login, sub: str, email: str) -> str:
    c = login("owner", sub, email)
    resp = c.get("/")
    assert resp.status_code == 200, resp.data[:500]
    return resp.get_data(as_text=True)


def _step(page: str, key: str) -> str:
    start = page.index(f'id="onboarding-{key}"')
    return page[start : page.index("</li>", start)]


def test_new_pending_business_sees_the_whole_checklist(create_tenant, create_user, commit, login):
    tenant = create_tenant("fresh", status="pending", name="Fresh Salon")
    create_user(tenant, role="owner", email="o@fresh.test")
    commit()
    page = _home(login, "fresh", "o@fresh.test")
    assert "Your business is waiting for approval" in page
    assert 'id="onboarding"' in page
    for key in ("service", "master", "hours", "share"):
        assert 'class="todo"' in _step(page, key)
    assert 'href="/services/new"' in _step(page, "service")
    assert 'href="/masters/new"' in _step(page, "master")
    assert 'href="/share"' in _step(page, "share")


def test_steps_tick_off_and_the_hint_names_what_is_missing(
    create_tenant, create_user, create_service, create_master, commit, login
):
    tenant = create_tenant("half", name="Half")
    create_user(tenant, role="owner", email="o@half.test")
    create_service(tenant, name="Cut")
    master = create_master(tenant, name="Aru", hours=())
    commit()
    page = _home(login, "half", "o@half.test")
    assert 'class="done"' in _step(page, "service") and 'class="done"' in _step(page, "master")
    assert 'class="todo"' in _step(page, "hours")
    assert f'href="/masters/{master.id}/schedule"' in _step(page, "hours")
    assert 'id="onboarding-link-hint"' not in page
    with tenancy.tenant_scope(tenant.id):
        db.session.add(
            WorkingHours(tenant_id=tenant.id, master_id=master.id, weekday=0, start_time=time(9), end_time=time(18))
        )
        db.session.commit()
    page = _home(login, "half", "o@half.test")
    assert 'class="done"' in _step(page, "hours")
    # A service and a master with hours, but the master does not perform the service yet.
    assert 'id="onboarding-link-hint"' in page


def test_checklist_disappears_once_the_site_is_bookable(salon, login):
    page = _home(login, "anna", "owner@example.com")
    assert 'id="onboarding"' not in page
    assert 'id="onboarding-ready"' in page and 'href="/share"' in page


def test_inactive_master_does_not_make_the_site_bookable(salon, login, commit):
    with tenancy.tenant_scope(salon.tenant.id):
        db.session.execute(sa.update(Master).values(active=False))
        db.session.commit()
    page = _home(login, "anna", "owner@example.com")
    assert 'id="onboarding"' in page


def test_master_without_the_service_does_not_make_the_site_bookable(salon, login):
    with tenancy.tenant_scope(salon.tenant.id):
        db.session.execute(sa.delete(MasterService))
        db.session.commit()
    page = _home(login, "anna", "owner@example.com")
    assert 'id="onboarding"' in page and 'id="onboarding-link-hint"' in page


def test_owner_gets_a_badge_and_an_email_about_a_permission_request(salon, login, commit):
    salon.owner.language = "ru"
    commit()
    page = _home(login, "anna", "owner@example.com")
    assert 'id="requests-badge"' not in page
    with tenancy.tenant_scope(salon.tenant.id):
        actor = Actor.for_user(salon.master_user, salon.master)
        catalog_permissions.request_permission(salon.tenant, actor, "see_client_phones", "I call clients")
        db.session.commit()
    page = _home(login, "anna", "owner@example.com")
    assert re.search(r'id="requests-badge" title="[^"]+">1</mark>', page)
    assert 'id="requests-badge-summary" aria-hidden="true">1</mark>' in page
    db.session.rollback()
    [row] = db.session.scalars(sa.select(Notification).where(Notification.template == "permission_request_new"))
    assert (row.recipient, row.language, row.channel) == ("owner@example.com", "ru", "email")
    assert row.payload["master"] == "Aigerim" and row.payload["reason"] == "I call clients"
    row.language = "en"  # read it in English here; the Russian text comes with the merged catalogs
    with tenancy.tenant_scope(salon.tenant.id):
        msg = render(row)
    assert msg.subject == "Aigerim asks for a permission"
    assert "Aigerim asks for the permission “See client phone numbers”." in msg.text
    assert "I call clients" in msg.text
    assert "http://owner.anna.localhost:5000/requests?status=pending" in msg.text
    # Decided: the badge goes away.
    c = login("owner", "anna", "owner@example.com")
    with tenancy.tenant_scope(salon.tenant.id):
        req_id = db.session.scalar(sa.text("SELECT id FROM permission_requests"))
    assert c.post(f"/requests/{req_id}/approve").status_code == 302
    assert 'id="requests-badge"' not in c.get("/").get_data(as_text=True)


def test_manager_pages_render_without_the_owner_badge(salon, login):
    c = login("manager", "anna", "manager@example.com")
    resp = c.get("/masters")
    assert resp.status_code == 200
    assert b"requests-badge" not in resp.data
