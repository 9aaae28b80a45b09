"""Catalogue: the services a business offers, and the checks its other modules share.

The package's rules are split by what they manage: services here, masters in
:mod:`app.catalog.masters`, masters' permission requests in :mod:`app.catalog.permissions`.
Owners manage the whole business; a manager manages the services offered at, and the
masters of, their own location (anything else is not found).  Services and masters are
deactivated, never deleted, so history keeps them.  Changes that alter what can be booked
bump the availability versions in the same transaction (see ``app.scheduling.services``).
Locations and business settings live in ``app.tenants.services``.
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.audit.services import record, snapshot
from app.catalog import rules
from app.catalog.models import Service, ServiceLocation
from app.core.auth import Actor
from app.core.errors import Forbidden, NotFound, ValidationError
from app.core.fields import clean as apply_rule
from app.core.translations import apply_versions, clean_versions, lift_default
from app.extensions import db
from app.scheduling import queries as sq
from app.tenants.models import Location, Tenant

SERVICE_FIELDS = (
    "name",
    "description",
    "duration_minutes",
    "buffer_minutes",
    "price",
    "currency",
    "translations",
    "active",
    "location_ids",
)


# ----------------------------------------------------------------------- access


def require_manager_or_owner(tenant: Tenant, actor: Actor) -> None:
    if actor.role in ("owner", "system"):
        return
    if actor.role == "manager" and actor.tenant_id == tenant.id and actor.location_id is not None:
        return
    raise Forbidden()


def clean_location_ids(value: Any, field: str, errors: dict[str, list]) -> list[int]:
    if not isinstance(value, list | tuple):
        errors.setdefault(field, []).append(_l("Choose at least one location."))
        return []
    try:
        ids = sorted({int(v) for v in value})
    except (TypeError, ValueError):
        errors.setdefault(field, []).append(_l("Choose existing locations."))
        return []
    if not ids:
        errors.setdefault(field, []).append(_l("Choose at least one location."))
        return []
    found = set(db.session.scalars(select(Location.id).where(Location.id.in_(ids))))
    if found != set(ids):
        errors.setdefault(field, []).append(_l("Choose existing locations."))
    return ids


# ----------------------------------------------------------------------- services


def clean_texts(tenant: Tenant, data: dict, texts: dict, partial: bool, clean: dict, errors: dict) -> dict:
    """The name (required) and the texts' other languages' versions; returns ``data`` with the
    default language's versions moved to the fields, which the caller cleans as usual."""
    data = lift_default(data, tenant.default_language, texts)
    if "name" in data or not partial:
        clean["name"] = apply_rule(errors, "name", rules.NAME, data.get("name"))
    versions = clean_versions(errors, data.get("translations"), texts, tenant.default_language)
    if versions is not None:
        clean["translations"] = versions
    return data


def apply_texts(tenant: Tenant, obj, clean: dict) -> None:
    versions = clean.pop("translations", None)
    if versions is not None:
        apply_versions(obj, versions, tenant.default_language)


def _clean_service(tenant: Tenant, actor: Actor, data: dict, partial: bool) -> dict:
    errors: dict[str, list] = {}
    clean: dict[str, Any] = {}
    data = clean_texts(tenant, data, rules.SERVICE_TEXTS, partial, clean, errors)
    if "description" in data:
        clean["description"] = apply_rule(errors, "description", rules.SERVICE_DESCRIPTION, data.get("description"))
    if "duration_minutes" in data or not partial:
        clean["duration_minutes"] = apply_rule(
            errors, "duration_minutes", rules.DURATION_MINUTES, data.get("duration_minutes")
        )
    if "buffer_minutes" in data or not partial:
        buffer = data.get("buffer_minutes")
        buffer = apply_rule(errors, "buffer_minutes", rules.BUFFER_MINUTES, 0 if buffer is None else buffer)
        clean["buffer_minutes"] = buffer
    if "price" in data or not partial:
        clean["price"] = apply_rule(errors, "price", rules.PRICE, data.get("price"))
    if "active" in data:
        clean["active"] = bool(data["active"])
    if "location_ids" in data or not partial:
        raw = data.get("location_ids")
        if raw is None and not partial:
            raw = (
                [actor.location_id]
                if actor.role == "manager"
                else list(db.session.scalars(select(Location.id).where(Location.active.is_(True))))
            )
        ids = clean_location_ids(raw, "location_ids", errors)
        if actor.role == "manager" and any(i != actor.location_id for i in ids):
            errors.setdefault("location_ids", []).append(_l("You can only choose your own location."))
        clean["location_ids"] = ids
    if errors:
        raise ValidationError(errors)
    return clean


