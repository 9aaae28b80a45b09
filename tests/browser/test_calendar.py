"""The staff calendar in real Chromium: the owner books a walk-in from an empty cell, moves it in
the week view, marks it done and undoes it; a master on a phone sees the day and marks a no-show."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select

from app.bookings.models import Booking
from app.extensions import db

SCREENS = Path("/tmp/screens")  # noqa: S108  -- where the lead looks at screenshots


def _login(page, url: str, email: str) -> None:
    page.goto(f"{url}/login")
    page.fill("#email", email)
    page.fill("#password", "password123")
    page.click("button[type=submit]")
    page.wait_for_load_state()


def _status(booking_id: int) -> str:
    db.session.rollback()  # the server committed in its own connection
    return db.session.scalar(select(Booking.status).where(Booking.id == booking_id))


def test_owner_books_from_the_grid_moves_in_week_view_marks_done_and_undoes(salon, live_server, browser, frozen_now):
    SCREENS.mkdir(parents=True, exist_ok=True)
    url = f"http://owner.anna.{live_server}"
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    page.on("dialog", lambda dialog: dialog.accept())
    _login(page, url, "owner@example.com")
    page.goto(f"{url}/?date=2026-12-07")
    column = page.locator(f'.cal-col[data-master="{salon.master.id}"]')
    # 08:00 now: the master works 09-13 and 14-18; 13:00 is a break (shaded, not a link).
    assert column.locator('.cal-cell.off[data-time="13:00"]').count() == 1
    assert column.locator('a.cal-cell[data-time="13:00"]').count() == 0
    page.screenshot(path=str(SCREENS / "calendar_day_owner_1280.png"), full_page=True)

    # An empty cell opens "New booking" with the master, the day and the time already chosen.
    column.locator('a.cal-cell[data-time="10:00"]').click()
    page.wait_for_selector("#staff-booking-form")
    assert "Aigerim" in page.inner_text("#prefill")
    checked = page.locator('#slot-picker input[name="slot"]:checked')
    assert checked.get_attribute("value").startswith("2026-12-07T10:00:00+05:00|")
    page.screenshot(path=str(SCREENS / "calendar_new_booking_prefilled_1280.png"), full_page=True)
    page.fill("#phone", "+7 701 555 02 02")
    page.fill("#name", "Walk-in Marat")
    page.click("#staff-booking-form button[type=submit]:last-of-type")
    page.wait_for_selector(".cal-booking")
    db.session.rollback()
    booking = db.session.scalar(select(Booking).where(Booking.source == "staff"))
    assert booking.master_id == salon.master.id
    assert booking.start_at == datetime(2026, 12, 7, 5, 0, tzinfo=UTC)
    assert "Walk-in Marat" in page.inner_text(f"#booking-{booking.id}")

    # Week view: the booking's panel, then Move to 11:00; back on the week view afterwards.
    page.click('[data-view-link="week"]')
    page.wait_for_selector(".cal-week")
    assert page.locator(".cal-week .cal-colhead").count() == 7
    page.click(f"#booking-{booking.id}")
    page.wait_for_selector("#booking-panel[open] .booking-panel")
    assert "Walk-in Marat" in page.inner_text("#booking-panel")
    page.screenshot(path=str(SCREENS / "calendar_week_panel_1280.png"), full_page=True)
    page.click('#booking-panel [data-action="reschedule"]')
    page.wait_for_selector("#slot-picker")
    page.locator('#slot-picker label.slot:has(input[value^="2026-12-07T11:00:00+05:00"])').click()
    page.screenshot(path=str(SCREENS / "calendar_move_1280.png"), full_page=True)
    page.click("form.staff-slots button[type=submit]")
    page.wait_for_selector(".cal-week")
    db.session.rollback()
    db.session.refresh(booking)
    assert booking.start_at == datetime(2026, 12, 7, 6, 0, tzinfo=UTC)
    assert "11:00" in page.inner_text(f"#booking-{booking.id}")

    # 11:30: it has started; Done, then Undo (it is confirmed again).
    frozen_now(datetime(2026, 12, 7, 6, 30, tzinfo=UTC))
    page.reload()
    page.click(f"#booking-{booking.id}")
    page.wait_for_selector('#booking-panel[open] [data-action="complete"]')
    page.click('#booking-panel [data-action="complete"]')
    page.wait_for_selector(f"#undo-{booking.id}")
    assert _status(booking.id) == "completed"
    assert page.get_attribute(f"#booking-{booking.id}", "data-status") == "completed"
    page.screenshot(path=str(SCREENS / "calendar_week_undo_1280.png"), full_page=True)
    page.click(f'#undo-{booking.id} [data-action="undo"]')
    page.wait_for_selector(f'#booking-{booking.id}[data-status="confirmed"]')
    assert page.locator(f"#undo-{booking.id}").count() == 0
    assert _status(booking.id) == "confirmed"

    # Cancel asks first (the browser's confirm, accepted above) and then cancels.
    page.click(f"#booking-{booking.id}")
    page.wait_for_selector('#booking-panel[open] [data-action="cancel"]')
    page.click('#booking-panel [data-action="cancel"]')
    page.wait_for_selector(".cal-cancelled")
    assert _status(booking.id) == "cancelled"


def test_master_on_a_phone_sees_the_day_and_marks_a_no_show(
    salon, live_server, browser, frozen_now, create_booking, create_client, commit
):
    client = create_client(salon.tenant, name="Dana", phone="+77015550303")
    booking = create_booking(
        salon.tenant, salon.master, salon.service, datetime(2026, 12, 7, 4, 0, tzinfo=UTC), client=client
    )
    commit()
    frozen_now(datetime(2026, 12, 7, 4, 20, tzinfo=UTC))  # 09:20 in Almaty
    SCREENS.mkdir(parents=True, exist_ok=True)
    url = f"http://master.anna.{live_server}"
    page = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
    _login(page, url, "aigerim@example.com")
    page.goto(f"{url}/")
    page.wait_for_selector(f"#booking-{booking.id}")
    assert page.locator(".cal-col").count() == 1  # own column only
    assert page.locator(".cal-now").count() == 1
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    box = page.locator(f"#booking-{booking.id}").bounding_box()
    assert box["width"] >= 200 and box["height"] >= 44  # a thumb can hit it
    page.screenshot(path=str(SCREENS / "calendar_master_390x844.png"), full_page=True)
    page.click(f"#booking-{booking.id}")
    page.wait_for_selector('#booking-panel[open] [data-action="no-show"]')
    assert "Dana" in page.inner_text("#booking-panel")
    page.screenshot(path=str(SCREENS / "calendar_master_panel_390x844.png"))
    page.click('#booking-panel [data-action="no-show"]')
    page.wait_for_selector(f'#booking-{booking.id}[data-status="no_show"]')
    assert _status(booking.id) == "no_show"
    assert page.locator(f"#undo-{booking.id}").is_visible()


def test_deactivating_a_service_asks_in_the_browser_first(salon, live_server, browser):
    from app.catalog.models import Service

    url = f"http://owner.anna.{live_server}"
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    _login(page, url, "owner@example.com")
    page.goto(f"{url}/services")
    questions: list[str] = []

    def answer(dialog):
        questions.append(dialog.message)
        dialog.dismiss() if len(questions) == 1 else dialog.accept()

    page.on("dialog", answer)
    page.click("td.actions button")  # "No": nothing happens
    page.click("td.actions button")  # "Yes": deactivated, without a second question on a page
    page.wait_for_selector(".flash-success")
    assert "Haircut" in questions[0]
    db.session.rollback()
    assert db.session.scalar(select(Service.active).where(Service.id == salon.service.id)) is False


def test_owner_drags_a_booking_to_another_day_in_the_week_view(
    salon, live_server, browser, create_booking, create_client, commit
):
    client = create_client(salon.tenant, name="Dana", phone="+77015550505")
    booking = create_booking(
        salon.tenant, salon.master, salon.service, datetime(2026, 12, 7, 5, 0, tzinfo=UTC), client=client
    )
    commit()
    url = f"http://owner.anna.{live_server}"
    # Tall enough that source and target are both in view (a scroll mid-drag would start it elsewhere).
    page = browser.new_context(viewport={"width": 1280, "height": 1500}).new_page()
    _login(page, url, "owner@example.com")
    page.goto(f"{url}/week?date=2026-12-07&master_id={salon.master.id}")
    target = page.locator('.cal-col[data-day="2026-12-08"] .cal-cell.work[data-time="12:00"]')
    assert target.count() == 1
    page.drag_and_drop(f"#booking-{booking.id}", '.cal-col[data-day="2026-12-08"] .cal-cell.work[data-time="12:00"]')
    page.wait_for_selector("form.staff-slots")
    checked = page.locator('#slot-picker input[name="slot"]:checked')
    assert checked.get_attribute("value").startswith("2026-12-08T12:00:00+05:00|")
    page.click("form.staff-slots button[type=submit]")
    page.wait_for_selector(f'.cal-week .cal-col[data-day="2026-12-08"] #booking-{booking.id}')
    db.session.rollback()
    db.session.refresh(booking)
    assert booking.start_at == datetime(2026, 12, 8, 7, 0, tzinfo=UTC)
