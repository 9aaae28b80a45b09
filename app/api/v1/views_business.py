"""Locations, staff (managers) and business settings: the owner's area."""

from __future__ import annotations

from app.accounts.services import create_manager as make_manager
from app.api.v1 import models as s
from app.api.v1 import serializers as ser
from app.api.v1.common import OWNER, load, saved_texts, tenant_of, texts_named_as_sent, translated_page, versions_wanted
from app.api.v1.registry import api
from app.tenants import queries
from app.tenants import services as tenants
from app.tenants.models import Location


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
    rows = queries.list_locations(active_only=not query.get("include_inactive"))
    return translated_page(tenant_of(principal), query, rows, ser.location, full=True)


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
    return saved_texts(
        principal, body, "location", ser.location, lambda _: tenants.create_location(principal.actor, body)
    ), 201


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
    location = load(Location, location_id)
    return saved_texts(
        principal, body, "location", ser.location, lambda _: tenants.update_location(principal.actor, location, body)
    )


@api(
    "/location/<int:location_id>",
    "DELETE",
    summary="Deactivate a location",
    tag="Locations",
    auth=OWNER,
    response=s.LocationResult,
)
def delete_location(principal, location_id: int):
    location = tenants.update_location(principal.actor, load(Location, location_id), {"active": False})
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
    user = make_manager(tenant_of(principal), principal.actor, body)
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
