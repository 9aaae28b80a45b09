"""Catalogue: services, masters and masters' permission requests.

Owners manage the whole business; a manager manages the services offered at, and the
masters of, their own location (anything else is not found).  Services and masters are
deactivated, never deleted, so history keeps them.  Changes that alter what can be booked
bump the availability versions in the same transaction (see ``app.scheduling.services``).
Locations and business settings live in ``app.tenants.services``.
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from app.accounts.models import User
from app.accounts.rules import OPTIONAL_EMAIL, PHONE
from app.audit.services import Actor, record, snapshot
from app.billing import services as billing
from app.bookings.models import BLOCKING_STATUSES, Booking
from app.catalog import rules
from app.catalog.models import PERMISSIONS, Master, MasterService, PermissionRequest, Service, ServiceLocation
from app.core.auth import ROLE_MASTER, hash_password
from app.core.errors import Conflict, EmailTaken, Forbidden, InvalidTransition, NotFound, ValidationError
from app.core.fields import clean as apply_rule
from app.core.fields import clean_or_raise
from app.core.translations import apply_versions, clean_versions, lift_default
from app.core.types import utcnow
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


def _require_manager_or_owner(tenant: Tenant, actor: Actor) -> None:
    if actor.role in ("owner", "system"):
        return
    if actor.role == "manager" and actor.tenant_id == tenant.id and actor.location_id is not None:
        return
    raise Forbidden()


def _location_ids(value: Any, field: str, errors: dict[str, list]) -> list[int]:
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


def _clean_name(data: dict, partial: bool, clean: dict, errors: dict) -> None:
    if "name" in data or not partial:
        clean["name"] = apply_rule(errors, "name", rules.NAME, data.get("name"))


def _clean_texts(tenant: Tenant, data: dict, texts: dict, clean: dict, errors: dict) -> None:
    """The other languages' versions of the texts (the default language's are the fields)."""
    versions = clean_versions(errors, data.get("translations"), texts, tenant.default_language)
    if versions is not None:
        clean["translations"] = versions


def _apply_texts(tenant: Tenant, obj, clean: dict) -> None:
    versions = clean.pop("translations", None)
    if versions is not None:
        apply_versions(obj, versions, tenant.default_language)


def _clean_service(tenant: Tenant, actor: Actor, data: dict, partial: bool) -> dict:
    errors: dict[str, list] = {}
    clean: dict[str, Any] = {}
    data = lift_default(data, tenant.default_language, rules.SERVICE_TEXTS)
    _clean_name(data, partial, clean, errors)
    _clean_texts(tenant, data, rules.SERVICE_TEXTS, clean, errors)
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
        ids = _location_ids(raw, "location_ids", errors)
        if actor.role == "manager" and any(i != actor.location_id for i in ids):
            errors.setdefault("location_ids", []).append(_l("You can only choose your own location."))
        clean["location_ids"] = ids
    if errors:
        raise ValidationError(errors)
    return clean


def _replace_links(link_model, owner_field: str, owner, target_field: str, ids: list[int], relationship: str) -> None:
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
    _replace_links(ServiceLocation, "service_id", service, "location_id", ids, "locations")


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
    _require_manager_or_owner(tenant, actor)
    clean = _clean_service(tenant, actor, data, partial=False)
    ids = clean.pop("location_ids")
    versions = clean.pop("translations", None)
    service = Service(currency=tenant.currency, **clean)
    _apply_texts(tenant, service, {"translations": versions})
    db.session.add(service)
    db.session.flush()
    _set_service_locations(service, ids)
    record(actor, "service.create", "service", service.id, tenant_id=tenant.id, after=_service_snapshot(service))
    return service


def update_service(tenant: Tenant, actor: Actor, service: Service, data: dict) -> Service:
    _require_manager_or_owner(tenant, actor)
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
    _apply_texts(tenant, service, clean)
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
    _require_manager_or_owner(tenant, actor)
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


# ----------------------------------------------------------------------- masters


def _master_snapshot(master: Master) -> dict:
    data = snapshot(
        master, ("name", "email", "phone", "specialization", "translations", "location_id", "active", "user_id")
    )
    data["permissions"] = sorted(master.permissions or [])
    data["service_ids"] = sorted(
        db.session.scalars(select(MasterService.service_id).where(MasterService.master_id == master.id))
    )
    return data


def location_scope(actor: Actor, requested: int | None = None) -> int | None:
    """The location a staff member's lists cover: a manager's own, whatever was asked for;
    the owner's choice (None: every location)."""
    return actor.location_id if actor.role == "manager" else requested


