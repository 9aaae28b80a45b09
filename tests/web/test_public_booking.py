"""The public booking site: choose, see free times, verify the phone, book, manage own bookings."""

from __future__ import annotations

import re

from sqlalchemy import select

from app.bookings.models import Booking
from app.core import tenancy
from app.extensions import db


def _verify(c, sms_codes, phone="+77015550101", name="Dana"):
    resp = c.post("/verify", data={"phone": "8 701 555 01 01", "next": "/my"}, headers={"HX-Request": "true"})
    assert resp.status_code == 200
    assert b'name="code"' in resp.data
    assert b"<html" not in resp.data
    resp = c.post(
        "/verify/code", data={"phone": "8 701 555 01 01", "code": sms_codes[phone], "name": name, "next": "/my"}
    )
    assert resp.status_code == 302
    assert resp.headers["Location"].endswith("/my")
    return resp


def test_home_lists_services_and_links_to_booking(salon, host_client):
    resp = host_client("anna").get("/")
    assert resp.status_code == 200
    assert b"Haircut" in resp.data
    assert b"/book?" in resp.data


def test_pending_business_site_is_closed(salon, host_client, create_tenant, commit):
    create_tenant("closed", status="pending")
    commit()
    assert host_client("closed").get("/book").status_code == 403


def test_wizard_shows_local_free_times(salon, host_client):
    c = host_client("anna")
    resp = c.get(f"/book?service_id={salon.service.id}&master_id=any")
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    assert 'id="slot-picker"' in html
    # 09:00 Almaty is the first slot (frozen now is 08:00 local, min notice 60 min).
    assert "9:00" in html
    assert "2026-12-07T09:00:00+05:00" in html


def test_slot_picker_day_switch_is_an_htmx_fragment(salon, host_client):
    c = host_client("anna")
    resp = c.get(
        f"/book?service_id={salon.service.id}&master_id={salon.master.id}&date=2026-12-08",
        headers={"HX-Request": "true"},
    )
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    assert html.lstrip().startswith('<section id="slot-picker"')
    assert "2026-12-08T09:00:00+05:00" in html
    assert "<html" not in html


def test_foreign_service_id_is_ignored(salon, host_client, create_tenant, create_service, commit):
    other = create_tenant("other")
    foreign = create_service(other, name="Foreign")
    commit()
    resp = host_client("anna").get(f"/book?service_id={foreign.id}&master_id=any")
    assert resp.status_code == 200
    assert b"slot-picker" not in resp.data
    assert b"Foreign" not in resp.data


def test_full_booking_flow(salon, host_client, sms_codes):
    c = host_client("anna")
    start = "2026-12-07T10:00:00+05:00"
    resp = c.get(
        "/book/confirm", query_string={"service_id": salon.service.id, "master_id": salon.master.id, "start": start}
    )
    assert resp.status_code == 200
    assert b'id="verify-step"' in resp.data
    _verify(c, sms_codes)
    resp = c.get(
        "/book/confirm", query_string={"service_id": salon.service.id, "master_id": salon.master.id, "start": start}
    )
    assert b'id="confirm-form"' in resp.data
    assert b"Dana" in resp.data
    resp = c.post(
        "/book",
        data={"service_id": salon.service.id, "master_id": salon.master.id, "start": start, "notes": "short please"},
    )
    assert resp.status_code == 302, resp.get_data(as_text=True)[-800:]
    booking_url = resp.headers["Location"]
    page = c.get(booking_url)
    assert page.status_code == 200
    assert b"booking-done" in page.data
    with tenancy.tenant_scope(salon.tenant.id):
        b = db.session.scalar(select(Booking))
        assert b.notes == "short please"
        assert b.client.name == "Dana"
    my = c.get("/my")
    assert my.status_code == 200
    assert f"booking-{b.id}".encode() in my.data


def test_taken_slot_shows_message_and_fresh_slots(salon, host_client, sms_codes, create_booking, commit):
    from datetime import datetime

    c = host_client("anna")
    _verify(c, sms_codes)
    start = "2026-12-07T10:00:00+05:00"
    create_booking(salon.tenant, salon.master, salon.service, datetime.fromisoformat(start))
    commit()
    resp = c.post("/book", data={"service_id": salon.service.id, "master_id": salon.master.id, "start": start})
    assert resp.status_code == 409
    html = resp.get_data(as_text=True)
    assert 'id="slot-taken"' in html
    assert 'id="slot-picker"' in html
    assert "2026-12-07T11:00:00+05:00" in html
    assert 'data-start="2026-12-07T10:00:00+05:00"' not in html


def test_wrong_code_is_a_form_error(salon, host_client, sms_codes):
    c = host_client("anna")
    c.post("/verify", data={"phone": "+77015550101"})
    resp = c.post(
        "/verify/code",
        data={"phone": "+77015550101", "code": "000000" if sms_codes["+77015550101"] != "000000" else "111111"},
        headers={"HX-Request": "true"},
    )
    assert resp.status_code == 422
    assert b"field-error" in resp.data
    assert b"<html" not in resp.data


