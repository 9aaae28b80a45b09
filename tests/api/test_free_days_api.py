"""GET /api/v1/public/business/<subdomain>/availability/days: the booking calendar's days."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

NOW = datetime(2030, 3, 4, 3, 0, tzinfo=UTC)  # Monday 08:00 in Almaty


@pytest.fixture
def shop(create_tenant, create_service, create_master, frozen_now, commit):
    frozen_now(NOW)
    tenant = create_tenant("cal", horizon_days=40)
    service = create_service(tenant, duration=60)
    master = create_master(tenant, services=[service], weekdays=range(5))
    commit()
    return tenant, service, master


def test_days_of_a_month(api, shop):
    _t, service, master = shop
    status, data, _ = api.get(f"/public/business/cal/availability/days?service_id={service.id}&month=2030-03")
    assert status == 200
    assert data["timezone"] == "Asia/Almaty" and data["month"] == "2030-03" and data["service_id"] == service.id
    assert (data["window_first"], data["window_last"]) == ("2030-03-04", "2030-04-13")
    assert data["days"][:5] == ["2030-03-04", "2030-03-05", "2030-03-06", "2030-03-07", "2030-03-08"]
    assert "2030-03-09" not in data["days"]  # Saturday off
    # The same on the tenant's own host, and with the master filter.
    status, same, _ = api.get(
        f"/public/business/cal/availability/days?service_id={service.id}&month=2030-03&master_id={master.id}",
        host="cal",
    )
    assert status == 200 and same["days"] == data["days"]


def test_errors(api, shop):
    _t, service, _m = shop
    base = f"/public/business/cal/availability/days?service_id={service.id}"
    for bad in ("2030-3", "2030-13", "march", "", "0000-01"):
        status, data, _ = api.get(f"{base}&month={bad}")
        assert status == 422 and data["error"] == "validation_error", bad
        assert "month" in data["details"]
    status, data, _ = api.get(base)
    assert status == 422 and "month" in data["details"]
    # Outside the booking window: a clear message naming the window.
    for outside in ("2030-05", "2029-12"):
        status, data, _ = api.get(f"{base}&month={outside}")
        assert status == 422 and data["error"] == "validation_error"
        assert "2030" in data["details"]["month"][0]
    status, data, _ = api.get(f"{base}&month=2030-05", headers={"Accept-Language": "ru"})
    assert status == 422 and data["details"]["month"][0] != "Bookings are open from March 4, 2030 to April 13, 2030."
    status, data, _ = api.get("/public/business/cal/availability/days?service_id=999999&month=2030-03")
    assert status == 404 and data["error"] == "not_found"
    status, data, _ = api.get("/public/business/nope/availability/days?service_id=1&month=2030-03")
    assert status == 404
    status, data, _ = api.get("/public/business/cal/availability/days?service_id=abc&month=2030-03")
    assert status in (400, 422)


def test_pending_business_is_not_public(api, shop, create_tenant, create_service, commit):
    t = create_tenant("later", status="pending")
    svc = create_service(t)
    commit()
    status, data, _ = api.get(f"/public/business/later/availability/days?service_id={svc.id}&month=2030-03")
    assert status == 403 and data["error"] == "tenant_not_active"


def test_ids_beyond_the_columns(api, shop):
    _t, service, _m = shop
    big = 2**63 - 1
    status, data, _ = api.get(f"/public/business/cal/availability/days?service_id={big}&month=2030-03")
    assert status == 404 and data["error"] == "not_found"
    # Like availability: a master or location that does not exist has no free days.
    for q in (f"master_id={big}", f"location_id={big}"):
        status, data, _ = api.get(f"/public/business/cal/availability/days?service_id={service.id}&{q}&month=2030-03")
        assert status == 200 and data["days"] == [], q