def get_master_for(tenant: Tenant, actor: Actor, master_id: int) -> Master:
    """A master the actor may see. Owner: any; manager: own location; master: self.
    Anyone else's, or another tenant's, is not found."""
    if actor.role not in ("owner", "manager", "master", "system"):
        raise Forbidden()
    master = db.session.scalar(select(Master).where(Master.id == master_id))
    _scoped_master(tenant, actor, master)
    if actor.role == "master" and master.id != actor.master_id:
        raise NotFound()
    return master


def _scoped_master(tenant: Tenant, actor: Actor, master: Master) -> None:
    if master is None or master.tenant_id != tenant.id:
        raise NotFound()
    if actor.role == "manager" and master.location_id != actor.location_id:
        raise NotFound()


def _clean_master(tenant: Tenant, actor: Actor, data: dict, partial: bool, master: Master | None) -> dict:
    errors: dict[str, list] = {}
    clean: dict[str, Any] = {}
    data = lift_default(data, tenant.default_language, rules.MASTER_TEXTS)
    _clean_name(data, partial, clean, errors)
    _clean_texts(tenant, data, rules.MASTER_TEXTS, clean, errors)
    if "email" in data:
        clean["email"] = apply_rule(errors, "email", OPTIONAL_EMAIL, data.get("email")) or None
    if "phone" in data:
        clean["phone"] = apply_rule(errors, "phone", PHONE, data.get("phone")) or None
    if "specialization" in data:
        clean["specialization"] = apply_rule(errors, "specialization", rules.SPECIALIZATION, data.get("specialization"))
    if "location_id" in data or not partial:
        raw = data.get("location_id")
        if raw is None and not partial:
            raw = (
                actor.location_id
                if actor.role == "manager"
                else db.session.scalar(select(Location.id).where(Location.active.is_(True)).order_by(Location.id))
            )
        ids = _location_ids([raw] if raw is not None else [], "location_id", errors)
        if ids and actor.role == "manager" and ids[0] != actor.location_id:
            errors.setdefault("location_id", []).append(_l("You can only choose your own location."))
        clean["location_id"] = ids[0] if ids else None
    if "service_ids" in data:
        raw = data.get("service_ids") or []
        try:
            sids = sorted({int(v) for v in raw})
        except (TypeError, ValueError):
            sids = None
        if sids is None or set(db.session.scalars(select(Service.id).where(Service.id.in_(sids or [0])))) != set(
            sids or []
        ):
            errors.setdefault("service_ids", []).append(_l("Choose existing services."))
        clean["service_ids"] = sids or []
    if "active" in data:
        clean["active"] = bool(data["active"])
    if data.get("language"):  # the master's login language (messages, invitation); empty: unchanged
        from app.accounts.rules import LANGUAGE

        clean["language"] = apply_rule(errors, "language", LANGUAGE, data.get("language"))
    if "permissions" in data:
        if actor.role not in ("owner", "manager", "system"):
            raise Forbidden()
        perms = data.get("permissions") or []
        if not isinstance(perms, list | tuple) or any(p not in PERMISSIONS for p in perms):
            errors.setdefault("permissions", []).append(_l("Unknown permission."))
        else:
            clean["permissions"] = sorted(set(perms))
    if "password" in data and data.get("password"):
        from app.tenants.services import validate_password

        try:
            clean["password"] = validate_password(data["password"])
        except ValidationError as exc:
            errors.update(exc.details)
    if errors:
        raise ValidationError(errors)
    return clean


