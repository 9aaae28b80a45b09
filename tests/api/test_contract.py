"""The API contract, one behaviour per test; every answer is validated against /api/openapi.json.

Registration and the platform admin's decision, a business setting up, the public catalogue,
a client verified by SMS, booking with idempotency and the cancellation window, the visit's
outcome, lists per role, the token lifecycle and the generic errors.  The last test checks
that the tests above produce every error code of the contract's table with the contract's
body (the ``api`` fixture checks the body of every answer of 400 and above).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from app.core import clock, tenancy
from app.extensions import db
from tests.api.conftest import DOMAIN

CONTRACT_ERRORS = {
    (400, "bad_request"),
    (401, "unauthorized"),
    (401, "token_expired"),
    (401, "token_revoked"),
    (401, "invalid_credentials"),
    (403, "forbidden"),
    (403, "tenant_not_active"),
    (404, "not_found"),
    (409, "slot_unavailable"),
    (409, "conflict"),
    (409, "subdomain_taken"),
    (409, "email_taken"),
    (409, "cancellation_window_passed"),
    (409, "invalid_transition"),
    (413, "payload_too_large"),
    (415, "unsupported_media_type"),
    (422, "validation_error"),
    (429, "rate_limited"),
    (500, "internal_error"),
}

NOW = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)  # Tuesday 08:00 in Almaty (+05:00)
AFTER_THE_FIRST_VISIT = datetime(2026, 12, 2, 5, 30, tzinfo=UTC)  # Wednesday 10:30 local
WEEKLY = {
    d: [{"start": "09:00", "end": "13:00"}, {"start": "14:00", "end": "18:00"}]
    for d in ("mon", "tue", "wed", "thu", "fri", "sat")
}
SUB = "anna-beauty"
FIRST_SLOT = "2026-12-02T09:00:00+05:00"  # Aigerim's first free slot on Wednesday
CLIENT_PHONE = "+77015550101"


# ---------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def produced() -> dict[str, set]:
    """What the tests of this module produced: error (status, code) pairs and test names."""
    return {"errors": set(), "tests": set()}


@pytest.fixture(scope="module")
def openapi_doc(app) -> dict:
    """The served document, fetched once for the module (it does not depend on the data)."""
    resp = app.test_client().get("/api/openapi.json", headers={"Host": DOMAIN})
    assert resp.status_code == 200
    return resp.get_json()


@pytest.fixture
def api(api, produced, request):
    """The validating API client of tests/api/conftest.py, its errors remembered for the module."""
    yield api
    produced["errors"] |= api.errors_seen
    produced["tests"].add(request.node.name)


@pytest.fixture
def now(frozen_now):
    return frozen_now(NOW)


def register(api, sub: str, email: str, **extra) -> dict:
    body = {
        "business_name": sub.title(),
        "subdomain": sub,
        "owner_name": "Owner",
        "email": email,
        "password": "password123",
        "language": "ru",
        "timezone": "Asia/Almaty",
        "currency": "KZT",
        **extra,
    }
    status, data, _ = api.post("/register", json=body)
    assert status == 201, data
    return data


@pytest.fixture
def root(create_user, commit):
    """The platform admin (root@jazyl.test)."""
    create_user(None, role="super_admin", email="root@jazyl.test")
    commit()
    return "root@jazyl.test"


@pytest.fixture
def registered(api, now, root):
    """Two businesses registered through the API, both pending: (anna-beauty, bek-barber)."""
    return register(api, SUB, "owner@anna.test"), register(api, "bek-barber", "owner@bek.test")


@pytest.fixture
def salon(now, create_tenant, create_user, create_service, create_master, commit):
    """An active business set up as its owner would: two locations, a one-hour haircut at both,
    Aigerim (who signs in) at the main one and Dias at the second, both working Monday to
    Saturday; Mira manages the second location.  Returns the ids."""
    from app.tenants.models import Location

    tenant = create_tenant(SUB, name="Anna Beauty", cancellation_window_minutes=120)
    create_user(tenant, role="owner", email="owner@anna.test")
    with tenancy.tenant_scope(tenant.id):
        main = db.session.scalars(sa.select(Location)).one()
        second = Location(tenant_id=tenant.id, name="Second", address="Dostyk 5", timezone="Asia/Almaty")
        db.session.add(second)
        db.session.flush()
    svc = create_service(tenant, duration=60, buffer=15, price="5000.00", locations=[main, second])
    aigerim = create_user(tenant, role="master", email="aigerim@anna.test", location_id=main.id)
    m1 = create_master(tenant, name="Aigerim", services=[svc], location=main, user=aigerim, weekdays=range(6))
    m2 = create_master(tenant, name="Dias", services=[svc], location=second, weekdays=range(6))
    create_user(tenant, role="manager", email="mira@anna.test", location_id=second.id)
    commit()
    return {"tenant": tenant.id, "main": main.id, "second": second.id, "svc": svc.id, "m1": m1.id, "m2": m2.id}


@pytest.fixture
def owner(salon, login) -> str:
    return login("owner@anna.test")["access_token"]


@pytest.fixture
def client_token(salon, verified_client) -> str:
    """Dana, verified by SMS at anna-beauty."""
    return verified_client(SUB, CLIENT_PHONE, "Dana")["client_token"]


def book(api, token: str, salon: dict, start: str, **extra) -> tuple[int, dict]:
    body = {"subdomain": SUB, "service_id": salon["svc"], "master_id": salon["m1"], "start": start, **extra}
    status, data, _ = api.post("/public/booking", token=token, json=body)
    return status, data


@pytest.fixture
def visits(salon, client_token, create_booking, create_client, commit):
    """Three of Aigerim's visits at the main location: Dana's cancelled one tomorrow at 14:00,
    a walk-in's completed one tomorrow at 10:00, and Dana's no-show today at 09:30."""
    from app.accounts.models import Client
    from app.catalog.models import Master, Service
    from app.tenants.models import Tenant

    with tenancy.tenant_scope(salon["tenant"]):
        tenant = db.session.get(Tenant, salon["tenant"])
        master = db.session.get(Master, (salon["tenant"], salon["m1"]))
        service = db.session.get(Service, (salon["tenant"], salon["svc"]))
        dana = db.session.scalars(sa.select(Client).where(Client.phone == CLIENT_PHONE)).one()
    at = lambda iso: datetime.fromisoformat(iso)  # noqa: E731
    cancelled = create_booking(
        tenant, master, service, at("2026-12-02T14:00:00+05:00"), status="cancelled", client=dana
    )
    create_booking(tenant, master, service, at("2026-12-02T10:00:00+05:00"), status="completed")
    no_show = create_booking(tenant, master, service, at("2026-12-01T09:30:00+05:00"), status="no_show", client=dana)
    ids = {"cancelled": cancelled.id, "no_show": no_show.id}
    commit()
    clock.freeze(AFTER_THE_FIRST_VISIT)
    return ids


# ---------------------------------------------------------------- registration


def test_registration_creates_a_pending_business_owned_by_the_registrant(api, now):
    data = register(api, SUB, "owner@anna.test")
    assert data["tenant"]["status"] == "pending"
    assert data["user"]["role"] == "owner"


def test_registration_refuses_a_taken_subdomain_and_a_taken_email(api, registered):
    body = {"business_name": "X", "owner_name": "X", "password": "password123"}
    status, data, _ = api.post("/register", json={**body, "subdomain": SUB, "email": "x@x.test"})
    assert (status, data["error"]) == (409, "subdomain_taken")
    status, data, _ = api.post("/register", json={**body, "subdomain": "other-one", "email": "owner@anna.test"})
    assert (status, data["error"]) == (409, "email_taken")


def test_registration_reports_invalid_fields_by_name_and_mistyped_ones_as_bad_request(api, now):
    body = {"business_name": "X", "subdomain": "admin", "owner_name": "X", "email": "y@y.test", "password": "short"}
    status, data, _ = api.post("/register", json=body)
    assert (status, data["error"]) == (422, "validation_error")
    assert set(data["details"]) >= {"subdomain", "password"}
    body = {"business_name": 5, "subdomain": "abc", "owner_name": "X", "email": "y@y.test", "password": "password123"}
    status, data, _ = api.post("/register", json=body)
    assert (status, data["error"]) == (400, "bad_request")
    assert "business_name" in data["details"]


def test_request_bodies_must_be_json_of_at_most_a_megabyte(api, now):
    status, data, _ = api.post("/register", data="{not json", content_type="application/json")
    assert (status, data["error"]) == (400, "bad_request")
    status, data, _ = api.post("/register", data="a=b", content_type="text/plain")
    assert (status, data["error"]) == (415, "unsupported_media_type")
    big = '{"x": "' + "a" * (1024 * 1024 + 10) + '"}'
    status, data, _ = api.post("/register", data=big, content_type="application/json")
    assert (status, data["error"]) == (413, "payload_too_large")


def test_a_pending_business_is_closed_to_the_public_and_an_unknown_one_is_not_found(api, registered):
    status, data, _ = api.get(f"/public/business/{SUB}")
    assert (status, data["error"]) == (403, "tenant_not_active")
    status, data, _ = api.get("/public/business/no-such-salon")
    assert (status, data["error"]) == (404, "not_found")


# ---------------------------------------------------------------- the platform admin


def test_the_admin_approves_a_pending_business_once_and_its_trial_starts(api, login, registered):
    a, _ = registered
    root = login("root@jazyl.test")["access_token"]
    status, data, _ = api.get("/admin/tenants", token=root)
    assert status == 200
    assert data["total"] == 2
    status, data, _ = api.put(f"/admin/tenant/{a['tenant']['id']}/approve", token=root)
    assert status == 200
    assert data["tenant"]["status"] == "active"
    assert data["tenant"]["trial_ends_at"]
    status, data, _ = api.put(f"/admin/tenant/{a['tenant']['id']}/approve", token=root)
    assert (status, data["error"]) == (409, "invalid_transition")


def test_the_admin_rejects_only_with_a_reason_and_the_business_stays_closed(api, login, registered):
    _, b = registered
    root = login("root@jazyl.test")["access_token"]
    status, data, _ = api.put(f"/admin/tenant/{b['tenant']['id']}/reject", token=root, json={})
    assert (status, data["error"]) == (422, "validation_error")
    assert "reason" in data["details"]
    status, data, _ = api.put(
        f"/admin/tenant/{b['tenant']['id']}/reject", token=root, json={"reason": "Incomplete details"}
    )
    assert status == 200
    assert data["tenant"]["status"] == "rejected"
    status, data, _ = api.get("/admin/tenants?status=rejected", token=root)
    assert [t["subdomain"] for t in data["items"]] == ["bek-barber"]
    status, data, _ = api.get("/public/business/bek-barber")
    assert (status, data["error"]) == (403, "tenant_not_active")


def test_platform_statistics_count_businesses_by_status_for_the_admin_only(api, login, registered):
    a, b = registered
    root = login("root@jazyl.test")["access_token"]
    api.put(f"/admin/tenant/{a['tenant']['id']}/approve", token=root)
    api.put(f"/admin/tenant/{b['tenant']['id']}/reject", token=root, json={"reason": "Incomplete details"})
    status, data, _ = api.get("/admin/statistics", token=root)
    assert status == 200
    assert data["tenants"]["active"] == 1
    assert data["tenants"]["rejected"] == 1
    owner = login("owner@anna.test")["access_token"]
    status, data, _ = api.get("/admin/statistics", token=owner)
    assert (status, data["error"]) == (403, "forbidden")


def test_a_wrong_password_and_an_unknown_email_get_the_same_answer(api, salon):
    status, data, _ = api.post("/login", json={"email": "owner@anna.test", "password": "wrong-password"})
    assert (status, data["error"]) == (401, "invalid_credentials")
    status, data2, _ = api.post("/login", json={"email": "nobody@anna.test", "password": "wrong-password"})
    assert (status, data2["error"], data2["message"]) == (401, "invalid_credentials", data["message"])


# ---------------------------------------------------------------- the owner sets up


def test_the_owner_sets_the_cancellation_window_and_description(api, owner):
    status, biz, _ = api.put(
        "/business", token=owner, json={"cancellation_window_minutes": 90, "description": "Hair and nails"}
    )
    assert status == 200
    assert biz["cancellation_window_minutes"] == 90


def test_a_new_service_is_offered_at_every_location_and_needs_a_real_duration(api, owner, salon):
    status, locs, _ = api.get("/locations", token=owner)
    assert [loc["id"] for loc in locs["items"]][:2] == [salon["main"], salon["second"]]
    status, data, _ = api.post(
        "/location", token=owner, json={"name": "Third", "address": "Tole bi 9", "timezone": "Asia/Almaty"}
    )
    assert status == 201
    third = data["location"]["id"]
    status, svc, _ = api.post(
        "/service",
        token=owner,
        json={"name": "Colour", "duration_minutes": 60, "price": "9000.00", "buffer_minutes": 15},
    )
    assert status == 201
    assert svc["service"]["location_ids"] == [salon["main"], salon["second"], third]
    status, data, _ = api.post("/service", token=owner, json={"name": "Bad", "duration_minutes": 3, "price": "1"})
    assert (status, data["error"]) == (422, "validation_error")
    assert "duration_minutes" in data["details"]


def test_the_owner_adds_masters_with_or_without_a_sign_in_and_sets_their_week(api, owner, salon):
    status, m1, _ = api.post(
        "/master",
        token=owner,
        json={
            "name": "Saule",
            "email": "saule@anna.test",
            "password": "password123",
            "location_id": salon["main"],
            "service_ids": [salon["svc"]],
            "specialization": "Stylist",
        },
    )
    assert status == 201, m1
    status, m2, _ = api.post(
        "/master", token=owner, json={"name": "Arman", "location_id": salon["second"], "service_ids": [salon["svc"]]}
    )
    assert status == 201, m2
    for mid in (m1["master"]["id"], m2["master"]["id"]):
        status, data, _ = api.put(f"/master/{mid}/schedule", token=owner, json={"weekly": WEEKLY})
        assert status == 200
        assert data["weekly"]["mon"] == WEEKLY["mon"]
        assert data["weekly"]["sun"] == []


def test_a_manager_is_added_once_per_email(api, owner, salon):
    body = {"name": "Zhanna", "email": "zhanna@anna.test", "password": "password123", "location_id": salon["second"]}
    status, mgr, _ = api.post("/manager", token=owner, json=body)
    assert status == 201
    assert mgr["user"]["role"] == "manager"
    status, data, _ = api.post("/manager", token=owner, json=body)
    assert (status, data["error"]) == (409, "email_taken")


# ---------------------------------------------------------------- the public catalogue


def test_the_public_catalogue_lists_locations_services_per_location_and_masters_per_service(api, salon):
    status, data, _ = api.get(f"/public/business/{SUB}")
    assert status == 200
    assert len(data["locations"]) == 2
    status, data, _ = api.get(f"/public/business/{SUB}/services?location_id={salon['main']}")
    assert [s["id"] for s in data["items"]] == [salon["svc"]]
    assert data["items"][0]["price"] == "5000.00"
    status, data, _ = api.get(f"/public/business/{SUB}/masters?service_id={salon['svc']}")
    assert {m["id"] for m in data["items"]} == {salon["m1"], salon["m2"]}


def test_availability_offers_slots_in_local_time_and_validates_its_query(api, salon):
    status, avail, _ = api.get(
        f"/public/business/{SUB}/availability?service_id={salon['svc']}&date=2026-12-02&master_id={salon['m1']}"
    )
    assert status == 200
    assert avail["slots"][0]["start"] == "2026-12-02T09:00:00+05:00"
    status, data, _ = api.get(f"/public/business/{SUB}/availability?service_id={salon['svc']}&date=soon")
    assert (status, data["error"]) == (422, "validation_error")
    assert "date" in data["details"]
    status, data, _ = api.get(f"/public/business/{SUB}/availability?service_id=abc&date=2026-12-02")
    assert (status, data["error"]) == (400, "bad_request")


# ---------------------------------------------------------------- client verification


def test_a_six_digit_code_goes_to_the_normalised_phone_once_per_cooldown(api, salon, sms):
    status, data, _ = api.post("/public/client/verify", json={"subdomain": SUB, "phone": "8 701 555 01 01"})
    assert (status, data) == (202, {"status": "code_sent"})
    code = sms[-1]["code"]
    assert sms[-1]["phone"] == CLIENT_PHONE
    assert len(code) == 6
    assert code.isdigit()
    status, data, _ = api.post("/public/client/verify", json={"subdomain": SUB, "phone": CLIENT_PHONE})
    assert (status, data["error"]) == (429, "rate_limited")


def test_the_right_code_signs_the_client_in_for_thirty_days_and_a_wrong_one_does_not(api, salon, sms):
    api.post("/public/client/verify", json={"subdomain": SUB, "phone": CLIENT_PHONE})
    code = sms[-1]["code"]
    wrong = "000000" if code != "000000" else "111111"
    status, data, _ = api.post("/public/client/verify", json={"subdomain": SUB, "phone": CLIENT_PHONE, "code": wrong})
    assert (status, data["error"]) == (422, "validation_error")
    assert "code" in data["details"]
    status, data, _ = api.post(
        "/public/client/verify", json={"subdomain": SUB, "phone": CLIENT_PHONE, "code": code, "name": "Dana"}
    )
    assert status == 200
    assert data["client"]["phone"] == CLIENT_PHONE
    assert data["expires_in"] == 30 * 86400
    status, data, _ = api.get("/me", token=data["client_token"])
    assert status == 200
    assert data["role"] == "client"
    assert data["name"] == "Dana"


# ---------------------------------------------------------------- booking


def test_a_client_books_a_free_slot_confirmed_with_local_start_and_end(api, salon, client_token):
    status, first = book(api, client_token, salon, "2026-12-02T09:00:00+05:00", notes="first visit")
    assert status == 201, first
    assert first["booking"]["status"] == "confirmed"
    assert first["booking"]["start"] == "2026-12-02T09:00:00+05:00"
    assert first["booking"]["end"] == "2026-12-02T10:00:00+05:00"


def test_a_repeated_idempotency_key_replays_the_answer_or_conflicts_with_another_body(api, salon, client_token):
    body = {
        "subdomain": SUB,
        "service_id": salon["svc"],
        "master_id": salon["m1"],
        "start": "2026-12-02T09:00:00+05:00",
    }
    key = {"Idempotency-Key": "k-1"}
    status, first, _ = api.post("/public/booking", token=client_token, json=body, headers=key)
    assert status == 201, first
    status, again, _ = api.post("/public/booking", token=client_token, json=body, headers=key)
    assert (status, again) == (201, first)
    status, data, _ = api.post("/public/booking", token=client_token, json={**body, "notes": "other"}, headers=key)
    assert (status, data["error"]) == (409, "conflict")


def test_a_taken_slot_is_refused_to_another_client_booking_and_to_staff(api, salon, client_token, owner):
    assert book(api, client_token, salon, "2026-12-02T09:00:00+05:00")[0] == 201
    status, data, _ = api.post(
        "/public/booking",
        token=client_token,
        json={
            "subdomain": SUB,
            "service_id": salon["svc"],
            "master_id": salon["m1"],
            "start": "2026-12-02T09:00:00+05:00",
        },
        headers={"Idempotency-Key": "k-2"},
    )
    assert (status, data["error"]) == (409, "slot_unavailable")
    status, data, _ = api.post(
        "/booking",
        token=owner,
        json={
            "service_id": salon["svc"],
            "master_id": salon["m1"],
            "start": "2026-12-02T09:30:00+05:00",
            "client": {"name": "Walk-in", "phone": "+77015550202"},
        },
    )
    assert (status, data["error"]) == (409, "slot_unavailable")


def test_public_booking_needs_a_client_token_and_a_start_with_its_utc_offset(api, salon, client_token):
    status, data = book(api, None, salon, "2026-12-02T09:00:00+05:00")
    assert (status, data["error"]) == (401, "unauthorized")
    status, data = book(api, "ct_forged", salon, "2026-12-02T09:00:00+05:00")
    assert (status, data["error"]) == (401, "unauthorized")
    status, data = book(api, client_token, salon, "2026-12-02T09:00:00")
    assert (status, data["error"]) == (422, "validation_error")
    assert "start" in data["details"]


def test_outside_the_cancellation_window_a_client_reschedules_and_then_cancels_once(api, salon, client_token):
    status, booked = book(api, client_token, salon, "2026-12-02T09:00:00+05:00")
    bid = booked["booking"]["id"]
    status, data, _ = api.put(f"/booking/{bid}", token=client_token, json={"start": "2026-12-02T14:00:00+05:00"})
    assert status == 200
    assert data["booking"]["start"] == "2026-12-02T14:00:00+05:00"
    status, data, _ = api.delete(f"/booking/{bid}", token=client_token)
    assert status == 200
    assert data["booking"]["status"] == "cancelled"
    status, data, _ = api.delete(f"/booking/{bid}", token=client_token)
    assert (status, data["error"]) == (409, "invalid_transition")


def test_inside_the_cancellation_window_a_client_can_neither_cancel_nor_reschedule(api, salon, client_token):
    status, soon, _ = api.post(
        "/booking",
        token=client_token,
        json={"service_id": salon["svc"], "master_id": salon["m1"], "start": "2026-12-01T09:30:00+05:00"},
    )
    assert status == 201, soon
    status, data, _ = api.delete(f"/booking/{soon['booking']['id']}", token=client_token)
    assert (status, data["error"]) == (409, "cancellation_window_passed")
    status, data, _ = api.put(
        f"/booking/{soon['booking']['id']}", token=client_token, json={"start": "2026-12-02T16:00:00+05:00"}
    )
    assert (status, data["error"]) == (409, "cancellation_window_passed")


def test_staff_book_for_a_walk_in_client_by_a_phone_in_any_notation(api, salon, owner):
    status, walk, _ = api.post(
        "/booking",
        token=owner,
        json={
            "service_id": salon["svc"],
            "master_id": salon["m1"],
            "start": "2026-12-02T10:00:00+05:00",
            "client": {"name": "Walk-in", "phone": "87015550202"},
        },
    )
    assert status == 201
    assert walk["booking"]["client"]["phone"] == "+77015550202"


def test_the_master_completes_a_visit_only_once_it_started_and_sees_no_client_phones(api, salon, owner, login):
    status, walk, _ = api.post(
        "/booking",
        token=owner,
        json={
            "service_id": salon["svc"],
            "master_id": salon["m1"],
            "start": "2026-12-02T10:00:00+05:00",
            "client": {"name": "Walk-in", "phone": "+77015550202"},
        },
    )
    assert status == 201, walk
    master = login("aigerim@anna.test")["access_token"]
    status, data, _ = api.post(f"/booking/{walk['booking']['id']}/complete", token=master)
    assert (status, data["error"]) == (409, "invalid_transition")
    clock.freeze(AFTER_THE_FIRST_VISIT)
    master = login("aigerim@anna.test")["access_token"]
    status, data, _ = api.post(f"/booking/{walk['booking']['id']}/complete", token=master)
    assert status == 200
    assert data["booking"]["status"] == "completed"
    # Without the permission the master does not see clients' phones.
    assert data["booking"]["client"]["phone"] is None


def test_the_master_marks_a_started_visit_as_a_no_show(api, salon, client_token, login):
    status, soon, _ = api.post(
        "/booking",
        token=client_token,
        json={"service_id": salon["svc"], "master_id": salon["m1"], "start": "2026-12-01T09:30:00+05:00"},
    )
    assert status == 201, soon
    clock.freeze(AFTER_THE_FIRST_VISIT)
    master = login("aigerim@anna.test")["access_token"]
    status, data, _ = api.post(f"/booking/{soon['booking']['id']}/no-show", token=master)
    assert status == 200
    assert data["booking"]["status"] == "no_show"
    assert data["booking"]["client"]["phone"] is None


# ---------------------------------------------------------------- lists per role


def test_the_owner_lists_every_booking_filtered_by_status_with_a_bounded_page(api, visits, login):
    owner = login("owner@anna.test")["access_token"]
    status, data, _ = api.get("/bookings", token=owner)
    assert data["total"] == 3
    status, data, _ = api.get("/bookings?status=cancelled&limit=1", token=owner)
    assert data["total"] == 1
    assert [x["id"] for x in data["items"]] == [visits["cancelled"]]
    status, data, _ = api.get("/bookings?limit=500", token=owner)
    assert (status, data["error"]) == (422, "validation_error")
    assert "limit" in data["details"]


def test_a_manager_sees_only_the_bookings_of_their_location(api, visits, login):
    mira = login("mira@anna.test")["access_token"]
    status, data, _ = api.get("/bookings", token=mira)
    assert data["total"] == 0  # all the visits are at the main location
    status, data, _ = api.get(f"/booking/{visits['cancelled']}", token=mira)
    assert (status, data["error"]) == (404, "not_found")


def test_a_master_sees_their_own_bookings(api, visits, login):
    master = login("aigerim@anna.test")["access_token"]
    _status, data, _ = api.get("/bookings", token=master)
    assert data["total"] == 3


def test_a_client_sees_only_their_own_bookings_and_no_staff_lists(api, visits, client_token):
    status, data, _ = api.get("/bookings", token=client_token)
    assert {x["id"] for x in data["items"]} == {visits["cancelled"], visits["no_show"]}
    status, data, _ = api.get("/services", token=client_token)
    assert (status, data["error"]) == (403, "forbidden")


# ---------------------------------------------------------------- tokens


def test_a_refresh_rotates_the_pair_and_reusing_a_spent_refresh_token_revokes_the_family(api, salon, login):
    owner = login("owner@anna.test")
    status, pair, _ = api.post("/refresh-token", json={"refresh_token": owner["refresh_token"]})
    assert status == 200
    assert pair["refresh_token"] != owner["refresh_token"]
    status, data, _ = api.get("/me", token=pair["access_token"])
    assert status == 200
    assert data["email"] == "owner@anna.test"
    status, data, _ = api.post("/refresh-token", json={"refresh_token": owner["refresh_token"]})
    assert (status, data["error"]) == (401, "token_revoked")
    # Reuse revoked the whole family: the new pair is dead too.
    status, data, _ = api.get("/me", token=pair["access_token"])
    assert (status, data["error"]) == (401, "token_revoked")
    status, data, _ = api.post("/refresh-token", json={"refresh_token": pair["refresh_token"]})
    assert (status, data["error"]) == (401, "token_revoked")


def test_logout_revokes_the_access_and_the_refresh_token(api, salon, login):
    fresh = login("owner@anna.test")
    status, data, _ = api.post("/logout", token=fresh["access_token"], json={"refresh_token": fresh["refresh_token"]})
    assert status == 200
    status, data, _ = api.get("/me", token=fresh["access_token"])
    assert (status, data["error"]) == (401, "token_revoked")
    status, data, _ = api.post("/refresh-token", json={"refresh_token": fresh["refresh_token"]})
    assert (status, data["error"]) == (401, "token_revoked")


def test_an_access_token_expires_after_fifteen_minutes_and_garbage_is_unauthorized(api, salon, login):
    late = login("owner@anna.test")
    clock.travel(timedelta(minutes=16))
    status, data, _ = api.get("/me", token=late["access_token"])
    assert (status, data["error"]) == (401, "token_expired")
    status, data, _ = api.get("/me", token="not-a-token")
    assert (status, data["error"]) == (401, "unauthorized")


# ---------------------------------------------------------------- generic errors


def test_unknown_routes_and_methods_answer_in_the_contract_format(api, now):
    status, data, _ = api.get("/no-such-route", validate=False)
    assert (status, data["error"]) == (404, "not_found")
    status, data, _ = api.call("PATCH", "/login", json={}, validate=False)
    assert status == 405
    assert data["error"] == "method_not_allowed"


def test_an_unexpected_error_is_a_500_that_shows_nothing_of_it(api, root, login, monkeypatch):
    def boom() -> dict:
        raise RuntimeError("secret stack detail")

    monkeypatch.setattr("app.tenants.queries.platform_statistics", boom)
    token = login("root@jazyl.test")["access_token"]
    status, data, resp = api.get("/admin/statistics", token=token)
    assert (status, data["error"]) == (500, "internal_error")
    assert b"secret" not in resp.data


def test_the_tests_above_produce_every_error_of_the_contract_table(api, produced, request):
    """Rate limiting proper is tested in test_ratelimit.py with the limiter on; the SMS cooldown
    answers rate_limited here too."""
    module = request.node.getparent(pytest.Module)
    others = {item.name for item in module.collect() if isinstance(item, pytest.Function)} - {request.node.name}
    if not others <= produced["tests"]:
        pytest.skip("checks what the whole module produced; run the module in full")
    assert produced["errors"] >= CONTRACT_ERRORS, CONTRACT_ERRORS - produced["errors"]
