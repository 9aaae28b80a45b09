"""Hostile input is a 4xx in the contract's error format, never a 500: one row per input.

Each row is one request (as a business owner, or as the public where no login is needed) and
the status and error code it must get. The body is checked for the contract's error shape by
the ``api`` fixture; rows with a field name also check that ``details`` names it.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

NOW = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)
BIG = "9" * 30  # beyond 64 bits
DEEP = "[" * 1000 + "]" * 1000


def _booking(ids, start: str) -> dict:
    return {
        "service_id": ids["service"],
        "master_id": ids["master"],
        "start": start,
        "client": {"name": "Dana", "phone": "+77015550101"},
    }


def _service(price) -> dict:
    return {"name": "Cut", "duration_minutes": 30, "price": price}


def _location(tz: str) -> dict:
    return {"name": "Second", "address": "Abay 2", "timezone": tz}


TIME_OFF_9999 = {"start": "2026-12-10T10:00:00+05:00", "end": "9999-12-31T23:59:59-12:00"}
PUBLIC = "/public/business/acme"
AVAILABILITY = PUBLIC + "/availability?service_id={service}"
SERVICE_BIG_DURATION = '{"name": "Cut", "duration_minutes": %s, "price": "1"}' % BIG  # noqa: UP031
SERVICE_INF_PRICE = '{"name": "Cut", "duration_minutes": 30, "price": 1e400}'

# One row per hostile input: name, "METHOD path" (with {service}/{master}/{booking}/{location}),
# the body (JSON-able, raw text, or a RAW_BODIES key), "status error [field that details name]".
# fmt: off
ROWS = [
    # NUL characters
    ("nul in body string", "POST /location", _location("UTC") | {"name": "a\x00b"}, "422 validation_error name"),
    ("nul in nested body", "POST /booking", "BOOKING_NUL", "422 validation_error client.name"),
    ("nul in login email", "POST /login", {"email": "a\x00@x.kz", "password": "x" * 8}, "422 validation_error email"),
    ("nul in query", "GET /bookings?status=%00", None, "422 validation_error status"),
    ("nul in path", "GET /public/business/ac%00me", None, "404 not_found"),
    ("nul in public query", "GET " + PUBLIC + "/services?location_id=1%00", None, "422 validation_error location_id"),
    # lone surrogates and broken encodings
    ("lone surrogate", "PUT /business", '{"name": "\\ud800"}', "422 validation_error name"),
    ("lone low surrogate", "POST /location", '{"name": "x\\udfff", "timezone": "UTC"}', "422 validation_error name"),
    ("invalid utf-8 bytes", "PUT /business", b'{"name": "\xff\xfe"}', "400 bad_request"),
    # JSON shapes
    ("json nested 1000 deep", "PUT /business", '{"name": ' + DEEP + "}", "400 bad_request"),
    ("json array body", "PUT /business", DEEP, "400 bad_request"),
    ("NaN literal", "PUT /business", '{"min_notice_minutes": NaN}', "400 bad_request"),
    ("Infinity literal", "PUT /business", '{"min_notice_minutes": -Infinity}', "400 bad_request"),
    ("truncated json", "PUT /business", '{"name": "x"', "400 bad_request"),
    ("not json at all", "PUT /business", "TEXT_PLAIN", "415 unsupported_media_type"),
    # numbers
    ("price 1e400 string", "POST /service", _service("1e400"), "422 validation_error price"),
    ("price 1e400 number", "POST /service", SERVICE_INF_PRICE, "422 validation_error price"),
    ("price NaN string", "POST /service", _service("NaN"), "422 validation_error price"),
    ("price -1", "POST /service", _service("-1"), "422 validation_error price"),
    ("duration beyond 64 bits", "POST /service", SERVICE_BIG_DURATION, "422 validation_error duration_minutes"),
    ("id beyond 64 bits in body", "POST /booking", "BOOKING_BIG_ID", "422 validation_error service_id"),
    ("id beyond 64 bits in path", "GET /booking/" + BIG, None, "404 not_found"),
    ("id 2**63 in path", "PUT /service/9223372036854775808", {"name": "x"}, "404 not_found"),
    ("id 2**63-1 in path", "PUT /service/9223372036854775807", {"name": "x"}, "404 not_found"),
    ("id beyond 64 bits in query", "GET /bookings?master_id=" + BIG, None, "422 validation_error master_id"),
    ("offset beyond 64 bits", "GET /services?offset=" + BIG, None, "422 validation_error offset"),
    ("negative id beyond 64 bits", "GET /bookings?location_id=-" + BIG, None, "422 validation_error location_id"),
    ("public offset beyond 64 bits", "GET " + PUBLIC + "/masters?offset=" + BIG, None, "422 validation_error offset"),
    # dates near year 1 and 9999
    ("availability from year 1", "GET " + AVAILABILITY + "&date=0001-01-01", None, "422 validation_error date"),
    ("availability in year 9999", "GET " + AVAILABILITY + "&date=9999-12-31&days=9", None, "422 validation_error date"),
    ("booking at year 1", "POST /booking", "BOOKING_YEAR_1", "422 validation_error start"),
    ("booking at year 9999", "POST /booking", "BOOKING_YEAR_9999", "422 validation_error start"),
    ("bookings from year 1", "GET /bookings?from=0001-01-01T00:00:00%2B05:00", None, "422 validation_error from"),
    ("bookings to year 9999", "GET /bookings?to=9999-12-31T23:59:59-12:00", None, "422 validation_error to"),
    ("time off to year 9999", "POST /master/{master}/time-off", TIME_OFF_9999, "422 validation_error end"),
    ("reschedule to year 1", "PUT /booking/{booking}", {"start": "0001-01-01T00:00Z"}, "422 validation_error start"),
    # time zones
    ("zone localtime", "POST /location", _location("localtime"), "422 validation_error timezone"),
    ("zone posixrules", "POST /location", _location("posixrules"), "422 validation_error timezone"),
    ("zone Factory", "POST /location", _location("Factory"), "422 validation_error timezone"),
    ("zone path traversal", "POST /location", _location("../../../etc/passwd"), "422 validation_error timezone"),
    ("zone posix/ copy", "POST /location", _location("posix/Asia/Almaty"), "422 validation_error timezone"),
    ("zone on update", "PUT /location/{location}", {"timezone": "localtime"}, "422 validation_error timezone"),
    ("zone at registration", "POST /register", "REGISTER_LOCALTIME", "422 validation_error timezone"),
]
# fmt: on

BOOKING_BIG_ID = (
    '{"service_id": %s, "master_id": %d, "start": "2026-12-02T10:00:00+05:00", '
    '"client": {"name": "D", "phone": "+77015550101"}}'
)
RAW_BODIES = {
    "BOOKING_NUL": lambda ids: (
        _booking(ids, "2026-12-02T10:00:00+05:00") | {"client": {"name": "D\x00", "phone": "+77015550101"}}
    ),
    "BOOKING_BIG_ID": lambda ids: BOOKING_BIG_ID % (BIG, ids["master"]),
    "BOOKING_YEAR_1": lambda ids: _booking(ids, "0001-01-01T00:00:00+05:00"),
    "BOOKING_YEAR_9999": lambda ids: _booking(ids, "9999-12-31T23:59:59-12:00"),
    "REGISTER_LOCALTIME": lambda ids: {
        "business_name": "Zone",
        "subdomain": "zone-test",
        "owner_name": "Z",
        "email": "z@zone.example",
        "password": "password123",
        "timezone": "localtime",
    },
}


@pytest.fixture
def acme(create_tenant, create_user, create_service, create_master, create_booking, commit, frozen_now, login):
    from app.core.tenancy import tenant_scope
    from app.extensions import db
    from app.tenants.models import Location

    frozen_now(NOW)
    t = create_tenant("acme")
    svc = create_service(t)
    m = create_master(t, services=[svc])
    b = create_booking(t, m, svc, NOW + timedelta(days=1, hours=3))
    create_user(t, role="owner", email="owner@acme.test")
    with tenant_scope(t.id):
        loc = db.session.query(Location).first().id
    ids = {"service": svc.id, "master": m.id, "booking": b.id, "location": loc}
    commit()
    ids["token"] = login("owner@acme.test")["access_token"]
    return ids


@pytest.mark.parametrize(("request_line", "body", "expected"), [pytest.param(*r[1:], id=r[0]) for r in ROWS])
def test_hostile_input_is_a_4xx(api, acme, request_line, body, expected):
    method, path = request_line.split(" ", 1)
    path = path.format(**acme)
    status, error, *field = expected.split()
    if isinstance(body, str) and body in RAW_BODIES:
        body = RAW_BODIES[body](acme)
    kwargs: dict = {}
    if body == "TEXT_PLAIN":
        kwargs = {"data": "name=x", "content_type": "text/plain"}
    elif isinstance(body, str | bytes):
        kwargs = {"data": body, "content_type": "application/json"}
    elif body is not None:
        kwargs = {"json": body}
    got, data, _ = api.call(method, path, token=acme["token"], validate=False, **kwargs)
    assert (got, data["error"]) == (int(status), error), data
    if field:
        assert field[0] in (data["details"] or {}), data


def test_negative_zero_price_is_stored_and_shown_as_zero(api, acme):
    body = _service("-0.00") | {"location_ids": [acme["location"]]}
    status, data, _ = api.post("/service", json=body, token=acme["token"], validate=False)
    assert status == 201, data
    assert data["service"]["price"] == "0.00"


def test_over_long_url_is_414_in_the_contract_format(client):
    resp = client.get("/api/v1/public/business/acme/services?x=" + "a" * 5000)
    assert resp.status_code == 414
    assert resp.get_json()["error"] == "uri_too_long"
    assert set(resp.get_json()) == {"error", "message", "details"}


def test_a_long_but_allowed_url_still_works(client, create_tenant, commit):
    create_tenant("acme")
    commit()
    resp = client.get("/api/v1/public/business/acme/services?x=" + "a" * 3000)
    assert resp.status_code == 200, resp.get_json()
