"""The public booking flow in real Chromium on a phone (390x844): a deep link 30 days ahead,
the first free day, steps swapped in place, five wrong codes, a reload after verification,
only bookable things public, and the widget in another site's page."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from app.bookings.models import Booking
from app.extensions import db

SCREENS = Path("/tmp/screens")  # noqa: S108  -- where the lead looks at screenshots
ALMATY = ZoneInfo("Asia/Almaty")
PHONE = {"width": 390, "height": 844}
TODAY = date(2026, 12, 7)  # the salon fixture's frozen "now" is Monday 08:00 in Almaty


@pytest.fixture
def phone_page(browser):
    context = browser.new_context(viewport=PHONE, locale="en-US")
    page = context.new_page()
    yield page
    context.close()


def _shot(page, name: str) -> None:
    SCREENS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENS / f"public_{name}_390x844.png"), full_page=True)


def _in_viewport(page, selector: str) -> bool:
    return page.evaluate(
        """(sel) => { const r = document.querySelector(sel).getBoundingClientRect();
                      return r.top < window.innerHeight && r.bottom > 0; }""",
        selector,
    )


def _send_code(page, phone: str = "+7 701 555 01 01") -> None:
    page.fill("#phone", phone)
    page.click("#verify-step button[type=submit]")
    page.wait_for_selector("#code")


def test_deep_link_30_days_ahead_books_in_place(salon, live_server, phone_page, sms_codes):
    page = phone_page
    day = TODAY + timedelta(days=30)  # 2027-01-06
    page.goto(
        f"http://anna.{live_server}/book?location_id={salon.location.id}&service_id={salon.service.id}"
        f"&master_id={salon.master.id}&date={day.isoformat()}"
    )
    page.wait_for_selector(f'#day-{day.isoformat()}[aria-current="date"]')
    assert "January 2027" in page.inner_text("#month-name")
    assert "Wednesday, January 6, 2027" in page.inner_text("#picker-day")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    _shot(page, "calendar_deep_link")
    # From here on nothing reloads the page: a marker on window survives every step.
    page.evaluate("window.__sameDocument = true")
    slot = page.locator(f'#slot-picker a.slot[data-start="{day.isoformat()}T11:00:00+05:00"]')
    assert slot.get_attribute("aria-label").replace("\u202f", " ") == "11:00 AM, Aigerim"
    slot.click()
    page.wait_for_selector("#booking-summary")
    assert "/book/confirm?" in page.url  # the URL keeps the state
    assert _in_viewport(page, "#booking-summary")  # the next step is in view on the phone
    _send_code(page)
    page.fill("#code", sms_codes["+77015550101"])
    page.fill("#name", "Dana")
    page.click("#code-submit")
    page.wait_for_selector("#confirm-form")
    assert page.evaluate("window.__sameDocument === true")
    assert "You book as Dana" in page.inner_text("#booking-as")
    page.click("#confirm-form button[type=submit]")
    page.wait_for_url("**/my/**")
    db.session.rollback()  # the server committed in its own connection
    booking = db.session.scalar(select(Booking))
    assert booking.start_at == datetime.combine(day, time(11), ALMATY)
    assert booking.client.name == "Dana"


def test_opens_on_the_first_free_day_and_the_back_button_works(salon, live_server, phone_page, commit):
    from app.scheduling.models import TimeOff

    db.session.add(
        TimeOff(
            tenant_id=salon.tenant.id,
            master_id=salon.master.id,
            start_at=datetime.combine(TODAY, time(0), ALMATY),
            end_at=datetime.combine(TODAY + timedelta(days=2), time(0), ALMATY),
            reason="",
        )
    )
    commit()
    page = phone_page
    page.goto(f"http://anna.{live_server}/")
    page.click(f"#service-{salon.service.id}")  # the whole card is the link
    # One master performs it: the master step chooses itself and the calendar follows.
    page.wait_for_selector('#day-2026-12-09[aria-current="date"]')
    assert salon.master.name in page.inner_text("#flow")
    assert "full" in page.get_attribute("#day-2026-12-07", "class")
    assert page.get_attribute("#day-2026-12-07", "aria-label").endswith(": no free time")
    assert "free" in page.get_attribute("#day-2026-12-09", "class")
    _shot(page, "first_free_day")
    # Another day swaps only the calendar and pushes its URL; back returns to the first one.
    page.click("#day-2026-12-11")
    page.wait_for_selector('#day-2026-12-11[aria-current="date"]')
    assert "date=2026-12-11" in page.url
    page.go_back()
    page.wait_for_selector('#day-2026-12-09[aria-current="date"]')
    page.reload()
    page.wait_for_selector('#day-2026-12-09[aria-current="date"]')
    # A date outside the window says so.
    page.goto(page.url.split("?")[0] + page.url[page.url.index("?") :] + "&date=2027-06-01")
    assert "outside the booking window" in page.inner_text("#date-notice")


def test_five_wrong_codes_explain_themselves(salon, live_server, phone_page, sms_codes):
    page = phone_page
    start = datetime.combine(TODAY + timedelta(days=1), time(10), ALMATY).isoformat().replace("+", "%2B")
    page.goto(
        f"http://anna.{live_server}/book/confirm?location_id={salon.location.id}&service_id={salon.service.id}"
        f"&master_id={salon.master.id}&start={start}"
    )
    _send_code(page)
    # "Send a new code" says when it becomes possible and waits for it.
    assert "You can ask for a new code at 8:01" in page.inner_text("#resend-wait")
    assert page.is_disabled("#resend")
    code = sms_codes["+77015550101"]
    wrong = "000000" if code != "000000" else "111111"
    expected = ["4 tries left", "3 tries left", "2 tries left", "1 try left"]
    for left in expected:
        page.fill("#code", wrong)
        page.click("#code-submit")
        page.wait_for_selector(f'#code-error:has-text("{left}")')
    page.fill("#code", wrong)
    page.click("#code-submit")
    page.wait_for_selector('#code-error:has-text("no longer valid")')
    assert page.is_disabled("#code-submit")
    assert page.is_enabled("#resend")  # a new code may be asked for at once
    _shot(page, "code_dead")
    page.click("#resend")
    page.wait_for_selector("#code:not([disabled])")
    assert sms_codes["+77015550101"]
    page.fill("#code", sms_codes["+77015550101"])
    page.click("#code-submit")
    page.wait_for_selector("#confirm-form")


def test_reload_after_verification_keeps_it(salon, live_server, phone_page, sms_codes):
    page = phone_page
    start = datetime.combine(TODAY + timedelta(days=2), time(15), ALMATY).isoformat().replace("+", "%2B")
    page.goto(
        f"http://anna.{live_server}/book/confirm?location_id={salon.location.id}&service_id={salon.service.id}"
        f"&master_id={salon.master.id}&start={start}"
    )
    _send_code(page)
    page.reload()  # the code is on its way: the page still asks for it
    page.wait_for_selector("#code")
    page.fill("#code", sms_codes["+77015550101"])
    page.fill("#name", "Dana")
    page.click("#code-submit")
    page.wait_for_selector("#confirm-form")
    page.reload()
    page.wait_for_selector("#confirm-form")
    assert "You book as Dana" in page.inner_text("#booking-as")
    _shot(page, "confirm_after_reload")


def test_a_service_without_a_master_is_not_public(salon, live_server, phone_page, create_service, commit):
    nobody = create_service(salon.tenant, name="Beard trim")
    commit()
    page = phone_page
    page.goto(f"http://anna.{live_server}/")
    assert page.locator(f"#service-{salon.service.id}").is_visible()
    assert page.locator(f"#service-{nobody.id}").count() == 0
    assert "Beard trim" not in page.content()
    _shot(page, "home")
    page.goto(f"http://anna.{live_server}/book")
    assert "Beard trim" not in page.content()
    page.goto(f"http://anna.{live_server}/book?location_id={salon.location.id}&service_id={nobody.id}")
    assert "Beard trim" not in page.content()


def _serve(html: str):
    """A second, unrelated web server on 127.0.0.1 serving one page: the business's own site."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            body = html.encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def test_the_widget_on_another_site(salon, live_server, browser):
    host_page = f"""<!doctype html><html><body><h1>Anna's own site</h1>
      <script src="http://anna.{live_server}/static/js/embed.js" data-service-id="{salon.service.id}"
              data-min-height="300"></script></body></html>"""
    server = _serve(host_page)
    context = browser.new_context(viewport={"width": 1024, "height": 900})
    page = context.new_page()
    try:
        page.goto(f"http://127.0.0.1:{server.server_address[1]}/")
        frame_el = page.wait_for_selector("iframe")
        frame = frame_el.content_frame()
        frame.wait_for_selector("#flow")
        # The page reports its height and the iframe grows to it (no inner scroll bar).
        page.wait_for_function("document.querySelector('iframe').getBoundingClientRect().height > 320")
        assert frame.locator("body.embedded").count() == 1
        frame.wait_for_selector("#slot-picker a.slot")  # one master: straight to the times
        assert frame.get_attribute("#slot-picker a.slot >> nth=0", "target") == "_blank"
        SCREENS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENS / "public_widget_1024.png"), full_page=True)
    finally:
        context.close()
        server.shutdown()
        server.server_close()


def test_the_core_path_works_without_javascript(salon, live_server, browser, sms_codes):
    context = browser.new_context(viewport=PHONE, java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto(f"http://anna.{live_server}/")
        page.click(f"#service-{salon.service.id}")  # one master: the master step chooses itself
        page.click("#day-2026-12-08")
        page.wait_for_selector('#day-2026-12-08[aria-current="date"]')
        page.click('#slot-picker a.slot[data-start="2026-12-08T12:00:00+05:00"]')
        page.wait_for_selector("#booking-summary")
        _send_code(page)
        page.fill("#code", sms_codes["+77015550101"])
        page.click("#code-submit")
        page.wait_for_selector("#confirm-form")
        page.click("#confirm-form button[type=submit]")
        page.wait_for_url("**/my/**")
    finally:
        context.close()
    db.session.rollback()
    booking = db.session.scalar(select(Booking))
    assert booking.start_at == datetime.combine(date(2026, 12, 8), time(12), ALMATY)
