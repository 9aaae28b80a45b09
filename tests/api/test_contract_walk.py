"""The whole API contract end to end, every answer validated against /api/openapi.json.

Register two businesses, approve one, reject one, set up services, masters and hours,
verify a client by SMS, book, fail to double-book, reschedule, cancel inside and outside
the window, complete, list per role, refresh, reuse a spent refresh token, log out -- and
every error code of the contract's table is produced somewhere with the contract's body.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from app.core import clock

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

NOW = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)  # 08:00 in Almaty (+05:00)
WEEKLY = {
    d: [{"start": "09:00", "end": "13:00"}, {"start": "14:00", "end": "18:00"}]
    for d in ("mon", "tue", "wed", "thu", "fri", "sat")
}


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


def test_full_contract_walk(app, api, sms, login, verified_client, create_user, commit, frozen_now, monkeypatch):
    frozen_now(NOW)
    create_user(None, role="super_admin", email="root@jazyl.test")
    commit()

    # ---------------------------------------------------------------- registration
    a = register(api, "anna-beauty", "owner@anna.test")
    assert a["tenant"]["status"] == "pending"
    assert a["user"]["role"] == "owner"
    b = register(api, "bek-barber", "owner@bek.test")
    status, data, _ = api.post(
        "/register",
        json={
            "business_name": "X",
            "subdomain": "anna-beauty",
            "owner_name": "X",
            "email": "x@x.test",
            "password": "password123",
        },
    )
    assert (status, data["error"]) == (409, "subdomain_taken")
    status, data, _ = api.post(
        "/register",
        json={
            "business_name": "X",
            "subdomain": "other-one",
            "owner_name": "X",
            "email": "owner@anna.test",
            "password": "password123",
        },
    )
    assert (status, data["error"]) == (409, "email_taken")
    status, data, _ = api.post(
        "/register",
        json={"business_name": "X", "subdomain": "admin", "owner_name": "X", "email": "y@y.test", "password": "short"},
    )
    assert (status, data["error"]) == (422, "validation_error")
    assert set(data["details"]) >= {"subdomain", "password"}
    status, data, _ = api.post(
        "/register",
        json={
            "business_name": 5,
            "subdomain": "abc",
            "owner_name": "X",
            "email": "y@y.test",
            "password": "password123",
        },
    )
    assert (status, data["error"]) == (400, "bad_request")
    assert "business_name" in data["details"]
    status, data, _ = api.post("/register", data="{not json", content_type="application/json")
    assert (status, data["error"]) == (400, "bad_request")
    status, data, _ = api.post("/register", data="a=b", content_type="text/plain")
    assert (status, data["error"]) == (415, "unsupported_media_type")
    status, data, _ = api.post(
        "/register", data='{"x": "' + "a" * (1024 * 1024 + 10) + '"}', content_type="application/json"
    )
    assert (status, data["error"]) == (413, "payload_too_large")

    # The pending business can set up at once, but its public API is closed.
    status, data, _ = api.get("/public/business/anna-beauty")
    assert (status, data["error"]) == (403, "tenant_not_active")
    status, data, _ = api.get("/public/business/no-such-salon")
    assert (status, data["error"]) == (404, "not_found")

    # ---------------------------------------------------------------- admin
    root = login("root@jazyl.test")
    status, data, _ = api.get("/admin/tenants", token=root["access_token"])
    assert status == 200
    assert data["total"] == 2
    status, data, _ = api.put(f"/admin/tenant/{a['tenant']['id']}/approve", token=root["access_token"])
    assert status == 200
    assert data["tenant"]["status"] == "active"
    assert data["tenant"]["trial_ends_at"]
    status, data, _ = api.put(f"/admin/tenant/{a['tenant']['id']}/approve", token=root["access_token"])
    assert (status, data["error"]) == (409, "invalid_transition")
    status, data, _ = api.put(f"/admin/tenant/{b['tenant']['id']}/reject", token=root["access_token"], json={})
    assert (status, data["error"]) == (422, "validation_error")
    assert "reason" in data["details"]
    status, data, _ = api.put(
        f"/admin/tenant/{b['tenant']['id']}/reject", token=root["access_token"], json={"reason": "Incomplete details"}
    )
    assert status == 200
    assert data["tenant"]["status"] == "rejected"
    status, data, _ = api.get("/admin/tenants?status=rejected", token=root["access_token"])
    assert [t["subdomain"] for t in data["items"]] == ["bek-barber"]
    status, data, _ = api.get("/admin/statistics", token=root["access_token"])
    assert status == 200
    assert data["tenants"]["active"] == 1
    assert data["tenants"]["rejected"] == 1
    status, data, _ = api.get("/public/business/bek-barber")
    assert (status, data["error"]) == (403, "tenant_not_active")

    # ---------------------------------------------------------------- owner sets up
    status, data, _ = api.post("/login", json={"email": "owner@anna.test", "password": "wrong-password"})
    assert (status, data["error"]) == (401, "invalid_credentials")
    status, data2, _ = api.post("/login", json={"email": "nobody@anna.test", "password": "wrong-password"})
    assert (status, data2["error"], data2["message"]) == (401, "invalid_credentials", data["message"])
    owner = login("owner@anna.test")
    tok = owner["access_token"]
    status, data, _ = api.get("/admin/statistics", token=tok)
    assert (status, data["error"]) == (403, "forbidden")
    status, biz, _ = api.put(
        "/business", token=tok, json={"cancellation_window_minutes": 120, "description": "Hair and nails"}
    )
    assert status == 200
    assert biz["cancellation_window_minutes"] == 120
    status, locs, _ = api.get("/locations", token=tok)
    main_loc = locs["items"][0]["id"]
    status, data, _ = api.post(
        "/location", token=tok, json={"name": "Second", "address": "Dostyk 5", "timezone": "Asia/Almaty"}
    )
    assert status == 201
    second_loc = data["location"]["id"]
    status, svc, _ = api.post(
        "/service",
        token=tok,
        json={"name": "Haircut", "duration_minutes": 60, "price": "5000.00", "buffer_minutes": 15},
    )
    assert status == 201
    assert svc["service"]["location_ids"] == [main_loc, second_loc]
    svc_id = svc["service"]["id"]
    status, data, _ = api.post("/service", token=tok, json={"name": "Bad", "duration_minutes": 3, "price": "1"})
    assert (status, data["error"]) == (422, "validation_error")
    assert "duration_minutes" in data["details"]
    status, m1, _ = api.post(
        "/master",
        token=tok,
        json={
            "name": "Aigerim",
            "email": "aigerim@anna.test",
            "password": "password123",
            "location_id": main_loc,
            "service_ids": [svc_id],
            "specialization": "Stylist",
        },
    )
    assert status == 201, m1
    m1_id = m1["master"]["id"]
    status, m2, _ = api.post(
        "/master", token=tok, json={"name": "Dias", "location_id": second_loc, "service_ids": [svc_id]}
    )
    m2_id = m2["master"]["id"]
    for mid in (m1_id, m2_id):
        status, data, _ = api.put(f"/master/{mid}/schedule", token=tok, json={"weekly": WEEKLY})
        assert status == 200
        assert data["weekly"]["mon"] == WEEKLY["mon"]
        assert data["weekly"]["sun"] == []
    status, mgr, _ = api.post(
        "/manager",
        token=tok,
        json={"name": "Mira", "email": "mira@anna.test", "password": "password123", "location_id": second_loc},
    )
    assert status == 201
    assert mgr["user"]["role"] == "manager"
    status, data, _ = api.post(
        "/manager",
        token=tok,
        json={"name": "Mira", "email": "mira@anna.test", "password": "password123", "location_id": second_loc},
    )
    assert (status, data["error"]) == (409, "email_taken")

    # ---------------------------------------------------------------- public catalogue
    status, data, _ = api.get("/public/business/anna-beauty")
    assert status == 200
    assert len(data["locations"]) == 2
    status, data, _ = api.get(f"/public/business/anna-beauty/services?location_id={main_loc}")
    assert [s["id"] for s in data["items"]] == [svc_id]
    assert data["items"][0]["price"] == "5000.00"
    status, data, _ = api.get(f"/public/business/anna-beauty/masters?service_id={svc_id}")
    assert {m["id"] for m in data["items"]} == {m1_id, m2_id}
    status, avail, _ = api.get(
        f"/public/business/anna-beauty/availability?service_id={svc_id}&date=2026-12-02&master_id={m1_id}"
    )
    assert status == 200
    assert avail["slots"][0]["start"] == "2026-12-02T09:00:00+05:00"
    status, data, _ = api.get(f"/public/business/anna-beauty/availability?service_id={svc_id}&date=soon")
    assert (status, data["error"]) == (422, "validation_error")
    assert "date" in data["details"]
    status, data, _ = api.get("/public/business/anna-beauty/availability?service_id=abc&date=2026-12-02")
    assert (status, data["error"]) == (400, "bad_request")

    # ---------------------------------------------------------------- client verification
    status, data, _ = api.post("/public/client/verify", json={"subdomain": "anna-beauty", "phone": "8 701 555 01 01"})
    assert (status, data) == (202, {"status": "code_sent"})
    code = sms[-1]["code"]
    assert sms[-1]["phone"] == "+77015550101"
    assert len(code) == 6
    assert code.isdigit()
    status, data, _ = api.post("/public/client/verify", json={"subdomain": "anna-beauty", "phone": "+77015550101"})
    assert (status, data["error"]) == (429, "rate_limited")
    wrong = "000000" if code != "000000" else "111111"
    status, data, _ = api.post(
        "/public/client/verify", json={"subdomain": "anna-beauty", "phone": "+77015550101", "code": wrong}
    )
    assert (status, data["error"]) == (422, "validation_error")
    assert "code" in data["details"]
    status, data, _ = api.post(
        "/public/client/verify",
        json={"subdomain": "anna-beauty", "phone": "+77015550101", "code": code, "name": "Dana"},
    )
    assert status == 200
    assert data["client"]["phone"] == "+77015550101"
    assert data["expires_in"] == 30 * 86400
    ctok = data["client_token"]
    status, data, _ = api.get("/me", token=ctok)
    assert status == 200
    assert data["role"] == "client"
    assert data["name"] == "Dana"

    # ---------------------------------------------------------------- booking
    body = {
        "subdomain": "anna-beauty",
        "service_id": svc_id,
        "master_id": m1_id,
        "start": "2026-12-02T09:00:00+05:00",
        "notes": "first visit",
    }
    status, first, _ = api.post("/public/booking", token=ctok, json=body, headers={"Idempotency-Key": "k-1"})
    assert status == 201, first
    assert first["booking"]["status"] == "confirmed"
    bid = first["booking"]["id"]
    assert first["booking"]["start"] == "2026-12-02T09:00:00+05:00"
    assert first["booking"]["end"] == "2026-12-02T10:00:00+05:00"
    status, again, _ = api.post("/public/booking", token=ctok, json=body, headers={"Idempotency-Key": "k-1"})
    assert (status, again) == (201, first)
    status, data, _ = api.post(
        "/public/booking", token=ctok, json={**body, "notes": "other"}, headers={"Idempotency-Key": "k-1"}
    )
    assert (status, data["error"]) == (409, "conflict")
    status, data, _ = api.post("/public/booking", token=ctok, json=body, headers={"Idempotency-Key": "k-2"})
    assert (status, data["error"]) == (409, "slot_unavailable")
    status, data, _ = api.post(
        "/booking",
        token=tok,
        json={
            "service_id": svc_id,
            "master_id": m1_id,
            "start": "2026-12-02T09:30:00+05:00",
            "client": {"name": "Walk-in", "phone": "+77015550202"},
        },
    )
    assert (status, data["error"]) == (409, "slot_unavailable")
    status, data, _ = api.post("/public/booking", json=body)
    assert (status, data["error"]) == (401, "unauthorized")
    status, data, _ = api.post("/public/booking", token="ct_forged", json=body)
    assert (status, data["error"]) == (401, "unauthorized")
    status, data, _ = api.post("/public/booking", token=ctok, json={**body, "start": "2026-12-02T09:00:00"})
    assert (status, data["error"]) == (422, "validation_error")
    assert "start" in data["details"]

    # Reschedule as the client (outside the window), to the afternoon.
    status, data, _ = api.put(f"/booking/{bid}", token=ctok, json={"start": "2026-12-02T14:00:00+05:00"})
    assert status == 200
    assert data["booking"]["start"] == "2026-12-02T14:00:00+05:00"

    # Staff book for a walk-in client; a second booking of the client shortly after now.
    status, walk, _ = api.post(
        "/booking",
        token=tok,
        json={
            "service_id": svc_id,
            "master_id": m1_id,
            "start": "2026-12-02T10:00:00+05:00",
            "client": {"name": "Walk-in", "phone": "87015550202"},
        },
    )
    assert status == 201
    assert walk["booking"]["client"]["phone"] == "+77015550202"
    status, soon, _ = api.post(
        "/booking", token=ctok, json={"service_id": svc_id, "master_id": m1_id, "start": "2026-12-01T09:30:00+05:00"}
    )
    assert status == 201, soon
    status, data, _ = api.delete(f"/booking/{soon['booking']['id']}", token=ctok)
    assert (status, data["error"]) == (409, "cancellation_window_passed")
    status, data, _ = api.put(
        f"/booking/{soon['booking']['id']}", token=ctok, json={"start": "2026-12-02T16:00:00+05:00"}
    )
    assert (status, data["error"]) == (409, "cancellation_window_passed")
    # Outside the window the client may cancel.
    status, data, _ = api.delete(f"/booking/{bid}", token=ctok)
    assert status == 200
    assert data["booking"]["status"] == "cancelled"
    status, data, _ = api.delete(f"/booking/{bid}", token=ctok)
    assert (status, data["error"]) == (409, "invalid_transition")

    # Complete: not before the start; afterwards by the booking's master.
    master = login("aigerim@anna.test")
    status, data, _ = api.post(f"/booking/{walk['booking']['id']}/complete", token=master["access_token"])
    assert (status, data["error"]) == (409, "invalid_transition")
    clock.freeze(datetime(2026, 12, 2, 5, 30, tzinfo=UTC))  # 10:30 local
    master = login("aigerim@anna.test")
    status, data, _ = api.post(f"/booking/{walk['booking']['id']}/complete", token=master["access_token"])
    assert status == 200
    assert data["booking"]["status"] == "completed"
    status, data, _ = api.post(f"/booking/{soon['booking']['id']}/no-show", token=master["access_token"])
    assert status == 200
    assert data["booking"]["status"] == "no_show"
    # The master does not see clients' phones without the permission.
    assert data["booking"]["client"]["phone"] is None

    # ---------------------------------------------------------------- lists per role
    owner = login("owner@anna.test")
    tok = owner["access_token"]
    status, data, _ = api.get("/bookings", token=tok)
    assert data["total"] == 3
    status, data, _ = api.get("/bookings?status=cancelled&limit=1", token=tok)
    assert data["total"] == 1
    assert [x["id"] for x in data["items"]] == [bid]
    status, data, _ = api.get("/bookings?limit=500", token=tok)
    assert (status, data["error"]) == (422, "validation_error")
    assert "limit" in data["details"]
    mira = login("mira@anna.test")
    status, data, _ = api.get("/bookings", token=mira["access_token"])
    assert data["total"] == 0  # all bookings are at the main location
    status, data, _ = api.get(f"/booking/{bid}", token=mira["access_token"])
    assert (status, data["error"]) == (404, "not_found")
    status, data, _ = api.get("/bookings", token=master["access_token"])
    assert data["total"] == 3
    status, data, _ = api.get("/bookings", token=ctok)
    assert {x["id"] for x in data["items"]} == {bid, soon["booking"]["id"]}
    status, data, _ = api.get("/services", token=ctok)
    assert (status, data["error"]) == (403, "forbidden")

    # ---------------------------------------------------------------- tokens
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

    fresh = login("owner@anna.test")
    status, data, _ = api.post("/logout", token=fresh["access_token"], json={"refresh_token": fresh["refresh_token"]})
    assert status == 200
    status, data, _ = api.get("/me", token=fresh["access_token"])
    assert (status, data["error"]) == (401, "token_revoked")
    status, data, _ = api.post("/refresh-token", json={"refresh_token": fresh["refresh_token"]})
    assert (status, data["error"]) == (401, "token_revoked")

    late = login("owner@anna.test")
    clock.travel(timedelta(minutes=16))
    status, data, _ = api.get("/me", token=late["access_token"])
    assert (status, data["error"]) == (401, "token_expired")
    status, data, _ = api.get("/me", token="not-a-token")
    assert (status, data["error"]) == (401, "unauthorized")

    # ---------------------------------------------------------------- generic errors
    status, data, _ = api.get("/no-such-route", validate=False)
    assert (status, data["error"]) == (404, "not_found")
    status, data, _ = api.call("PATCH", "/login", json={}, validate=False)
    assert status == 405
    assert data["error"] == "method_not_allowed"

    def boom() -> dict:
        raise RuntimeError("secret stack detail")

    monkeypatch.setattr("app.tenants.queries.platform_statistics", boom)
    root = login("root@jazyl.test")
    status, data, resp = api.get("/admin/statistics", token=root["access_token"])
    assert (status, data["error"]) == (500, "internal_error")
    assert b"secret" not in resp.data

    # Rate limiting is checked in test_ratelimit.py with the limiter on; the SMS cooldown gives
    # rate_limited here too.  Everything in the contract's table was produced:
    assert api.errors_seen >= CONTRACT_ERRORS, CONTRACT_ERRORS - api.errors_seen
