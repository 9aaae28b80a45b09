"""The booking site's one-page flow: dates in the whole window, partial swaps with full-page
fallbacks, codes that explain themselves, only bookable things public, the embeddable page."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from app.core import tenancy
from app.extensions import db

ALMATY = ZoneInfo("Asia/Almaty")


def _book_url(salon, **extra) -> str:
    args = {"location_id": salon.location.id, "service_id": salon.service.id, "master_id": salon.master.id, **extra}
    return "/book?" + "&".join(f"{k}={v}" for k, v in args.items())


def _confirm_url(salon, start: datetime) -> str:
    return (
        f"/book/confirm?location_id={salon.location.id}&service_id={salon.service.id}"
        f"&master_id={salon.master.id}&start={start.isoformat().replace('+', '%2B')}"
    )


# ---------------------------------------------------------------- dates


def test_deep_link_anywhere_in_the_window(salon, host_client):
    c = host_client("anna")
    day = date(2026, 12, 7) + timedelta(days=45)  # 2027-01-21, inside the 60-day window
    html = c.get(_book_url(salon, date=day.isoformat())).get_data(as_text=True)
    assert f'id="day-{day.isoformat()}"' in html
    assert re.search(rf'aria-current="date"[^>]*id="day-{day.isoformat()}"', html)
    assert f"{day.isoformat()}T09:00:00+05:00" in html
    assert 'id="date-notice"' not in html
    # The month arrows reach the whole window and no further.
    assert 'id="prev-month"' in html and "month=2026-12" in html
    assert 'id="next-month"' in html and "month=2027-02" in html
    html = c.get(_book_url(salon, month="2027-02")).get_data(as_text=True)
    assert 'id="next-month"' not in html
    assert 'id="day-2027-02-05"' in html and 'id="day-2027-02-06"' not in html  # 2026-12-07 + 60 days


def test_a_date_outside_the_window_says_so(salon, host_client):
    c = host_client("anna")
    for bad in ("2027-03-01", "2026-12-01", "tomorrow"):
        html = c.get(_book_url(salon, date=bad)).get_data(as_text=True)
        assert 'id="date-notice"' in html, bad
        # ...and shows the first day with a free time instead.
        assert re.search(r'aria-current="date"[^>]*id="day-2026-12-07"', html), bad
    html = c.get(_book_url(salon, date="2027-03-01")).get_data(as_text=True)
    assert "outside the booking window" in html and "February 5, 2027" in html


def test_opens_on_the_first_day_with_a_free_time(salon, host_client, commit):
    from app.scheduling.models import TimeOff

    db.session.add(
        TimeOff(
            tenant_id=salon.tenant.id,
            master_id=salon.master.id,
            start_at=datetime.combine(date(2026, 12, 7), time(0), ALMATY),
            end_at=datetime.combine(date(2026, 12, 10), time(0), ALMATY),
            reason="",
        )
    )
    commit()
    html = host_client("anna").get(_book_url(salon)).get_data(as_text=True)
    assert re.search(r'aria-current="date"[^>]*id="day-2026-12-10"', html)
    for d in ("2026-12-07", "2026-12-08", "2026-12-09"):
        assert re.search(rf'class="day full[^"]*"[^>]*id="day-{d}"', html), d
        assert re.search(rf'id="day-{d}"\s+aria-label="[^"]*: no free time"', html), d
    assert re.search(r'class="day free[^"]*"[^>]*id="day-2026-12-10"', html)


# ---------------------------------------------------------------- one page


def test_steps_answer_htmx_with_the_part_that_changes(salon, host_client):
    c = host_client("anna")
    url = _book_url(salon, date="2026-12-09")
    full = c.get(url)
    assert full.get_data(as_text=True).lstrip().startswith("<!doctype html>")
    assert "HX-Request" in full.headers.get("Vary", "")
    flow = c.get(url, headers={"HX-Request": "true", "HX-Target": "flow"}).get_data(as_text=True)
    assert flow.lstrip().startswith('<div id="flow"') and "<html" not in flow
    cal = c.get(url, headers={"HX-Request": "true", "HX-Target": "slot-picker"}).get_data(as_text=True)
    assert cal.lstrip().startswith('<section id="slot-picker"')
    # A history restore (back button after a cache miss) gets the whole page.
    restored = c.get(url, headers={"HX-Request": "true", "HX-History-Restore-Request": "true"})
    assert restored.get_data(as_text=True).lstrip().startswith("<!doctype html>")
    # Every step link works without JavaScript and pushes its URL with it.
    assert 'hx-push-url="true"' in flow
    slot = re.search(r'<a role="button" class="outline slot"[^>]*href="([^"]+)"', cal)
    assert slot and "/book/confirm?" in slot.group(1)
    confirm = c.get(slot.group(1).replace("&amp;", "&"))
    assert confirm.status_code == 200 and 'id="booking-summary"' in confirm.get_data(as_text=True)


def test_slot_buttons_have_accessible_names(salon, host_client):
    html = host_client("anna").get(_book_url(salon, master_id="any")).get_data(as_text=True)
    assert re.search(r'aria-label="9:00\s*AM, Aigerim"', html)


def test_verified_phone_and_pending_code_survive_a_reload(salon, host_client, sms_codes):
    c = host_client("anna")
    start = datetime(2026, 12, 8, 10, 0, tzinfo=ALMATY)
    url = _confirm_url(salon, start)
    assert 'id="phone"' in c.get(url).get_data(as_text=True)
    htmx = {"HX-Request": "true", "HX-Target": "verify-step"}
    resp = c.post("/verify", data={"phone": "+7 701 555 01 01", "next": url}, headers=htmx)
    assert resp.status_code == 200 and 'id="code"' in resp.get_data(as_text=True)
    # A reload while the code is on its way keeps the code step (and says when to ask again).
    html = c.get(url).get_data(as_text=True)
    assert 'id="code"' in html and 'id="resend-wait"' in html
    resp = c.post(
        "/verify/code",
        data={"phone": "+77015550101", "code": sms_codes["+77015550101"], "name": "Dana", "next": url},
        headers={"HX-Request": "true", "HX-Target": "verify-step"},
    )
    assert resp.status_code == 204
    assert '"target": "#flow"' in resp.headers["HX-Location"] and "/book/confirm?" in resp.headers["HX-Location"]
    html = c.get(url).get_data(as_text=True)  # the reload: still verified, ready to book
    assert 'id="confirm-form"' in html and "You book as Dana" in html


def test_wrong_codes_count_down_then_the_code_is_dead(salon, host_client, sms_codes):
    c = host_client("anna")
    c.post("/verify", data={"phone": "+77015550101", "next": "/my"})
    code = sms_codes["+77015550101"]
    wrong = "000000" if code != "000000" else "111111"
    seen = []
    for _ in range(5):
        resp = c.post("/verify/code", data={"phone": "+77015550101", "code": wrong, "next": "/my"})
        assert resp.status_code == 422
        seen.append(re.search(r'id="code-error" role="alert">([^<]+)<', resp.get_data(as_text=True)).group(1))
    assert seen[:4] == [
        "The code is wrong. 4 tries left.",
        "The code is wrong. 3 tries left.",
        "The code is wrong. 2 tries left.",
        "The code is wrong. 1 try left.",
    ]
    assert "no longer valid" in seen[4]
    last = resp.get_data(as_text=True)
    assert re.search(r'<button type="submit" id="resend" class="primary"', last)
    assert re.search(r'id="code-submit" disabled', last)
    # Even the right code is refused now, with the same explanation.
    resp = c.post("/verify/code", data={"phone": "+77015550101", "code": code, "next": "/my"})
    assert "This code is no longer valid. Ask for a new one." in resp.get_data(as_text=True)
    # A new code can be asked for at once, and it works.
    resp = c.post("/verify", data={"phone": "+77015550101", "next": "/my"})
    assert resp.status_code == 200
    resp = c.post("/verify/code", data={"phone": "+77015550101", "code": sms_codes["+77015550101"], "next": "/my"})
    assert resp.status_code == 302


def test_resend_too_early_says_when(salon, host_client, sms_codes, frozen_now):
    from tests.web.conftest import NOW

    c = host_client("anna")
    c.post("/verify", data={"phone": "+77015550101", "next": "/my"})
    frozen_now(NOW + timedelta(seconds=20))
    resp = c.post("/verify", data={"phone": "+77015550101", "next": "/my"})
    assert resp.status_code == 429
    html = resp.get_data(as_text=True)
    assert 'id="code"' in html  # still the code step
    assert 'data-wait="40"' in html and "0:40" in html
    assert "You can ask for a new code at 8:01" in html  # 08:00:00 + 60 s, the business's zone


# ---------------------------------------------------------------- only bookable things are public


def test_unbookable_things_are_not_public(salon, host_client, create_service, create_master, commit):
    from app.tenants.models import Location

    nobody = create_service(salon.tenant, name="Beard trim")  # nobody performs it
    empty = Location(tenant_id=salon.tenant.id, name="Empty hall", address="Nowhere 1", timezone="Asia/Almaty")
    db.session.add(empty)
    db.session.flush()
    idle = create_master(salon.tenant, name="Idle Ivan", services=[nobody], active=False)
    commit()
    c = host_client("anna")
    for url in ("/", "/book", f"/book?location_id={salon.location.id}"):
        html = c.get(url).get_data(as_text=True)
        assert "Haircut" in html or "Main" in html, url
        assert "Beard trim" not in html and "Empty hall" not in html and "Idle Ivan" not in html, url
    html = c.get(f"/book?location_id={salon.location.id}&service_id={nobody.id}").get_data(as_text=True)
    assert "Beard trim" not in html and 'id="slot-picker"' not in html
    assert idle.id  # keeps the linter quiet about the unused object


def test_a_business_with_nothing_bookable_opens_soon(host_client, create_tenant, create_service, commit):
    tenant = create_tenant("fresh", name="Fresh Cuts")
    create_service(tenant, name="Haircut")
    commit()
    c = host_client("fresh")
    for url in ("/", "/book"):
        resp = c.get(url)
        html = resp.get_data(as_text=True)
        assert resp.status_code == 200
        assert 'id="opening-soon"' in html and "Online booking opens soon." in html
        assert "Haircut" not in html and "<h2" not in html


# ---------------------------------------------------------------- the embeddable page


def test_only_the_embed_page_may_be_framed(salon, host_client):
    c = host_client("anna")
    normal = c.get("/book")
    assert normal.headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in normal.headers["Content-Security-Policy"]
    resp = c.get(f"/embed?service_id={salon.service.id}&lang=ru")
    assert resp.status_code == 302 and "embed=1" in resp.headers["Location"]
    framed = c.get(_book_url(salon, master_id="any", embed=1))
    assert "X-Frame-Options" not in framed.headers
    csp = framed.headers["Content-Security-Policy"]
    assert "frame-ancestors *" in csp and "script-src 'self'" in csp
    html = framed.get_data(as_text=True)
    assert 'class="embedded"' in html and 'class="container topbar"' not in html
    # Links keep the widget's layout; a chosen time opens the site itself in a new tab.
    assert re.search(r'href="/book\?[^"]*embed=1', html)
    assert 'lang="ru"' in c.get(resp.headers["Location"]).get_data(as_text=True)
    html_ru = c.get(_book_url(salon, embed=1, lang="ru")).get_data(as_text=True)
    assert re.search(r'href="/book\?[^"]*embed=1[^"]*lang=ru|href="/book\?[^"]*lang=ru[^"]*embed=1', html_ru)
    slot = re.search(r'<a role="button" class="outline slot"[^>]*>', html).group(0)
    assert 'target="_blank"' in slot and "embed=1" not in slot
    with tenancy.tenant_scope(salon.tenant.id):
        assert c.get("/static/js/embed.js").status_code == 200
