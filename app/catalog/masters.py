"""Catalogue: masters (their services, location, login and permissions), deactivated never deleted.

A master may have a staff login (invited by email when no password is given); a manager
manages the masters of their own location only.
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from app.accounts.models import User
from app.accounts.passwords import invite_staff
from app.accounts.rules import LANGUAGE, OPTIONAL_EMAIL, PHONE
from app.audit.services import record, snapshot
from app.billing import services as billing
from app.bookings.models import BLOCKING_STATUSES, Booking
from app.bookings.queries import future_active_bookings
from app.catalog import rules
from app.catalog.models import PERMISSIONS, Master, MasterService, Service
from app.catalog.services import (
    apply_texts,
    clean_location_ids,
    clean_texts,
    replace_links,
    require_manager_or_owner,
)
from app.core.auth import ROLE_MASTER, Actor, hash_password
from app.core.errors import EmailTaken, Forbidden, NotFound, ValidationError
from app.core.fields import clean as apply_rule
from app.core.types import utcnow
from app.extensions import db
from app.scheduling import queries as sq
from app.tenants.models import Location, Tenant
from app.tenants.services import validate_password


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
    scoped_master(tenant, actor, master)
    if actor.role == "master" and master.id != actor.master_id:
        raise NotFound()
    return master


def scoped_master(tenant: Tenant, actor: Actor, master: Master) -> None:
    if master is None or master.tenant_id != tenant.id:
        raise NotFound()
    if actor.role == "manager" and master.location_id != actor.location_id:
        raise NotFound()


def _clean_master(tenant: Tenant, actor: Actor, data: dict, partial: bool, master: Master | None) -> dict:
    errors: dict[str, list] = {}
    clean: dict[str, Any] = {}
    data = clean_texts(tenant, data, rules.MASTER_TEXTS, partial, clean, errors)
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
        ids = clean_location_ids([raw] if raw is not None else [], "location_id", errors)
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
    user = master.user
    if user is not None and user.active and user.tenant_id == tenant.id and user.role == ROLE_MASTER:
        invite_staff(user, actor)


def _set_master_services(master: Master, ids: list[int]) -> None:
    replace_links(MasterService, "master_id", master, "service_id", ids, "services")


def create_master(tenant: Tenant, actor: Actor, data: dict) -> Master:
    require_manager_or_owner(tenant, actor)
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
    apply_texts(tenant, master, {"translations": versions})
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
    require_manager_or_owner(tenant, actor)
    scoped_master(tenant, actor, master)
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
    apply_texts(tenant, master, clean)
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
    require_manager_or_owner(tenant, actor)
    scoped_master(tenant, actor, master)
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
