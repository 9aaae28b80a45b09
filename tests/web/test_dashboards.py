"""Owner, manager and master dashboards: pages per role, htmx partials, forms, scope."""

from __future__ import annotations

import html
import re
from datetime import datetime, time

import pytest
from sqlalchemy import select

from app.bookings.models import Booking
from app.catalog.models import Master, PermissionRequest, Service
from app.core import tenancy
from app.extensions import db
from app.scheduling.models import ScheduleOverride, TimeOff, WorkingHours

# (path, the page's heading, what it shows of the salon fixture's data) for each role.
OWNER_PAGES = [
    ("/", "Monday, December 7, 2026", ["Aigerim", "09:00", "17:00"]),
    ("/?date=2026-12-08", "Tuesday, December 8, 2026", ["Aigerim", "09:00"]),
    ("/bookings/new", "New booking", ["Haircut · 60 minutes", "Any master"]),
    ("/reassign", "Bookings of inactive masters", ["Nothing to reassign."]),
    ("/services", "Services", ["Haircut", "Main"]),
    ("/services/new", "Add a service", ["Main"]),
    ("/masters", "Masters", ["Aigerim", "Haircut"]),
    ("/masters/new", "Add a master", ["Haircut", "Main"]),
    ("/requests", "Permission requests", ["Nothing here."]),
    ("/locations", "Locations", ["Main", "Abay 1"]),
    ("/locations/new", "Add a location", ["Asia/Almaty"]),
    ("/settings", "Business settings", ['value="Anna Beauty"']),
]
MANAGER_PAGES = [
    ("/", "Monday, December 7, 2026", ["Aigerim", "09:00"]),
    ("/bookings/new", "New booking", ["Haircut · 60 minutes"]),
    ("/services", "Services", ["Haircut", "Main"]),
    ("/masters", "Masters", ["Aigerim", "Haircut"]),
    ("/requests", "Permission requests", ["Nothing here."]),
    ("/reassign", "Bookings of inactive masters", ["Nothing to reassign."]),
]
MASTER_PAGES = [
    ("/", "Monday, December 7, 2026", ["Aigerim", "09:00"]),
    ("/upcoming", "Upcoming bookings", ["No upcoming bookings."]),
    ("/permissions", "Permissions", ["See clients' phone numbers", "Edit my own working hours"]),
]


def _page(client, path: str) -> tuple[str, str]:
    """(the page's first heading, its HTML with entities decoded) of a page that answered 200."""
    resp = client.get(path)
    assert resp.status_code == 200, path
    page = html.unescape(resp.get_data(as_text=True))
    heading = re.search(r"<h[12][^>]*>(.*?)</h[12]>", page, re.S)
    assert heading, f"{path} has no heading"
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", heading.group(1))).strip(), page


def _shows(client, path: str, heading: str, shows: list[str]) -> None:
    got, page = _page(client, path)
    assert got == heading, path
    missing = [text for text in shows if text not in page]
    assert not missing, f"{path} does not show {missing}"


def _start(iso: str) -> datetime:
    return datetime.fromisoformat(iso)


@pytest.mark.parametrize(("path", "heading", "shows"), OWNER_PAGES, ids=[p for p, *_ in OWNER_PAGES])
def test_owner_pages_show_their_heading_and_the_business_data(salon, login, path, heading, shows):
    _shows(login("owner", "anna", "owner@example.com"), path, heading, shows)


@pytest.mark.parametrize(("path", "heading", "shows"), MANAGER_PAGES, ids=[p for p, *_ in MANAGER_PAGES])
def test_manager_pages_show_their_heading_and_the_location_data(salon, login, path, heading, shows):
    _shows(login("manager", "anna", "manager@example.com"), path, heading, shows)


@pytest.mark.parametrize(("path", "heading", "shows"), MASTER_PAGES, ids=[p for p, *_ in MASTER_PAGES])
def test_master_pages_show_their_heading_and_own_data(salon, login, path, heading, shows):
    _shows(login("master", "anna", "aigerim@example.com"), path, heading, shows)


