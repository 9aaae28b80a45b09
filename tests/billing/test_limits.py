"""The plan's limits: masters, locations and bookings a month are refused beyond it, with a
clear, localized 403 ``forbidden`` (service, API and pages; never a 500)."""

from __future__ import annotations

from datetime import datetime

import pytest
from flask_babel import force_locale, lazy_ngettext
from sqlalchemy import func, select

from app.bookings import services as booking_services
from app.catalog import masters as catalog_masters
from app.catalog.models import Master
from app.core.auth import Actor
from app.core.errors import Forbidden
from app.extensions import db
from app.tenants import services as tenant_services
from app.tenants.models import Location

START = "2026-12-08T10:00:00+05:00"


def _owner(biz) -> Actor:
    return Actor.for_user(biz.owner)


def _add_master(biz, name: str, **extra):
    return catalog_masters.create_master(
        biz.tenant, _owner(biz), {"name": name, "location_id": biz.location.id, **extra}
    )


def _masters() -> int:
    return db.session.scalar(select(func.count()).select_from(Master))


# ------------------------------------------------------------------------ masters


def test_the_master_beyond_the_plan_is_refused(biz):
    biz.on_plan("start")  # 3 masters; the business has 1
    _add_master(biz, "Bota")
    _add_master(biz, "Dana")
    with pytest.raises(Forbidden) as exc:
        _add_master(biz, "Erlan")
    assert exc.value.code == "forbidden" and exc.value.status == 403
    assert str(exc.value.message) == "Your plan (Start) allows 3 active masters. Upgrade the plan to add more."
    assert exc.value.details is None  # the contract's error details are field messages or null
    assert _masters() == 3
    _add_master(biz, "Inactive", active=False)  # an inactive master costs nothing...
    extra = db.session.scalar(select(Master).where(Master.name == "Inactive"))
    with pytest.raises(Forbidden):  # ...until it is switched on
        catalog_masters.update_master(biz.tenant, _owner(biz), extra, {"active": True})


def test_a_bigger_plan_lifts_the_limit(biz):
    biz.on_plan("start", max_masters=1)
    with pytest.raises(Forbidden):
        _add_master(biz, "Bota")
    biz.on_plan("business")  # no limit
    for n in range(5):
        _add_master(biz, f"M{n}")
    assert _masters() == 6


def test_a_business_without_a_subscription_has_no_limits(create_tenant, create_user, create_master):
    from app.core.tenancy import tenant_scope

    tenant = create_tenant("pending", status="pending")
    owner = create_user(tenant, role="owner")
    with tenant_scope(tenant.id):
        loc = db.session.scalar(select(Location))
        for n in range(4):
            catalog_masters.create_master(tenant, Actor.for_user(owner), {"name": f"M{n}", "location_id": loc.id})


def test_api_refuses_the_master_with_a_localized_403(biz, client, owner_token):
    biz.on_plan("start", max_masters=1)
    resp = client.post(
        "/api/v1/master",
        json={"name": "Bota", "location_id": biz.location.id},
        headers={"Authorization": f"Bearer {owner_token}", "Accept-Language": "ru"},
    )
    assert resp.status_code == 403
    body = resp.get_json()
    assert body["error"] == "forbidden"
    with force_locale("ru"):
        expected = str(
            lazy_ngettext(
                "Your plan (%(plan)s) allows %(num)d active master. Upgrade the plan to add more.",
                "Your plan (%(plan)s) allows %(num)d active masters. Upgrade the plan to add more.",
                1,
                plan="Start",
            )
        )
    assert body["message"] == expected
    assert "Start" in body["message"] and "1" in body["message"]
    assert body["details"] is None


def test_the_master_form_shows_the_limit_as_a_message(biz, owner_web):
    biz.on_plan("start", max_masters=1)
    resp = owner_web.post(
        "/masters/new", data={"name": "Bota", "location_id": str(biz.location.id), "active": "y", "language": ""}
    )
    assert resp.status_code == 422
    assert "Your plan (Start) allows 1 active master. Upgrade the plan to add more." in resp.get_data(as_text=True)
    assert _masters() == 1


# ---------------------------------------------------------------------- locations


def test_the_location_beyond_the_plan_is_refused(biz):
    biz.on_plan("start")  # 1 location; the business has it
    with pytest.raises(Forbidden) as exc:
        tenant_services.create_location(_owner(biz), {"name": "Second", "timezone": "Asia/Almaty"})
    assert str(exc.value.message) == "Your plan (Start) allows 1 active location. Upgrade the plan to add more."
    closed = tenant_services.create_location(
        _owner(biz), {"name": "Closed", "timezone": "Asia/Almaty", "active": False}
    )
    with pytest.raises(Forbidden):
        tenant_services.update_location(_owner(biz), closed, {"active": True})
    biz.on_plan("pro")
    tenant_services.create_location(_owner(biz), {"name": "Second", "timezone": "Asia/Almaty"})


