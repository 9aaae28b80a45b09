"""The visit as an iCalendar file (RFC 5545) and as a Google Calendar link."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from icalendar import Calendar
from sqlalchemy import select

from app.core import tenancy
from app.extensions import db
from app.notifications import calendar, events, services
from app.notifications.events import booking_payload
from app.notifications.links import token_for_visit
from app.notifications.models import Notification

START = datetime(2026, 12, 8, 5, 0, tzinfo=UTC)  # 10:00 in Almaty


@pytest.fixture
def visit(salon, create_client, create_booking, commit):
    with tenancy.tenant_scope(salon.tenant.id):
        salon.service.name = "Haircut; wash, style"  # characters iCalendar must escape
        salon.location.address = "Abay avenue 150, office 12; entrance from the courtyard, 2nd floor, Almaty"
    client = create_client(salon.tenant, phone="+77015550101", name="Dana")
    b = create_booking(salon.tenant, salon.master, salon.service, START, client=client)
    commit()
    return b


def _fetch(host_client, salon, b) -> tuple[bytes, object]:
    token = token_for_visit(salon.tenant.id, b.id, b.end_at)
    resp = host_client("anna").get(f"/v/{token}/visit.ics")
    assert resp.status_code == 200
    return resp.data, resp


def test_ics_download_is_a_valid_event_in_utc(host_client, salon, visit):
    raw, resp = _fetch(host_client, salon, visit)
    assert resp.headers["Content-Type"].startswith("text/calendar")
    assert "attachment" in resp.headers["Content-Disposition"]
    # RFC 5545: CRLF line ends, lines folded at 75 octets.
    lines = raw.split(b"\r\n")
    assert raw.endswith(b"\r\n") and all(len(line) <= 75 for line in lines)
    assert any(line.startswith(b" ") for line in lines)  # the long address is folded
    text = raw.decode()
    assert "DTSTART:20261208T050000Z" in text and "DTEND:20261208T060000Z" in text
    assert "SUMMARY:Haircut\\; wash\\, style — Anna Beauty" in text  # escaped ; and ,
    (event,) = Calendar.from_ical(raw).walk("VEVENT")
    assert event["UID"] == f"booking-{visit.id}@localhost"
    assert event.decoded("DTSTART") == START and event.decoded("DTEND") == START + timedelta(hours=1)
    assert event.decoded("DTSTAMP").tzinfo is not None
    assert str(event["SUMMARY"]) == "Haircut; wash, style — Anna Beauty"
    assert "Abay avenue 150, office 12; entrance from the courtyard" in str(event["LOCATION"])
    description = str(event["DESCRIPTION"])
    assert "Aigerim" in description and "http://anna.localhost:5000/v/" in description
    assert str(event["STATUS"]) == "CONFIRMED"


def test_cancelled_visit_file_cancels_the_event(host_client, salon, visit, commit):
    with tenancy.tenant_scope(salon.tenant.id):
        visit.status = "cancelled"
    commit()
    raw, _resp = _fetch(host_client, salon, visit)
    cal = Calendar.from_ical(raw)
    assert str(cal["METHOD"]) == "CANCEL"
    (event,) = cal.walk("VEVENT")
    assert str(event["STATUS"]) == "CANCELLED" and event["UID"] == f"booking-{visit.id}@localhost"


def test_google_calendar_link(salon, visit):
    with tenancy.tenant_scope(salon.tenant.id):
        url = calendar.google_calendar_url(booking_payload(visit), "http://anna.localhost:5000/v/x")
    parts = urlsplit(url)
    assert (parts.scheme, parts.netloc, parts.path) == ("https", "calendar.google.com", "/calendar/render")
    q = {k: v[0] for k, v in parse_qs(parts.query).items()}
    assert q["action"] == "TEMPLATE"
    assert q["dates"] == "20261208T050000Z/20261208T060000Z"
    assert q["text"] == "Haircut; wash, style — Anna Beauty"
    assert "Abay avenue 150" in q["location"]
    assert "http://anna.localhost:5000/v/x" in q["details"]


def test_confirmation_email_offers_add_to_calendar_and_the_manage_link(host_client, salon, visit, commit):
    with tenancy.tenant_scope(salon.tenant.id):
        visit.client.email = "dana@example.com"
        events.booking_event("created", visit)
    commit()
    row = db.session.scalar(
        select(Notification).where(Notification.channel == "email", Notification.recipient == "dana@example.com")
    )
    mail = services.render(row)
    for part in (mail.text, mail.html):
        assert "calendar.google.com/calendar/render?action=TEMPLATE" in part
        assert "/visit.ics" in part and "http://anna.localhost:5000/v/" in part
    assert mail.attachments[0][0] == "booking.ics"
    ics_url = next(w for w in mail.text.split() if w.endswith("/visit.ics"))
    resp = host_client("anna").get(urlsplit(ics_url).path)
    assert resp.status_code == 200 and b"DTSTART:20261208T050000Z" in resp.data
