"""After the demo's seeded month, the owner opens a client card (and keeps a note) and the
analytics page in real Chromium; the manager sees their location's clients."""

from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy import select

from app.accounts.models import ClientNote
from app.core import tenancy
from app.demo import DEMO_PASSWORD, seed
from app.extensions import db
from app.tenants.models import Tenant

SCREENS = Path("/tmp/screens")  # noqa: S108  -- where the lead looks at screenshots


def _sign_in(context, domain: str, area: str, email: str):
    page = context.new_page()
    page.goto(f"http://{area}.demo.{domain}/login")
    page.fill("#email", email)
    page.fill("#password", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(rf"http://{area}\.demo\.{re.escape(domain)}/(\?.*)?$"))
    return page


def test_owner_opens_client_card_and_analytics_after_a_seeded_month(app, live_server, browser):
    seed("demo")
    db.session.commit()
    with tenancy.unscoped():
        tenant_id = db.session.scalar(select(Tenant.id).where(Tenant.subdomain == "demo"))
    SCREENS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="ru-RU")
    csp_errors: list[str] = []
    page = _sign_in(context, live_server, "owner", "owner@demo.example")
    page.on("console", lambda msg: csp_errors.append(msg.text) if "Content Security Policy" in msg.text else None)

    # Clients: the menu, a search by phone typed the local way, the card.
    page.click("nav a[href='/clients']")
    page.wait_for_selector("table.clients-table")
    page.fill("input[name=q]", "8 701 555 00 00")
    page.click("form[role=search] button[type=submit]")
    page.wait_for_selector("table.clients-table")
    rows = page.locator("table.clients-table tbody tr")
    assert rows.count() == 1
    assert "Айгүл" in rows.first.inner_text()
    rows.first.locator("a").first.click()
    page.wait_for_selector("#stat-visits")
    assert int(page.inner_text("#stat-visits")) >= 3  # a regular
    assert re.search(r"\d", page.inner_text("#stat-spent"))  # money() in the owner's language
    assert page.locator("#past tbody tr").count() >= 3
    assert "аммиачные" in page.inner_text("#notes")  # a note from the seed
    page.fill("#text", "Просит напомнить о записи в WhatsApp")
    page.click("#notes button[type=submit]")
    page.wait_for_selector("text=Просит напомнить о записи в WhatsApp")
    page.screenshot(path=str(SCREENS / "owner_client_card_1280.png"), full_page=True)
    db.session.rollback()
    with tenancy.tenant_scope(tenant_id):
        texts = set(db.session.scalars(select(ClientNote.text)))
    assert "Просит напомнить о записи в WhatsApp" in texts

    # Analytics: numbers from the roll-up, SVG charts drawn by the server, the period selector.
    page.click("nav a[href='/analytics']")
    page.wait_for_selector("svg.chart")
    assert int(page.inner_text("#total-bookings")) > 50
    assert re.search(r"\d\s?\d{3}", page.inner_text("#total-revenue"))
    assert re.fullmatch(r"\d+([.,]\d)?\s?%", page.inner_text("#total-utilization").strip())
    assert page.locator("#chart-bookings svg.chart rect.bar").count() >= 4
    assert page.locator("#chart-bookings table tbody tr").count() == 4
    assert page.locator("#by-master table tbody tr").count() == 5
    page.screenshot(path=str(SCREENS / "owner_analytics_1280.png"), full_page=True)
    page.click(".period a[href*='weeks=12']")
    page.wait_for_url(re.compile(r"weeks=12"))
    assert page.locator("#chart-bookings table tbody tr").count() == 12
    assert csp_errors == []

    # A phone: the client list and the analytics page stay inside the screen.
    phone = _sign_in(
        browser.new_context(viewport={"width": 390, "height": 844}), live_server, "manager", "manager@demo.example"
    )
    phone.goto(f"http://manager.demo.{live_server}/clients")
    assert phone.locator("table.clients-table tbody tr").count() > 0
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    phone.goto(f"http://manager.demo.{live_server}/analytics")
    phone.wait_for_selector("svg.chart")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    phone.screenshot(path=str(SCREENS / "manager_analytics_390x844.png"), full_page=True)
