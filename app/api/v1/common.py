"""What the endpoint modules (``views*.py``) share: the caller's business, the public
business of a route, a row of the current tenant, paging, the language versions asked
for, error names of translated texts, and replaying an ``Idempotency-Key``.

Every ``views*.py`` imports this module and none imports another endpoint module.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from flask import g, request
from sqlalchemy import select

from app.api.v1 import serializers as ser
from app.bookings.services import run_idempotent
from app.core import tenancy
from app.core.errors import NotFound, Unauthorized, ValidationError
from app.core.hosts import require_active_tenant
from app.extensions import db
from app.tenants.queries import get_tenant_by_subdomain

OWNER = ("owner",)
MANAGERS = ("owner", "manager")
STAFF = ("owner", "manager", "master")
ANY = ("owner", "manager", "master", "client")


def tenant_of(principal):
    """The caller's business (a super admin's: the host's)."""
    tenant = principal.tenant or g.get("tenant")
    if tenant is None:
        raise Unauthorized()
    return tenant


def public_tenant(subdomain: str):
    """The business of a public route; another host's business is not found."""
    tenant = get_tenant_by_subdomain(subdomain)
    host = g.get("host_tenant")
    if tenant is None or (host is not None and host.id != tenant.id):
        raise NotFound()
    g.tenant = tenant
    require_active_tenant()
    return tenant


@contextmanager
def scope(tenant) -> Iterator[None]:
    with tenancy.tenant_scope(tenant.id):
        yield


def load(model, ident: int):
    """A row of the current tenant (the scope filter applies), else 404."""
    obj = db.session.scalar(select(model).where(model.id == ident))
    if obj is None:
        raise NotFound()
    return obj


def paginate(items: list, query: dict) -> tuple[list, int]:
    offset, limit = query.get("offset", 0), query.get("limit", 50)
    return items[offset : offset + limit], len(items)


def page_of(items: list, query: dict, item: Callable[[object], dict]) -> dict:
    """One page of ``items`` (``offset``/``limit`` of the query) as ``{items, total}``."""
    rows, total = paginate(items, query)
    return ser.page([item(x) for x in rows], total)


def versions_wanted(query: dict, tenant) -> str | None:
    """The business's default language when the caller asked for every version
    (``?translations=all``), else ``None``: the serializers' ``versions`` argument."""
    return tenant.default_language if query.get("translations") == "all" else None


@contextmanager
def texts_named_as_sent(body: dict, default_language: str) -> Iterator[None]:
    """Validation errors of a write name a default language's version as it was sent.

    The services check ``translations.<default language>.<field>`` as the field itself (it
    replaces the top-level text) and report it under ``<field>``; the caller sent it under
    ``translations.<default language>.<field>``, so that is the name in ``details``.
    """
    try:
        yield
    except ValidationError as exc:
        own = (body.get("translations") or {}).get(default_language) or {}
        if exc.details and own:
            exc.details = {
                (f"translations.{default_language}.{k}" if k in own else k): v for k, v in exc.details.items()
            }
        raise


def idempotent(tenant, actor_key: str, fn: Callable[[], tuple[int, dict]]) -> tuple[dict, int]:
    """``fn()`` once per ``Idempotency-Key`` of this caller (a repeat replays the answer):
    ``(payload, status)``."""
    key = request.headers.get("Idempotency-Key")
    status, payload = (
        fn() if key is None else run_idempotent(tenant, actor_key, key, request.get_json(silent=True) or {}, fn)
    )
    return payload, status


def translated_page(tenant, query: dict, rows: list, show: Callable[..., dict], **fields) -> dict:
    """A page of translated rows (services, masters, locations), each ``show(row, versions=...,
    **fields)`` with every language version when the query asks for them."""
    versions = versions_wanted(query, tenant)
    return page_of(rows, query, lambda x: show(x, versions=versions, **fields))


def saved_texts(principal, body: dict, key: str, show: Callable[..., dict], save: Callable) -> dict:
    """A write of translated texts: ``save(tenant)`` with the errors named as sent, answered
    as ``{key: show(row, full=True, versions=<default language>)}``."""
    tenant = tenant_of(principal)
    with texts_named_as_sent(body, tenant.default_language):
        row = save(tenant)
    return {key: show(row, full=True, versions=tenant.default_language)}
