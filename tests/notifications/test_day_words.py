"""Every booking SMS and email says "today", "tomorrow" or the date, as seen in the
location's time zone at the moment the message is rendered (sent), in en, ru and kk."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from app.core import tenancy
from app.extensions import db
from app.notifications import events, services
from app.notifications.models import Notification

TZ = "Asia/Almaty"  # UTC+5
# Monday 7 December 2026, 08:00 in Almaty.
MORNING = datetime(2026, 12, 7, 3, 0, tzinfo=UTC)
# 01:30 on 7 December in Almaty, while it is still 6 December in UTC.
AFTER_MIDNIGHT = datetime(2026, 12, 6, 20, 30, tzinfo=UTC)

TODAY = {"en": "today", "ru": "сегодня", "kk": "бүгін"}
TOMORROW = {"en": "tomorrow", "ru": "завтра", "kk": "ертең"}
# The date of a visit a week ahead (Monday 14 December), short in an SMS, long in an email.
SHORT_DATE = {"en": "Dec 14", "ru": "14 дек.", "kk": "14 жел."}
LONG_DATE = {"en": "December 14", "ru": "14 декабря", "kk": "14 желтоқсан"}

# (template, to_master): every booking message there is, as the client's and the master's.
MESSAGES = [
    ("booking_created", False),
    ("booking_confirmed", False),
    ("booking_reminder", False),
    ("booking_rescheduled", False),
    ("booking_cancelled", False),
    ("booking_new", True),
    ("booking_rescheduled", True),
    ("booking_cancelled", True),
]


def _payload(start_local: str, to_master: bool) -> dict:
    start = datetime.fromisoformat(start_local + "+05:00").astimezone(UTC)
    return {
        "booking_id": 7,
        "business": "Anna Beauty",
        "subdomain": "anna",
        "service": "Haircut",
        "master": "Aigerim",
        "location": "Center",
        "address": "Abay 1",
        "location_phone": "+77272000000",
        "timezone": TZ,
        "start": start.isoformat(),
        "end": (start + timedelta(hours=1)).isoformat(),
        "previous_start": (start - timedelta(hours=2)).isoformat(),
        "price": "5000",
        "currency": "KZT",
        "client_name": "Dana",
        "client_phone": "+77015550101",
        "status": "confirmed",
        "version": 1,
        "cancel_reason": "",
        "cancelled_by": "business",
        "reminder": "24h",
        "name": "Aigerim" if to_master else "Dana",
        **({"to_master": True} if to_master else {}),
    }


def _rendered(template: str, channel: str, lang: str, payload: dict) -> str:
    row = Notification(
        tenant_id=1,
        booking_id=7,
        channel=channel,
        recipient="+77015550101" if channel == "sms" else "x@example.com",
        language=lang,
        template=template,
        payload=payload,
        dedupe_key="test",
    )
    msg = services.render(row)
    if channel == "sms":
        return msg.text.lower()
    # (The HTML part escapes nothing in these words; both parts must say the same.)
    return f"{msg.subject}\n{msg.text}\n{msg.html}".lower()


def _all_words(lang: str) -> tuple[str, str]:
    return TODAY[lang], TOMORROW[lang]


CASES = [
    # (clock, visit in Almaty, expected): the word, or None for "a date, no word".
    pytest.param(MORNING, "2026-12-07T10:00", "today", id="same-day"),
    pytest.param(MORNING, "2026-12-08T10:00", "tomorrow", id="next-day"),
    pytest.param(MORNING, "2026-12-14T10:00", None, id="next-week"),
    # UTC still says 6 December: a visit at 10:00 on the 7th is "today" in Almaty, not "tomorrow".
    pytest.param(AFTER_MIDNIGHT, "2026-12-07T10:00", "today", id="after-midnight-today"),
    pytest.param(AFTER_MIDNIGHT, "2026-12-08T09:00", "tomorrow", id="after-midnight-tomorrow"),
]


@pytest.mark.parametrize("lang", ["en", "ru", "kk"])
@pytest.mark.parametrize(("clock", "visit", "expected"), CASES)
def test_every_booking_message_says_the_right_day(frozen_now, lang, clock, visit, expected):
    frozen_now(clock)
    for template, to_master in MESSAGES:
        for channel in ("sms", "email"):
            if to_master and channel == "sms" and template != "booking_new":
                continue  # (a master without email gets the same SMS; covered by booking_new)
            text = _rendered(template, channel, lang, _payload(visit, to_master))
            where = f"{template} {channel} {lang} to_master={to_master}: {text[:300]!r}"
            today, tomorrow = _all_words(lang)
            if expected == "today":
                assert today in text, where
                assert tomorrow not in text, where
            elif expected == "tomorrow":
                assert tomorrow in text, where
                assert today not in text, where
            else:
                assert today not in text and tomorrow not in text, where
                date = SHORT_DATE[lang] if channel == "sms" else LONG_DATE[lang]
                assert date.lower() in text, where
            assert "10:00" in text or "09:00" in text or "9:00" in text, where


def test_the_day_word_is_decided_when_the_message_is_sent_not_queued(
    frozen_now, create_tenant, create_service, create_master, create_client, create_booking
):
    """A reminder queued on Sunday but sent on Monday morning says "today", not "tomorrow"."""
    frozen_now(datetime(2026, 12, 6, 6, 0, tzinfo=UTC))  # Sunday 11:00 in Almaty
    tenant = create_tenant("anna", name="Anna Beauty", default_language="ru")
    svc = create_service(tenant, name="Стрижка")
    master = create_master(tenant, services=[svc])
    client = create_client(tenant, phone="+77015550101", language="ru")
    with tenancy.tenant_scope(tenant.id):
        b = create_booking(tenant, master, svc, datetime(2026, 12, 7, 5, 0, tzinfo=UTC), client=client)
        events.booking_reminder(b, "24h")
        (row,) = db.session.scalars(select(Notification).where(Notification.channel == "sms")).all()
        assert "завтра" in services.render(row).text  # rendered on Sunday: tomorrow
        frozen_now(datetime(2026, 12, 6, 19, 30, tzinfo=UTC))  # 00:30 on Monday in Almaty, Sunday in UTC
        text = services.render(row).text
    assert "сегодня" in text and "завтра" not in text, text
    assert "10:00" in text