@pytest.mark.parametrize("lang", ["ru", "kk"])
def test_dashboard_headings_and_labels_follow_the_chosen_language(salon, login, lang):
    from flask_babel import gettext

    from app.core.i18n import in_locale

    def tr(msgid: str) -> str:
        with in_locale(lang):
            return gettext(msgid)

    owner = login("owner", "anna", "owner@example.com")
    for path, msgid in [("/services", "Services"), ("/masters", "Masters"), ("/settings", "Business settings")]:
        assert tr(msgid) != msgid, f"{msgid!r} has no {lang} translation"
        heading, page = _page(owner, f"{path}?lang={lang}")
        assert heading == tr(msgid), path
        assert f'lang="{lang}"' in page
    _heading, page = _page(owner, f"/masters/new?lang={lang}")
    assert tr("Add a master") in page and "Haircut" in page  # labels translated, the data as entered
    master = login("master", "anna", "aigerim@example.com")
    heading, _page_html = _page(master, f"/upcoming?lang={lang}")
    assert heading == tr("Upcoming bookings")


def test_owner_only_pages_are_not_on_manager_host(salon, login):
    c = login("manager", "anna", "manager@example.com")
    assert c.get("/settings").status_code == 404
    assert c.get("/locations").status_code == 404


def test_wrong_role_is_sent_to_login(salon, host_client):
    c = host_client("owner.anna")
    assert c.post("/login", data={"email": "manager@example.com", "password": "password123"}).status_code == 401
    resp = c.get("/services")
    assert resp.status_code == 302
    assert "/login" in resp.headers["Location"]


