"""Services, masters, schedules, time off and permission requests."""

from __future__ import annotations

from sqlalchemy import select

from app.api.v1 import models as s
from app.api.v1 import serializers as ser
from app.api.v1.registry import api
from app.api.v1.views import texts_named_as_sent
from app.api.v1.views_bookings import tenant_of
from app.catalog import services as catalog
from app.catalog.models import Master, PermissionRequest, Service
from app.core.errors import NotFound
from app.extensions import db
from app.scheduling import services as scheduling

MANAGERS = ("owner", "manager")
STAFF = ("owner", "manager", "master")


def _load(model, ident: int):
    """A row of the current tenant (the scope filter applies), else 404."""
    obj = db.session.scalar(select(model).where(model.id == ident))
    if obj is None:
        raise NotFound()
    return obj


def _list_location(principal, query: dict) -> int | None:
    return catalog.location_scope(principal.actor, query.get("location_id"))


# ---------------------------------------------------------------- services


@api(
    "/services",
    "GET",
    summary="Services of the business (manager: own location)",
    tag="Services",
    auth=MANAGERS,
    query=s.StaffListQuery,
    response=s.ServiceList,
)
def list_services(principal, query: dict):
    from app.api.v1.views import paginate, versions_wanted
    from app.catalog.queries import list_services as q

    items = q(active_only=not query.get("include_inactive"), location_id=_list_location(principal, query))
    page, total = paginate(ser.in_shown_order(items), query)
    versions = versions_wanted(query, tenant_of(principal))
    return ser.page([ser.service(x, full=True, versions=versions) for x in page], total)


@api(
    "/service",
    "POST",
    summary="Create a service",
    tag="Services",
    auth=MANAGERS,
    body=s.ServiceBody,
    response=s.ServiceResult,
    status=201,
)
def create_service(principal, body: dict):
    tenant = tenant_of(principal)
    with texts_named_as_sent(body, tenant.default_language):
        service = catalog.create_service(tenant, principal.actor, body)
    return {"service": ser.service(service, full=True, versions=tenant.default_language)}, 201


@api(
    "/service/<int:service_id>",
    "PUT",
    summary="Update a service",
    tag="Services",
    auth=MANAGERS,
    body=s.ServiceBody,
    partial_body=True,
    response=s.ServiceResult,
)
def update_service(principal, service_id: int, body: dict):
    tenant = tenant_of(principal)
    with texts_named_as_sent(body, tenant.default_language):
        service = catalog.update_service(tenant, principal.actor, _load(Service, service_id), body)
    return {"service": ser.service(service, full=True, versions=tenant.default_language)}


@api(
    "/service/<int:service_id>",
    "DELETE",
    summary="Deactivate a service (history keeps it)",
    tag="Services",
    auth=MANAGERS,
    response=s.ServiceResult,
)
def delete_service(principal, service_id: int):
    service = catalog.deactivate_service(tenant_of(principal), principal.actor, _load(Service, service_id))
    return {"service": ser.service(service, full=True)}


# ---------------------------------------------------------------- masters


@api(
    "/masters",
    "GET",
    summary="Masters of the business (manager: own location)",
    tag="Masters",
    auth=MANAGERS,
    query=s.StaffListQuery,
    response=s.MasterList,
)
def list_masters(principal, query: dict):
    from app.api.v1.views import paginate, versions_wanted
    from app.catalog.queries import list_masters as q

    items = q(active_only=not query.get("include_inactive"), location_id=_list_location(principal, query))
    page, total = paginate(ser.in_shown_order(items), query)
    versions = versions_wanted(query, tenant_of(principal))
    return ser.page([ser.master(x, full=True, versions=versions) for x in page], total)


@api(
    "/master",
    "POST",
    summary="Create a master",
    tag="Masters",
    auth=MANAGERS,
    body=s.MasterBody,
    response=s.MasterResult,
    status=201,
    errors=(409,),
    description="With `email` the master gets a login; without `password` an invitation is emailed.",
)
def create_master(principal, body: dict):
    tenant = tenant_of(principal)
    with texts_named_as_sent(body, tenant.default_language):
        master = catalog.create_master(tenant, principal.actor, body)
    return {"master": ser.master(master, full=True, versions=tenant.default_language)}, 201


@api(
    "/master/<int:master_id>",
    "PUT",
    summary="Update a master",
    tag="Masters",
    auth=MANAGERS,
    body=s.MasterBody,
    partial_body=True,
    response=s.MasterResult,
    errors=(409,),
)
def update_master(principal, master_id: int, body: dict):
    tenant = tenant_of(principal)
    with texts_named_as_sent(body, tenant.default_language):
        master = catalog.update_master(tenant, principal.actor, _load(Master, master_id), body)
    return {"master": ser.master(master, full=True, versions=tenant.default_language)}


