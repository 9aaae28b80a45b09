"""The staff calendar pages: day and week grids, the booking panel, undo, asking first, scope."""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import select

from app.bookings.models import Booking
from app.core import tenancy
from app.extensions import db
from app.tenants.models import Location


def _start(iso: str) -> datetime:
    return datetime.fromisoformat(iso)


def _block(page: str, booking_id: int) -> str:
    m = re.search(rf'<a id="booking-{booking_id}"[^>]*>', page)
    assert m, f"booking {booking_id} is not on the grid"
    return m.group(0)


def test_day_grid_places_bookings_by_time_and_shades_non_working_hours(salon, login, create_booking, commit):
    b = create_booking(salon.tenant, salon.master, salon.service, _start("2026-12-08T10:30:00+05:00"))
    commit()
    page = login("owner", "anna", "owner@example.com").get("/?date=2026-12-08").get_data(as_text=True)
    # Rows of 15 minutes from 09:00 (the master's first hour): 10:30 is row 7, 60 minutes span 4 rows.
    assert "grid-row: 7 / span 4;" in _block(page, b.id)
    assert 'data-status="confirmed"' in _block(page, b.id)
    column = page.split(f'data-master="{salon.master.id}"', 1)[1]
    # 13:00-14:00 is the master's break: shaded and not a link; 12:45 is a free working cell.
    assert re.search(r'<div class="cal-cell off hour" style="grid-row: 17;" data-time="13:00">', column)
    m = re.search(r'<a class="cal-cell work" style="grid-row: 16;" href="([^"]+)" data-time="12:45"', column)
    assert m
    href = m.group(1).replace("&amp;", "&")
    assert f"master_id={salon.master.id}" in href and "time=12:45" in href and "date=2026-12-08" in href
    # No now-line on another day; on today (the frozen 08:00 is before the grid's 09:00) none either.
    assert "cal-now" not in page


def test_now_line_in_the_location_zone(salon, login, frozen_now):
    frozen_now(datetime.fromisoformat("2026-12-07T06:30:00+00:00"))  # 11:30 in Almaty
    page = login("owner", "anna", "owner@example.com").get("/").get_data(as_text=True)
    # 09:00-18:00 is 540 minutes; 11:30 is 150 minutes in.
    assert 'class="cal-now" style="top: 27.778%;"' in page


def test_overlapping_bookings_share_the_column(salon, login, create_booking, commit):
    create_booking(salon.tenant, salon.master, salon.service, _start("2026-12-08T10:00:00+05:00"), status="cancelled")
    a = create_booking(salon.tenant, salon.master, salon.service, _start("2026-12-08T10:00:00+05:00"))
    commit()
    c = login("owner", "anna", "owner@example.com")
    page = c.get("/?date=2026-12-08").get_data(as_text=True)
    # The cancelled one is listed under the grid, not drawn over its replacement.
    assert "--lanes: 1;" in _block(page, a.id)
    assert "1 cancelled booking" in page
    week = c.get("/week?date=2026-12-08").get_data(as_text=True)
    assert "--lanes: 1;" in _block(week, a.id)


