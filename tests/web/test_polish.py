"""Staff pages read cleanly: no "None" anywhere, tables scroll on a phone, a master who may not
edit sees the weekly hours as text, schedule errors name the day, flash messages give dates in
the user's language."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from app.core import tenancy
from app.extensions import db

OWNER_PAGES = (
    "/",
    "/week",
    "/masters",
    "/masters/new",
    "/masters/{master}",
    "/masters/{master}/schedule",
    "/services",
    "/services/new",
    "/services/{service}",
    "/locations",
    "/locations/{location}",
    "/settings",
    "/requests",
    "/messages",
    "/bookings/new",
    "/bookings/new?service_id={service}&master_id={master}",
)
MASTER_PAGES = ("/", "/schedule", "/upcoming", "/permissions")
ADMIN_PAGES = ("/", "/?status=active", "/tenants/{tenant}", "/tenants/{tenant}/suspend", "/audit", "/outbox")


@pytest.fixture
def bare_salon(salon, create_booking, commit):
    """The salon with every optional field left empty (None): no phone, no specialization, ..."""
    salon.master.specialization = ""
    salon.master.phone = None
    salon.location.phone = None
    salon.tenant.email = None
    salon.tenant.phone = None
    create_booking(salon.tenant, salon.master, salon.service, datetime(2026, 12, 7, 6, 0, tzinfo=UTC))
    commit()
    return salon


def _pages(paths, s) -> list[str]:
    ids = {"master": s.master.id, "service": s.service.id, "location": s.location.id, "tenant": s.tenant.id}
    return [p.format(**ids) for p in paths]


def _visible(html: str) -> str:
    """The page without scripts and styles (what a person can read) plus attribute values."""
    return re.sub(r"<(script|style)\b.*?</\1>", "", html, flags=re.S)


def _check(client, path: str) -> str:
    resp = client.get(path, follow_redirects=True)
    assert resp.status_code == 200, (path, resp.status_code)
    page = _visible(resp.get_data(as_text=True))
    assert not re.search(r"\bNone\b", page), (path, page[max(0, page.find("None") - 200) : page.find("None") + 50])
    # Every table sits in a sideways-scrolling wrapper, so a phone never cuts it off.
    tables = len(re.findall(r"<table\b", page))
    wrapped = len(re.findall(r'<div class="table-wrap">\s*<table\b', page))
    assert tables == wrapped, (path, tables, wrapped)
    return page


def test_no_none_and_wrapped_tables_on_owner_manager_master_pages(bare_salon, login):
    s = bare_salon
    owner = login("owner", "anna", "owner@example.com")
    for path in _pages(OWNER_PAGES, s):
        _check(owner, path)
    manager = login("manager", "anna", "manager@example.com")
    for path in _pages(("/", "/masters", "/services", "/masters/{master}/schedule", "/bookings/new"), s):
        _check(manager, path)
    master = login("master", "anna", "aigerim@example.com")
    for path in _pages(MASTER_PAGES, s):
        _check(master, path)


def test_no_none_on_admin_pages(bare_salon, create_user, commit, host_client):
    create_user(None, role="super_admin", email="root@jazyl.test", password="password123")
    commit()
    admin = host_client("admin")
    assert admin.post("/login", data={"email": "root@jazyl.test", "password": "password123"}).status_code == 302
    for path in _pages(ADMIN_PAGES, bare_salon):
        _check(admin, path)


def test_a_master_without_the_permission_sees_the_hours_as_text(salon, login):
    m = login("master", "anna", "aigerim@example.com")
    page = m.get("/schedule", follow_redirects=True).get_data(as_text=True)
    hours = page[page.find('id="weekly-readonly"') : page.find("</dl>", page.find('id="weekly-readonly"'))]
    assert "<dt>Monday</dt>" in hours and "<dd>09:00–13:00, 14:00–18:00</dd>" in hours
    weekly = page[page.find('id="weekly-hours"') : page.find("</section>", page.find('id="weekly-hours"'))]
    assert "<input" not in weekly and "disabled" not in weekly


def test_a_master_with_the_permission_gets_the_editor(salon, login, commit):
    with tenancy.tenant_scope(salon.tenant.id):
        salon.master.permissions = ["edit_own_schedule"]
        commit()
    m = login("master", "anna", "aigerim@example.com")
    page = m.get("/schedule", follow_redirects=True).get_data(as_text=True)
    assert 'id="weekly-form"' in page and 'id="weekly-readonly"' not in page


def test_schedule_errors_start_with_the_day_and_a_colon(salon, login):
    owner = login("owner", "anna", "owner@example.com")
    resp = owner.post(f"/masters/{salon.master.id}/schedule", data={"tue_start": ["14:00"], "tue_end": ["10:00"]})
    assert resp.status_code == 422
    assert re.search(r'<p class="flash flash-error">Tuesday: \S', resp.get_data(as_text=True))


@pytest.mark.parametrize(
    ("lang", "expected"),
    [("en", "Hours for December 13, 2026 saved."), ("ru", "13 декабря 2026")],
)
def test_flash_dates_are_written_in_the_users_language(salon, login, lang, expected):
    owner = login("owner", "anna", "owner@example.com")
    headers = {"Accept-Language": lang}
    resp = owner.post(
        f"/masters/{salon.master.id}/overrides?lang={lang}",
        data={"date": "2026-12-13", "intervals": "10:00-14:00"},
        headers=headers,
    )
    assert resp.status_code == 302
    page = owner.get(f"/masters/{salon.master.id}/schedule", headers=headers).get_data(as_text=True)
    assert expected in page and "2026-12-13 " not in page
    db.session.rollback()


def test_master_form_names_a_person_and_staff_book_the_client(salon, login):
    owner = login("owner", "anna", "owner@example.com")
    form = owner.get(f"/masters/{salon.master.id}").get_data(as_text=True)
    assert "Master&#39;s name" in form or "Master's name" in form
    new = owner.get(f"/bookings/new?service_id={salon.service.id}&master_id={salon.master.id}").get_data(as_text=True)
    assert ">Book the client</button>" in new