def _email_taken(email: str, except_user_id: int | None) -> bool:
    stmt = select(func.count(User.id)).where(func.lower(User.email) == email.lower())
    if except_user_id is not None:
        stmt = stmt.where(User.id != except_user_id)
    return (db.session.scalar(stmt) or 0) > 0


def _sync_login(
    tenant: Tenant, master: Master, email: str | None, password: str | None, language: str | None = None
) -> bool:
    """Give the master a login user (role master) for ``email``; True when an invitation is due."""
    if email is None:
        return False
    user = master.user if master.user_id else None
    if _email_taken(email, user.id if user else None):
        raise EmailTaken()
    if user is None:
        user = User(
            email=email,
            name=master.name,
            role=ROLE_MASTER,
            tenant_id=tenant.id,
            location_id=master.location_id,
            language=language or tenant.default_language or "en",
            password_hash=hash_password(password) if password else None,
            password_changed_at=utcnow() if password else None,
        )
        db.session.add(user)
        db.session.flush()
        master.user_id = user.id
        return password is None
    user.email = email
    if language:
        user.language = language
    if password:
        user.password_hash = hash_password(password)
        user.password_changed_at = utcnow()
    return False


def _invite(tenant: Tenant, master: Master, actor: Actor) -> None:
    """A master given a login without a password gets an invitation to set one."""
    from app.accounts.passwords import invite_staff

    user = master.user
    if user is not None and user.active and user.tenant_id == tenant.id and user.role == ROLE_MASTER:
        invite_staff(user, actor)


def _set_master_services(master: Master, ids: list[int]) -> None:
    _replace_links(MasterService, "master_id", master, "service_id", ids, "services")


def create_master(tenant: Tenant, actor: Actor, data: dict) -> Master:
    _require_manager_or_owner(tenant, actor)
    clean = _clean_master(tenant, actor, data, partial=False, master=None)
    service_ids = clean.pop("service_ids", [])
    password = clean.pop("password", None)
    language = clean.pop("language", None)
    email = clean.get("email")
    versions = clean.pop("translations", None)
    active = clean.pop("active", True)
    if active:
        billing.ensure_within_limit(tenant, "masters", actor=actor)
    master = Master(permissions=clean.pop("permissions", []), active=active, **clean)
    _apply_texts(tenant, master, {"translations": versions})
    db.session.add(master)
    db.session.flush()
    _set_master_services(master, service_ids)
    invite = _sync_login(tenant, master, email, password, language)
    db.session.flush()
    record(actor, "master.create", "master", master.id, tenant_id=tenant.id, after=_master_snapshot(master))
    if invite:
        _invite(tenant, master, actor)
    return master


def update_master(tenant: Tenant, actor: Actor, master: Master, data: dict) -> Master:
    _require_manager_or_owner(tenant, actor)
    _scoped_master(tenant, actor, master)
    clean = _clean_master(tenant, actor, data, partial=True, master=master)
    before = _master_snapshot(master)
    if clean.get("active") and not master.active:
        billing.ensure_within_limit(tenant, "masters", actor=actor, exclude_id=master.id)
    service_ids = clean.pop("service_ids", None)
    password = clean.pop("password", None)
    language = clean.pop("language", None)
    invite = False
    if "email" in clean:
        invite = _sync_login(tenant, master, clean["email"], password, language)
    elif (password or language) and master.user is not None:
        _sync_login(tenant, master, master.user.email, password, language)
    _apply_texts(tenant, master, clean)
    for k, v in clean.items():
        setattr(master, k, v)
    if master.user is not None:
        master.user.name = master.name
        master.user.location_id = master.location_id
        if "active" in clean:
            master.user.active = bool(master.active)
    db.session.flush()
    if service_ids is not None:
        _set_master_services(master, service_ids)
    sq.bump_master_versions(tenant.id, [master.id])
    db.session.refresh(master)
    record(
        actor, "master.update", "master", master.id, tenant_id=tenant.id, before=before, after=_master_snapshot(master)
    )
    if invite:
        _invite(tenant, master, actor)
    return master


