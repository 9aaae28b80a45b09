"""The short signed link in a client's messages: /v/<token> signs the client in for this
business and opens the visit; a tampered, expired or other business's link gets a clear,
localized page (never a 500) and signs nobody in."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from app.core import tenancy
from app.extensions import db
from app.notifications.links import ExpiredLink, InvalidLink, make_token, read_token, token_for_visit
from app.notifications.models import Notification
from tests.notifications.test_events import tr
from tests.web.conftest import NOW

START = datetime(2026, 12, 8, 5, 0, tzinfo=UTC)  # Tuesday 10:00 in Almaty, the day after NOW


@pytest.fixture
def visit(salon, create_client, create_booking, commit):
    client = create_client(salon.tenant, phone="+77015550101", name="Dana", language="en")
    b = create_booking(salon.tenant, salon.master, salon.service, START, client=client)
    commit()
    return b


def _cookie(resp) -> str:
    return next((h for h in resp.headers.getlist("Set-Cookie") if h.startswith("jz_client=")), "")


def test_token_is_short_and_round_trips(app, visit, salon):
    token = token_for_visit(salon.tenant.id, visit.id, visit.end_at)
    assert len(token) <= 32  # "https://anna.jazyl.kz/v/<token>" fits an SMS
    assert read_token(salon.tenant.id, token) == visit.id
    with pytest.raises(InvalidLink):
        read_token(salon.tenant.id + 1, token)  # signed for another business
    with pytest.raises(ExpiredLink):
        read_token(salon.tenant.id, token, now=visit.end_at + timedelta(days=8))


def test_link_signs_the_client_in_and_opens_the_visit(host_client, visit, salon):
    c = host_client("anna")
    assert c.get(f"/my/{visit.id}").status_code == 302  # not signed in yet
    token = token_for_visit(salon.tenant.id, visit.id, visit.end_at)
    resp = c.get(f"/v/{token}")
    assert resp.status_code == 302 and resp.headers["Location"].endswith(f"/my/{visit.id}")
    assert "HttpOnly" in _cookie(resp)
    page = c.get(f"/my/{visit.id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert f'id="booking-{visit.id}"' in html and 'id="add-to-calendar"' in html
    assert "calendar.google.com/calendar/render?action=TEMPLATE" in html
    # Opening the link again while signed in keeps the same session (no new cookie).
    assert _cookie(c.get(f"/v/{token}")) == ""


def test_cancel_from_the_visit_page_moves_it_out_of_upcoming_and_texts_the_client(host_client, visit, salon):
    c = host_client("anna")
    c.get(f"/v/{token_for_visit(salon.tenant.id, visit.id, visit.end_at)}")
    assert f'id="booking-{visit.id}"' in c.get("/my").get_data(as_text=True).split('id="upcoming"')[1]
    resp = c.post(f"/my/{visit.id}/cancel", data={"back": "visit"})
    assert resp.status_code == 302 and resp.headers["Location"].endswith(f"/my/{visit.id}")
    page = c.get(f"/my/{visit.id}").get_data(as_text=True)
    assert 'id="cancelled-note"' in page and 'id="add-to-calendar"' not in page
    my = c.get("/my").get_data(as_text=True)
    upcoming = my.split('id="upcoming"')[1].split("</section>")[0]
    assert f'id="booking-{visit.id}"' not in upcoming
    assert f'id="booking-{visit.id}"' in my.split('id="cancelled"')[1]
    db.session.rollback()
    rows = db.session.scalars(select(Notification).where(Notification.template == "booking_cancelled")).all()
    assert ("sms", "+77015550101") in {(r.channel, r.recipient) for r in rows}


@pytest.mark.parametrize("lang", ["en", "ru", "kk"])
def test_tampered_link_gets_a_localized_page_and_no_session(host_client, visit, salon, lang):
    token = token_for_visit(salon.tenant.id, visit.id, visit.end_at)
    head, exp, sig = token.split(".")
    tampered = [
        f"{head}.{exp}.{'A' if sig[0] != 'A' else 'B'}{sig[1:]}",  # the signature
        f"{int(head, 36) + 1:x}.{exp}.{sig}",  # another booking
        f"{head}.{exp}z.{sig}",  # a longer life
    ]
    c = host_client("anna")
    for t in tampered:
        resp = c.get(f"/v/{t}?lang={lang}")
        assert resp.status_code == 404, t
        assert tr(lang, "This link does not work") in resp.get_data(as_text=True)
        assert _cookie(resp) == ""
    assert c.get(f"/my/{visit.id}").status_code == 302  # still not signed in


def test_expired_link_says_so(host_client, visit, salon):
    token = make_token(salon.tenant.id, visit.id, NOW - timedelta(hours=2))
    resp = host_client("anna").get(f"/v/{token}?lang=ru")
    assert resp.status_code == 410
    html = resp.get_data(as_text=True)
    assert tr("ru", "This link has expired") in html and _cookie(resp) == ""
    assert f"next=/my/{visit.id}" in html.replace("%2F", "/")  # sign in by phone, then back to the visit


def test_another_business_link_does_not_open_here(
    host_client, visit, salon, create_tenant, create_service, create_master, create_booking, create_client, commit
):
    other = create_tenant("bella", name="Bella")
    svc = create_service(other)
    master = create_master(other, services=[svc])
    theirs = create_booking(other, master, svc, START, client=create_client(other, phone="+77015550199"))
    commit()
    token = token_for_visit(other.id, theirs.id, theirs.end_at)
    assert host_client("bella").get(f"/v/{token}").status_code == 302  # fine on its own site
    resp = host_client("anna").get(f"/v/{token}")
    assert resp.status_code == 404 and _cookie(resp) == ""
    with tenancy.tenant_scope(other.id):
        assert read_token(other.id, token) == theirs.id


@pytest.mark.parametrize(
    "junk",
    ["abc", "1.2", "1.2.3.4", "..", "%00.%00.%00", "ZZ.ZZ.ZZ", "1." + "9" * 40 + ".x", "a" * 300, "1.2.é"],
)
def test_junk_tokens_never_500(host_client, salon, junk):
    resp = host_client("anna").get(f"/v/{junk}")
    assert resp.status_code == 404
    if "%00" not in junk:  # (a NUL byte never reaches the view: the plain "not found" page)
        assert "This link does not work" in resp.get_data(as_text=True)
    assert host_client("anna").get(f"/v/{junk}/visit.ics").status_code == 404
