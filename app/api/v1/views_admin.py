"""Platform administration (super admins): tenant lifecycle and statistics."""

from __future__ import annotations

from app.api.v1 import models as s
from app.api.v1 import serializers as ser
from app.api.v1.registry import api
from app.core.errors import NotFound
from app.core.tenancy import tenant_scope, unscoped
from app.tenants import queries
from app.tenants import services as tenants

ADMIN = "super_admin"


def _act(principal, tenant_id: int, move, *args) -> dict:
    """``move(actor, tenant, *args)`` inside the business's scope; its admin view."""
    tenant = queries.get_tenant(tenant_id)
    if tenant is None:
        raise NotFound()
    with tenant_scope(tenant.id):
        move(principal.actor, tenant, *args)
    return {"tenant": ser.tenant_admin(tenant)}


@api(
    "/admin/tenants",
    "GET",
    summary="Businesses by status (default pending)",
    tag="Admin",
    auth=ADMIN,
    query=s.TenantsQuery,
    response=s.TenantList,
)
def admin_tenants(principal, query: dict):
    items, total = queries.list_tenants(
        query.get("status"), query.get("search"), limit=query["limit"], offset=query["offset"]
    )
    return ser.page([ser.tenant_admin(t) for t in items], total)


@api(
    "/admin/tenant/<int:tenant_id>/approve",
    "PUT",
    summary="Approve (starts the trial)",
    tag="Admin",
    auth=ADMIN,
    response=s.TenantAdminResult,
    errors=(409,),
)
def admin_approve(principal, tenant_id: int):
    return _act(principal, tenant_id, tenants.approve_tenant)


@api(
    "/admin/tenant/<int:tenant_id>/reject",
    "PUT",
    summary="Reject with a reason (owner is emailed)",
    tag="Admin",
    auth=ADMIN,
    body=s.RejectBody,
    response=s.TenantAdminResult,
    errors=(409,),
)
def admin_reject(principal, tenant_id: int, body: dict):
    return _act(principal, tenant_id, tenants.reject_tenant, body["reason"])


@api(
    "/admin/tenant/<int:tenant_id>/suspend",
    "PUT",
    summary="Suspend an active business",
    tag="Admin",
    auth=ADMIN,
    body=s.SuspendBody,
    response=s.TenantAdminResult,
    errors=(409,),
)
def admin_suspend(principal, tenant_id: int, body: dict):
    return _act(principal, tenant_id, tenants.suspend_tenant, body.get("reason", ""))


@api(
    "/admin/tenant/<int:tenant_id>/reactivate",
    "PUT",
    summary="Reactivate a suspended business",
    tag="Admin",
    auth=ADMIN,
    response=s.TenantAdminResult,
    errors=(409,),
)
def admin_reactivate(principal, tenant_id: int):
    return _act(principal, tenant_id, tenants.reactivate_tenant)


@api("/admin/statistics", "GET", summary="Platform statistics", tag="Admin", auth=ADMIN, response=s.Statistics)
def admin_statistics(principal):
    with unscoped():
        return queries.platform_statistics()
