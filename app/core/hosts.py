"""Host-based routing: which business a request is for.

Dashboards live on ``{role}.{sub}.{domain}`` and the booking site on ``{sub}.{domain}``.
Route patterns use the ``sub`` converter, which never matches a dot, so
``owner.acme.localhost`` can only reach the owner dashboard of ``acme`` and never a
tenant named ``owner`` (reserved names are refused at registration anyway).

Core does not know how a business is stored: the app factory passes the tenants package's
look-up (``resolve_tenant(subdomain) -> tenant or None``) to :func:`init_app`.  The object it
returns needs an ``id`` (the scope entered) and a ``status`` (:func:`require_active_tenant`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask, g, request
from werkzeug.routing import BaseConverter

from app.core import tenancy
from app.core.errors import NotFound, TenantNotActive

RESERVED_SUBDOMAINS = frozenset(
    {
        "www",
        "admin",
        "api",
        "owner",
        "manager",
        "master",
        "static",
        "mail",
        "smtp",
        "ftp",
        "app",
        "apps",
        "dashboard",
        "help",
        "support",
        "status",
        "blog",
        "docs",
        "billing",
        "login",
        "auth",
        "cdn",
        "assets",
        "media",
        "m",
        "mobile",
        "dev",
        "test",
        "stage",
        "staging",
        "demo-admin",
        "root",
        "system",
        "webmail",
        "ns1",
        "ns2",
        "localhost",
    }
)


class SubdomainConverter(BaseConverter):
    regex = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"


def init_app(app: Flask, *, resolve_tenant: Callable[[str], Any | None]) -> None:
    app.url_map.converters["sub"] = SubdomainConverter

    @app.url_value_preprocessor
    def _pull_tenant(endpoint, values):
        # A request starts with an empty g even when an outer app context is reused (tests).
        g.__dict__.clear()
        g.tenant_subdomain = values.pop("tenant") if values and "tenant" in values else None

    @app.url_defaults
    def _push_tenant(endpoint, values):
        sub = g.get("tenant_subdomain")
        if sub and "tenant" not in values and app.url_map.is_endpoint_expecting(endpoint, "tenant"):
            values["tenant"] = sub

    @app.before_request
    def _enter_tenant():
        sub = g.get("tenant_subdomain")
        if not sub or (request.endpoint or "").startswith(("health", "static")):
            return None
        tenant = None if sub in RESERVED_SUBDOMAINS else resolve_tenant(sub)
        if tenant is None:
            raise NotFound()
        g.tenant = tenant
        g.tenant_scope_token = tenancy.enter_tenant(tenant.id)
        return None

    @app.teardown_request
    def _leave_tenant(exc):
        token = g.pop("tenant_scope_token", None)
        if token is not None:
            tenancy.leave(token)


def require_active_tenant() -> None:
    """The public booking site and public API only answer for approved businesses."""
    tenant = g.get("tenant")
    if tenant is None:
        raise NotFound()
    if not open_to_public(tenant.status):
        raise TenantNotActive()


def open_to_public(status: str | None) -> bool:
    """Whether a business in this status answers on its booking site and the public API."""
    return status == "active"
