"""Locations, staff (managers) and business settings: the owner's area."""

from __future__ import annotations

from app.api.v1 import models as s
from app.api.v1 import serializers as ser
from app.api.v1.registry import api
from app.api.v1.views import texts_named_as_sent
from app.api.v1.views_bookings import tenant_of
from app.api.v1.views_catalog import _load
from app.tenants import services as tenants
from app.tenants.models import Location

OWNER = ("owner",)


@api(
    "/locations",
    "GET",
    summary="Locations of the business",
    tag="Locations",
    auth=OWNER,
    query=s.StaffListQuery,
    response=s.LocationList,
)
def list_locations(principal, query: dict):
    from app.api.v1.views import paginate, versions_wanted
    from app.tenants.queries import list_locations as q

    page, total = paginate(q(active_only=not query.get("include_inactive")), query)
    versions = versions_wanted(query, tenant_of(principal))
    return ser.page([ser.location(x, full=True, versions=versions) for x in page], total)


@api(
    "/location",
    "POST",
    summary="Add a location",
    tag="Locations",
    auth=OWNER,
    body=s.LocationBody,
    response=s.LocationResult,
    status=201,
)
def create_location(principal, body: dict):
    tenant = tenant_of(principal)
    with texts_named_as_sent(body, tenant.default_language):
        location = tenants.create_location(principal.actor, body)
    return {"location": ser.location(location, full=True, versions=tenant.default_language)}, 201


@api(
    "/location/<int:location_id>",
    "PUT",
    summary="Update a location",
    tag="Locations",
    auth=OWNER,
    body=s.LocationBody,
    partial_body=True,
    response=s.LocationResult,
)
def update_location(principal, location_id: int, body: dict):
    tenant = tenant_of(principal)
    with texts_named_as_sent(body, tenant.default_language):
        location = tenants.update_location(principal.actor, _load(Location, location_id), body)
    return {"location": ser.location(location, full=True, versions=tenant.default_language)}


@api(
    "/location/<int:location_id>",
    "DELETE",
    summary="Deactivate a location",
    tag="Locations",
    auth=OWNER,
    response=s.LocationResult,
)
def delete_location(principal, location_id: int):
    location = tenants.update_location(principal.actor, _load(Location, location_id), {"active": False})
    return {"location": ser.location(location, full=True)}


@api(
    "/manager",
    "POST",
    summary="Add a manager for one location",
    tag="Staff",
    auth=OWNER,
    body=s.ManagerBody,
    response=s.UserResult,
    status=201,
    errors=(409,),
    description="Without `password` an invitation (a link to set the password) is emailed.",
)
def create_manager(principal, body: dict):
    from app.accounts.services import create_manager as make

    user = make(tenant_of(principal), principal.actor, body)
    return {"user": ser.user(user)}, 201


@api(
    "/business",
    "GET",
    summary="Business settings",
    tag="Business",
    auth=OWNER,
    query=s.TranslationsQuery,
    response=s.Business,
)
def get_business(principal, query: dict):
    from app.api.v1.views import versions_wanted

    tenant = tenant_of(principal)
    return ser.business(tenant, versions_wanted(query, tenant))


@api(
    "/business",
    "PUT",
    summary="Update business settings",
    tag="Business",
    auth=OWNER,
    body=s.BusinessBody,
    response=s.Business,
)
def put_business(principal, body: dict):
    tenant = tenant_of(principal)
    # A new default language applies to the versions sent with it (as in the service).
    with texts_named_as_sent(body, body.get("default_language") or tenant.default_language):
        tenant = tenants.update_settings(principal.actor, tenant, body)
    return ser.business(tenant, tenant.default_language)