def test_the_location_form_and_api_refuse_beyond_the_plan(biz, owner_web, client, owner_token):
    biz.on_plan("start")
    resp = owner_web.post("/locations/new", data={"name": "Second", "timezone": "Asia/Almaty", "active": "y"})
    assert resp.status_code == 422
    assert "allows 1 active location" in resp.get_data(as_text=True)
    resp = client.post(
        "/api/v1/location",
        json={"name": "Second", "timezone": "Asia/Almaty"},
        headers={"Authorization": f"Bearer {owner_token}"},
    )
    assert resp.status_code == 403 and resp.get_json()["error"] == "forbidden"
    assert db.session.scalar(select(func.count()).select_from(Location)) == 1


# ----------------------------------------------------------------------- bookings


def _book(biz, actor: Actor, start: str = START, phone: str = "+77015550101"):
    return booking_services.create_booking(
        biz.tenant,
        actor,
        service_id=biz.service.id,
        master_id=biz.master.id,
        start=datetime.fromisoformat(start),
        client_data={"name": "Ann", "phone": phone},
        source="staff",
    )


def test_bookings_beyond_the_monthly_limit_are_refused(biz, create_booking):
    biz.on_plan("start", max_monthly_bookings=2)
    create_booking(biz.tenant, biz.master, biz.service, datetime.fromisoformat("2026-12-09T10:00:00+05:00"))
    _book(biz, _owner(biz))
    with pytest.raises(Forbidden) as exc:
        _book(biz, _owner(biz), "2026-12-08T12:00:00+05:00")
    assert str(exc.value.message) == "Your plan (Start) allows 2 bookings a month. Upgrade the plan to take more."
    client = Actor("client", 1, "Ann", "client", biz.tenant.id)
    with pytest.raises(Forbidden) as exc:
        booking_services.create_booking(
            biz.tenant,
            client,
            service_id=biz.service.id,
            master_id=biz.master.id,
            start=datetime.fromisoformat("2026-12-08T12:00:00+05:00"),
            client=None,
            client_data={"name": "Ann", "phone": "+77015550102"},
        )
    assert "cannot take more online bookings this month" in str(exc.value.message)  # no upsell to clients


def test_the_month_is_the_calendar_month_in_the_business_time_zone(biz, create_booking, frozen_now):
    biz.on_plan("start", max_monthly_bookings=1)
    # Created on 30 November at 23:30 in Almaty (18:30 UTC): last month's booking there.
    frozen_now(datetime.fromisoformat("2026-11-30T23:30:00+05:00"))
    create_booking(biz.tenant, biz.master, biz.service, datetime.fromisoformat("2026-12-09T10:00:00+05:00"))
    # 1 December 00:10 in Almaty is still 30 November in UTC; a UTC month would count it.
    frozen_now(datetime.fromisoformat("2026-12-01T00:10:00+05:00"))
    _book(biz, _owner(biz))
    with pytest.raises(Forbidden):
        _book(biz, _owner(biz), "2026-12-08T12:00:00+05:00", "+77015550102")


@pytest.mark.parametrize("plan", ["start", "business"])
def test_the_monthly_check_is_one_statement(biz, count_queries, plan):
    from app.billing.services import ensure_within_limit

    biz.on_plan(plan)
    actor, tenant = _owner(biz), biz.tenant
    tenant.timezone  # noqa: B018 -- loaded before counting
    with count_queries() as q:
        ensure_within_limit(tenant, "monthly_bookings", actor=actor)
    assert q.count == 1, q.statements


def test_the_api_and_the_booking_page_refuse_beyond_the_monthly_limit(biz, client, owner_token, owner_web):
    biz.on_plan("start", max_monthly_bookings=0)
    resp = client.post(
        "/api/v1/booking",
        json={
            "service_id": biz.service.id,
            "master_id": biz.master.id,
            "start": START,
            "client": {"name": "Ann", "phone": "+77015550101"},
        },
        headers={"Authorization": f"Bearer {owner_token}"},
    )
    assert resp.status_code == 403
    assert resp.get_json()["error"] == "forbidden"
    assert "0 bookings a month" in resp.get_json()["message"]

    resp = owner_web.post(
        f"/bookings/new?location_id={biz.location.id}&service_id={biz.service.id}",
        data={
            "service_id": biz.service.id,
            "slot": f"{START}|{biz.master.id}",
            "name": "Ann",
            "phone": "+77015550101",
        },
    )
    assert resp.status_code == 422, resp.get_data(as_text=True)[:500]
    assert "allows 0 bookings a month" in resp.get_data(as_text=True)
