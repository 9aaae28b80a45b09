"""The staff's client pages: search, pagination, the client card, notes, the CSV export, scope."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from decimal import Decimal

import pytest
from sqlalchemy import select

from app.accounts.models import ClientNote
from app.accounts.rules import CLIENT_NOTE
from app.core import tenancy
from app.core.templating import money
from app.extensions import db


def _start(iso: str) -> datetime:
    return datetime.fromisoformat(iso)


@pytest.fixture
def people(salon, create_client, create_booking, commit):
    """Dana (two done visits, a no-show, a cancellation, one upcoming) and Арман (no visits)."""
    dana = create_client(salon.tenant, name="Dana", phone="+77015550101", language="kk")
    arman = create_client(salon.tenant, name="Арман", phone="+77019990000", language="ru")
    m, s = salon.master, salon.service
    create_booking(salon.tenant, m, s, _start("2026-11-30T10:00:00+05:00"), client=dana, status="completed")
    create_booking(salon.tenant, m, s, _start("2026-12-01T10:00:00+05:00"), client=dana, status="completed")
    create_booking(salon.tenant, m, s, _start("2026-12-02T10:00:00+05:00"), client=dana, status="no_show")
    create_booking(salon.tenant, m, s, _start("2026-12-03T10:00:00+05:00"), client=dana, status="cancelled")
    create_booking(salon.tenant, m, s, _start("2026-12-09T12:00:00+05:00"), client=dana, status="confirmed")
    commit()
    return dana, arman


@pytest.mark.parametrize(
    ("query", "dana", "arman"),
    [
        ("Dan", True, False),
        ("dana", True, False),
        ("арман", False, True),  # lower-case Cyrillic finds "Арман" on SQLite too
        ("8 (701) 555-01-01", True, False),  # local spelling with the trunk 8
        ("+7 701 999", False, True),
        ("555 01", True, False),
        ("nobody", False, False),
    ],
)
def test_search_by_name_or_phone_digits(people, login, query, dana, arman):
    page = login("owner", "anna", "owner@example.com").get("/clients", query_string={"q": query}).get_data(as_text=True)
    assert ("Dana" in page) is dana
    assert ("Арман" in page) is arman


def test_list_shows_counts_and_formatted_phone(people, login):
    dana, _arman = people
    page = login("owner", "anna", "owner@example.com").get("/clients").get_data(as_text=True)
    row = page[page.index(f'id="client-{dana.id}"') :]
    row = row[: row.index("</tr>")]
    assert "+7 701 555 01 01" in row
    assert '<td data-label="Visits">2</td>' in row
    assert '<td data-label="No-shows">1</td>' in row


def test_pagination(salon, create_client, login, commit):
    for i in range(30):
        create_client(salon.tenant, name=f"Client {i:02d}")
    commit()
    c = login("owner", "anna", "owner@example.com")
    first = c.get("/clients").get_data(as_text=True)
    second = c.get("/clients?page=2").get_data(as_text=True)
    assert first.count('id="client-') == 25 and second.count('id="client-') == 5
    assert "Client 00" in first and "Client 29" in second and "Client 00" not in second
    assert "Page 1 of 2" in first
    assert c.get("/clients?page=abc").status_code == 200
    assert c.get("/clients?page=-3").status_code == 200


def test_overlong_search_is_a_message_not_an_error(people, login):
    resp = login("owner", "anna", "owner@example.com").get("/clients", query_string={"q": "x" * 500})
    assert resp.status_code == 200
    assert 'aria-invalid="true"' in resp.get_data(as_text=True)


def test_client_card(app, people, login):
    dana, _arman = people
    page = login("owner", "anna", "owner@example.com").get(f"/clients/{dana.id}").get_data(as_text=True)
    assert 'id="stat-visits">2<' in page
    assert 'id="stat-cancellations">1<' in page
    assert 'id="stat-no-shows">1<' in page
    with app.test_request_context():
        assert money(Decimal("10000"), "KZT") in page  # two done visits at 5000
    upcoming = page[page.index('id="upcoming"') : page.index('id="notes"')]
    past = page[page.index('id="past"') :]
    assert upcoming.count('id="booking-') == 1
    assert past.count('id="booking-') == 4
    assert "Қазақша" in page  # the client's language


def test_notes_add_validate_and_remove(people, login):
    dana, _arman = people
    c = login("owner", "anna", "owner@example.com")
    resp = c.post(f"/clients/{dana.id}/notes", data={"text": "Allergic to ammonia <b>dyes</b>"})
    assert resp.status_code == 302
    page = c.get(f"/clients/{dana.id}").get_data(as_text=True)
    assert "Allergic to ammonia &lt;b&gt;dyes&lt;/b&gt;" in page
    too_long = c.post(f"/clients/{dana.id}/notes", data={"text": "x" * (CLIENT_NOTE.max_length + 1)})
    assert too_long.status_code == 422
    assert 'aria-invalid="true"' in too_long.get_data(as_text=True)
    assert c.post(f"/clients/{dana.id}/notes", data={"text": "   "}).status_code == 422
    with tenancy.tenant_scope(dana.tenant_id):
        notes = list(db.session.scalars(select(ClientNote)))
    assert [n.text for n in notes] == ["Allergic to ammonia <b>dyes</b>"]
    assert c.post(f"/clients/{dana.id}/notes/{notes[0].id}/delete").status_code == 302
    with tenancy.tenant_scope(dana.tenant_id):
        assert db.session.scalar(select(ClientNote)) is None


def test_manager_cannot_remove_the_owners_note(people, login):
    dana, _arman = people
    owner = login("owner", "anna", "owner@example.com")
    owner.post(f"/clients/{dana.id}/notes", data={"text": "VIP"})
    with tenancy.tenant_scope(dana.tenant_id):
        note_id = db.session.scalar(select(ClientNote.id))
    manager = login("manager", "anna", "manager@example.com")
    manager.post(f"/clients/{dana.id}/notes/{note_id}/delete")
    with tenancy.tenant_scope(dana.tenant_id):
        assert db.session.scalar(select(ClientNote.id)) == note_id


def test_manager_sees_only_clients_of_their_location(
    salon, people, create_client, create_master, create_booking, create_tenant, login, commit
):
    from app.tenants.models import Location

    dana, arman = people
    with tenancy.tenant_scope(salon.tenant.id):
        other = Location(name="Other", address="x", timezone="Asia/Almaty")
        db.session.add(other)
        db.session.flush()
        far = create_master(salon.tenant, name="Far", services=[salon.service], location=other)
        create_booking(salon.tenant, far, salon.service, _start("2026-12-08T10:00:00+05:00"), client=arman)
    commit()
    c = login("manager", "anna", "manager@example.com")
    page = c.get("/clients").get_data(as_text=True)
    assert "Dana" in page and "Арман" not in page
    assert c.get(f"/clients/{arman.id}").status_code == 404
    assert c.get(f"/clients/{dana.id}").status_code == 200
    assert "Арман" not in c.get("/clients/export.csv").get_data(as_text=True)
    assert "Арман" in login("owner", "anna", "owner@example.com").get("/clients").get_data(as_text=True)


def test_other_business_client_is_not_found(people, create_tenant, create_client, login, commit):
    stranger = create_client(create_tenant("other"), name="Stranger")
    commit()
    assert login("owner", "anna", "owner@example.com").get(f"/clients/{stranger.id}").status_code == 404


def test_master_has_no_client_pages(people, login):
    assert login("master", "anna", "aigerim@example.com").get("/clients").status_code == 404


def test_csv_export_is_streamed_escaped_and_formula_safe(app, salon, people, create_client, login, commit):
    create_client(salon.tenant, name='=HYPERLINK("http://evil","x")', phone="+77015550202")
    create_client(salon.tenant, name='Smith, "Jo"\nline two', phone="+77015550303")
    create_client(salon.tenant, name="@SUM(A1)", phone="+77015550404")
    commit()
    resp = login("owner", "anna", "owner@example.com").get("/clients/export.csv")
    assert resp.status_code == 200
    assert resp.is_streamed
    assert resp.mimetype == "text/csv"
    assert "attachment" in resp.headers["Content-Disposition"]
    text = resp.get_data(as_text=True)
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[0][:2] == ["Client", "Phone"]
    by_name = {r[0]: r for r in rows[1:]}
    assert '\'=HYPERLINK("http://evil","x")' in by_name
    assert "'@SUM(A1)" in by_name
    assert 'Smith, "Jo"\nline two' in by_name  # quoted by the CSV writer, read back whole
    dana = by_name["Dana"]
    assert dana[1] == "'+7 701 555 01 01"  # formatted; a leading + is a formula to spreadsheets
    assert dana[4:7] == ["2", "1", "1"]  # visits, no-shows, cancellations
    with app.test_request_context():
        assert dana[7] == money(Decimal("10000"), "KZT")
    assert len(rows) == 1 + 5


def test_csv_export_follows_the_search(people, login):
    text = login("owner", "anna", "owner@example.com").get("/clients/export.csv?q=Dana").get_data(as_text=True)
    assert "Dana" in text and "Арман" not in text
