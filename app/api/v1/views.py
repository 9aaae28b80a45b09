"""API endpoints. Each one: load and authorize, validate, call one service, serialize."""
from __future__ import annotations

from flask import g, jsonify, request

from app.api.v1 import bp
from app.core.errors import BadRequest, NotFound
from app.core.hosts import require_active_tenant
from app.tenants.queries import get_tenant_by_subdomain


@bp.before_request
def _json_body_only():
    if request.method in ("POST", "PUT", "PATCH") and request.content_length:
        if not request.is_json:
            from werkzeug.exceptions import UnsupportedMediaType

            raise UnsupportedMediaType()
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            raise BadRequest()


def public_tenant(subdomain: str):  # noqa: ANN201
    tenant = get_tenant_by_subdomain(subdomain)
    if tenant is None or (g.get("tenant") is not None and g.tenant.id != tenant.id):
        raise NotFound()
    g.tenant = tenant
    require_active_tenant()
    return tenant


@bp.route("/public/business/<subdomain>")
def public_business(subdomain: str):
    from app.core import tenancy
    from app.tenants.queries import list_locations

    tenant = public_tenant(subdomain)
    with tenancy.tenant_scope(tenant.id):
        locations = list_locations()
        return jsonify({
            "id": tenant.id, "name": tenant.name, "subdomain": tenant.subdomain,
            "description": tenant.description, "currency": tenant.currency, "languages": tenant.languages,
            "locations": [{"id": loc.id, "name": loc.name, "address": loc.address, "phone": loc.phone,
                           "timezone": loc.timezone} for loc in locations],
        })
