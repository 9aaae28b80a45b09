"""Every HTML email escapes what people typed (names, business names, reasons, notes), while
the plain-text part keeps it as typed.

Autoescaping is chosen per template file by its extension; a ``.txt`` partial included into
an ``.html`` email is rendered without escaping.  So the HTML emails must only include HTML
partials, which the last test checks for every template in the app.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from app.notifications.models import Notification
from app.notifications.rendering import SUBJECTS, render

TEMPLATES = Path(__file__).resolve().parents[2] / "app" / "templates"
HOSTILE = '<b>x</b><script>alert("x")</script>&amp;'
ESCAPED = "&lt;b&gt;x&lt;/b&gt;&lt;script&gt;"
EMAILS = sorted(p.stem for p in (TEMPLATES / "emails").glob("[!_]*.html"))


def _payload() -> dict:
    text_fields = (
        "name",
        "business",
        "service",
        "master",
        "location",
        "address",
        "client_name",
        "client_phone",
        "reason",
        "cancel_reason",
        "notes",
        "permission",
    )
    return {
        **dict.fromkeys(text_fields, HOSTILE),
        "timezone": "Asia/Almaty",
        "start": "2026-12-07T05:00:00+00:00",
        "end": "2026-12-07T06:00:00+00:00",
        "previous_start": "2026-12-06T05:00:00+00:00",
        "trial_ends_at": "2026-12-10T05:00:00+00:00",
        "suspend_at": "2026-12-13T05:00:00+00:00",
        "price": "5000",
        "currency": "KZT",
        "subdomain": "anna",
        "url": "http://owner.anna.localhost:5000/reset/abc",
        "booking_id": 1,
        "to_master": True,
        "cancelled_by": "business",
        "approved": True,
    }


def test_every_email_template_is_covered():
    assert set(EMAILS) == set(SUBJECTS)
    assert len(EMAILS) == 15  # 13 + the staff invitation and the new permission request (issue 11)


@pytest.mark.parametrize("template", EMAILS)
@pytest.mark.parametrize("language", ["en", "ru", "kk"])
def test_html_email_escapes_hostile_text(app, template, language):
    row = Notification(
        channel="email", recipient="x@example.com", language=language, template=template, payload=_payload()
    )
    msg = render(row)
    assert "<b>x</b>" not in msg.html
    assert "<script>" not in msg.html
    assert ESCAPED in msg.html  # at least the greeting shows the name, escaped
    assert "<b>x</b>" in msg.text  # the plain-text part is not HTML: kept as typed


def test_html_templates_include_only_html_partials():
    offenders = []
    for path in TEMPLATES.rglob("*.html"):
        for included in re.findall(r"""{%-?\s*(?:include|import|extends|from)\s+["']([^"']+)["']""", path.read_text()):
            if not included.endswith(".html"):
                offenders.append(f"{path.relative_to(TEMPLATES)} -> {included}")
    assert offenders == []
