"""Services, masters and permission requests."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlalchemy import select

from app.accounts.models import User
from app.audit.models import AuditLog
from app.catalog import masters as catalog_masters
from app.catalog import permissions as catalog_permissions
from app.catalog import services as cs
from app.core.auth import Actor
from app.core.errors import Conflict, EmailTaken, Forbidden, InvalidTransition, NotFound, ValidationError
from app.core.tenancy import tenant_scope
from app.extensions import db
from app.tenants.models import Location


@pytest.fixture
def second_location(salon):
    loc = Location(name="Second", timezone="Asia/Almaty")
    db.session.add(loc)
    db.session.flush()
    return loc


def actions():
    return [r.action for r in db.session.scalars(select(AuditLog).order_by(AuditLog.id))]


def test_create_update_deactivate_service(salon, second_location):
    svc = cs.create_service(
        salon.tenant, salon.owner, {"name": " Beard ", "duration_minutes": 30, "price": "2500", "buffer_minutes": 10}
    )
    assert svc.name == "Beard"
    assert svc.price == Decimal("2500.00")
    assert svc.currency == "KZT"
    assert sorted(svc.location_ids) == sorted([salon.master.location_id, second_location.id])
    cs.update_service(salon.tenant, salon.owner, svc, {"price": "3000.5", "location_ids": [second_location.id]})
    assert svc.price == Decimal("3000.50")
    assert svc.location_ids == [second_location.id]
    cs.deactivate_service(salon.tenant, salon.owner, svc)
    assert svc.active is False
    assert actions()[-3:] == ["service.create", "service.update", "service.deactivate"]
    last = db.session.scalars(select(AuditLog).order_by(AuditLog.id.desc())).first()
    assert last.before["active"] is True
    assert last.after["active"] is False


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("duration_minutes", 4),
        ("duration_minutes", 721),
        ("duration_minutes", "x"),
        ("buffer_minutes", 241),
        ("buffer_minutes", -1),
        ("price", "-1"),
        ("price", "abc"),
        ("name", ""),
        ("location_ids", []),
        ("location_ids", [99999]),
    ],
)
def test_service_validation(salon, field, value):
    data = {"name": "Cut", "duration_minutes": 60, "price": "100", "buffer_minutes": 0, field: value}
    with pytest.raises(ValidationError) as info:
        cs.create_service(salon.tenant, salon.owner, data)
    assert field in info.value.details


def test_manager_limited_to_own_location(salon, second_location):
    svc = cs.create_service(
        salon.tenant, salon.manager_actor, {"name": "Nails", "duration_minutes": 45, "price": "4000"}
    )
    assert svc.location_ids == [salon.master.location_id]
    with pytest.raises(ValidationError):
        cs.create_service(
            salon.tenant,
            salon.manager_actor,
            {"name": "X", "duration_minutes": 45, "price": "1", "location_ids": [second_location.id]},
        )
    elsewhere = cs.create_service(
        salon.tenant,
        salon.owner,
        {"name": "Spa", "duration_minutes": 45, "price": "1", "location_ids": [second_location.id]},
    )
    with pytest.raises(NotFound):
        cs.update_service(salon.tenant, salon.manager_actor, elsewhere, {"price": "2"})
    with pytest.raises(Forbidden):
        cs.create_service(salon.tenant, salon.master_actor, {"name": "Y", "duration_minutes": 45, "price": "1"})
    m = catalog_masters.create_master(salon.tenant, salon.owner, {"name": "Far", "location_id": second_location.id})
    with pytest.raises(NotFound):
        catalog_masters.update_master(salon.tenant, salon.manager_actor, m, {"name": "Near"})


def test_master_with_login_and_services(salon, app):
    m = catalog_masters.create_master(
        salon.tenant,
        salon.owner,
        {
            "name": "Aruzhan",
            "email": "Aruzhan@Example.com",
            "phone": "8 701 123 45 67",
            "password": "secret123",
            "service_ids": [salon.service.id],
            "specialization": "Colour",
        },
    )
    assert m.user.role == "master"
    assert m.user.email == "aruzhan@example.com"
    assert m.user.tenant_id == salon.tenant.id
    assert m.user.location_id == m.location_id
    assert m.phone == "+77011234567"
    assert m.service_ids == [salon.service.id]
    from app.accounts.services import authenticate

    assert authenticate("aruzhan@example.com", "secret123").id == m.user_id
    with pytest.raises(EmailTaken):
        catalog_masters.create_master(salon.tenant, salon.owner, {"name": "Dup", "email": "aruzhan@example.com"})
    plain = catalog_masters.create_master(salon.tenant, salon.owner, {"name": "No login"})
    assert plain.user_id is None
    catalog_masters.update_master(salon.tenant, salon.owner, plain, {"email": "later@example.com", "service_ids": []})
    assert plain.user.email == "later@example.com"
    assert plain.user.password_hash is None
    with pytest.raises(ValidationError):
        catalog_masters.create_master(salon.tenant, salon.owner, {"name": "Bad", "service_ids": [424242]})


def test_deactivate_master_returns_future_bookings(salon, create_booking):
    s = salon
    future = create_booking(s.tenant, s.master, s.service, datetime(2030, 3, 5, 5, tzinfo=UTC))
    create_booking(s.tenant, s.master, s.service, datetime(2030, 3, 1, 5, tzinfo=UTC))  # past
    create_booking(s.tenant, s.master, s.service, datetime(2030, 3, 6, 5, tzinfo=UTC), status="cancelled")
    to_reassign = catalog_masters.deactivate_master(s.tenant, s.owner, s.master)
    assert [b.id for b in to_reassign] == [future.id]
    assert s.master.active is False
    assert s.master.user.active is False
    from app.scheduling.services import get_availability

    res = get_availability(s.tenant, service_id=s.service.id, date_from=datetime(2030, 3, 5).date())
    assert {x["master_id"] for x in res["slots"]} == {s.other_master.id}
    assert "master.deactivate" in actions()


def test_permission_request_flow(salon, quiet_events):
    req = catalog_permissions.request_permission(
        salon.tenant, salon.master_actor, "see_client_phones", "to call clients"
    )
    assert req.status == "pending"
    with pytest.raises(Conflict):
        catalog_permissions.request_permission(salon.tenant, salon.master_actor, "see_client_phones", "again")
    with pytest.raises(ValidationError):
        catalog_permissions.request_permission(salon.tenant, salon.master_actor, "be_owner", "")
    with pytest.raises(Forbidden):
        catalog_permissions.request_permission(salon.tenant, salon.owner, "see_client_phones", "")
    with pytest.raises(Forbidden):
        catalog_permissions.decide_permission_request(salon.tenant, salon.master_actor, req, True)
    catalog_permissions.decide_permission_request(salon.tenant, salon.manager_actor, req, approve=True)
    assert req.status == "approved"
    assert salon.master.has_permission("see_client_phones")
    assert ("decided", req.id) in quiet_events
    with pytest.raises(InvalidTransition):
        catalog_permissions.decide_permission_request(salon.tenant, salon.owner, req, approve=False)
    with pytest.raises(Conflict):
        catalog_permissions.request_permission(
            salon.tenant, Actor.for_user(salon.master.user, salon.master), "see_client_phones", ""
        )
    denied = catalog_permissions.request_permission(salon.tenant, salon.master_actor, "edit_own_schedule", "")
    catalog_permissions.decide_permission_request(salon.tenant, salon.owner, denied, approve=False)
    assert denied.status == "denied"
    assert not salon.master.has_permission("edit_own_schedule")
    assert {
        "permission_request.create",
        "permission_request.approved",
        "permission_request.denied",
        "master.grant_permission",
    } <= set(actions())
    mine = catalog_permissions.list_permission_requests(salon.tenant, salon.master_actor)
    assert {r.id for r in mine} == {req.id, denied.id}
    assert [r.id for r in catalog_permissions.list_permission_requests(salon.tenant, salon.owner, status="denied")] == [
        denied.id
    ]


def test_other_tenants_objects_are_not_found(salon, create_tenant, create_service, create_master):
    t2 = create_tenant("rival")
    s2 = create_service(t2)
    m2 = create_master(t2, services=[s2])
    with pytest.raises(NotFound):
        cs.update_service(salon.tenant, salon.owner, s2, {"price": "1"})
    with pytest.raises(NotFound):
        catalog_masters.deactivate_master(salon.tenant, salon.owner, m2)
    with tenant_scope(t2.id):
        assert db.session.get(User, salon.master.user_id) is not None  # users are platform-level


def test_master_without_password_is_invited_by_email(salon, monkeypatch):
    from app.notifications import events

    sent = []
    monkeypatch.setattr(events, "staff_invitation", lambda user, url, *_: sent.append((user.email, url)))
    m = catalog_masters.create_master(salon.tenant, salon.owner, {"name": "Invited", "email": "invited@example.com"})
    assert [e for e, _ in sent] == ["invited@example.com"]
    assert "/welcome/" in sent[0][1]
    assert m.user.password_hash is None
    catalog_masters.create_master(
        salon.tenant, salon.owner, {"name": "Has pw", "email": "pw@example.com", "password": "secret123"}
    )
    assert len(sent) == 1
