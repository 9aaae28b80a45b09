"""Cross-tenant and cross-role attempts on every object type.

Another tenant's object is 404 (never 403); a role outside an area is 403; a manager's
other location and a master's colleague are 404.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from app.core import tenancy
from app.extensions import db

NOW = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)


@pytest.fixture
def world(
    create_tenant,
    create_user,
    create_service,
    create_master,
    create_client,
    create_booking,
    commit,
    frozen_now,
    api,
    login,
):
    """Two businesses; A has two locations with a manager at the second one."""
    from app.catalog.models import PermissionRequest
    from app.scheduling.models import TimeOff
    from app.tenants.models import Location

    frozen_now(NOW)
    out = {}
    for sub in ("anna", "bek"):
        t = create_tenant(sub)
        svc = create_service(t)
        with tenancy.tenant_scope(t.id):
            loc1 = db.session.scalars(sa.select(Location)).one()
            loc2 = Location(tenant_id=t.id, name="Second", timezone="Asia/Almaty")
            db.session.add(loc2)
            db.session.flush()
        owner = create_user(t, role="owner", email=f"owner@{sub}.test")
        manager = create_user(t, role="manager", email=f"manager@{sub}.test", location_id=loc2.id)
        mu1 = create_user(t, role="master", email=f"m1@{sub}.test", location_id=loc1.id)
        mu2 = create_user(t, role="master", email=f"m2@{sub}.test", location_id=loc1.id)
        m1 = create_master(t, name="One", services=[svc], location=loc1, user=mu1)
        m2 = create_master(t, name="Two", services=[svc], location=loc1, user=mu2)
        c1 = create_client(t, phone="+77015550101" if sub == "anna" else "+77015550102")
        c2 = create_client(t)
        b1 = create_booking(t, m1, svc, NOW + timedelta(days=1, hours=2), client=c1)
        b2 = create_booking(t, m2, svc, NOW + timedelta(days=1, hours=2), client=c2)
        with tenancy.tenant_scope(t.id):
            off = TimeOff(
                tenant_id=t.id, master_id=m1.id, start_at=NOW + timedelta(days=3), end_at=NOW + timedelta(days=4)
            )
            pr = PermissionRequest(tenant_id=t.id, master_id=m2.id, permission="see_client_phones")
            db.session.add_all([off, pr])
            db.session.flush()
        out[sub] = {
            "tenant": t,
            "svc": svc.id,
            "loc1": loc1.id,
            "loc2": loc2.id,
            "m1": m1.id,
            "m2": m2.id,
            "b1": b1.id,
            "b2": b2.id,
            "off": off.id,
            "pr": pr.id,
            "owner": owner.email,
            "manager": manager.email,
            "mu1": mu1.email,
        }
    commit()
    for sub in ("anna", "bek"):
        w = out[sub]
        w["t_owner"] = login(w["owner"])["access_token"]
        w["t_manager"] = login(w["manager"])["access_token"]
        w["t_master"] = login(w["mu1"])["access_token"]
    return out


def object_calls(w: dict) -> list[tuple[str, str, dict | None]]:
    """Every endpoint that addresses one object of business ``w``."""
    return [
        ("GET", f"/booking/{w['b1']}", None),
        ("PUT", f"/booking/{w['b1']}", {"notes": "x"}),
        ("DELETE", f"/booking/{w['b1']}", None),
        ("POST", f"/booking/{w['b1']}/complete", None),
        ("POST", f"/booking/{w['b1']}/no-show", None),
        ("PUT", f"/service/{w['svc']}", {"name": "x"}),
        ("DELETE", f"/service/{w['svc']}", None),
        ("PUT", f"/master/{w['m1']}", {"name": "x"}),
        ("DELETE", f"/master/{w['m1']}", None),
        ("GET", f"/master/{w['m1']}/schedule", None),
        ("PUT", f"/master/{w['m1']}/schedule", {"weekly": {}}),
        ("GET", f"/master/{w['m1']}/time-off", None),
        (
            "POST",
            f"/master/{w['m1']}/time-off",
            {"start": "2026-12-10T10:00:00+05:00", "end": "2026-12-10T12:00:00+05:00"},
        ),
        ("DELETE", f"/master/{w['m1']}/time-off/{w['off']}", None),
        ("PUT", f"/location/{w['loc1']}", {"name": "x"}),
        ("DELETE", f"/location/{w['loc1']}", None),
        ("PUT", f"/permission-request/{w['pr']}/approve", None),
        ("PUT", f"/permission-request/{w['pr']}/deny", None),
    ]


def test_other_tenants_objects_are_not_found(api, world):
    a, b = world["anna"], world["bek"]
    for method, path, body in object_calls(a):
        status, data, _ = api.call(method, path, json=body, token=b["t_owner"])
        assert (status, data["error"]) == (404, "not_found"), (method, path, status, data)
    # Nothing of A changed.
    status, data, _ = api.get(f"/booking/{a['b1']}", token=a["t_owner"])
    assert status == 200
    assert data["booking"]["status"] == "confirmed"
    assert data["booking"]["notes"] == ""
    # Lists never show the other business's rows.
    for path in ("/bookings", "/services", "/masters", "/locations", "/permission-requests"):
        status, data, _ = api.get(path, token=b["t_owner"])
        assert status == 200
        ids = {x["id"] for x in data["items"]}
        theirs = {
            "/bookings": {a["b1"], a["b2"]},
            "/services": {a["svc"]},
            "/masters": {a["m1"], a["m2"]},
            "/locations": {a["loc1"], a["loc2"]},
            "/permission-requests": {a["pr"]},
        }[path]
        assert not ids & theirs, path


def test_credentials_only_work_on_their_business_host(api, world):
    a, b = world["anna"], world["bek"]
    status, data, _ = api.get("/bookings", token=a["t_owner"], host="bek")
    assert (status, data["error"]) == (401, "unauthorized")
    status, data, _ = api.get("/bookings", token=a["t_owner"], host="anna")
    assert status == 200
    assert data["total"] == 2
    # A tenant host implies the tenant: another business's public routes are not found there.
    status, data, _ = api.get("/public/business/bek", host="anna")
    assert (status, data["error"]) == (404, "not_found")
    status, data, _ = api.post("/login", json={"email": b["owner"], "password": "password123"}, host="anna")
    assert (status, data["error"]) == (401, "invalid_credentials")


def test_manager_is_limited_to_own_location(api, world):
    a = world["anna"]
    tok = a["t_manager"]
    # The service is offered at both locations (factory default), the masters and bookings are at loc1.
    for method, path, body in object_calls(a):
        if path.startswith(("/service/", "/location/")):
            continue
        status, data, _ = api.call(method, path, json=body, token=tok)
        assert (status, data["error"]) == (404, "not_found"), (method, path, status, data)
    for method, path, body in (
        ("GET", "/locations", None),
        ("POST", "/location", {"name": "x"}),
        (("PUT", f"/location/{a['loc1']}", {"name": "x"})),
        ("GET", "/business", None),
        ("PUT", "/business", {"name": "x"}),
        ("POST", "/manager", {"name": "x", "email": "x@x.test", "location_id": a["loc2"]}),
        ("GET", "/admin/tenants", None),
        ("PUT", f"/admin/tenant/{a['tenant'].id}/approve", None),
    ):
        status, data, _ = api.call(method, path, json=body, token=tok)
        assert (status, data["error"]) == (403, "forbidden"), (method, path, status, data)
    status, data, _ = api.get("/masters", token=tok)
    assert status == 200
    assert data["total"] == 0
    status, data, _ = api.post("/master", token=tok, json={"name": "Elsewhere", "location_id": a["loc1"]})
    assert (status, data["error"]) == (422, "validation_error")
    status, data, _ = api.post("/master", token=tok, json={"name": "Mine"})
    assert status == 201
    assert data["master"]["location_id"] == a["loc2"]


def test_master_sees_only_own(api, world):
    a = world["anna"]
    tok = a["t_master"]
    status, data, _ = api.get("/bookings", token=tok)
    assert [x["id"] for x in data["items"]] == [a["b1"]]
    status, data, _ = api.get(f"/booking/{a['b2']}", token=tok)
    assert (status, data["error"]) == (404, "not_found")
    status, data, _ = api.get(f"/master/{a['m2']}/schedule", token=tok)
    assert (status, data["error"]) == (404, "not_found")
    status, data, _ = api.get(f"/master/{a['m1']}/schedule", token=tok)
    assert status == 200
    # Editing the own schedule needs the permission.
    status, data, _ = api.put(f"/master/{a['m1']}/schedule", token=tok, json={"weekly": {}})
    assert (status, data["error"]) == (403, "forbidden")
    # Cancelling own bookings needs the permission too.
    status, data, _ = api.delete(f"/booking/{a['b1']}", token=tok)
    assert (status, data["error"]) == (403, "forbidden")
    for method, path in (
        ("GET", "/services"),
        ("GET", "/masters"),
        ("GET", "/locations"),
        ("GET", "/business"),
        ("PUT", f"/permission-request/{a['pr']}/approve"),
    ):
        status, data, _ = api.call(method, path, token=tok)
        assert (status, data["error"]) == (403, "forbidden"), path
    status, data, _ = api.get("/permission-requests", token=tok)
    assert data["total"] == 0  # the pending request is the other master's
    status, data, _ = api.post(
        "/permission-request", token=tok, json={"permission": "edit_own_schedule", "reason": "I set my own hours"}
    )
    assert status == 201
    status, data, _ = api.put(f"/permission-request/{data['permission_request']['id']}/approve", token=a["t_owner"])
    assert status == 200
    assert data["permission_request"]["status"] == "approved"
    status, data, _ = api.put(
        f"/master/{a['m1']}/schedule", token=tok, json={"weekly": {"mon": [{"start": "10:00", "end": "12:00"}]}}
    )
    assert status == 200
    assert data["weekly"]["mon"] == [{"start": "10:00", "end": "12:00"}]


def test_client_sees_only_own(api, world, verified_client):
    a, b = world["anna"], world["bek"]
    ctok = verified_client("anna", phone="+77015550101")["client_token"]
    status, data, _ = api.get("/bookings", token=ctok)
    assert [x["id"] for x in data["items"]] == [a["b1"]]
    for path in (f"/booking/{a['b2']}", f"/booking/{b['b1']}"):
        status, data, _ = api.get(path, token=ctok)
        assert (status, data["error"]) == (404, "not_found"), path
    for method, path in (
        ("GET", "/services"),
        ("POST", "/service"),
        ("GET", "/masters"),
        ("GET", f"/master/{a['m1']}/schedule"),
        ("GET", "/locations"),
        ("GET", "/business"),
        ("GET", "/permission-requests"),
        ("POST", f"/booking/{a['b1']}/complete"),
        ("GET", "/admin/statistics"),
    ):
        status, data, _ = api.call(method, path, token=ctok, json={} if method != "GET" else None)
        assert (status, data["error"]) == (403, "forbidden"), path
    # A client token of A is not valid on B's host nor for B's public booking.
    status, data, _ = api.get("/bookings", token=ctok, host="bek")
    assert (status, data["error"]) == (401, "unauthorized")
    status, data, _ = api.post(
        "/public/booking",
        token=ctok,
        json={"subdomain": "bek", "service_id": b["svc"], "master_id": b["m1"], "start": "2026-12-02T09:00:00+05:00"},
    )
    assert (status, data["error"]) == (404, "not_found")


def test_super_admin_is_platform_only(api, world, create_user, commit, login):
    create_user(None, role="super_admin", email="root@jazyl.test")
    commit()
    root = login("root@jazyl.test")["access_token"]
    status, data, _ = api.get("/bookings", token=root)
    assert (status, data["error"]) == (403, "forbidden")
    status, data, _ = api.get("/admin/tenants?status=active", token=root)
    assert data["total"] == 2
    status, data, _ = api.put("/admin/tenant/999999/approve", token=root)
    assert (status, data["error"]) == (404, "not_found")
    status, data, _ = api.put(f"/admin/tenant/{world['anna']['tenant'].id}/suspend", token=root, json={})
    assert status == 200
    assert data["tenant"]["status"] == "suspended"
    status, data, _ = api.get("/public/business/anna")
    assert (status, data["error"]) == (403, "tenant_not_active")
    status, data, _ = api.put(f"/admin/tenant/{world['anna']['tenant'].id}/reactivate", token=root)
    assert status == 200
    assert data["tenant"]["status"] == "active"


def test_staff_booking_needs_the_client(api, world):
    a = world["anna"]
    status, data, _ = api.post(
        "/booking",
        token=a["t_owner"],
        json={"service_id": a["svc"], "master_id": a["m1"], "start": "2026-12-02T09:00:00+05:00"},
    )
    assert (status, data["error"]) == (422, "validation_error")
    assert "client" in data["details"]
    status, data, _ = api.post(
        "/booking",
        token=a["t_owner"],
        json={
            "service_id": a["svc"],
            "master_id": a["m1"],
            "start": "2026-12-02T09:00:00+05:00",
            "client": {"name": "Asel", "phone": "not a phone"},
        },
    )
    assert (status, data["error"]) == (422, "validation_error")
    assert "client.phone" in data["details"]
