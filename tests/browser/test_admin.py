"""The platform admin in Chromium: approves a business from its details page, suspends one
after saying why, and sends a failed message again from an Outbox that fits 1280 px."""

from __future__ import annotations

from sqlalchemy import select

from app.audit.models import AuditLog
from app.extensions import db
from app.notifications.models import Notification
from app.tenants.models import Tenant


def _signed_in_admin(browser, live_server, viewport):
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    page.goto(f"http://admin.{live_server}/login")
    page.fill("input[name=email]", "root@jazyl.test")
    page.fill("input[name=password]", "password123")
    page.locator("form button[type=submit]").first.click()
    page.wait_for_url(f"http://admin.{live_server}/")
    return context, page


def _fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_admin_approves_suspends_and_resends(live_server, browser, create_tenant, create_user, commit):
    create_user(None, role="super_admin", email="root@jazyl.test", password="password123")
    nova = create_tenant("nova", name="Nova Studio", status="pending")
    create_user(nova, role="owner", email="dana@nova.kz", name="Dana Owner")
    long_body = "Hello Dana,\n\n" + "Your booking at Nova Studio is confirmed for tomorrow at 10:00. " * 12
    failed = Notification(
        tenant_id=nova.id,
        channel="email",
        recipient="client-with-a-rather-long-address@example.com",
        language="en",
        template="booking_confirmed",
        payload={},
        dedupe_key="browser-test-failed",
        status="failed",
        attempts=14,
        last_error="SMTP 451 4.7.1 Try again later",
        subject="Your booking at Nova Studio is confirmed",
        body=long_body,
    )
    db.session.add(failed)
    commit()
    context, page = _signed_in_admin(browser, live_server, {"width": 1280, "height": 800})

    # Pending list -> details page: the owner and the set-up are there before deciding.
    page.click(f"#tenant-{nova.id} a:has-text('Nova Studio')")
    page.wait_for_url(f"**/tenants/{nova.id}")
    assert page.locator("text=dana@nova.kz").first.is_visible()
    page.click("button:has-text('Approve')")
    page.wait_for_selector(".flash-success")
    assert "Nova Studio is approved" in page.inner_text(".flash-success")
    db.session.rollback()
    assert db.session.get(Tenant, nova.id).status == "active"

    # Suspend asks first and will not go without a reason (works without JavaScript: a page).
    page.click("a:has-text('Suspend')")
    page.wait_for_url(f"**/tenants/{nova.id}/suspend")
    page.click("button:has-text('Suspend the business')")  # the empty reason is refused by the form
    assert page.url.endswith(f"/tenants/{nova.id}/suspend")
    page.fill("#reason", "Unpaid invoice")
    page.click("button:has-text('Suspend the business')")
    page.wait_for_url(f"**/tenants/{nova.id}")
    assert "Unpaid invoice" in page.inner_text("main")
    db.session.rollback()
    assert (db.session.get(Tenant, nova.id).status, db.session.get(Tenant, nova.id).status_reason) == (
        "suspended",
        "Unpaid invoice",
    )
    assert db.session.scalar(select(AuditLog.after).where(AuditLog.action == "tenant.suspended"))["status_reason"] == (
        "Unpaid invoice"
    )

    # The Outbox at 1280 px: the opened email wraps inside the page; then send it again.
    page.goto(f"http://admin.{live_server}/outbox?status=failed")
    row = page.locator(f"#notification-{failed.id}")
    assert "Booking confirmed" in row.inner_text()  # the template named in words
    row.locator("summary").click()
    body = row.locator(".outbox-body")
    assert body.is_visible()
    box = body.bounding_box()
    assert box["x"] + box["width"] <= 1280
    assert _fits(page)
    row.locator("button:has-text('Send again')").click()
    page.wait_for_selector(".flash-success")
    assert "queued to be sent again" in page.inner_text(".flash-success")
    db.session.rollback()
    assert db.session.get(Notification, failed.id).status != "failed"
    context.close()


def test_admin_pages_fit_a_phone(live_server, browser, create_tenant, create_user, commit):
    create_user(None, role="super_admin", email="root@jazyl.test", password="password123")
    t = create_tenant("wide", name="A business with a rather long name for a phone screen", status="pending")
    commit()
    context, page = _signed_in_admin(browser, live_server, {"width": 360, "height": 740})
    for path in ("/", f"/tenants/{t.id}", "/audit", "/outbox"):
        page.goto(f"http://admin.{live_server}{path}")
        assert _fits(page), path
    context.close()