def deactivate_master(tenant: Tenant, actor: Actor, master: Master) -> list[Booking]:
    """No new bookings; the future ones stay and are returned for the business to reassign."""
    from app.bookings.queries import future_active_bookings

    _require_manager_or_owner(tenant, actor)
    _scoped_master(tenant, actor, master)
    before = _master_snapshot(master)
    master.active = False
    if master.user is not None:
        master.user.active = False
    db.session.flush()
    sq.bump_master_versions(tenant.id, [master.id])
    db.session.refresh(master)
    record(
        actor,
        "master.deactivate",
        "master",
        master.id,
        tenant_id=tenant.id,
        before=before,
        after=_master_snapshot(master),
    )
    return future_active_bookings(master.id, utcnow(), BLOCKING_STATUSES)


# ----------------------------------------------------------------------- permission requests


def request_permission(tenant: Tenant, actor: Actor, permission: str, reason: str) -> PermissionRequest:
    """A master asks the business for a permission."""
    if actor.role != "master" or actor.master_id is None:
        raise Forbidden()
    if permission not in PERMISSIONS:
        raise ValidationError.field("permission", _l("Unknown permission."))
    reason = clean_or_raise("reason", rules.PERMISSION_REASON, reason)
    master = db.session.scalar(select(Master).where(Master.id == actor.master_id))
    if master is None:
        raise NotFound()
    if master.has_permission(permission):
        raise Conflict(_l("You already have this permission."))
    pending = db.session.scalar(
        select(PermissionRequest.id).where(
            PermissionRequest.master_id == master.id,
            PermissionRequest.permission == permission,
            PermissionRequest.status == "pending",
        )
    )
    if pending is not None:
        raise Conflict(_l("You have already asked for this permission."))
    req = PermissionRequest(master_id=master.id, permission=permission, reason=str(reason or "").strip()[:2000])
    db.session.add(req)
    db.session.flush()
    record(
        actor,
        "permission_request.create",
        "permission_request",
        req.id,
        tenant_id=tenant.id,
        after=snapshot(req, ("master_id", "permission", "reason", "status")),
    )
    from app.notifications import events

    events.permission_request_new(req)
    return req


def list_permission_requests(tenant: Tenant, actor: Actor, *, status: str | None = None) -> list[PermissionRequest]:
    stmt = select(PermissionRequest).order_by(PermissionRequest.created_at.desc(), PermissionRequest.id.desc())
    if status:
        stmt = stmt.where(PermissionRequest.status == status)
    if actor.role == "master":
        stmt = stmt.where(PermissionRequest.master_id == (actor.master_id or 0))
    elif actor.role == "manager":
        stmt = stmt.join(Master, Master.id == PermissionRequest.master_id).where(
            Master.location_id == actor.location_id
        )
    elif actor.role not in ("owner", "system"):
        raise Forbidden()
    return list(db.session.scalars(stmt).unique())


def decide_permission_request(tenant: Tenant, actor: Actor, req: PermissionRequest, approve: bool) -> PermissionRequest:
    """Owner (or the master's location manager) grants or denies; a grant takes effect at once."""
    _require_manager_or_owner(tenant, actor)
    if req is None or req.tenant_id != tenant.id:
        raise NotFound()
    master = req.master
    _scoped_master(tenant, actor, master)
    if req.status != "pending":
        raise InvalidTransition(_l("This request has already been decided."))
    before = snapshot(req, ("status",))
    req.status = "approved" if approve else "denied"
    req.decided_by_user_id = actor.id if actor.kind == "user" else None
    req.decided_at = utcnow()
    if approve and not master.has_permission(req.permission):
        master_before = sorted(master.permissions or [])
        master.permissions = sorted({*master_before, req.permission})
        record(
            actor,
            "master.grant_permission",
            "master",
            master.id,
            tenant_id=tenant.id,
            before={"permissions": master_before},
            after={"permissions": master.permissions},
        )
    db.session.flush()
    record(
        actor,
        f"permission_request.{req.status}",
        "permission_request",
        req.id,
        tenant_id=tenant.id,
        before=before,
        after=snapshot(req, ("status", "permission", "master_id")),
    )
    from app.notifications import events

    events.permission_request_decided(req)
    return req