def test_bad_phone_is_a_localized_form_error(salon, host_client):
    resp = host_client("anna").post("/verify", data={"phone": "12"}, headers={"Accept-Language": "ru"})
    assert resp.status_code == 422
    assert b"field-error" in resp.data
    assert b'lang="ru"' in resp.data


def test_my_bookings_needs_verification(salon, host_client):
    resp = host_client("anna").get("/my")
    assert resp.status_code == 302
    assert "/verify?next=" in resp.headers["Location"]


def test_client_cancels_and_window_is_enforced(salon, host_client, sms_codes, create_booking, commit):
    from datetime import datetime

    c = host_client("anna")
    _verify(c, sms_codes)
    with tenancy.tenant_scope(salon.tenant.id):
        from app.accounts.models import Client

        client = db.session.scalar(select(Client))
    soon = create_booking(
        salon.tenant, salon.master, salon.service, datetime.fromisoformat("2026-12-07T09:00:00+05:00"), client=client
    )
    later = create_booking(
        salon.tenant, salon.master, salon.service, datetime.fromisoformat("2026-12-08T12:00:00+05:00"), client=client
    )
    commit()
    resp = c.post(f"/my/{later.id}/cancel", headers={"HX-Request": "true"})
    assert resp.status_code == 200
    assert b"badge-cancelled" in resp.data
    resp = c.post(f"/my/{soon.id}/cancel", headers={"HX-Request": "true"})
    assert resp.status_code == 409
    assert resp.headers["HX-Retarget"] == "#flash"
    resp = c.post(f"/my/{soon.id}/cancel")
    assert resp.status_code == 302
    assert "too late" in c.get("/my").get_data(as_text=True)


def test_client_reschedules(salon, host_client, sms_codes, create_booking, commit):
    from datetime import datetime

    c = host_client("anna")
    _verify(c, sms_codes)
    with tenancy.tenant_scope(salon.tenant.id):
        from app.accounts.models import Client

        client = db.session.scalar(select(Client))
    b = create_booking(
        salon.tenant, salon.master, salon.service, datetime.fromisoformat("2026-12-08T12:00:00+05:00"), client=client
    )
    commit()
    page = c.get(f"/my/{b.id}/reschedule?date=2026-12-09")
    assert page.status_code == 200
    assert b'name="slot"' in page.data
    slot = re.search(r'value="(2026-12-09T15:00:00\+05:00\|\d+)"', page.get_data(as_text=True)).group(1)
    resp = c.post(f"/my/{b.id}/reschedule", data={"slot": slot})
    assert resp.status_code == 302
    with tenancy.tenant_scope(salon.tenant.id):
        db.session.expire_all()
        moved = db.session.get(Booking, (b.tenant_id, b.id))
        assert moved.start_at == datetime.fromisoformat("2026-12-09T15:00:00+05:00")


def test_other_clients_booking_is_404(salon, host_client, sms_codes, create_booking, commit):
    from datetime import datetime

    c = host_client("anna")
    _verify(c, sms_codes)
    b = create_booking(salon.tenant, salon.master, salon.service, datetime.fromisoformat("2026-12-08T12:00:00+05:00"))
    commit()
    assert c.get(f"/my/{b.id}").status_code == 404
    assert c.post(f"/my/{b.id}/cancel").status_code in (302, 404)


def test_language_switch_keeps_the_wizard(salon, host_client):
    c = host_client("anna")
    resp = c.get(f"/book?service_id={salon.service.id}&master_id=any&lang=ru")
    html = resp.get_data(as_text=True)
    assert 'lang="ru"' in html
    assert f"service_id={salon.service.id}" in html
    assert "lang=kk" in html


def test_client_cookie_is_http_only_and_lasts_30_days(salon, host_client, sms_codes):
    c = host_client("anna")
    resp = _verify(c, sms_codes)
    cookie = next(v for v in resp.headers.getlist("Set-Cookie") if v.startswith("jz_client="))
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert f"Max-Age={30 * 24 * 3600}" in cookie
    assert "Domain=" not in cookie


def test_several_locations_start_with_a_location_choice(salon, host_client, create_service, create_master, commit):
    from app.tenants.models import Location

    far = Location(tenant_id=salon.tenant.id, name="Dostyk", address="Dostyk 5", timezone="Asia/Almaty")
    db.session.add(far)
    db.session.flush()
    far_cut = create_service(salon.tenant, name="Far cut", locations=[far])
    create_master(salon.tenant, name="Dana", services=[far_cut], location=far)  # only bookable places are public
    commit()
    c = host_client("anna")
    page = c.get("/book").get_data(as_text=True)
    assert "Dostyk" in page
    assert "Haircut" not in page
    page = c.get(f"/book?location_id={far.id}").get_data(as_text=True)
    assert "Far cut" in page
    assert "Haircut" not in page


def test_signed_out_client_loses_access(salon, host_client, sms_codes):
    from app.accounts.models import ClientSession

    c = host_client("anna")
    _verify(c, sms_codes)
    assert c.get("/my").status_code == 200
    c.post("/logout")
    assert c.get("/my").status_code == 302
    db.session.rollback()
    assert db.session.scalar(select(ClientSession.revoked_at)) is not None  # the token is dead, not just forgotten
