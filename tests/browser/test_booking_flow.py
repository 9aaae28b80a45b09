"""A client books on the public site in Russian; the owner sees the booking and cancels it."""

from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy import select

from app.bookings.models import Booking
from app.extensions import db

SCREENS = Path("/tmp/screens")  # noqa: S108  -- where the lead looks at screenshots


def _book_as_client(page, domain: str, salon, sms_codes) -> None:
    page.goto(f"http://anna.{domain}/?lang=ru")
    assert page.get_attribute("html", "lang") == "ru"
    page.click("#book-now")
    page.click(f"#service-{salon.service.id}")  # one master performs it: no master step
    page.wait_for_selector("#slot-picker .slot")
    # Another day through htmx, then back to today; the picker is swapped in place.
    page.locator(".day-strip .day").nth(1).click()
    page.wait_for_selector('.day-strip a.day:nth-of-type(2)[aria-current="date"]')
    page.wait_for_selector('#slot-picker a.slot[data-start="2026-12-08T09:00:00+05:00"]')
    page.locator(".day-strip .day").nth(0).click()
    page.wait_for_selector('#slot-picker a.slot[data-start="2026-12-07T10:00:00+05:00"]')
    page.click('#slot-picker a.slot[data-start="2026-12-07T10:00:00+05:00"]')
    page.wait_for_selector("#booking-summary")
    page.fill("#phone", "+7 701 555 01 01")
    page.click("#verify-step button[type=submit]")
    page.wait_for_selector("#code")
    page.fill("#code", sms_codes["+77015550101"])
    page.fill("#name", "Дана")
    page.click("#verify-step form button[type=submit] >> nth=0")
    page.wait_for_selector("#confirm-form")
    page.fill("#notes", "Покороче, пожалуйста")
    page.click("#confirm-form button[type=submit]")
    page.wait_for_selector("#booking-done")
    assert page.get_attribute("html", "lang") == "ru"


def test_client_books_owner_sees_and_cancels(salon, live_server, browser, sms_codes):
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="ru-RU")
    page = context.new_page()
    _book_as_client(page, live_server, salon, sms_codes)
    db.session.rollback()  # end the test's read snapshot: the server committed in another connection
    booking = db.session.scalar(select(Booking))
    assert booking.status == "confirmed"
    assert booking.client.name == "Дана"
    assert booking.notes == "Покороче, пожалуйста"
    # The client sees it under "my bookings" (the 30-day cookie keeps them signed in).
    page.goto(f"http://anna.{live_server}/my")
    assert page.locator(f"#booking-{booking.id}").is_visible()

    page.goto(f"http://anna.{live_server}/my/{booking.id}")
    SCREENS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENS / "my_booking_390x844.png"), full_page=True)

    # Masters and owners use phones too: the day grid fits the screen.
    owner = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
    owner.goto(f"http://owner.anna.{live_server}/login")
    owner.fill("#email", "owner@example.com")
    owner.fill("#password", "password123")
    owner.click("button[type=submit]")
    owner.goto(f"http://owner.anna.{live_server}/?date=2026-12-07")
    item = owner.locator(f"#booking-{booking.id}")
    assert "Дана" in item.inner_text()
    assert re.search(r"10:00", item.inner_text())
    owner.screenshot(path=str(SCREENS / "owner_day_390x844.png"), full_page=True)
    assert owner.evaluate("document.documentElement.scrollWidth") <= 390
    owner.on("dialog", lambda dialog: dialog.accept())
    # The day is a time grid: the booking opens its panel, whose Cancel asks first.
    item.click()
    owner.click('#booking-panel[open] button[data-action="cancel"]')
    owner.wait_for_selector(".cal-cancelled")
    db.session.rollback()
    assert db.session.scalar(select(Booking.status).where(Booking.id == booking.id)) == "cancelled"


def test_slot_picker_on_a_phone(salon, live_server, browser):
    SCREENS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True, has_touch=True, locale="ru-RU"
    )
    page = context.new_page()
    page.goto(f"http://anna.{live_server}/book?service_id={salon.service.id}&master_id=any&lang=ru")
    page.wait_for_selector("#slot-picker .slot")
    # Nothing overflows the phone's width (the day strip scrolls inside itself).
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.locator("#slot-picker").scroll_into_view_if_needed()
    page.screenshot(path=str(SCREENS / "slot_picker_390x844.png"), full_page=True)
    assert (SCREENS / "slot_picker_390x844.png").stat().st_size > 10_000


def test_taken_slot_in_browser_shows_fresh_slots(salon, live_server, browser, sms_codes, create_booking, commit):
    from datetime import datetime

    page = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
    page.goto(
        f"http://anna.{live_server}/book/confirm?service_id={salon.service.id}&master_id={salon.master.id}"
        f"&start=2026-12-07T10:00:00%2B05:00"
    )
    page.fill("#phone", "+77015550101")
    page.click("#verify-step button[type=submit]")
    page.wait_for_selector("#code")
    page.fill("#code", sms_codes["+77015550101"])
    page.click("#verify-step form button[type=submit] >> nth=0")
    page.wait_for_selector("#confirm-form")
    # Someone else takes the time meanwhile.
    db.session.rollback()  # drop the test's stale read snapshot before writing
    create_booking(salon.tenant, salon.master, salon.service, datetime.fromisoformat("2026-12-07T10:00:00+05:00"))
    commit()
    page.click("#confirm-form button[type=submit]")
    page.wait_for_selector("#slot-taken")
    assert page.locator('#slot-picker a.slot[data-start="2026-12-07T10:00:00+05:00"]').count() == 0
    assert page.locator("#slot-picker a.slot").count() > 0


def test_owner_edits_weekly_hours_with_several_intervals(salon, live_server, browser):
    from datetime import time

    from app.scheduling.models import WorkingHours

    page = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
    page.goto(f"http://owner.anna.{live_server}/login")
    page.fill("#email", "owner@example.com")
    page.fill("#password", "password123")
    page.click("button[type=submit]")
    page.goto(f"http://owner.anna.{live_server}/masters/{salon.master.id}/schedule")
    # Tuesday has 09-13 and 14-18 plus one empty row; "+ interval" adds another empty row (app.js).
    page.click('[data-add-interval="rows-tue"]')
    rows = page.locator("#rows-tue .interval")
    assert rows.count() == 4
    rows.nth(2).locator('input[name="tue_start"]').fill("18:30")
    rows.nth(2).locator('input[name="tue_end"]').fill("20:00")
    page.click("#weekly-form button[type=submit]")
    page.wait_for_selector(".flash-success")
    db.session.rollback()
    tuesday = db.session.scalars(
        select(WorkingHours)
        .where(WorkingHours.master_id == salon.master.id, WorkingHours.weekday == 1)
        .order_by(WorkingHours.start_time)
    ).all()
    assert [(h.start_time, h.end_time) for h in tuesday] == [
        (time(9), time(13)),
        (time(14), time(18)),
        (time(18, 30), time(20)),
    ]
