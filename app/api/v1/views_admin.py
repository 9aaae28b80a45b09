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


def _tenant(tenant_id: int):
    tenant = queries.get_tenant(tenant_id)
    if tenant is None:
        raise NotFound()
    return tenant


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
    tenant = _tenant(tenant_id)
    with tenant_scope(tenant.id):
        tenants.approve_tenant(principal.actor, tenant)
    return {"tenant": ser.tenant_admin(tenant)}


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
    tenant = _tenant(tenant_id)
    with tenant_scope(tenant.id):
        tenants.reject_tenant(principal.actor, tenant, body["reason"])
    return {"tenant": ser.tenant_admin(tenant)}


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
    tenant = _tenant(tenant_id)
    with tenant_scope(tenant.id):
        tenants.suspend_tenant(principal.actor, tenant, body.get("reason", ""))
    return {"tenant": ser.tenant_admin(tenant)}


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
    tenant = _tenant(tenant_id)
    with tenant_scope(tenant.id):
        tenants.reactivate_tenant(principal.actor, tenant)
    return {"tenant": ser.tenant_admin(tenant)}


@api("/admin/statistics", "GET", summary="Platform statistics", tag="Admin", auth=ADMIN, response=s.Statistics)
def admin_statistics(principal):
    with unscoped():
        return queries.platform_statistics()
