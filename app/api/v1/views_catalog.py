"""Services, masters, schedules, time off and permission requests."""

from __future__ import annotations

from app.api.v1 import models as s
from app.api.v1 import serializers as ser
from app.api.v1.common import MANAGERS, STAFF, load, page_of, saved_texts, tenant_of, translated_page
from app.api.v1.registry import api
from app.catalog import masters as catalog_masters
from app.catalog import permissions as catalog_permissions
from app.catalog import queries
from app.catalog import services as catalog
from app.catalog.models import Master, PermissionRequest, Service
from app.scheduling import schedules as scheduling


def _list_location(principal, query: dict) -> int | None:
    return catalog_masters.location_scope(principal.actor, query.get("location_id"))


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
    items = queries.list_services(
        active_only=not query.get("include_inactive"), location_id=_list_location(principal, query)
    )
    return translated_page(tenant_of(principal), query, ser.in_shown_order(items), ser.service, full=True)


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
    def save(tenant):
        return catalog.create_service(tenant, principal.actor, body)

    return saved_texts(principal, body, "service", ser.service, save), 201


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
    def save(tenant):
        return catalog.update_service(tenant, principal.actor, load(Service, service_id), body)

    return saved_texts(principal, body, "service", ser.service, save)


@api(
    "/service/<int:service_id>",
    "DELETE",
    summary="Deactivate a service (history keeps it)",
    tag="Services",
    auth=MANAGERS,
    response=s.ServiceResult,
)
def delete_service(principal, service_id: int):
    service = catalog.deactivate_service(tenant_of(principal), principal.actor, load(Service, service_id))
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
    items = queries.list_masters(
        active_only=not query.get("include_inactive"), location_id=_list_location(principal, query)
    )
    return translated_page(tenant_of(principal), query, ser.in_shown_order(items), ser.master, full=True)


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
    def save(tenant):
        return catalog_masters.create_master(tenant, principal.actor, body)

    return saved_texts(principal, body, "master", ser.master, save), 201


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
    def save(tenant):
        return catalog_masters.update_master(tenant, principal.actor, load(Master, master_id), body)

    return saved_texts(principal, body, "master", ser.master, save)


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
    master = load(Master, master_id)
    future = catalog_masters.deactivate_master(tenant_of(principal), principal.actor, master)
    return {
        "master": ser.master(master, full=True),
        "bookings_to_reassign": [ser.booking(b, principal.actor) for b in future],
    }


def _readable_master(principal, master_id: int) -> Master:
    return catalog_masters.get_master_for(tenant_of(principal), principal.actor, master_id)


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
    weekly = scheduling.set_weekly(tenant_of(principal), principal.actor, load(Master, master_id), body["weekly"])
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
    master = _readable_master(principal, master_id)
    return page_of(scheduling.list_time_off(master), query, lambda t: ser.time_off(t, master.location.timezone))


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
    master = load(Master, master_id)
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
    scheduling.delete_time_off(tenant_of(principal), principal.actor, load(Master, master_id), time_off_id)
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
    items = catalog_permissions.list_permission_requests(
        tenant_of(principal), principal.actor, status=query.get("status")
    )
    return page_of(items, query, ser.permission_request)


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
    req = catalog_permissions.request_permission(
        tenant_of(principal), principal.actor, body["permission"], body.get("reason", "")
    )
    return {"permission_request": ser.permission_request(req)}, 201


def _decide(principal, request_id: int, approve: bool) -> dict:
    req = catalog_permissions.decide_permission_request(
        tenant_of(principal), principal.actor, load(PermissionRequest, request_id), approve
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