def replace_links(link_model, owner_field: str, owner, target_field: str, ids: list[int], relationship: str) -> None:
    """Make the association rows of ``owner`` point at exactly ``ids`` (adds and removes)."""
    current = {
        getattr(row, target_field): row
        for row in db.session.scalars(select(link_model).where(getattr(link_model, owner_field) == owner.id))
    }
    for target_id, row in current.items():
        if target_id not in ids:
            db.session.delete(row)
    for target_id in ids:
        if target_id not in current:
            db.session.add(link_model(**{owner_field: owner.id, target_field: target_id}))
    db.session.flush()
    db.session.expire(owner, [relationship])


def _set_service_locations(service: Service, ids: list[int]) -> None:
    replace_links(ServiceLocation, "service_id", service, "location_id", ids, "locations")


def _service_snapshot(service: Service) -> dict:
    data = snapshot(service, SERVICE_FIELDS[:-1])
    data["location_ids"] = sorted(
        db.session.scalars(select(ServiceLocation.location_id).where(ServiceLocation.service_id == service.id))
    )
    return data


def _scoped_service(tenant: Tenant, actor: Actor, service: Service) -> None:
    if service is None or service.tenant_id != tenant.id:
        raise NotFound()
    if actor.role == "manager" and actor.location_id not in _service_snapshot(service)["location_ids"]:
        raise NotFound()


def create_service(tenant: Tenant, actor: Actor, data: dict) -> Service:
    require_manager_or_owner(tenant, actor)
    clean = _clean_service(tenant, actor, data, partial=False)
    ids = clean.pop("location_ids")
    versions = clean.pop("translations", None)
    service = Service(currency=tenant.currency, **clean)
    apply_texts(tenant, service, {"translations": versions})
    db.session.add(service)
    db.session.flush()
    _set_service_locations(service, ids)
    record(actor, "service.create", "service", service.id, tenant_id=tenant.id, after=_service_snapshot(service))
    return service


def update_service(tenant: Tenant, actor: Actor, service: Service, data: dict) -> Service:
    require_manager_or_owner(tenant, actor)
    _scoped_service(tenant, actor, service)
    before = _service_snapshot(service)
    if actor.role == "manager" and "location_ids" in data:
        # A manager only adds or removes their own location; the others stay as they are.
        wanted = {int(i) for i in data.get("location_ids") or [] if str(i).isdigit()}
        own = actor.location_id
        others = [i for i in before["location_ids"] if i != own]
        data = {**data, "location_ids": sorted(set(others) | ({own} & wanted))}
        clean = _clean_service(tenant, Actor("system", role="owner"), data, partial=True)
    else:
        clean = _clean_service(tenant, actor, data, partial=True)
    ids = clean.pop("location_ids", None)
    apply_texts(tenant, service, clean)
    for k, v in clean.items():
        setattr(service, k, v)
    db.session.flush()
    if ids is not None:
        _set_service_locations(service, ids)
    sq.bump_tenant_version(tenant.id)
    db.session.expire(tenant, ["cache_version"])
    record(
        actor,
        "service.update",
        "service",
        service.id,
        tenant_id=tenant.id,
        before=before,
        after=_service_snapshot(service),
    )
    return service


def deactivate_service(tenant: Tenant, actor: Actor, service: Service) -> Service:
    require_manager_or_owner(tenant, actor)
    _scoped_service(tenant, actor, service)
    before = _service_snapshot(service)
    service.active = False
    db.session.flush()
    sq.bump_tenant_version(tenant.id)
    db.session.expire(tenant, ["cache_version"])
    record(
        actor,
        "service.deactivate",
        "service",
        service.id,
        tenant_id=tenant.id,
        before=before,
        after=_service_snapshot(service),
    )
    return service
