"""After booking, on a phone: the confirmation offers "add to calendar" (a working .ics and a
Google Calendar link); the manage link read from the SMS in the development outbox opens the
visit without a code, moves it, then cancels it; the cancelled visit leaves "Upcoming" and
the client gets an SMS about the cancellation."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from icalendar import Calendar
from sqlalchemy import select

from app.bookings import services as booking_services
from app.bookings.models import Booking
from app.core import tenancy
from app.core.auth import Actor
from app.extensions import db
from app.notifications import services as outbox
from app.notifications.models import Notification

SCREENS = Path("/tmp/screens")  # noqa: S108  -- where the lead looks at screenshots
START = datetime(2026, 12, 8, 5, 0, tzinfo=UTC)  # Tuesday 10:00 in Almaty; the salon's clock says Monday 08:00
MOVED = "2026-12-08T14:00:00+05:00"
PHONE = "+77015550101"


def _sms_to_client(template: str) -> str:
    """Send the client's SMS through the development provider and read it from the outbox."""
    db.session.rollback()  # a fresh snapshot: the server committed in its own connection
    row = db.session.scalar(
        select(Notification).where(
            Notification.template == template, Notification.channel == "sms", Notification.recipient == PHONE
        )
    )
    assert row is not None, f"no {template} SMS to the client"
    assert outbox.deliver(row.id, commit=db.session.commit) == "sent"
    db.session.rollback()
    return db.session.get(Notification, row.id).body


def _booking(booking_id: int) -> Booking:
    return db.session.scalar(select(Booking).where(Booking.id == booking_id))


def test_manage_link_from_the_sms_add_to_calendar_reschedule_cancel(salon, live_server, browser, create_client):
    client = create_client(salon.tenant, phone=PHONE, name="Dana", language="en")
    with tenancy.tenant_scope(salon.tenant.id):
        b = booking_services.create_booking(
            salon.tenant,
            Actor.for_client(client),
            service_id=salon.service.id,
            master_id=salon.master.id,
            start=START,
            client=client,
            source="public",
        )
    db.session.commit()
    booking_id = b.id

    sms = _sms_to_client("booking_created")
    assert "tomorrow" in sms  # sent on Monday for Tuesday
    link = re.search(r"http://anna\.localhost:\d+/v/[0-9a-z]+\.[0-9a-z]+\.[\w-]+", sms)[0]
    assert len(urlsplit(link).path) < 40  # short enough for an SMS

    SCREENS.mkdir(parents=True, exist_ok=True)
    page = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
    page.on("dialog", lambda dialog: dialog.accept())
    # The link works on a browser that never verified the phone.
    page.goto(link.replace("localhost:5000", live_server))
    page.wait_for_selector(f"#booking-{booking_id}")
    assert urlsplit(page.url).path == f"/my/{booking_id}"

    # The confirmation page: "add to calendar" with a working .ics and a Google link.
    page.goto(f"http://anna.{live_server}/my/{booking_id}?created=1")
    page.wait_for_selector("#booking-done")
    assert page.locator("#add-to-calendar").is_visible()
    page.screenshot(path=str(SCREENS / "after_booking_confirmation_390x844.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    ics_href = page.get_attribute("#ics-link", "href")
    status, ctype, body = page.evaluate(
        "async (u) => { const r = await fetch(u); return [r.status, r.headers.get('content-type'), await r.text()]; }",
        ics_href,
    )
    assert status == 200 and ctype.startswith("text/calendar")
    (event,) = Calendar.from_ical(body).walk("VEVENT")
    assert event.decoded("DTSTART") == START and event.decoded("DTEND") == START + timedelta(hours=1)
    assert "Haircut" in str(event["SUMMARY"]) and "Anna Beauty" in str(event["SUMMARY"])
    assert "/v/" in str(event["DESCRIPTION"])
    google = urlsplit(page.get_attribute("#google-link", "href"))
    assert google.netloc == "calendar.google.com"
    assert parse_qs(google.query)["dates"] == ["20261208T050000Z/20261208T060000Z"]

    # Reschedule to 14:00 the same day.
    page.click(f"#booking-{booking_id} a[href$='/reschedule']")
    page.wait_for_selector("#slot-picker")
    page.click(".day-strip a[href*='date=2026-12-08']")
    page.wait_for_selector(f"#slot-picker input[name=slot][value^='{MOVED}']")
    page.check(f"#slot-picker input[name=slot][value^='{MOVED}']")
    page.screenshot(path=str(SCREENS / "after_booking_reschedule_390x844.png"), full_page=True)
    page.click("form button[type=submit]:has-text('Move the booking')")
    page.wait_for_selector(".flash-success")
    assert urlsplit(page.url).path == f"/my/{booking_id}"
    db.session.rollback()
    assert _booking(booking_id).start_at == datetime.fromisoformat(MOVED)
    assert "today" not in _sms_to_client("booking_rescheduled")

    # Cancel from the visit page: shown as cancelled, gone from "Upcoming".
    page.click(f"#booking-{booking_id} button:has-text('Cancel the visit')")
    page.wait_for_selector("#cancelled-note")
    assert page.locator("#add-to-calendar").count() == 0
    page.screenshot(path=str(SCREENS / "after_booking_cancelled_390x844.png"), full_page=True)
    db.session.rollback()
    assert _booking(booking_id).status == "cancelled"
    page.goto(f"http://anna.{live_server}/my")
    assert page.locator(f"#upcoming #booking-{booking_id}").count() == 0
    assert page.locator(f"#cancelled #booking-{booking_id}").is_visible()
    assert "No upcoming bookings." in page.inner_text("#upcoming")
    page.screenshot(path=str(SCREENS / "after_booking_my_390x844.png"), full_page=True)

    # The client gets an SMS that the visit is cancelled (with the link to see it).
    cancelled = _sms_to_client("booking_cancelled")
    assert "has been cancelled" in cancelled and "/v/" in cancelled


def test_owner_share_page_on_a_phone(salon, live_server, browser):
    page = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
    page.goto(f"http://owner.anna.{live_server}/login")
    page.fill("#email", "owner@example.com")
    page.fill("#password", "password123")
    page.click("button[type=submit]")
    page.goto(f"http://owner.anna.{live_server}/share")
    assert page.input_value("#booking-url") == f"http://anna.{live_server}/"
    assert page.locator("#share-qr svg").is_visible()
    assert "embed.js" in page.input_value("#embed-script")
    SCREENS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENS / "owner_share_390x844.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    status, svg = page.evaluate(
        "async (u) => { const r = await fetch(u); return [r.status, await r.text()]; }",
        page.get_attribute("#qr-svg", "href"),
    )
    assert status == 200 and "<svg" in svg
