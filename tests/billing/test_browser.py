"""The owner pays for a plan in Chromium on a 390 px phone: the page fits, the invoices read
as cards, the sandbox checkout goes through with the real CSRF checks."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from app.extensions import db
from tests.browser.conftest import CHROMIUM, browser, live_server  # noqa: F401

SCREENS = Path("/tmp/screens")  # noqa: S108  -- where the lead looks at screenshots

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason=f"{CHROMIUM} is not installed"),
]


def test_owner_pays_for_a_plan_on_a_phone(biz, live_server, browser):  # noqa: F811
    SCREENS.mkdir(parents=True, exist_ok=True)
    url = f"http://owner.anna.{live_server}"
    page = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
    page.goto(f"{url}/login")
    page.fill("#email", "owner@example.com")
    page.fill("#password", "password123")
    page.click("button[type=submit]")
    page.wait_for_load_state()

    page.goto(f"{url}/billing")
    assert page.inner_text("#subscription-status") == "Trial"
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.click("#plan-start button[type=submit]")
    page.wait_for_url("**/billing/sandbox/*")
    page.click("button[value=pay]")
    page.wait_for_url("**/billing")
    assert page.inner_text("#subscription-status") == "Active"
    assert page.locator("#billing-invoices tr[id^=invoice-]").count() == 1
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(SCREENS / "billing_owner_390x844.png"), full_page=True)
    db.session.rollback()  # the server committed in its own connection
    assert biz.subscription().status == "active"
