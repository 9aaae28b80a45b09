"""API endpoints. Each one: load and authorize, validate, call one service, serialize.

The endpoints are split by area (``views_*.py``, helpers they share in ``common.py``); this
module holds the blueprint's request hooks, the public booking endpoints and the
OpenAPI/docs routes.  ``public_tenant`` stays importable from here (``caching`` reads it).
"""

from __future__ import annotations

from flask import current_app, g, jsonify, make_response, render_template_string, request

from app.accounts import services as accounts
from app.api.v1 import bp
from app.api.v1 import models as s
from app.api.v1 import serializers as ser
from app.api.v1.auth import leave_scope
from app.api.v1.caching import http_cache
from app.api.v1.common import idempotent, public_tenant, scope, translated_page, versions_wanted
from app.api.v1.openapi import openapi_document
from app.api.v1.registry import api
from app.bookings.services import create_booking
from app.catalog.queries import cached_masters, cached_services
from app.core import ratelimit
from app.core.errors import NotFound
from app.core.hardening import read_json_body
from app.core.templating import asset
from app.scheduling.services import get_availability
from app.tenants.queries import cached_locations


@bp.before_request
def _json_body_only():
    g.host_tenant = g.get("tenant")
    if request.method in ("POST", "PUT", "PATCH", "DELETE"):
        read_json_body()  # 415/400/422 for hostile bodies before any endpoint parses them


bp.teardown_request(leave_scope)


# ---------------------------------------------------------------- public booking


@api(
    "/public/business/<subdomain>",
    "GET",
    summary="A business's public profile",
    tag="Public",
    query=s.TranslationsQuery,
    response=s.PublicBusiness,
    errors=(403,),
    description="Texts in the request's language (Accept-Language or ?lang=), else in the business's "
    "default_language; ?translations=all adds every version.",
)
@http_cache("business")
def public_business(subdomain: str, query: dict):
    tenant = public_tenant(subdomain)
    with scope(tenant):
        return ser.public_business(tenant, cached_locations(bookable=True), versions_wanted(query, tenant))


@api(
    "/public/business/<subdomain>/services",
    "GET",
    summary="Bookable services (active, performed by an active master where offered)",
    tag="Public",
    query=s.PublicServicesQuery,
    response=s.ServiceList,
    errors=(403,),
)
@http_cache("services")
def public_services(subdomain: str, query: dict):
    tenant = public_tenant(subdomain)
    with scope(tenant):
        rows = cached_services(location_id=query.get("location_id"), bookable=True)
        return translated_page(tenant, query, ser.in_shown_order(rows), ser.service)


@api(
    "/public/business/<subdomain>/masters",
    "GET",
    summary="Bookable masters (active, performing at least one bookable service)",
    tag="Public",
    query=s.PublicMastersQuery,
    response=s.MasterList,
    errors=(403,),
)
@http_cache("masters")
def public_masters(subdomain: str, query: dict):
    tenant = public_tenant(subdomain)
    with scope(tenant):
        rows = cached_masters(location_id=query.get("location_id"), service_id=query.get("service_id"), bookable=True)
        return translated_page(tenant, query, ser.in_shown_order(rows), ser.master)


def availability_answer(tenant, query: dict) -> dict:
    """The availability endpoint's payload (its view's, and the fast path's for a new question)."""
    with scope(tenant):
        result = get_availability(
            tenant,
            service_id=query["service_id"],
            date_from=query["date"],
            days=query.get("days", 1),
            master_id=query.get("master_id"),
            location_id=query.get("location_id"),
            cached=False,  # @http_cache keeps the whole answer
        )
    return {
        "timezone": result["timezone"],
        "service_id": result["service_id"],
        "slots": [
            {"start": x["start"].isoformat(), "end": x["end"].isoformat(), "master_id": x["master_id"]}
            for x in result["slots"]
        ],
    }