@api(
    "/master/<int:master_id>",
    "DELETE",
    summary="Deactivate a master",
    tag="Masters",
    auth=MANAGERS,
    response=s.DeactivatedMaster,
    description="Future bookings stay and are listed for the business to reassign.",
)
def delete_master(principal, master_id: int):
    master = _load(Master, master_id)
    future = catalog.deactivate_master(tenant_of(principal), principal.actor, master)
    return {
        "master": ser.master(master, full=True),
        "bookings_to_reassign": [ser.booking(b, principal.actor) for b in future],
    }


def _readable_master(principal, master_id: int) -> Master:
    return catalog.get_master_for(tenant_of(principal), principal.actor, master_id)


@api("/master/<int:master_id>/schedule", "GET", summary="Weekly hours", tag="Masters", auth=STAFF, response=s.Schedule)
def get_schedule(principal, master_id: int):
    return {"weekly": scheduling.get_weekly(_readable_master(principal, master_id))}


@api(
    "/master/<int:master_id>/schedule",
    "PUT",
    summary="Replace weekly hours",
    tag="Masters",
    auth=STAFF,
    body=s.ScheduleBody,
    response=s.Schedule,
    description="Local wall-clock time of the master's location; gaps are breaks. A master needs the "
    "edit_own_schedule permission.",
)
def put_schedule(principal, master_id: int, body: dict):
    weekly = scheduling.set_weekly(tenant_of(principal), principal.actor, _load(Master, master_id), body["weekly"])
    return {"weekly": weekly}


@api(
    "/master/<int:master_id>/time-off",
    "GET",
    summary="Time off of a master",
    tag="Masters",
    auth=STAFF,
    query=s.PageQuery,
    response=s.TimeOffList,
)
def list_time_off(principal, master_id: int, query: dict):
    from app.api.v1.views import paginate

    master = _readable_master(principal, master_id)
    page, total = paginate(scheduling.list_time_off(master), query)
    return ser.page([ser.time_off(t, master.location.timezone) for t in page], total)


@api(
    "/master/<int:master_id>/time-off",
    "POST",
    summary="Add time off",
    tag="Masters",
    auth=STAFF,
    body=s.TimeOffBody,
    response=s.TimeOffResult,
    status=201,
)
def add_time_off(principal, master_id: int, body: dict):
    master = _load(Master, master_id)
    item = scheduling.add_time_off(
        tenant_of(principal), principal.actor, master, body["start"], body["end"], body.get("reason", "")
    )
    return {"time_off": ser.time_off(item, master.location.timezone)}, 201


@api(
    "/master/<int:master_id>/time-off/<int:time_off_id>",
    "DELETE",
    summary="Remove time off",
    tag="Masters",
    auth=STAFF,
    response=s.Ok,
)
def delete_time_off(principal, master_id: int, time_off_id: int):
    scheduling.delete_time_off(tenant_of(principal), principal.actor, _load(Master, master_id), time_off_id)
    return {"status": "ok"}


# ---------------------------------------------------------------- permission requests


@api(
    "/permission-requests",
    "GET",
    summary="Permission requests",
    tag="Permission requests",
    auth=STAFF,
    query=s.PermissionRequestsQuery,
    response=s.PermissionRequestList,
    description="A master sees own; owner and manager see those of their scope.",
)
def list_permission_requests(principal, query: dict):
    from app.api.v1.views import paginate

    items = catalog.list_permission_requests(tenant_of(principal), principal.actor, status=query.get("status"))
    page, total = paginate(items, query)
    return ser.page([ser.permission_request(r) for r in page], total)


@api(
    "/permission-request",
    "POST",
    summary="Ask for a permission (master)",
    tag="Permission requests",
    auth=("master",),
    body=s.PermissionRequestBody,
    response=s.PermissionRequestResult,
    status=201,
    errors=(409,),
)
def create_permission_request(principal, body: dict):
    req = catalog.request_permission(tenant_of(principal), principal.actor, body["permission"], body.get("reason", ""))
    return {"permission_request": ser.permission_request(req)}, 201


def _decide(principal, request_id: int, approve: bool) -> dict:
    req = catalog.decide_permission_request(
        tenant_of(principal), principal.actor, _load(PermissionRequest, request_id), approve
    )
    return {"permission_request": ser.permission_request(req)}


@api(
    "/permission-request/<int:request_id>/approve",
    "PUT",
    summary="Grant a permission request",
    tag="Permission requests",
    auth=MANAGERS,
    response=s.PermissionRequestResult,
    errors=(409,),
)
def approve_permission_request(principal, request_id: int):
    return _decide(principal, request_id, True)


@api(
    "/permission-request/<int:request_id>/deny",
    "PUT",
    summary="Deny a permission request",
    tag="Permission requests",
    auth=MANAGERS,
    response=s.PermissionRequestResult,
    errors=(409,),
)
def deny_permission_request(principal, request_id: int):
    return _decide(principal, request_id, False)
