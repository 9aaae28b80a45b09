"""A client generated from /api/openapi.json by openapi-python-client books a visit.

The served document is written to a file and ``openapi-python-client generate`` (pinned in
requirements-dev) turns it into a Python package, offline: no post hooks, no network. The
test then imports that package and books a visit using only its functions and models, the
requests going over WSGI to the app in-process (``httpx.WSGITransport``). Nothing in the
test knows a URL, a header name or a JSON field: the generator read them from the document.
"""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
from datetime import UTC, date, datetime
from http import HTTPStatus

import httpx
import pytest

from tests.api.test_generated_client import business  # noqa: F401 -- a shop with one service and master

PACKAGE = "jazyl_generated_client"
CONFIG = f"""\
project_name_override: {PACKAGE}
package_name_override: {PACKAGE}
post_hooks: []
"""


@pytest.fixture
def generated(openapi_doc, tmp_path, monkeypatch):
    """The package openapi-python-client generates from the served document, imported."""
    (tmp_path / "openapi.json").write_text(json.dumps(openapi_doc))
    (tmp_path / "config.yml").write_text(CONFIG)
    out = tmp_path / PACKAGE
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "openapi_python_client",
            "generate",
            "--path",
            str(tmp_path / "openapi.json"),
            "--config",
            str(tmp_path / "config.yml"),
            "--meta",
            "none",
            "--output-path",
            str(out),
            "--fail-on-warning",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    # The generator skips what it cannot understand and says so with a warning: nothing is skipped.
    assert "Warning" not in proc.stdout + proc.stderr, proc.stdout + proc.stderr
    monkeypatch.syspath_prepend(str(tmp_path))
    for name in [m for m in sys.modules if m == PACKAGE or m.startswith(PACKAGE + ".")]:
        monkeypatch.delitem(sys.modules, name)

    def module(name: str):
        return importlib.import_module(f"{PACKAGE}.{name}")

    yield module
    for name in [m for m in sys.modules if m == PACKAGE or m.startswith(PACKAGE + ".")]:
        del sys.modules[name]


def test_a_generated_client_books_a_visit(app, openapi_doc, generated, business, sms, frozen_now):  # noqa: F811
    frozen_now(datetime(2030, 3, 4, 3, 0, tzinfo=UTC))  # 08:00 in Almaty
    client_mod = generated("client")
    public_business = generated("api.public.public_business")
    public_services = generated("api.public.public_services")
    public_masters = generated("api.public.public_masters")
    public_availability = generated("api.public.public_availability")
    public_verify = generated("api.public.public_verify")
    public_booking = generated("api.public.public_booking")
    list_bookings = generated("api.bookings.list_bookings")
    models = generated("models")

    server = openapi_doc["servers"][0]["url"]  # the paths carry /api/v1, the server is the host
    transport = {"transport": httpx.WSGITransport(app=app)}
    anonymous = client_mod.Client(base_url=server, httpx_args=transport, raise_on_unexpected_status=True)

    shop = public_business.sync(subdomain="anna", client=anonymous)
    assert isinstance(shop, models.PublicBusiness), shop
    services = public_services.sync("anna", client=anonymous, location_id=shop.locations[0].id)
    assert isinstance(services, models.ServiceList), services
    assert services.total == 1
    service = services.items[0]
    masters = public_masters.sync("anna", client=anonymous, service_id=service.id)
    assert isinstance(masters, models.MasterList), masters
    assert masters.total == 1
    availability = public_availability.sync(
        "anna", client=anonymous, service_id=service.id, date=date(2030, 3, 5), days=2
    )
    assert isinstance(availability, models.Availability), availability
    assert availability.slots
    slot = availability.slots[0]
    assert slot.master_id == masters.items[0].id
    assert isinstance(slot.start, datetime) and slot.start.utcoffset() is not None

    sent = public_verify.sync_detailed(client=anonymous, body=models.VerifyBody(subdomain="anna", phone="87015550101"))
    assert sent.status_code == HTTPStatus.ACCEPTED, sent.content
    assert sent.parsed.status == "code_sent"
    code = sms[-1]["code"]
    verified = public_verify.sync(
        client=anonymous, body=models.VerifyBody(subdomain="anna", phone="+77015550101", code=code, name="Dana")
    )
    assert isinstance(verified, models.VerifyResult), verified
    assert verified.client_token
    me = client_mod.AuthenticatedClient(
        base_url=server, token=verified.client_token, httpx_args=transport, raise_on_unexpected_status=True
    )

    body = models.PublicBookingBody(subdomain="anna", service_id=service.id, master_id=slot.master_id, start=slot.start)
    made = public_booking.sync_detailed(client=me, body=body, idempotency_key="visit-1")
    assert made.status_code == HTTPStatus.CREATED, made.content
    booking = made.parsed.booking
    assert isinstance(booking, models.Booking)
    assert (booking.start, booking.status, booking.client.phone) == (
        slot.start,
        models.BookingStatus.CONFIRMED,
        "+77015550101",
    )
    replay = public_booking.sync_detailed(client=me, body=body, idempotency_key="visit-1")
    assert (replay.status_code, replay.parsed.booking.id) == (HTTPStatus.CREATED, booking.id)

    mine = list_bookings.sync(client=me, limit=10)
    assert isinstance(mine, models.BookingList), mine
    assert [b.id for b in mine.items] == [booking.id]

    taken = public_booking.sync_detailed(client=me, body=body, idempotency_key="visit-2")
    assert taken.status_code == HTTPStatus.CONFLICT, taken.content
    assert isinstance(taken.parsed, models.Error)
    assert taken.parsed.error == "slot_unavailable"
    assert taken.parsed.message