def test_week_view_per_location_and_per_master(salon, login, create_booking, create_master, commit):
    other = create_master(salon.tenant, name="Dana", services=[salon.service])
    a = create_booking(salon.tenant, salon.master, salon.service, _start("2026-12-09T10:00:00+05:00"))
    b = create_booking(salon.tenant, other, salon.service, _start("2026-12-09T10:30:00+05:00"))
    commit()
    c = login("owner", "anna", "owner@example.com")
    page = c.get("/week?date=2026-12-09").get_data(as_text=True)
    assert page.count('class="cal-colhead') == 7
    assert 'data-day="2026-12-07"' in page and 'data-day="2026-12-13"' in page  # Monday to Sunday
    # Both masters on Wednesday: they overlap, so side by side.
    assert "--lanes: 2;" in _block(page, a.id) and "--lanes: 2;" in _block(page, b.id)
    mine = c.get(f"/week?date=2026-12-09&master_id={other.id}").get_data(as_text=True)
    assert f'id="booking-{b.id}"' in mine and f'id="booking-{a.id}"' not in mine
    frag = c.get("/week?date=2026-12-16", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert frag.lstrip().startswith('<section id="day-bookings">') and "<html" not in frag
    assert 'data-day="2026-12-14"' in frag


def test_panel_shows_details_history_and_actions(salon, login, create_booking, create_client, frozen_now, commit):
    client = create_client(salon.tenant, name="Dana", phone="+77015550101")
    create_booking(
        salon.tenant,
        salon.master,
        salon.service,
        _start("2026-11-02T10:00:00+05:00"),
        client=client,
        status="completed",
    )
    create_booking(
        salon.tenant, salon.master, salon.service, _start("2026-11-09T10:00:00+05:00"), client=client, status="no_show"
    )
    b = create_booking(salon.tenant, salon.master, salon.service, _start("2026-12-07T09:00:00+05:00"), client=client)
    commit()
    frozen_now(datetime.fromisoformat("2026-12-07T04:10:00+00:00"))  # 09:10: started
    c = login("owner", "anna", "owner@example.com")
    frag = c.get(f"/bookings/{b.id}", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "<html" not in frag
    assert "Dana" in frag and "+77015550101" in frag and "Haircut" in frag
    assert "1 visit" in frag and "1 no-show" in frag
    for action in ("complete", "no-show", "cancel", "reschedule"):
        assert f'data-action="{action}"' in frag
    assert 'data-confirm="Cancel this booking?"' in frag
    # Without JavaScript the same panel is a page.
    page = c.get(f"/bookings/{b.id}").get_data(as_text=True)
    assert "<html" in page and "Client history" in page


def test_done_then_undo_from_the_calendar(salon, login, create_booking, frozen_now, commit):
    b = create_booking(salon.tenant, salon.master, salon.service, _start("2026-12-07T09:00:00+05:00"))
    commit()
    frozen_now(datetime.fromisoformat("2026-12-07T04:30:00+00:00"))
    c = login("owner", "anna", "owner@example.com")
    resp = c.post(f"/bookings/{b.id}/complete", headers={"Referer": "http://owner.anna.localhost/?date=2026-12-07"})
    assert resp.status_code == 302
    page = c.get("/?date=2026-12-07").get_data(as_text=True)
    assert f'id="undo-{b.id}"' in page and "Marked as done" in page
    assert c.post(f"/bookings/{b.id}/undo").status_code == 302
    assert db.session.scalar(select(Booking.status).where(Booking.id == b.id)) == "confirmed"
    # Again done, and too late to undo: a flash says why, the booking stays done.
    c.post(f"/bookings/{b.id}/complete")
    frozen_now(datetime.fromisoformat("2026-12-07T04:41:00+00:00"))
    page = c.get("/?date=2026-12-07").get_data(as_text=True)
    assert f'id="undo-{b.id}"' not in page
    c.post(f"/bookings/{b.id}/undo")
    assert "too late to undo" in c.get("/?date=2026-12-07").get_data(as_text=True)
    assert db.session.scalar(select(Booking.status).where(Booking.id == b.id)) == "completed"


def test_cancel_without_javascript_asks_first(salon, login, create_booking, commit):
    b = create_booking(salon.tenant, salon.master, salon.service, _start("2026-12-08T10:00:00+05:00"))
    commit()
    c = login("owner", "anna", "owner@example.com")
    resp = c.post(f"/bookings/{b.id}/cancel")
    assert resp.status_code == 200
    page = resp.get_data(as_text=True)
    assert "Cancel this booking?" in page and 'name="confirmed" value="1"' in page
    assert db.session.scalar(select(Booking.status).where(Booking.id == b.id)) == "confirmed"
    assert c.post(f"/bookings/{b.id}/cancel", data={"confirmed": "1"}).status_code == 302
    assert db.session.scalar(select(Booking.status).where(Booking.id == b.id)) == "cancelled"


def test_deactivating_asks_first(salon, login, commit):
    c = login("owner", "anna", "owner@example.com")
    for path in (f"/services/{salon.service.id}/deactivate", f"/masters/{salon.master.id}/deactivate"):
        resp = c.post(path)
        assert resp.status_code == 200 and "Are you sure?" in resp.get_data(as_text=True)
    resp = c.post(f"/locations/{salon.location.id}", data={"name": "Main", "timezone": "Asia/Almaty"})
    assert resp.status_code == 200 and "Deactivate Main?" in resp.get_data(as_text=True)
    db.session.expire_all()
    assert salon.service.active and salon.master.active and salon.location.active


def test_new_booking_prefilled_from_a_cell(salon, login):
    c = login("owner", "anna", "owner@example.com")
    page = c.get(
        f"/bookings/new?location_id={salon.location.id}&master_id={salon.master.id}&date=2026-12-08&time=11:15"
    ).get_data(as_text=True)
    prefill = re.search(r'id="prefill">([^<]*)<', page).group(1)
    assert prefill.startswith(f"From the calendar: {salon.master.name}, 8 December, 11:15")
    # Without a master (a cell of a location's column): no empty place in the sentence.
    other = c.get(f"/bookings/new?location_id={salon.location.id}&date=2026-12-08&time=11:15").get_data(as_text=True)
    assert re.search(r'id="prefill">From the calendar: (8 December, )?11:15[.<]', other), other
    # The master's only service is chosen, and the 11:15 slot is ticked.
    assert re.search(r'value="2026-12-08T11:15:00\+05:00\|\d+" required checked', page)
    assert 'class="staff-slots"' in page or 'class="staff-slots' in page
    # A time that is not a time is ignored, not an error.
    assert c.get(f"/bookings/new?master_id={salon.master.id}&time=25:99x").status_code == 200


def test_manager_sees_own_location_only(salon, login, create_master, create_booking, commit):
    with tenancy.tenant_scope(salon.tenant.id):
        far = Location(tenant_id=salon.tenant.id, name="Far", address="Baker 1", timezone="Asia/Almaty")
        db.session.add(far)
        db.session.flush()
    other = create_master(salon.tenant, name="Farida", services=[salon.service], location=far)
    theirs = create_booking(salon.tenant, other, salon.service, _start("2026-12-08T10:00:00+05:00"))
    mine = create_booking(salon.tenant, salon.master, salon.service, _start("2026-12-08T11:00:00+05:00"))
    commit()
    c = login("manager", "anna", "manager@example.com")
    for path in ("/?date=2026-12-08", f"/?date=2026-12-08&location_id={far.id}", "/week?date=2026-12-08"):
        page = c.get(path).get_data(as_text=True)
        assert f'id="booking-{mine.id}"' in page and f'id="booking-{theirs.id}"' not in page
        assert "Farida" not in page
    assert c.get(f"/bookings/{theirs.id}").status_code == 404
    assert c.post(f"/bookings/{theirs.id}/undo").status_code in (302, 404)
    owner = login("owner", "anna", "owner@example.com")
    page = owner.get(f"/?date=2026-12-08&location_id={far.id}").get_data(as_text=True)
    assert f'id="booking-{theirs.id}"' in page and "Farida" in page


def test_master_sees_own_column_and_cannot_open_others(salon, login, create_master, create_booking, commit):
    other = create_master(salon.tenant, name="Dana", services=[salon.service])
    theirs = create_booking(salon.tenant, other, salon.service, _start("2026-12-08T10:00:00+05:00"))
    mine = create_booking(salon.tenant, salon.master, salon.service, _start("2026-12-08T12:00:00+05:00"))
    commit()
    c = login("master", "anna", "aigerim@example.com")
    page = c.get("/?date=2026-12-08").get_data(as_text=True)
    assert page.count('class="cal-col ') == 1
    assert f'id="booking-{mine.id}"' in page and f'id="booking-{theirs.id}"' not in page
    assert 'href="/bookings/new' not in page  # masters do not book clients
    week = c.get(f"/week?date=2026-12-08&master_id={other.id}").get_data(as_text=True)
    assert f'id="booking-{theirs.id}"' not in week
    assert c.get(f"/bookings/{theirs.id}").status_code == 404
    assert c.post(f"/bookings/{theirs.id}/no-show", headers={"HX-Request": "true"}).status_code == 404
    assert c.post(f"/bookings/{theirs.id}/undo", headers={"HX-Request": "true"}).status_code == 404


def test_htmx_done_offers_undo_in_place(salon, login, create_booking, frozen_now, commit):
    b = create_booking(salon.tenant, salon.master, salon.service, _start("2026-12-07T09:00:00+05:00"))
    commit()
    frozen_now(datetime.fromisoformat("2026-12-07T04:30:00+00:00"))
    c = login("master", "anna", "aigerim@example.com")
    frag = c.post(f"/bookings/{b.id}/no-show", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "badge-no_show" in frag and 'data-action="undo"' in frag
    frag = c.post(f"/bookings/{b.id}/undo", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "badge-confirmed" in frag and 'data-action="undo"' not in frag


def test_odd_dates_fall_back_to_today(salon, login):
    c = login("owner", "anna", "owner@example.com")
    for path in ("/?date=9999-12-31", "/week?date=0001-01-01", "/?date=yesterday", "/week?date=2026-02-30&master_id=x"):
        resp = c.get(path)
        assert resp.status_code == 200, path
    assert "December 7, 2026" in c.get("/?date=9999-12-31").get_data(as_text=True)


def test_the_cells_master_stays_chosen_while_the_service_is_picked(salon, login, create_service, create_master, commit):
    """A cell of a master with several services asks for the service first; the form keeps
    the master (one master_id field, the cell's master selected), so choosing the service
    shows that master's times, not any master's."""
    colour = create_service(salon.tenant, name="Colour", duration=90, price="9000")
    dana = create_master(salon.tenant, name="Dana", services=[salon.service, colour])
    commit()
    c = login("owner", "anna", "owner@example.com")
    cell = f"/bookings/new?location_id={salon.location.id}&master_id={dana.id}&date=2026-12-08&time=11:15"
    page = c.get(cell).get_data(as_text=True)
    form = page[page.index('id="choose-form"') : page.index("</form>", page.index('id="choose-form"'))]
    assert form.count('name="master_id"') == 1
    assert re.search(rf'<option value="{dana.id}" selected>Dana</option>', form)
    # What the browser sends when the service is chosen: the master comes along.
    chosen = c.get(f"{cell}&service_id={salon.service.id}").get_data(as_text=True)  # both do it
    assert re.search(r'id="prefill">From the calendar: Dana, 8 December, 11:15<', chosen)
    assert re.search(rf'<option value="{dana.id}" selected>Dana</option>', chosen)
    assert "Aigerim" not in chosen[chosen.index('id="slot-picker"') :]
    anyone = c.get(
        f"/bookings/new?location_id={salon.location.id}&date=2026-12-08&time=11:15&service_id={salon.service.id}"
    ).get_data(as_text=True)
    assert "Aigerim" in anyone[anyone.index('id="slot-picker"') :]  # any master's times name them


def test_a_cell_weeks_ahead_opens_its_own_day(salon, login):
    """The day strip holds three weeks; a calendar cell further ahead (within the staff's
    horizon) opens a strip around its day, not today's times."""
    c = login("owner", "anna", "owner@example.com")
    base = f"/bookings/new?location_id={salon.location.id}&master_id={salon.master.id}&time=11:15"
    page = c.get(f"{base}&date=2027-01-06").get_data(as_text=True)
    assert re.search(r'value="2027-01-06T11:15:00\+05:00\|\d+" required checked', page)
    assert 'aria-current="date"' in page and "2027-01-06" in page
    assert "From the calendar: Aigerim, 6 January, 11:15" in page
    # Beyond the horizon, or not a date: the strip from today, as before.
    for far in ("2027-12-06", "06.01.2027"):
        other = c.get(f"{base}&date={far}").get_data(as_text=True)
        assert re.search(r'value="2026-12-07T11:15:00\+05:00\|\d+" required checked', other), far