def test_day_view_groups_by_master_and_switches_day_by_htmx(salon, login, create_booking, create_client, commit):
    client = create_client(salon.tenant, name="Dana", phone="+77015550101")
    create_booking(salon.tenant, salon.master, salon.service, _start("2026-12-08T10:00:00+05:00"), client=client)
    commit()
    c = login("owner", "anna", "owner@example.com")
    page = c.get("/?date=2026-12-08").get_data(as_text=True)
    assert "master-column" in page
    assert "Aigerim" in page
    assert "Dana" in page
    assert "+7 701 555 01 01" in page  # formatted for reading
    assert "10:00" in page
    frag = c.get("/?date=2026-12-09", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert frag.lstrip().startswith('<section id="day-bookings">')
    assert "Dana" not in frag
    assert "<html" not in frag


def test_status_actions_swap_the_booking(salon, login, create_booking, frozen_now, commit):
    b = create_booking(salon.tenant, salon.master, salon.service, _start("2026-12-07T09:00:00+05:00"), status="pending")
    commit()
    c = login("owner", "anna", "owner@example.com")
    resp = c.post(f"/bookings/{b.id}/confirm", headers={"HX-Request": "true"})
    assert resp.status_code == 200
    assert f'id="booking-{b.id}"' in resp.get_data(as_text=True)
    assert "badge-confirmed" in resp.get_data(as_text=True)
    # Completing before the start is refused with the service's message in the flash area.
    resp = c.post(f"/bookings/{b.id}/complete", headers={"HX-Request": "true"})
    assert resp.status_code == 409
    assert resp.headers["HX-Retarget"] == "#flash"
    frozen_now(_start("2026-12-07T09:30:00+05:00"))
    resp = c.post(f"/bookings/{b.id}/complete", headers={"HX-Request": "true"})
    assert resp.status_code == 200
    assert "badge-completed" in resp.get_data(as_text=True)
    assert db.session.scalar(select(Booking.status).where(Booking.id == b.id)) == "completed"


def test_owner_cancels_booking(salon, login, create_booking, commit):
    b = create_booking(salon.tenant, salon.master, salon.service, _start("2026-12-08T10:00:00+05:00"))
    commit()
    c = login("owner", "anna", "owner@example.com")
    resp = c.post(f"/bookings/{b.id}/cancel", headers={"HX-Request": "true"})
    assert resp.status_code == 200
    assert "badge-cancelled" in resp.get_data(as_text=True)


def test_staff_books_for_a_client_by_phone(salon, login):
    c = login("owner", "anna", "owner@example.com")
    page = c.get(f"/bookings/new?service_id={salon.service.id}&date=2026-12-08").get_data(as_text=True)
    slot = re.search(r'value="(2026-12-08T11:00:00\+05:00\|\d+)"', page).group(1)
    resp = c.post(
        "/bookings/new",
        data={
            "service_id": salon.service.id,
            "slot": slot,
            "phone": "8 701 555 02 02",
            "name": "Erlan",
            "notes": "walk-in",
        },
    )
    assert resp.status_code == 302
    b = db.session.scalar(select(Booking))
    assert b.client.phone == "+77015550202"
    assert b.client.name == "Erlan"
    assert b.source == "staff"


def test_staff_booking_form_errors(salon, login):
    c = login("owner", "anna", "owner@example.com")
    resp = c.post("/bookings/new", data={"service_id": salon.service.id, "slot": "", "phone": ""})
    assert resp.status_code == 422
    assert "field-error" in resp.get_data(as_text=True)


def test_a_wrong_phone_keeps_the_chosen_day_and_time(salon, login):
    """The form comes back with the error on the phone, the day of the chosen time in the
    strip and that time still chosen (not today's times), the name as typed."""
    c = login("owner", "anna", "owner@example.com")
    page = c.get(f"/bookings/new?service_id={salon.service.id}&date=2026-12-10").get_data(as_text=True)
    slot = re.search(r'value="(2026-12-10T15:00:00\+05:00\|\d+)"', page).group(1)
    resp = c.post(
        "/bookings/new",
        data={"service_id": salon.service.id, "slot": slot, "phone": "12", "name": "Erlan"},
    )
    assert resp.status_code == 422
    body = resp.get_data(as_text=True)
    assert "field-error" in body and 'value="Erlan"' in body
    assert re.search(r'href="[^"]*date=2026-12-10[^"]*"[^>]*aria-current="date"', body)
    assert f'value="{slot}" required checked' in body
    assert db.session.scalar(select(Booking)) is None


def test_staff_booking_of_taken_slot_is_409_with_fresh_slots(salon, login, create_booking, commit):
    create_booking(salon.tenant, salon.master, salon.service, _start("2026-12-08T11:00:00+05:00"))
    commit()
    c = login("owner", "anna", "owner@example.com")
    resp = c.post(
        "/bookings/new",
        data={
            "service_id": salon.service.id,
            "date": "2026-12-08",
            "slot": f"2026-12-08T11:00:00+05:00|{salon.master.id}",
            "phone": "+77015550202",
        },
    )
    assert resp.status_code == 409
    html = resp.get_data(as_text=True)
    assert 'id="slot-taken"' in html
    assert "2026-12-08T12:00:00+05:00" in html


def test_owner_reschedules_to_another_master(salon, login, create_booking, create_master, commit):
    other = create_master(salon.tenant, name="Bota", services=[salon.service])
    b = create_booking(salon.tenant, salon.master, salon.service, _start("2026-12-08T10:00:00+05:00"))
    commit()
    c = login("owner", "anna", "owner@example.com")
    page = c.get(f"/bookings/{b.id}/reschedule?master_id={other.id}&date=2026-12-09").get_data(as_text=True)
    assert f"2026-12-09T14:00:00+05:00|{other.id}" in page
    resp = c.post(f"/bookings/{b.id}/reschedule", data={"slot": f"2026-12-09T14:00:00+05:00|{other.id}"})
    assert resp.status_code == 302
    db.session.expire_all()
    moved = db.session.get(Booking, (b.tenant_id, b.id))
    assert moved.master_id == other.id
    assert moved.start_at == _start("2026-12-09T14:00:00+05:00")


def test_service_crud_and_localized_errors(salon, login):
    c = login("owner", "anna", "owner@example.com")
    resp = c.post("/services/new", data={"name": "", "duration_minutes": "3", "buffer_minutes": "0", "price": "1"})
    assert resp.status_code == 422
    assert "Enter a whole number from 5 to 720." in resp.get_data(as_text=True)
    resp = c.post(
        "/services/new",
        data={
            "name": "Beard",
            "duration_minutes": "30",
            "buffer_minutes": "10",
            "price": "3000",
            "location_ids": [str(salon.location.id)],
            "active": "y",
        },
    )
    assert resp.status_code == 302
    svc = db.session.scalar(select(Service).where(Service.name == "Beard"))
    assert svc.duration_minutes == 30
    assert svc.location_ids == [salon.location.id]
    resp = c.post(
        f"/services/{svc.id}",
        data={
            "name": "Beard trim",
            "duration_minutes": "45",
            "buffer_minutes": "0",
            "price": "3500",
            "location_ids": [str(salon.location.id)],
            "active": "y",
        },
    )
    assert resp.status_code == 302
    assert c.post(f"/services/{svc.id}/deactivate", data={"confirmed": "1"}).status_code == 302
    db.session.expire_all()
    svc = db.session.get(Service, (svc.tenant_id, svc.id))
    assert svc.name == "Beard trim"
    assert svc.duration_minutes == 45
    assert svc.active is False


def test_master_crud_with_login_and_weekly_hours(salon, login):
    c = login("owner", "anna", "owner@example.com")
    resp = c.post(
        "/masters/new",
        data={
            "name": "Bota",
            "location_id": str(salon.location.id),
            "service_ids": [str(salon.service.id)],
            "email": "bota@example.com",
            "password": "secret123",
            "active": "y",
        },
    )
    assert resp.status_code == 302
    m = db.session.scalar(select(Master).where(Master.name == "Bota"))
    assert m.user is not None
    assert m.user.email == "bota@example.com"
    assert m.service_ids == [salon.service.id]
    assert c.get(f"/masters/{m.id}/schedule").status_code == 200
    resp = c.post(
        f"/masters/{m.id}/schedule",
        data={
            "mon_start": ["09:00", "14:00"],
            "mon_end": ["13:00", "18:00"],
            "sat_start": ["10:00"],
            "sat_end": ["15:00"],
        },
    )
    assert resp.status_code == 302
    rows = db.session.scalars(
        select(WorkingHours)
        .where(WorkingHours.master_id == m.id)
        .order_by(WorkingHours.weekday, WorkingHours.start_time)
    ).all()
    assert [(r.weekday, r.start_time, r.end_time) for r in rows] == [
        (0, time(9), time(13)),
        (0, time(14), time(18)),
        (5, time(10), time(15)),
    ]
    resp = c.post(f"/masters/{m.id}/schedule", data={"mon_start": ["09:00", "12:00"], "mon_end": ["13:00", "18:00"]})
    assert resp.status_code == 422
    assert "flash-error" in resp.get_data(as_text=True)


def test_time_off_and_override(salon, login):
    c = login("owner", "anna", "owner@example.com")
    mid = salon.master.id
    resp = c.post(
        f"/masters/{mid}/time-off", data={"start": "2026-12-10T09:00", "end": "2026-12-10T13:00", "reason": "Doctor"}
    )
    assert resp.status_code == 302
    t = db.session.scalar(select(TimeOff))
    assert t.start_at == _start("2026-12-10T09:00:00+05:00")
    resp = c.post(f"/masters/{mid}/overrides", data={"date": "2026-12-12", "intervals": "10:00-14:00"})
    assert resp.status_code == 302
    assert db.session.scalar(select(ScheduleOverride)).intervals == [["10:00", "14:00"]]
    resp = c.post(f"/masters/{mid}/overrides", data={"date": "2026-12-13", "intervals": "ten to two"})
    assert resp.status_code == 422
    assert c.post(f"/masters/{mid}/time-off/{t.id}/delete", data={"confirmed": "1"}).status_code == 302
    assert c.post(f"/masters/{mid}/overrides/2026-12-12/delete", data={"confirmed": "1"}).status_code == 302
    assert db.session.scalar(select(TimeOff)) is None
    assert db.session.scalar(select(ScheduleOverride)) is None


def test_deactivated_master_lists_bookings_to_reassign(salon, login, create_booking, commit):
    b = create_booking(salon.tenant, salon.master, salon.service, _start("2026-12-08T10:00:00+05:00"))
    commit()
    c = login("owner", "anna", "owner@example.com")
    resp = c.post(f"/masters/{salon.master.id}/deactivate", data={"confirmed": "1"})
    assert resp.status_code == 200
    assert f"reassign-{b.id}" in resp.get_data(as_text=True)
    assert f"reassign-{b.id}" in c.get("/reassign").get_data(as_text=True)


def test_location_and_settings(salon, login):
    c = login("owner", "anna", "owner@example.com")
    resp = c.post(
        "/locations/new", data={"name": "Second", "address": "Dostyk 5", "timezone": "Asia/Almaty", "active": "y"}
    )
    assert resp.status_code == 302
    resp = c.post(
        "/settings",
        data={
            "name": "Anna Beauty",
            "currency": "KZT",
            "languages": ["ru", "kk"],
            "default_language": "ru",
            "min_notice_minutes": "30",
            "horizon_days": "30",
            "cancellation_window_minutes": "60",
            "slot_step_minutes": "30",
        },
    )
    assert resp.status_code == 302
    db.session.expire_all()
    assert salon.tenant.slot_step_minutes == 30
    assert salon.tenant.languages == ["ru", "kk"]
    resp = c.post(
        "/settings",
        data={
            "name": "",
            "currency": "KZT",
            "default_language": "ru",
            "min_notice_minutes": "30",
            "horizon_days": "0",
            "cancellation_window_minutes": "60",
            "slot_step_minutes": "30",
        },
        headers={"Accept-Language": "ru"},
    )
    assert resp.status_code == 422
    assert 'aria-invalid="true"' in resp.get_data(as_text=True)


def test_permission_request_flow(salon, login):
    m = login("master", "anna", "aigerim@example.com")
    # Without the permission the master sees the hours read-only and cannot change them.
    page = m.get("/schedule", follow_redirects=True).get_data(as_text=True)
    assert 'id="schedule-readonly"' in page
    assert m.post(
        f"/masters/{salon.master.id}/schedule", data={"mon_start": ["10:00"], "mon_end": ["12:00"]}
    ).status_code in (302, 403)
    db.session.rollback()
    assert db.session.scalar(
        select(WorkingHours.start_time).where(WorkingHours.weekday == 0).order_by(WorkingHours.start_time)
    ) == time(9)
    resp = m.post("/permissions", data={"permission": "edit_own_schedule", "reason": "I plan my week"})
    assert resp.status_code == 302
    req = db.session.scalar(select(PermissionRequest))
    o = login("owner", "anna", "owner@example.com")
    assert "I plan my week" in o.get("/requests").get_data(as_text=True)
    assert o.post(f"/requests/{req.id}/approve").status_code == 302
    page = m.get(f"/masters/{salon.master.id}/schedule").get_data(as_text=True)
    assert 'id="schedule-readonly"' not in page
    resp = m.post(f"/masters/{salon.master.id}/schedule", data={"mon_start": ["10:00"], "mon_end": ["12:00"]})
    assert resp.status_code == 302
    assert db.session.scalar(select(WorkingHours.start_time).where(WorkingHours.weekday == 0)) == time(10)


def test_master_sees_only_own_bookings_and_completes(salon, login, create_booking, create_master, frozen_now, commit):
    other = create_master(salon.tenant, name="Bota", services=[salon.service])
    mine = create_booking(salon.tenant, salon.master, salon.service, _start("2026-12-07T09:00:00+05:00"))
    theirs = create_booking(salon.tenant, other, salon.service, _start("2026-12-07T09:00:00+05:00"))
    commit()
    frozen_now(_start("2026-12-07T10:30:00+05:00"))
    c = login("master", "anna", "aigerim@example.com")
    page = c.get("/").get_data(as_text=True)
    assert f"booking-{mine.id}" in page
    assert f"booking-{theirs.id}" not in page
    assert c.post(f"/bookings/{theirs.id}/complete", headers={"HX-Request": "true"}).status_code == 404
    resp = c.post(f"/bookings/{mine.id}/no-show", headers={"HX-Request": "true"})
    assert resp.status_code == 200
    assert "badge-no_show" in resp.get_data(as_text=True)
    assert c.get(f"/masters/{other.id}/schedule").status_code == 404


def test_manager_is_limited_to_own_location(salon, login, create_master, create_service, create_booking, commit):
    from app.tenants.models import Location

    far = Location(tenant_id=salon.tenant.id, name="Far", timezone="Asia/Almaty")
    db.session.add(far)
    db.session.flush()
    svc = create_service(salon.tenant, name="Far cut", locations=[far])
    far_master = create_master(salon.tenant, name="Far master", services=[svc], location=far)
    b = create_booking(salon.tenant, far_master, svc, _start("2026-12-08T10:00:00+05:00"))
    commit()
    c = login("manager", "anna", "manager@example.com")
    assert "Far master" not in c.get("/masters").get_data(as_text=True)
    assert c.get(f"/masters/{far_master.id}").status_code == 404
    assert c.get(f"/services/{svc.id}").status_code == 404
    assert c.get(f"/bookings/{b.id}/reschedule").status_code == 404
    assert c.post(f"/bookings/{b.id}/cancel", headers={"HX-Request": "true"}).status_code == 404


def test_other_tenants_objects_are_404(
    salon, login, create_tenant, create_service, create_master, create_booking, commit
):
    other = create_tenant("other")
    svc = create_service(other)
    m = create_master(other, services=[svc])
    b = create_booking(other, m, svc, _start("2026-12-08T10:00:00+05:00"))
    with tenancy.tenant_scope(other.id):
        pass
    commit()
    c = login("owner", "anna", "owner@example.com")
    assert c.get(f"/services/{svc.id}").status_code == 404
    assert c.get(f"/masters/{m.id}").status_code == 404
    assert c.get(f"/masters/{m.id}/schedule").status_code == 404
    assert c.get(f"/bookings/{b.id}/reschedule").status_code == 404
    assert c.post(f"/bookings/{b.id}/cancel", headers={"HX-Request": "true"}).status_code == 404
    assert c.post(f"/services/{svc.id}/deactivate").status_code == 404


@pytest.mark.parametrize(("lang", "message"), [("ru", "Неверное целое число."), ("kk", "Жарамды бүтін сан мәні емес.")])
def test_form_errors_follow_the_chosen_language(salon, login, lang, message):
    c = login("owner", "anna", "owner@example.com")
    resp = c.post(
        f"/services/new?lang={lang}",
        data={"name": "Beard", "duration_minutes": "abc", "buffer_minutes": "0", "price": "1"},
    )
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    assert f'lang="{lang}"' in html
    assert message in html


@pytest.mark.parametrize(
    ("area", "email"),
    [("owner", "owner@example.com"), ("manager", "manager@example.com"), ("master", "aigerim@example.com")],
)
def test_schedule_and_reschedule_pages_render_per_role(salon, login, create_booking, commit, area, email):
    b = create_booking(salon.tenant, salon.master, salon.service, _start("2026-12-08T10:00:00+05:00"))
    commit()
    c = login(area, "anna", email)
    heading, schedule = _page(c, f"/masters/{salon.master.id}/schedule")
    assert heading == "Working hours · Aigerim"
    if area == "master":  # without the edit_own_schedule permission: the week, read only
        assert "09:00–13:00, 14:00–18:00" in schedule
        assert 'name="mon_start"' not in schedule
    else:  # staff edit the master's week
        assert 'name="mon_start" value="09:00"' in schedule and 'name="mon_end" value="18:00"' in schedule
    page = c.get(f"/bookings/{b.id}/reschedule")
    assert page.status_code == 200
    assert 'id="slot-picker"' in page.get_data(as_text=True)


def test_staff_picker_switches_day_as_a_fragment(salon, login):
    c = login("manager", "anna", "manager@example.com")
    resp = c.get(f"/bookings/new?service_id={salon.service.id}&date=2026-12-09", headers={"HX-Request": "true"})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert html.lstrip().startswith('<section id="slot-picker"')
    assert f"2026-12-09T09:00:00+05:00|{salon.master.id}" in html
    assert "<html" not in html


def test_staff_of_another_business_cannot_sign_in_here(salon, host_client, create_tenant, create_user, commit):
    other = create_tenant("other")
    create_user(other, role="owner", email="boss@other.example")
    commit()
    c = host_client("owner.anna")
    assert c.post("/login", data={"email": "boss@other.example", "password": "password123"}).status_code == 401
    assert c.get("/").status_code == 302


def test_manager_without_location_sees_nothing(salon, login, create_user, commit):
    create_user(salon.tenant, role="manager", email="lost@example.com", location_id=None)
    commit()
    c = login("manager", "anna", "lost@example.com")
    assert c.get("/services").status_code == 403
    assert c.get("/masters").status_code == 403