@api(
    "/public/business/<subdomain>/availability",
    "GET",
    summary="Bookable slots",
    tag="Public",
    query=s.AvailabilityQuery,
    response=s.Availability,
    errors=(403,),
    description="Slots for `days` consecutive local dates from `date`, sorted by start then master.",
)
@http_cache("availability", compute=(s.AvailabilityQuery, availability_answer))
def public_availability(subdomain: str, query: dict):
    return availability_answer(public_tenant(subdomain), query)


@api(
    "/public/client/verify",
    "POST",
    summary="Verify a client's phone (two steps)",
    tag="Public",
    body=s.VerifyBody,
    response=s.VerifyResult,
    errors=(403,),
    also=(202,),
    limits=(ratelimit.verify_phone, ratelimit.verify_ip),
    description="Step 1 `{subdomain, phone}` -> 202 `{status: code_sent}` (an SMS with a 6-digit code). "
    "Step 2 `{subdomain, phone, code, name?}` -> 200 `{client_token, expires_in, client}`.",
)
def public_verify(body: dict):
    tenant = public_tenant(body["subdomain"])
    with scope(tenant):
        if not body.get("code"):
            accounts.start_client_verification(
                tenant, body["phone"], body.get("language"), request.accept_languages.best_match(("en", "ru", "kk"))
            )
            return {"status": "code_sent"}, 202
        client, token = accounts.complete_client_verification(
            tenant, body["phone"], body["code"], name=body.get("name"), language=body.get("language")
        )
        ttl = current_app.config["CLIENT_SESSION_TTL"]
        return {"client_token": token, "expires_in": int(ttl.total_seconds()), "client": ser.client(client)}


@api(
    "/public/booking",
    "POST",
    summary="Book as a verified client",
    tag="Public",
    auth="client",
    body=s.PublicBookingBody,
    response=s.BookingResult,
    status=201,
    errors=(403, 409),
    headers=("Idempotency-Key",),
)
def public_booking(principal, body: dict):
    tenant = public_tenant(body["subdomain"])
    if principal.tenant is None or principal.tenant.id != tenant.id:
        raise NotFound()

    def book() -> tuple[int, dict]:
        booking = create_booking(
            tenant,
            principal.actor,
            service_id=body["service_id"],
            master_id=body["master_id"],
            start=body["start"],
            client=principal.client,
            notes=body.get("notes", ""),
            source="api",
        )
        return 201, {"booking": ser.booking(booking, principal.actor)}

    with scope(tenant):
        return idempotent(tenant, f"client:{principal.client.id}", book)


# ---------------------------------------------------------------- OpenAPI document and docs page

DOCS_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "font-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; "
    "form-action 'self'; object-src 'none'"
)

DOCS_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Jazyl API</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="{{ css }}"></head>
<body><div id="swagger-ui" data-spec-url="{{ spec }}"></div>
<script src="{{ bundle }}"></script><script src="{{ init }}"></script></body></html>"""


def _openapi_json():
    base = request.host_url.rstrip("/")  # paths in the document start with /api/v1
    return jsonify(openapi_document(base))


def _docs():
    # Same-host paths: on a tenant host an absolute URL to the main host would be cross-origin
    # and the page's own CSP ('self') would block it, leaving a blank page.
    html = render_template_string(
        DOCS_PAGE,
        css=asset("vendor/swagger-ui/swagger-ui.css"),
        bundle=asset("vendor/swagger-ui/swagger-ui-bundle.js"),
        init=asset("js/api-docs.js"),
        spec="/api/openapi.json",
    )
    resp = make_response(html)
    resp.headers["Content-Security-Policy"] = DOCS_CSP
    return resp


@bp.record_once
def _register_document_routes(state) -> None:
    app = state.app
    app.add_url_rule("/api/openapi.json", "api_openapi", _openapi_json)
    app.add_url_rule("/api/docs", "api_docs", _docs)
    app.add_url_rule("/api/openapi.json", "api_openapi_sub", _openapi_json, subdomain="<sub:tenant>")
    app.add_url_rule("/api/docs", "api_docs_sub", _docs, subdomain="<sub:tenant>")


from app.api.v1 import (  # noqa: E402,F401
    views_account,
    views_admin,
    views_bookings,
    views_business,
    views_calendar,
    views_catalog,
)
